import type { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import type { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import type { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import type { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import type { RedshiftCluster } from '@cdktf/provider-aws/lib/redshift-cluster';
import type { SagemakerEndpoint } from '@cdktf/provider-aws/lib/sagemaker-endpoint';
import { PROCESSOR_METRICS, PROCESSOR_METRICS_DIMENSION, PROCESSOR_METRICS_NAMESPACE } from '../../functions/stream-processor/metric-names';
import type { LakeReplication } from './lake-replication';
import type { SecureQueue } from './secure-queue';
import type { TypescriptFunction } from './typescript-function';

/**
 * The platform's own CloudWatch metrics (embedded metric format, written by Powertools Metrics in
 * the Lambda functions). Names come from the functions' code; the dashboard and the alarms only
 * read them.
 */
export interface PlatformMetricsSpec {
  /** Powertools Metrics namespace. */
  readonly namespace: string;
  /** Dimensions every metric carries (Powertools adds `service` = POWERTOOLS_SERVICE_NAME). */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Count of records that passed validation. */
  readonly recordsValid: string;
  /** Count of records written to the quarantine prefix. */
  readonly recordsQuarantined: string;
  /** Count of records that could not be processed (reported as batch item failures). */
  readonly recordsFailed: string;
  /** Valid / total per batch (0-1), alarmed against `alarms.dataQualityRatio`. */
  readonly dataQualityRatio: string;
  /** The platform's data-quality gates, each alarmed against its threshold in `config.observability.alarms`. @default no such alarms */
  readonly qualityGates?: {
    /** Share of records carrying every required field (0-1), vs `completenessRatio`. */
    readonly completenessRatio: string;
    /** Share of records passing the schema (0-1), vs `validityRatio`. */
    readonly validityRatio: string;
    /** Share of valid records seen before (0-1), vs `duplicateRatio`. */
    readonly duplicateRatio: string;
    /** p99 event-to-processing delay per batch (ms), vs `freshnessP99Ms`. */
    readonly freshnessP99: string;
  };
  /** Predictions per SageMaker variant: metric name and the dimensions of each variant's series. */
  readonly predictions?: {
    readonly namespace: string;
    readonly metricName: string;
    /** One entry per variant: a label and the full dimension set of its series. */
    readonly series: readonly { readonly label: string; readonly dimensions: Readonly<Record<string, string>> }[];
  };
}

/**
 * Typed references to what the observability constructs watch. Every field is optional: a region
 * (or a platform built before a component landed) gets widgets and alarms for what exists only.
 */
export interface ObservedComponents {
  /** The ingestion stream. @default no Kinesis widgets or alarms */
  readonly stream?: KinesisStream;
  /**
   * The function an event source mapping feeds from the stream in this region. With a consumer, a
   * missing iterator-age datapoint means polling stopped, and the iterator-age alarm treats it as
   * breaching. @default no consumer
   */
  readonly streamConsumer?: TypescriptFunction;
  /** Lambda functions, each with a short label (e.g. "stream-processor"). @default none */
  readonly functions?: readonly { readonly label: string; readonly fn: TypescriptFunction }[];
  /** Dead-letter / on-failure queues whose depth must stay at zero. @default none */
  readonly deadLetterQueues?: readonly { readonly label: string; readonly queue: SecureQueue }[];
  /** The SageMaker endpoint and its production variant names. @default no SageMaker widgets or alarms */
  readonly endpoint?: { readonly endpoint: SagemakerEndpoint; readonly variantNames: readonly string[] };
  /** The Redshift cluster. @default no Redshift widgets or alarms */
  readonly warehouse?: RedshiftCluster;
  /** The cluster pauses on a schedule (config.redshift.schedule), so its metrics stop while paused. @default false */
  readonly warehousePausesOnSchedule?: boolean;
  /** The inference HTTP API and its stage. @default no API widgets or alarms */
  readonly api?: { readonly api: Apigatewayv2Api; readonly stage: Apigatewayv2Stage };
  /** Cross-region replication of the lake (primary only). @default no replication widgets or alarms */
  readonly replication?: LakeReplication;
  /** The platform's EMF metrics. @default no platform-metric widgets or alarms */
  readonly platformMetrics?: PlatformMetricsSpec;
  /** The Firehose raw archive of the stream (config.kinesis.rawArchiveEnabled). @default no raw-archive alarms */
  readonly rawArchive?: KinesisFirehoseDeliveryStream;
}

/**
 * The same components reduced to the names CloudWatch dimensions use (plain strings or Terraform
 * expressions). Pure functions (dashboard body, alarm definitions) take this, so they can be tested
 * without synthesizing anything.
 */
export interface ObservedNames {
  readonly streamName?: string;
  /** Each function with the timeout it runs under (seconds). */
  readonly functions: readonly { readonly label: string; readonly functionName: string; readonly timeoutSeconds: number }[];
  readonly deadLetterQueues: readonly { readonly label: string; readonly queueName: string }[];
  readonly endpoint?: { readonly endpointName: string; readonly variantNames: readonly string[] };
  readonly clusterIdentifier?: string;
  /** The cluster pauses on a schedule: silence is expected while paused. */
  readonly clusterPausesOnSchedule?: boolean;
  readonly api?: { readonly apiId: string; readonly stage: string };
  readonly replication?: { readonly sourceBucket: string; readonly destinationBucket: string; readonly ruleId: string };
  readonly platformMetrics?: PlatformMetricsSpec;
  /** Name of the raw-archive delivery stream (AWS/Firehose DeliveryStreamName dimension). */
  readonly rawArchiveName?: string;
}

/** The id of the lake replication rule: the `RuleId` dimension of the S3 replication metrics. */
function replicationRuleId(replication: LakeReplication): string {
  const rules = replication.configuration.ruleInput;
  const id = Array.isArray(rules) ? rules[0]?.id : undefined;
  if (!id) throw new Error('lake replication has no rule id: the S3 replication metrics need the RuleId dimension');
  return id;
}

export function observedNames(components: ObservedComponents): ObservedNames {
  const { replication } = components;
  return {
    streamName: components.stream?.name,
    functions: (components.functions ?? []).map(({ label, fn }) => ({ label, functionName: fn.functionName, timeoutSeconds: fn.timeoutSeconds })),
    deadLetterQueues: (components.deadLetterQueues ?? []).map(({ label, queue }) => ({ label, queueName: queue.name })),
    endpoint: components.endpoint && { endpointName: components.endpoint.endpoint.name, variantNames: components.endpoint.variantNames },
    clusterIdentifier: components.warehouse?.clusterIdentifier,
    clusterPausesOnSchedule: components.warehousePausesOnSchedule ?? false,
    api: components.api && { apiId: components.api.api.id, stage: components.api.stage.name },
    replication: replication && {
      sourceBucket: replication.configuration.bucket,
      destinationBucket: replication.destinationBucketName,
      ruleId: replicationRuleId(replication),
    },
    platformMetrics: components.platformMetrics,
    rawArchiveName: components.rawArchive?.name,
  };
}

/**
 * The stream processor's EMF metrics (functions/stream-processor/metric-names.ts), for the
 * function whose POWERTOOLS_SERVICE_NAME is `serviceName`.
 */
export function streamProcessorMetrics(serviceName: string, predictions?: PlatformMetricsSpec['predictions']): PlatformMetricsSpec {
  return {
    namespace: PROCESSOR_METRICS_NAMESPACE,
    dimensions: { [PROCESSOR_METRICS_DIMENSION]: serviceName },
    recordsValid: PROCESSOR_METRICS.recordsValid,
    recordsQuarantined: PROCESSOR_METRICS.recordsQuarantined,
    recordsFailed: PROCESSOR_METRICS.recordsFailed,
    dataQualityRatio: PROCESSOR_METRICS.dataQualityRatio,
    qualityGates: {
      completenessRatio: PROCESSOR_METRICS.completenessRatio,
      validityRatio: PROCESSOR_METRICS.validityRatio,
      duplicateRatio: PROCESSOR_METRICS.duplicateRatio,
      freshnessP99: PROCESSOR_METRICS.freshnessP99,
    },
    ...(predictions ? { predictions } : {}),
  };
}
