import { costControlRules } from './cost-rules';
import { ENVIRONMENT_DEFAULTS, TUNABLE_DEFAULTS } from './defaults';
import { quicksightRules } from './quicksight-rules';
import { restoreTestRules } from './restore-test-rules';
import { KNOWN_REGIONS, LONGEST_REGION_SHORT_CODE } from './regions';
import { type Rule, integerIn, numberIn, oneOf } from './rules';
import { type PlatformConfig, type SageMakerVariantConfig, SECURITY_HUB_SEVERITIES } from './types';

/** One thing wrong with the configuration: which field, what it was, what is allowed. */
export interface ConfigProblem {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** The only error the configuration layer throws. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigValidationError';
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return `config error: ${problem.field} = ${renderValue(problem.value)}: ${problem.allowed}`;
}

/** Stands in for a non-finite number inside JSON.stringify, which would otherwise print it as null. */
const NON_FINITE_MARK = '\uE000';

function renderValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    const faithful = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `${NON_FINITE_MARK}${v}` : v);
    text = (JSON.stringify(value, faithful) ?? String(value)).replace(new RegExp(`"${NON_FINITE_MARK}(-?Infinity|NaN)"`, 'g'), '$1');
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Raw inputs: environment-variable fields and the parsed per-environment file. */
export interface ConfigInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Parsed `config/<environment>.json`, or undefined when the file does not exist. */
  readonly file: unknown;
  /** Where `file` came from, for messages. */
  readonly fileLabel?: string;
}

type Problems = ConfigProblem[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A field of a parsed file or a table, looked up as an own key only: `constructor`, `toString` or
 * `__proto__` in a configuration file must never find something on Object.prototype.
 */
function ownField<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Overlays `candidate` on `defaults`, keeping the default's shape: unknown keys and wrong types
 * are reported instead of merged, so a typo never silently falls back to a default.
 */
function overlay(defaults: unknown, candidate: unknown, path: string, problems: Problems): unknown {
  if (candidate === undefined) return defaults;
  if (Array.isArray(defaults)) {
    if (!Array.isArray(candidate)) {
      problems.push({ field: path, value: candidate, allowed: `must be an array, got ${kindOf(candidate)}` });
      return defaults;
    }
    return candidate;
  }
  if (isPlainObject(defaults)) {
    if (!isPlainObject(candidate)) {
      problems.push({ field: path, value: candidate, allowed: `must be an object, got ${kindOf(candidate)}` });
      return defaults;
    }
    const isOpenRecord = Object.keys(defaults).length === 0;
    if (isOpenRecord) return candidate;
    const merged: Record<string, unknown> = {};
    for (const key of Object.keys(defaults)) {
      merged[key] = overlay(defaults[key], ownField(candidate, key), path ? `${path}.${key}` : key, problems);
    }
    for (const key of Object.keys(candidate)) {
      if (!Object.hasOwn(defaults, key)) {
        problems.push({
          field: path ? `${path}.${key}` : key,
          value: candidate[key],
          allowed: `unknown field; allowed fields here: ${Object.keys(defaults).join(', ')}`,
        });
      }
    }
    return merged;
  }
  if (typeof candidate !== typeof defaults) {
    problems.push({ field: path, value: candidate, allowed: `must be a ${typeof defaults}, got ${kindOf(candidate)}` });
    return defaults;
  }
  if (typeof candidate === 'number' && !Number.isFinite(candidate)) {
    problems.push({
      field: path,
      value: candidate,
      allowed: 'must be a finite number (a JSON number beyond ±1.7976931348623157e308, such as 1e400, reads as Infinity)',
    });
    return defaults;
  }
  return candidate;
}

const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const NAME_PART = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAINTENANCE_WINDOW = /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const RETIRED_REDSHIFT_PREFIXES = ['dc1.', 'dc2.', 'ds2.'];
/**
 * Node counts CreateCluster accepts per RA3 type (the Redshift management guide's "node range with
 * create cluster"). Elastic resize can later grow ra3.xlplus to 32 and ra3.4xlarge to 64 nodes, but
 * Terraform creates the cluster, so the creation range is what a configuration may ask for.
 */
export const REDSHIFT_NODE_COUNTS: Readonly<Record<string, { min: number; max: number }>> = {
  'ra3.large': { min: 1, max: 16 },
  'ra3.xlplus': { min: 1, max: 16 },
  'ra3.4xlarge': { min: 2, max: 32 },
  'ra3.16xlarge': { min: 2, max: 128 },
};
const SAGEMAKER_INSTANCE = /^ml\.[a-z0-9]+\.(medium|large|\d*xlarge)$/;
/** Longest suffix a bucket name gets after `<project>-<env>-`: `access-logs-<12-digit account>-<region code>`. */
const LONGEST_BUCKET_SUFFIX = 'access-logs-'.length + 12 + 1 + LONGEST_REGION_SHORT_CODE;
const MAX_NAME_PREFIX = 63 - 1 - LONGEST_BUCKET_SUFFIX;

const ENVIRONMENT_NAME_ALLOWED = 'lowercase letters, digits and single hyphens, 2+ characters (S3 bucket and IAM naming rules)';

function environmentNameRule(environment: string): Rule {
  return { field: 'ENVIRONMENT', value: environment, ok: NAME_PART.test(environment) && environment.length >= 2, allowed: ENVIRONMENT_NAME_ALLOWED };
}

/**
 * The problem with an ENVIRONMENT value, if any. The loader checks it before the name becomes part
 * of a file path (`config/<ENVIRONMENT>.json`), so `../package` never reads another file.
 */
export function environmentNameProblem(environment: string): ConfigProblem | undefined {
  const { ok, ...problem } = environmentNameRule(environment);
  return ok ? undefined : problem;
}

function cidrProblems(field: string, value: string): ConfigProblem[] {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  const allowed = 'an IPv4 CIDR block with prefix /16 to /20 in a private range (10/8, 172.16/12, 192.168/16)';
  if (!match) return [{ field, value, allowed }];
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix < 16 || prefix > 20) return [{ field, value, allowed }];
  const [a, b] = octets;
  const isPrivate = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  if (!isPrivate) return [{ field, value, allowed }];
  return [];
}

function cidrRange(value: string): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(value);
  if (!match) return undefined;
  const base = match.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(match[5]));
  const start = base - (base % size);
  return [start, start + size - 1];
}

function variantRules(variants: readonly unknown[]): { rules: Rule[]; parsed: SageMakerVariantConfig[] } {
  const rules: Rule[] = [];
  const parsed: SageMakerVariantConfig[] = [];
  const template = TUNABLE_DEFAULTS.sagemaker.variants[0];
  variants.forEach((candidate, index) => {
    const field = `sagemaker.variants[${index}]`;
    const problems: Problems = [];
    const variant = overlay(template, candidate, field, problems) as SageMakerVariantConfig;
    if (isPlainObject(candidate)) {
      for (const key of Object.keys(template) as (keyof SageMakerVariantConfig)[]) {
        if (!Object.hasOwn(candidate, key)) problems.push({ field: `${field}.${key}`, value: undefined, allowed: 'required for every variant' });
      }
    }
    rules.push(...problems.map((p) => ({ ...p, ok: false })));
    parsed.push(variant);
    rules.push(
      {
        field: `${field}.name`,
        value: variant.name,
        ok: /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/.test(variant.name),
        allowed: 'letters, digits and hyphens, 1-63 characters',
      },
      { field: `${field}.modelVersion`, value: variant.modelVersion, ok: /^v\d+$/.test(variant.modelVersion), allowed: 'a version directory such as "v1"' },
      {
        field: `${field}.instanceType`,
        value: variant.instanceType,
        ok: SAGEMAKER_INSTANCE.test(variant.instanceType),
        allowed: 'a SageMaker hosting instance type such as "ml.m5.large"',
      },
      integerIn(`${field}.initialInstanceCount`, variant.initialInstanceCount, 1, 100),
      numberIn(`${field}.initialWeight`, variant.initialWeight, 0, 1_000_000),
    );
  });
  const names = parsed.map((v) => v.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  rules.push(
    { field: 'sagemaker.variants', value: variants.length, ok: variants.length >= 1 && variants.length <= 10, allowed: 'between 1 and 10 production variants' },
    { field: 'sagemaker.variants', value: duplicate, ok: duplicate === undefined, allowed: 'variant names must be unique' },
    {
      field: 'sagemaker.variants[*].initialWeight',
      value: parsed.map((v) => v.initialWeight),
      ok: parsed.reduce((sum, v) => sum + (typeof v.initialWeight === 'number' ? v.initialWeight : 0), 0) > 0,
      allowed: 'weights must sum to a positive number',
    },
  );
  return { rules, parsed };
}

function semanticRules(c: PlatformConfig, variantCheck: Rule[]): Rule[] {
  const a = c.observability.alarms;
  const namePrefix = `${c.projectName}-${c.environment}`;
  const primaryRange = cidrRange(c.network.primaryVpcCidr);
  const drRange = cidrRange(c.network.drVpcCidr);
  const overlapping = !!primaryRange && !!drRange && primaryRange[0] <= drRange[1] && drRange[0] <= primaryRange[1];
  const retired = RETIRED_REDSHIFT_PREFIXES.some((p) => c.redshift.nodeType.startsWith(p));
  const nodeLimits = ownField(REDSHIFT_NODE_COUNTS, c.redshift.nodeType);
  const ratio = (field: string, value: number) => numberIn(field, value, 0, 1);

  return [
    {
      field: 'PROJECT_NAME',
      value: c.projectName,
      ok: NAME_PART.test(c.projectName) && c.projectName.length >= 3,
      allowed: 'lowercase letters, digits and single hyphens, 3+ characters, starting and ending with a letter or digit (S3 bucket and IAM naming rules)',
    },
    environmentNameRule(c.environment),
    {
      field: 'PROJECT_NAME + ENVIRONMENT',
      value: namePrefix,
      ok: namePrefix.length <= MAX_NAME_PREFIX,
      allowed: `"<project>-<environment>" must be at most ${MAX_NAME_PREFIX} characters so bucket names stay within S3's 63`,
    },
    oneOf('AWS_REGION', c.primaryRegion, KNOWN_REGIONS),
    oneOf('SECONDARY_REGION', c.drRegion, KNOWN_REGIONS),
    {
      field: 'SECONDARY_REGION',
      value: c.drRegion,
      ok: c.drRegion !== c.primaryRegion,
      allowed: `must differ from AWS_REGION (${c.primaryRegion}): the DR stack needs another region`,
    },
    oneOf('drMode', c.drMode, ['pilot-light', 'warm-standby']),
    {
      field: 'tags.owner',
      value: c.tags.owner,
      ok: /^[\w .:/=+@-]{1,256}$/.test(c.tags.owner),
      allowed: 'a tag value of 1-256 letters, digits, spaces and _.:/=+-@',
    },
    {
      field: 'tags.costCenter',
      value: c.tags.costCenter,
      ok: /^[\w .:/=+@-]{1,256}$/.test(c.tags.costCenter),
      allowed: 'a tag value of 1-256 letters, digits, spaces and _.:/=+-@',
    },
    ...Object.entries(c.tags.extra).map(([key, value]) => ({
      field: `tags.extra.${key}`,
      value,
      ok: typeof value === 'string' && /^[\w .:/=+@-]{0,256}$/.test(value) && /^[\w .:/=+@-]{1,128}$/.test(key) && !key.startsWith('aws:'),
      allowed: 'a string tag value (0-256 of letters, digits, spaces and _.:/=+-@) under a key of 1-128 such characters not starting with "aws:"',
    })),
    ...cidrProblems('network.primaryVpcCidr', c.network.primaryVpcCidr).map((p) => ({ ...p, ok: false })),
    ...cidrProblems('network.drVpcCidr', c.network.drVpcCidr).map((p) => ({ ...p, ok: false })),
    {
      field: 'network.drVpcCidr',
      value: c.network.drVpcCidr,
      ok: !overlapping,
      allowed: `must not overlap network.primaryVpcCidr (${c.network.primaryVpcCidr}) so the VPCs can be peered`,
    },
    oneOf('network.natStrategy', c.network.natStrategy, ['single', 'per-az']),
    integerIn('network.maxAzs', c.network.maxAzs, 2, 3),
    integerIn('dataLake.rawInfrequentAccessDays', c.dataLake.rawInfrequentAccessDays, 30, 3650, ' (S3 needs 30+ days before Standard-IA)'),
    {
      field: 'dataLake.rawGlacierDays',
      value: c.dataLake.rawGlacierDays,
      ok: Number.isInteger(c.dataLake.rawGlacierDays) && c.dataLake.rawGlacierDays >= c.dataLake.rawInfrequentAccessDays + 30,
      allowed: `must be an integer at least 30 days after dataLake.rawInfrequentAccessDays (${c.dataLake.rawInfrequentAccessDays})`,
    },
    integerIn('dataLake.quarantineExpirationDays', c.dataLake.quarantineExpirationDays, 1, 3650),
    integerIn('dataLake.dataCaptureExpirationDays', c.dataLake.dataCaptureExpirationDays, 1, 3650),
    integerIn('dataLake.noncurrentVersionExpirationDays', c.dataLake.noncurrentVersionExpirationDays, 1, 3650),
    integerIn('dataLake.abortIncompleteMultipartUploadDays', c.dataLake.abortIncompleteMultipartUploadDays, 1, 365),
    integerIn('dataLake.athenaResultsExpirationDays', c.dataLake.athenaResultsExpirationDays, 1, 3650),
    integerIn('dataLake.accessLogExpirationDays', c.dataLake.accessLogExpirationDays, 1, 3650),
    oneOf('kinesis.capacityMode', c.kinesis.capacityMode, ['provisioned', 'on-demand']),
    integerIn('kinesis.shardCount', c.kinesis.shardCount, 1, 500),
    integerIn('kinesis.retentionHours', c.kinesis.retentionHours, 24, 8760),
    integerIn('kinesis.rawArchiveBufferSeconds', c.kinesis.rawArchiveBufferSeconds, 0, 900),
    integerIn('streamProcessor.memoryMb', c.streamProcessor.memoryMb, 128, 10240),
    integerIn('streamProcessor.timeoutSeconds', c.streamProcessor.timeoutSeconds, 1, 900),
    integerIn('streamProcessor.reservedConcurrency', c.streamProcessor.reservedConcurrency, 1, 1000),
    integerIn('streamProcessor.batchSize', c.streamProcessor.batchSize, 1, 10000),
    integerIn('streamProcessor.batchingWindowSeconds', c.streamProcessor.batchingWindowSeconds, 0, 300),
    integerIn('streamProcessor.parallelizationFactor', c.streamProcessor.parallelizationFactor, 1, 10),
    integerIn(
      'streamProcessor.maximumRetryAttempts',
      c.streamProcessor.maximumRetryAttempts,
      0,
      10000,
      ' (-1, retry forever, lets one poison record block a shard for a week)',
    ),
    integerIn('streamProcessor.maximumRecordAgeSeconds', c.streamProcessor.maximumRecordAgeSeconds, 60, 604800, ' (-1, forever, is not allowed)'),
    integerIn('athena.bytesScannedCutoffPerQuery', c.athena.bytesScannedCutoffPerQuery, 10_485_760, Number.MAX_SAFE_INTEGER),
    {
      field: 'redshift.nodeType',
      value: c.redshift.nodeType,
      ok: !retired,
      allowed: 'DC1, DC2 and DS2 node types are retired and can no longer be created; use an RA3 type (ra3.large replaces dc2.large)',
    },
    {
      field: 'redshift.nodeType',
      value: c.redshift.nodeType,
      ok: retired || nodeLimits !== undefined,
      allowed: `must be one of ${Object.keys(REDSHIFT_NODE_COUNTS).join(', ')}`,
    },
    ...(nodeLimits ? [integerIn('redshift.numberOfNodes', c.redshift.numberOfNodes, nodeLimits.min, nodeLimits.max, ` for ${c.redshift.nodeType}`)] : []),
    {
      field: 'redshift.databaseName',
      value: c.redshift.databaseName,
      ok: /^[a-z][a-z0-9_]{0,62}$/.test(c.redshift.databaseName) && c.redshift.databaseName !== 'dev',
      allowed: 'lowercase letters, digits and underscores, starting with a letter, at most 63 characters, not "dev"',
    },
    {
      field: 'redshift.masterUsername',
      value: c.redshift.masterUsername,
      ok: /^[a-z][a-z0-9_]{0,127}$/.test(c.redshift.masterUsername) && !['admin', 'rdsadmin', 'root'].includes(c.redshift.masterUsername),
      allowed: 'lowercase letters, digits and underscores starting with a letter, not a reserved word such as admin',
    },
    integerIn('redshift.automatedSnapshotRetentionDays', c.redshift.automatedSnapshotRetentionDays, 1, 35),
    integerIn('redshift.snapshotIntervalHours', c.redshift.snapshotIntervalHours, 1, 24, ' (1 hour is the finest schedule Redshift supports)'),
    integerIn('redshift.drSnapshotRetentionDays', c.redshift.drSnapshotRetentionDays, 1, 35),
    {
      field: 'redshift.maintenanceWindow',
      value: c.redshift.maintenanceWindow,
      ok: MAINTENANCE_WINDOW.test(c.redshift.maintenanceWindow),
      allowed: 'ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. "sun:05:00-sun:05:30"',
    },
    integerIn(
      'redshift.loaderMaxConcurrency',
      c.redshift.loaderMaxConcurrency,
      2,
      5,
      ' (the SQS event source mapping allows a maximum concurrency of 2 or more)',
    ),
    {
      field: 'sagemaker.xgboostImageTag',
      value: c.sagemaker.xgboostImageTag,
      ok: /^\d+\.\d+-\d+$/.test(c.sagemaker.xgboostImageTag),
      allowed: 'a sagemaker-xgboost image tag such as "1.7-1"',
    },
    ...variantCheck,
    integerIn('sagemaker.dataCaptureSamplingPercent', c.sagemaker.dataCaptureSamplingPercent, 0, 100),
    integerIn('sagemaker.autoscalingMinInstances', c.sagemaker.autoscalingMinInstances, 1, 100),
    integerIn(
      'sagemaker.autoscalingMaxInstances',
      c.sagemaker.autoscalingMaxInstances,
      Math.max(1, c.sagemaker.autoscalingMinInstances),
      100,
      ' (at least sagemaker.autoscalingMinInstances)',
    ),
    integerIn('sagemaker.targetInvocationsPerInstance', c.sagemaker.targetInvocationsPerInstance, 1, 100000),
    integerIn('sagemaker.canaryPercent', c.sagemaker.canaryPercent, 1, 50),
    integerIn('inferenceApi.memoryMb', c.inferenceApi.memoryMb, 128, 10240),
    integerIn('inferenceApi.timeoutSeconds', c.inferenceApi.timeoutSeconds, 3, 29, ' (the HTTP API integration times out at 30 s)'),
    integerIn('inferenceApi.reservedConcurrency', c.inferenceApi.reservedConcurrency, 1, 1000),
    oneOf('inferenceApi.authorization', c.inferenceApi.authorization, ['AWS_IAM', 'NONE']),
    numberIn('inferenceApi.throttlingRateLimit', c.inferenceApi.throttlingRateLimit, 1, 100000),
    integerIn('inferenceApi.throttlingBurstLimit', c.inferenceApi.throttlingBurstLimit, 1, 100000),
    ...c.observability.alertEmails.map((email, i) => ({
      field: `observability.alertEmails[${i}]`,
      value: email,
      ok: typeof email === 'string' && EMAIL.test(email),
      allowed: 'an e-mail address such as oncall@example.com',
    })),
    oneOf('observability.logRetentionDays', c.observability.logRetentionDays, LOG_RETENTION_DAYS),
    numberIn('observability.monthlyBudgetUsd', c.observability.monthlyBudgetUsd, 1, 10_000_000),
    integerIn('observability.alarms.iteratorAgeMs', a.iteratorAgeMs, 1000, 604_800_000),
    integerIn('observability.alarms.lambdaErrors', a.lambdaErrors, 1, 1_000_000),
    integerIn('observability.alarms.lambdaThrottles', a.lambdaThrottles, 1, 1_000_000),
    ratio('observability.alarms.dataQualityRatio', a.dataQualityRatio),
    ratio('observability.alarms.completenessRatio', a.completenessRatio),
    ratio('observability.alarms.validityRatio', a.validityRatio),
    ratio('observability.alarms.duplicateRatio', a.duplicateRatio),
    integerIn('observability.alarms.freshnessP99Ms', a.freshnessP99Ms, 1000, 604_800_000),
    integerIn('observability.alarms.sagemaker5xx', a.sagemaker5xx, 1, 1_000_000),
    integerIn('observability.alarms.sagemakerModelLatencyMicros', a.sagemakerModelLatencyMicros, 1000, 60_000_000),
    ratio('observability.alarms.api5xxRate', a.api5xxRate),
    integerIn('observability.alarms.apiLatencyP99Ms', a.apiLatencyP99Ms, 10, 30_000),
    numberIn('observability.alarms.redshiftCpuPercent', a.redshiftCpuPercent, 1, 100),
    numberIn('observability.alarms.redshiftDiskPercent', a.redshiftDiskPercent, 1, 100),
    integerIn('observability.alarms.replicationLatencySeconds', a.replicationLatencySeconds, 60, 86400),
    numberIn('observability.alarms.lambdaDurationTimeoutRatio', a.lambdaDurationTimeoutRatio, 0.1, 1),
    integerIn('observability.alarms.kinesisReadThrottles', a.kinesisReadThrottles, 1, 1_000_000),
    integerIn(
      'observability.alarms.rawArchiveFreshnessSeconds',
      a.rawArchiveFreshnessSeconds,
      c.kinesis.rawArchiveBufferSeconds + 60,
      86400,
      ` (at least a minute above kinesis.rawArchiveBufferSeconds, ${c.kinesis.rawArchiveBufferSeconds} s: Firehose holds every record that long by design)`,
    ),
    ratio('observability.alarms.rawArchiveDeliverySuccessRatio', a.rawArchiveDeliverySuccessRatio),
    oneOf('observability.alarms.securityHubMinSeverity', a.securityHubMinSeverity, SECURITY_HUB_SEVERITIES),
    {
      field: 'dns.hostedZoneId',
      value: c.dns.hostedZoneId,
      ok: c.dns.hostedZoneId === '' || /^Z[A-Z0-9]{1,31}$/.test(c.dns.hostedZoneId),
      allowed: 'empty, or a Route 53 hosted zone id such as Z123EXAMPLE',
    },
    {
      field: 'dns.apiRecordName',
      value: c.dns.apiRecordName,
      ok: c.dns.hostedZoneId === '' || /^([a-z0-9-]+\.)+[a-z]{2,}$/.test(c.dns.apiRecordName),
      allowed: 'a DNS name such as api.example.com, required when dns.hostedZoneId is set',
    },
    ...quicksightRules(c),
    ratio('aggregates.minConversionRate', c.aggregates.minConversionRate),
    ratio('aggregates.maxTrafficDropRatio', c.aggregates.maxTrafficDropRatio),
    integerIn('aggregates.ruleMinEvents', c.aggregates.ruleMinEvents, 1, 1_000_000_000),
    integerIn('aggregates.memoryMb', c.aggregates.memoryMb, 128, 10240),
    integerIn('aggregates.timeoutSeconds', c.aggregates.timeoutSeconds, 1, 900),
    integerIn('aggregates.reservedConcurrency', c.aggregates.reservedConcurrency, 1, 1000),
    {
      field: 'aggregates.reservedConcurrency',
      value: c.aggregates.reservedConcurrency,
      ok: !c.aggregates.enabled || c.kinesis.capacityMode !== 'provisioned' || c.aggregates.reservedConcurrency >= c.kinesis.shardCount,
      allowed: `must be at least kinesis.shardCount (${c.kinesis.shardCount}): the aggregator keeps one window state per shard and runs one invocation per shard at a time`,
    },
    integerIn('aggregates.batchSize', c.aggregates.batchSize, 1, 10000),
    integerIn(
      'aggregates.maximumRetryAttempts',
      c.aggregates.maximumRetryAttempts,
      0,
      10000,
      " (-1, retry forever, would hold a shard's windows back for the whole retention)",
    ),
    integerIn('aggregates.maximumRecordAgeSeconds', c.aggregates.maximumRecordAgeSeconds, 60, 604800, ' (-1, forever, is not allowed)'),
    ...costControlRules(c),
    ...restoreTestRules(c, REDSHIFT_NODE_COUNTS),
    { field: 'TF_STATE_REGION', value: c.remoteState.region, ok: KNOWN_REGIONS.includes(c.remoteState.region), allowed: 'a known AWS region' },
  ];
}

function environmentValue(env: ConfigInputs['env'], name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

/**
 * Builds and checks the configuration. Returns the typed config, or throws a
 * ConfigValidationError listing every problem at once (never anything else).
 */
export function validateConfig(inputs: ConfigInputs): PlatformConfig {
  const problems: Problems = [];
  // Only an absent file means "all defaults"; a file holding null is as wrong as one holding 42.
  let file: unknown = inputs.file === undefined ? {} : inputs.file;
  if (!isPlainObject(file)) {
    problems.push({ field: inputs.fileLabel ?? 'config file', value: file, allowed: `must hold a JSON object, got ${kindOf(file)}` });
    file = {};
  }
  const tunables = overlay(TUNABLE_DEFAULTS, file, '', problems) as typeof TUNABLE_DEFAULTS;

  const env = inputs.env;
  const primaryRegion = environmentValue(env, 'AWS_REGION', ENVIRONMENT_DEFAULTS.primaryRegion);
  const config: PlatformConfig = {
    ...tunables,
    projectName: environmentValue(env, 'PROJECT_NAME', ENVIRONMENT_DEFAULTS.projectName),
    environment: environmentValue(env, 'ENVIRONMENT', ENVIRONMENT_DEFAULTS.environment),
    primaryRegion,
    drRegion: environmentValue(env, 'SECONDARY_REGION', ENVIRONMENT_DEFAULTS.drRegion),
    remoteState: {
      bucket: environmentValue(env, 'TF_STATE_BUCKET', ''),
      region: environmentValue(env, 'TF_STATE_REGION', primaryRegion),
    },
  };

  const { rules: variantCheck, parsed } = variantRules(Array.isArray(tunables.sagemaker.variants) ? tunables.sagemaker.variants : []);
  const withVariants: PlatformConfig = { ...config, sagemaker: { ...config.sagemaker, variants: parsed } };

  // A wrong-typed leaf already fell back to its default above, so the semantic rules only ever see well-typed values.
  for (const rule of semanticRules(withVariants, variantCheck)) {
    if (!rule.ok) problems.push({ field: rule.field, value: rule.value, allowed: rule.allowed });
  }
  if (problems.length > 0) throw new ConfigValidationError(dedupe(problems));
  return withVariants;
}

function dedupe(problems: Problems): Problems {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
