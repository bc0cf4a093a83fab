/**
 * The processor's settings, read once from the environment at cold start. A bad value
 * fails the init with the variable's name, the value and what is allowed.
 *
 * There is deliberately no Redshift setting: the processor only writes objects. The
 * warehouse loader (S3 event -> SQS -> loader -> COPY) picks them up when the warehouse
 * exists (config.redshift.enabled), so the processor runs the same with or without it.
 */
export interface ProcessorConfig {
  /** LAKE_BUCKET: the regional lake bucket. */
  readonly bucket: string;
  /** LAKE_KMS_KEY_ARN: SSE-KMS key sent with each PutObject (optional; bucket default otherwise). */
  readonly kmsKeyArn: string | undefined;
  /** S3_MAX_ATTEMPTS (1-10, default 5). */
  readonly s3MaxAttempts: number;
  /** S3_BASE_DELAY_MS (1-10000, default 100). */
  readonly s3BaseDelayMs: number;
  /** S3_MAX_DELAY_MS (1-60000, default 2000). */
  readonly s3MaxDelayMs: number;
  /** WRITE_CONCURRENCY (1-64, default 8). */
  readonly writeConcurrency: number;
  /** TIME_RESERVE_MS (0-60000, default 3000): no S3 retry starts with less than this left in the invocation. */
  readonly timeReserveMs: number;
  /** AWS_S3_FORCE_PATH_STYLE=true: path-style URLs, for local S3-compatible servers. */
  readonly forcePathStyle: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name}="${raw}" is invalid: allowed an integer from ${min} to ${max}`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv): ProcessorConfig {
  const bucket = env.LAKE_BUCKET ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`LAKE_BUCKET="${bucket}" is invalid: allowed an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  const kms = env.LAKE_KMS_KEY_ARN || undefined;
  if (kms !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/.test(kms)) {
    throw new ConfigError(`LAKE_KMS_KEY_ARN="${kms}" is invalid: allowed a KMS key or alias ARN`);
  }
  const pathStyle = env.AWS_S3_FORCE_PATH_STYLE ?? 'false';
  if (pathStyle !== 'true' && pathStyle !== 'false') throw new ConfigError(`AWS_S3_FORCE_PATH_STYLE="${pathStyle}" is invalid: allowed true or false`);
  const cfg: ProcessorConfig = {
    bucket,
    kmsKeyArn: kms,
    s3MaxAttempts: int(env, 'S3_MAX_ATTEMPTS', 5, 1, 10),
    s3BaseDelayMs: int(env, 'S3_BASE_DELAY_MS', 100, 1, 10_000),
    s3MaxDelayMs: int(env, 'S3_MAX_DELAY_MS', 2000, 1, 60_000),
    writeConcurrency: int(env, 'WRITE_CONCURRENCY', 8, 1, 64),
    timeReserveMs: int(env, 'TIME_RESERVE_MS', 3000, 0, 60_000),
    forcePathStyle: pathStyle === 'true',
  };
  return cfg;
}
