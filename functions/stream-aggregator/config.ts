/**
 * The aggregator's settings, read once from the environment at cold start. A bad value fails
 * the init with the variable's name, the value and what is allowed.
 */
import type { AggregateRuleConfig } from './rules';

export interface AggregatorConfig {
  /** LAKE_BUCKET: the regional lake bucket. */
  readonly bucket: string;
  /** LAKE_KMS_KEY_ARN: SSE-KMS key sent with each PutObject (optional; the bucket default otherwise). */
  readonly kmsKeyArn: string | undefined;
  /** ALERT_TOPIC_ARN: SNS topic the rule alerts go to. */
  readonly alertTopicArn: string;
  /** MIN_CONVERSION_RATE, MAX_TRAFFIC_DROP_RATIO (0-1), RULE_MIN_EVENTS (integer >= 1). */
  readonly rules: AggregateRuleConfig;
  /** PLATFORM_NAME: names the platform in alert messages. */
  readonly platform: string;
  /** AWS_REGION (set by Lambda). */
  readonly region: string;
  /** AWS_S3_FORCE_PATH_STYLE=true: path-style URLs, for local S3-compatible servers. */
  readonly forcePathStyle: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, allowed: string): string {
  const raw = env[name] ?? '';
  if (!pattern.test(raw)) throw new ConfigError(`${name}="${raw}" is invalid: allowed ${allowed}`);
  return raw;
}

function ratio(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name] ?? '';
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!(n >= 0 && n <= 1)) throw new ConfigError(`${name}="${raw}" is invalid: allowed a number from 0 to 1`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv): AggregatorConfig {
  const kms = env.LAKE_KMS_KEY_ARN || undefined;
  if (kms !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/.test(kms)) {
    throw new ConfigError(`LAKE_KMS_KEY_ARN="${kms}" is invalid: allowed a KMS key or alias ARN`);
  }
  const minEventsRaw = env.RULE_MIN_EVENTS ?? '';
  const minEvents = Number(minEventsRaw);
  if (minEventsRaw.trim() === '' || !Number.isInteger(minEvents) || minEvents < 1) throw new ConfigError(`RULE_MIN_EVENTS="${minEventsRaw}" is invalid: allowed an integer of at least 1`);
  const pathStyle = env.AWS_S3_FORCE_PATH_STYLE ?? 'false';
  if (pathStyle !== 'true' && pathStyle !== 'false') throw new ConfigError(`AWS_S3_FORCE_PATH_STYLE="${pathStyle}" is invalid: allowed true or false`);
  return {
    bucket: required(env, 'LAKE_BUCKET', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'),
    kmsKeyArn: kms,
    alertTopicArn: required(env, 'ALERT_TOPIC_ARN', /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN'),
    rules: { minConversionRate: ratio(env, 'MIN_CONVERSION_RATE'), maxTrafficDropRatio: ratio(env, 'MAX_TRAFFIC_DROP_RATIO'), minEvents },
    platform: required(env, 'PLATFORM_NAME', /^[A-Za-z0-9._-]{1,64}$/, '1-64 letters, digits, . _ -'),
    region: required(env, 'AWS_REGION', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1'),
    forcePathStyle: pathStyle === 'true',
  };
}
