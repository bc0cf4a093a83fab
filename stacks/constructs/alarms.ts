import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import type { AlarmThresholds } from '../config/types';
import type { PlatformContext } from '../platform-context';
import type { AlertTopic } from './alerting';
import { type ObservedComponents, type ObservedNames, observedNames } from './observed-components';
import { queueDepthMetric } from './secure-queue';

export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';
export type ComparisonOperator = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';

export interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** A statistic (Sum, Maximum, ...) or a percentile (p99). */
  readonly stat: string;
}

/** One alarm, independent of Terraform: what it watches, when it fires and what missing data means. */
export interface AlarmDefinition {
  /** Stable key: alarm name suffix and the runbook anchor in docs/operations.md. */
  readonly key: string;
  /** Runbook section (docs/operations.md#<runbook>). */
  readonly runbook: string;
  readonly summary: string;
  readonly comparison: ComparisonOperator;
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  /** Why missing data is treated the way it is (kept in the alarm description). */
  readonly missingDataReason: string;
  /** A single metric, or a metric-math expression over several (ids m0, m1, ...). */
  readonly metric?: AlarmMetric;
  readonly expression?: { readonly expression: string; readonly label: string; readonly metrics: readonly AlarmMetric[] };
}

const NO_TRAFFIC_IS_HEALTHY = 'no datapoints means no traffic, which is not a failure';

/**
 * Every alarm the region needs, derived from what exists. Pure: same components and thresholds,
 * same definitions. `streamConsumed` says whether a consumer polls the stream in this region (then
 * a missing iterator-age datapoint means the consumer stopped polling).
 */
export function alarmDefinitions(c: ObservedNames, t: AlarmThresholds, streamConsumed: boolean): AlarmDefinition[] {
  const alarms: AlarmDefinition[] = [];

  if (c.streamName) {
    const stream = { StreamName: c.streamName };
    alarms.push(
      {
        key: 'kinesis-iterator-age',
        runbook: 'kinesis-iterator-age',
        summary: `Consumer lag: the oldest unread record of ${c.streamName} is older than ${t.iteratorAgeMs} ms for 5 minutes`,
        metric: { namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: stream, stat: 'Maximum' },
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: t.iteratorAgeMs,
        periodSeconds: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        ...(streamConsumed
          ? {
              treatMissingData: 'breaching' as const,
              missingDataReason: 'the event source mapping polls every shard about once a second, so no GetRecords datapoint means nothing reads the stream',
            }
          : { treatMissingData: 'notBreaching' as const, missingDataReason: 'no consumer reads the stream in this region' }),
      },
      {
        key: 'kinesis-read-throttled',
        runbook: 'kinesis-read-throttled',
        summary: `Consumers of ${c.streamName} were throttled ${t.kinesisReadThrottles} or more times per 5 minutes for 15 minutes: they compete for the 5 reads per second of each shard`,
        metric: { namespace: 'AWS/Kinesis', metricName: 'ReadProvisionedThroughputExceeded', dimensions: stream, stat: 'Sum' },
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: t.kinesisReadThrottles,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: 'notBreaching',
        missingDataReason: NO_TRAFFIC_IS_HEALTHY,
      },
      {
        key: 'kinesis-write-throttled',
        runbook: 'kinesis-write-throttled',
        summary: `Producers were throttled writing to ${c.streamName} in three consecutive 5-minute periods: the stream needs more shards (or on-demand mode)`,
        metric: { namespace: 'AWS/Kinesis', metricName: 'WriteProvisionedThroughputExceeded', dimensions: stream, stat: 'Sum' },
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: 'notBreaching',
        missingDataReason: NO_TRAFFIC_IS_HEALTHY,
      },
    );
  }

  for (const { label, functionName, timeoutSeconds } of c.functions) {
    const fn = { FunctionName: functionName };
    const durationThresholdMs = Math.round(timeoutSeconds * 1000 * t.lambdaDurationTimeoutRatio);
    alarms.push(
      {
        key: `lambda-${label}-duration`,
        runbook: 'lambda-duration',
        summary: `${label} (${functionName}): an invocation took more than ${durationThresholdMs} ms (${t.lambdaDurationTimeoutRatio * 100} % of its ${timeoutSeconds} s timeout) in 2 of 3 5-minute periods`,
        metric: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: fn, stat: 'Maximum' },
        comparison: 'GreaterThanThreshold',
        threshold: durationThresholdMs,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
        missingDataReason: NO_TRAFFIC_IS_HEALTHY,
      },
      {
        key: `lambda-${label}-errors`,
        runbook: 'lambda-errors',
        summary: `${label} (${functionName}) failed ${t.lambdaErrors} or more invocations in 5 minutes`,
        metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: fn, stat: 'Sum' },
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: t.lambdaErrors,
        periodSeconds: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        missingDataReason: NO_TRAFFIC_IS_HEALTHY,
      },
      {
        key: `lambda-${label}-throttles`,
        runbook: 'lambda-throttles',
        summary: `${label} (${functionName}) was throttled ${t.lambdaThrottles} or more times in 5 minutes: reserved concurrency is exhausted`,
        metric: { namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: fn, stat: 'Sum' },
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: t.lambdaThrottles,
        periodSeconds: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        missingDataReason: NO_TRAFFIC_IS_HEALTHY,
      },
    );
  }

  for (const { label, queueName } of c.deadLetterQueues) {
    alarms.push({
      key: `dlq-${label}-depth`,
      runbook: 'dlq-depth',
      summary: `${queueName} holds failed records: something could not be processed after every retry`,
      metric: queueDepthMetric(queueName),
      comparison: 'GreaterThanThreshold',
      threshold: 0,
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      missingDataReason: 'SQS stops reporting a queue that has been empty and idle for 6 hours',
    });
  }

  if (c.rawArchiveName) {
    const delivery = { DeliveryStreamName: c.rawArchiveName };
    const onlyWhileDelivering = 'Firehose reports delivery metrics only while records flow through it';
    alarms.push(
      {
        key: 'raw-archive-delivery-failed',
        runbook: 'raw-archive-delivery',
        summary: `Fewer than ${t.rawArchiveDeliverySuccessRatio * 100} % of raw-archive deliveries to S3 succeeded in 2 of 3 5-minute periods: Firehose retries, and records past its 24 h retry window go to raw/_errors/`,
        metric: { namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.Success', dimensions: delivery, stat: 'Average' },
        comparison: 'LessThanThreshold',
        threshold: t.rawArchiveDeliverySuccessRatio,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
        missingDataReason: onlyWhileDelivering,
      },
      {
        key: 'raw-archive-freshness',
        runbook: 'raw-archive-delivery',
        summary: `The oldest record not yet archived to raw/ is older than ${t.rawArchiveFreshnessSeconds} s for 15 minutes: deliveries fail or fall behind the stream`,
        metric: { namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', dimensions: delivery, stat: 'Maximum' },
        comparison: 'GreaterThanThreshold',
        threshold: t.rawArchiveFreshnessSeconds,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: 'notBreaching',
        missingDataReason: onlyWhileDelivering,
      },
    );
  }

  if (c.platformMetrics) {
    const p = c.platformMetrics;
    alarms.push({
      key: 'data-quality-ratio',
      runbook: 'data-quality-ratio',
      summary: `A batch had fewer than ${t.dataQualityRatio * 100} % valid records: a producer sends malformed events (they are in the quarantine prefix)`,
      metric: { namespace: p.namespace, metricName: p.dataQualityRatio, dimensions: p.dimensions, stat: 'Minimum' },
      comparison: 'LessThanThreshold',
      threshold: t.dataQualityRatio,
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      missingDataReason: 'the ratio is emitted per processed batch; no batch, no datapoint',
    });
    if (p.qualityGates) {
      const g = p.qualityGates;
      const gate = (key: string, metricName: string, stat: string, comparison: ComparisonOperator, threshold: number, summary: string): AlarmDefinition => ({
        key,
        runbook: 'data-quality-gates',
        summary,
        metric: { namespace: p.namespace, metricName, dimensions: p.dimensions, stat },
        comparison,
        threshold,
        periodSeconds: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        missingDataReason: 'emitted per processed batch; no batch, no datapoint',
      });
      alarms.push(
        gate(
          'data-completeness',
          g.completenessRatio,
          'Minimum',
          'LessThanThreshold',
          t.completenessRatio,
          `A batch had fewer than ${t.completenessRatio * 100} % of records with every required field`,
        ),
        gate(
          'data-validity',
          g.validityRatio,
          'Minimum',
          'LessThanThreshold',
          t.validityRatio,
          `A batch had fewer than ${t.validityRatio * 100} % of records passing the schema`,
        ),
        gate(
          'data-duplicates',
          g.duplicateRatio,
          'Maximum',
          'GreaterThanThreshold',
          t.duplicateRatio,
          `More than ${t.duplicateRatio * 100} % of a batch's valid records were duplicates: a producer retries without idempotency or replays`,
        ),
        gate(
          'data-freshness',
          g.freshnessP99,
          'Maximum',
          'GreaterThanThreshold',
          t.freshnessP99Ms,
          `The p99 delay from event time to processing exceeded ${t.freshnessP99Ms} ms in a batch: producers send late or the pipeline lags`,
        ),
      );
    }
  }

  if (c.endpoint) {
    for (const variant of c.endpoint.variantNames) {
      const dimensions = { EndpointName: c.endpoint.endpointName, VariantName: variant };
      alarms.push(
        {
          key: `sagemaker-${variant}-5xx`,
          runbook: 'sagemaker-5xx',
          summary: `Variant ${variant} of ${c.endpoint.endpointName} returned ${t.sagemaker5xx} or more 5XX errors in 5 minutes`,
          metric: { namespace: 'AWS/SageMaker', metricName: 'Invocation5XXErrors', dimensions, stat: 'Sum' },
          comparison: 'GreaterThanOrEqualToThreshold',
          threshold: t.sagemaker5xx,
          periodSeconds: 300,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: 'notBreaching',
          missingDataReason: NO_TRAFFIC_IS_HEALTHY,
        },
        {
          key: `sagemaker-${variant}-model-latency`,
          runbook: 'sagemaker-model-latency',
          summary: `Variant ${variant} of ${c.endpoint.endpointName}: p99 model latency above ${t.sagemakerModelLatencyMicros} µs in 2 of 3 5-minute periods`,
          metric: { namespace: 'AWS/SageMaker', metricName: 'ModelLatency', dimensions, stat: 'p99' },
          comparison: 'GreaterThanThreshold',
          threshold: t.sagemakerModelLatencyMicros,
          periodSeconds: 300,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: 'notBreaching',
          missingDataReason: NO_TRAFFIC_IS_HEALTHY,
        },
      );
    }
  }

  if (c.api) {
    const api = { ApiId: c.api.apiId, Stage: c.api.stage };
    alarms.push(
      {
        key: 'api-5xx-rate',
        runbook: 'api-5xx-rate',
        summary: `More than ${t.api5xxRate * 100} % of inference API requests failed with 5XX in 2 of 3 5-minute periods`,
        expression: {
          expression: 'FILL(m0, 0) / m1',
          label: '5XX share of requests',
          metrics: [
            { namespace: 'AWS/ApiGateway', metricName: '5xx', dimensions: api, stat: 'Sum' },
            { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: api, stat: 'Sum' },
          ],
        },
        comparison: 'GreaterThanThreshold',
        threshold: t.api5xxRate,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
        missingDataReason: NO_TRAFFIC_IS_HEALTHY,
      },
      {
        key: 'api-latency-p99',
        runbook: 'api-latency-p99',
        summary: `Inference API p99 latency above ${t.apiLatencyP99Ms} ms in 2 of 3 5-minute periods`,
        metric: { namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: api, stat: 'p99' },
        comparison: 'GreaterThanThreshold',
        threshold: t.apiLatencyP99Ms,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
        missingDataReason: NO_TRAFFIC_IS_HEALTHY,
      },
    );
  }

  if (c.clusterIdentifier) {
    const cluster = { ClusterIdentifier: c.clusterIdentifier };
    alarms.push(
      {
        key: 'redshift-cpu',
        runbook: 'redshift-cpu',
        summary: `${c.clusterIdentifier}: CPU above ${t.redshiftCpuPercent} % for 15 minutes`,
        metric: { namespace: 'AWS/Redshift', metricName: 'CPUUtilization', dimensions: cluster, stat: 'Average' },
        comparison: 'GreaterThanThreshold',
        threshold: t.redshiftCpuPercent,
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: 'notBreaching',
        missingDataReason: 'a paused cluster reports nothing; the health alarm covers a cluster that stops reporting',
      },
      {
        key: 'redshift-disk',
        runbook: 'redshift-disk',
        summary: `${c.clusterIdentifier}: more than ${t.redshiftDiskPercent} % of disk used`,
        metric: { namespace: 'AWS/Redshift', metricName: 'PercentageDiskSpaceUsed', dimensions: cluster, stat: 'Maximum' },
        comparison: 'GreaterThanThreshold',
        threshold: t.redshiftDiskPercent,
        periodSeconds: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        missingDataReason: 'a paused cluster reports nothing; the health alarm covers a cluster that stops reporting',
      },
      {
        key: 'redshift-health',
        runbook: 'redshift-health',
        summary: `${c.clusterIdentifier} reported unhealthy (or stopped reporting) for 5 minutes`,
        metric: { namespace: 'AWS/Redshift', metricName: 'HealthStatus', dimensions: cluster, stat: 'Minimum' },
        comparison: 'LessThanThreshold',
        threshold: 1,
        periodSeconds: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        // On a pause schedule the cluster is silent every night; an unhealthy report (0) still fires.
        ...(c.clusterPausesOnSchedule
          ? {
              treatMissingData: 'notBreaching' as const,
              missingDataReason: 'the cluster pauses on its schedule (redshift.schedule) and reports nothing while paused; a reported 0 still fires',
            }
          : { treatMissingData: 'breaching' as const, missingDataReason: 'a running cluster reports health every minute; silence means it is down or paused' }),
      },
    );
  }

  if (c.replication) {
    const rule = { SourceBucket: c.replication.sourceBucket, DestinationBucket: c.replication.destinationBucket, RuleId: c.replication.ruleId };
    alarms.push(
      {
        key: 'replication-latency',
        runbook: 'replication-latency',
        summary: `Objects took longer than ${t.replicationLatencySeconds} s to replicate to the DR lake (RTC SLA: 15 minutes): the DR copy is behind`,
        metric: { namespace: 'AWS/S3', metricName: 'ReplicationLatency', dimensions: rule, stat: 'Maximum' },
        comparison: 'GreaterThanThreshold',
        threshold: t.replicationLatencySeconds,
        periodSeconds: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        missingDataReason: 'S3 reports replication metrics only while objects replicate',
      },
      {
        key: 'replication-failed',
        runbook: 'replication-failed',
        summary: 'Objects failed to replicate to the DR lake: they will not be retried without Batch Replication',
        metric: { namespace: 'AWS/S3', metricName: 'OperationsFailedReplication', dimensions: rule, stat: 'Sum' },
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        periodSeconds: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        missingDataReason: 'S3 reports replication metrics only while objects replicate',
      },
    );
  }
  return alarms;
}

/** A 1-period percentile needs `extended_statistic`; plain statistics go in `statistic`. */
function isPercentile(stat: string): boolean {
  return /^p\d+(\.\d+)?$/.test(stat);
}

export interface PlatformAlarmsProps {
  readonly context: PlatformContext;
  /** Receives ALARM and OK notifications. */
  readonly alertTopic: AlertTopic;
  readonly components: ObservedComponents;
  /**
   * Whether a consumer polls the stream in this region (then missing iterator-age data breaches).
   * @default true when components.streamConsumer is set
   */
  readonly streamConsumed?: boolean;
}

/**
 * The region's CloudWatch alarms. Each one notifies the alert topic when it fires and again when it
 * recovers, says in its description what it means and where the runbook is, and states how
 * missing data is treated.
 */
export class PlatformAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[];
  readonly definitions: AlarmDefinition[];

  constructor(scope: Construct, id: string, props: PlatformAlarmsProps) {
    super(scope, id);
    const { context, alertTopic, components } = props;
    const { naming, region } = context;
    this.definitions = alarmDefinitions(
      observedNames(components),
      context.config.observability.alarms,
      props.streamConsumed ?? components.streamConsumer !== undefined,
    );
    this.alarms = this.definitions.map((definition) => {
      const { metric, expression } = definition;
      const single = metric
        ? {
            namespace: metric.namespace,
            metricName: metric.metricName,
            dimensions: { ...metric.dimensions },
            period: definition.periodSeconds,
            ...(isPercentile(metric.stat) ? { extendedStatistic: metric.stat } : { statistic: metric.stat }),
          }
        : {};
      const math = expression
        ? {
            metricQuery: [
              { id: 'e0', expression: expression.expression, label: expression.label, returnData: true },
              ...expression.metrics.map((m, index) => ({
                id: `m${index}`,
                returnData: false,
                metric: { namespace: m.namespace, metricName: m.metricName, dimensions: { ...m.dimensions }, period: definition.periodSeconds, stat: m.stat },
              })),
            ],
          }
        : {};
      return new CloudwatchMetricAlarm(this, definition.key, {
        alarmName: naming.regional(definition.key, region),
        alarmDescription: `${definition.summary}. Missing data: ${definition.treatMissingData} (${definition.missingDataReason}). Runbook: docs/operations.md#${definition.runbook}`,
        comparisonOperator: definition.comparison,
        threshold: definition.threshold,
        evaluationPeriods: definition.evaluationPeriods,
        datapointsToAlarm: definition.datapointsToAlarm,
        treatMissingData: definition.treatMissingData,
        actionsEnabled: true,
        alarmActions: [alertTopic.arn],
        okActions: [alertTopic.arn],
        ...single,
        ...math,
      });
    });
  }

  get arns(): string[] {
    return this.alarms.map((alarm) => alarm.arn);
  }
}
