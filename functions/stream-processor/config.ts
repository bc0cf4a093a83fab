/**
 * The processor's settings, read once from the environment at cold start. A bad value
 * fails the init with the variable's name, the value and what is allowed.
 *
 * There is deliberately no Redshift setting: the processor only writes objects. The
 * warehouse loader (S3 event -> SQS -> loader -> COPY) picks them up when the warehouse
 * exists (config.redshift.enabled), so the processor runs the same with or without it.
 */
import { BOOLEAN, type Environment, integer, KMS_KEY_ARN, POWERTOOLS_ENV, readEnvironment, S3_BUCKET_NAME } from '../shared/env';

/** Environment variable names, also the keys of the construct's environment map. */
export const ENV = {
  ...POWERTOOLS_ENV,
  lakeBucket: 'LAKE_BUCKET',
  lakeKmsKeyArn: 'LAKE_KMS_KEY_ARN',
  s3MaxAttempts: 'S3_MAX_ATTEMPTS',
  s3BaseDelayMs: 'S3_BASE_DELAY_MS',
  s3MaxDelayMs: 'S3_MAX_DELAY_MS',
  writeConcurrency: 'WRITE_CONCURRENCY',
  timeReserveMs: 'TIME_RESERVE_MS',
  forcePathStyle: 'AWS_S3_FORCE_PATH_STYLE',
} as const;

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
  /** TIME_RESERVE_MS (0-60000, default 3000): kept back from the invocation's remaining time; every S3 write is aborted, and no retry starts, past that deadline. */
  readonly timeReserveMs: number;
  /** AWS_S3_FORCE_PATH_STYLE=true: path-style URLs, for local S3-compatible servers. */
  readonly forcePathStyle: boolean;
}

export function readConfig(env: Environment): ProcessorConfig {
  return readEnvironment(env, (vars) => ({
    bucket: vars.required(ENV.lakeBucket, S3_BUCKET_NAME),
    kmsKeyArn: vars.optional(ENV.lakeKmsKeyArn, KMS_KEY_ARN),
    s3MaxAttempts: vars.withDefault(ENV.s3MaxAttempts, integer({ min: 1, max: 10 }), 5),
    s3BaseDelayMs: vars.withDefault(ENV.s3BaseDelayMs, integer({ min: 1, max: 10_000 }), 100),
    s3MaxDelayMs: vars.withDefault(ENV.s3MaxDelayMs, integer({ min: 1, max: 60_000 }), 2000),
    writeConcurrency: vars.withDefault(ENV.writeConcurrency, integer({ min: 1, max: 64 }), 8),
    timeReserveMs: vars.withDefault(ENV.timeReserveMs, integer({ min: 0, max: 60_000 }), 3000),
    forcePathStyle: vars.withDefault(ENV.forcePathStyle, BOOLEAN, false),
  }));
}
