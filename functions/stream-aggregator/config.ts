/**
 * The aggregator's settings, read once from the environment at cold start. A bad value fails
 * the init with the variable's name, the value and what is allowed.
 */
import {
  AWS_REGION_NAME,
  BOOLEAN,
  decimal,
  type Environment,
  integer,
  KMS_KEY_ARN,
  matching,
  POWERTOOLS_ENV,
  readEnvironment,
  S3_BUCKET_NAME,
  SNS_TOPIC_ARN,
} from '../shared/env';
import type { AggregateRuleConfig } from './rules';

/** Environment variable names, also the keys of the construct's environment map. */
export const ENV = {
  ...POWERTOOLS_ENV,
  lakeBucket: 'LAKE_BUCKET',
  lakeKmsKeyArn: 'LAKE_KMS_KEY_ARN',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  minConversionRate: 'MIN_CONVERSION_RATE',
  maxTrafficDropRatio: 'MAX_TRAFFIC_DROP_RATIO',
  ruleMinEvents: 'RULE_MIN_EVENTS',
  platformName: 'PLATFORM_NAME',
  /** Set by Lambda itself. */
  region: 'AWS_REGION',
  forcePathStyle: 'AWS_S3_FORCE_PATH_STYLE',
  timeReserveMs: 'TIME_RESERVE_MS',
} as const;

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
  /** TIME_RESERVE_MS (0-60000, default 3000): every S3 and SNS call ends this long before the function timeout. */
  readonly timeReserveMs: number;
}

const RATIO = decimal({ min: 0, max: 1 });
const PLATFORM_NAME = matching(/^[A-Za-z0-9._-]{1,64}$/, '1-64 letters, digits, . _ -');

export function readConfig(env: Environment): AggregatorConfig {
  return readEnvironment(env, (vars) => ({
    bucket: vars.required(ENV.lakeBucket, S3_BUCKET_NAME),
    kmsKeyArn: vars.optional(ENV.lakeKmsKeyArn, KMS_KEY_ARN),
    alertTopicArn: vars.required(ENV.alertTopicArn, SNS_TOPIC_ARN),
    rules: {
      minConversionRate: vars.required(ENV.minConversionRate, RATIO),
      maxTrafficDropRatio: vars.required(ENV.maxTrafficDropRatio, RATIO),
      minEvents: vars.required(ENV.ruleMinEvents, integer({ min: 1 })),
    },
    platform: vars.required(ENV.platformName, PLATFORM_NAME),
    region: vars.required(ENV.region, AWS_REGION_NAME),
    forcePathStyle: vars.withDefault(ENV.forcePathStyle, BOOLEAN, false),
    timeReserveMs: vars.withDefault(ENV.timeReserveMs, integer({ min: 0, max: 60_000 }), 3000),
  }));
}
