import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { PROCESSOR_METRICS } from '../../functions/stream-processor/metric-names';
import type { PlatformContext } from '../platform-context';
import type { AlarmMetric, TreatMissingData } from './alarms';
import type { AlertTopic } from './alerting';
import type { IngestionStream } from './ingestion-stream';
import type { PlatformMetricsSpec } from './observed-components';

/** Width of the expected band in standard deviations: ANOMALY_DETECTION_BAND(m1, 2). */
export const ANOMALY_BAND_STANDARD_DEVIATIONS = 2;

export type AnomalyComparison = 'LessThanLowerThreshold' | 'GreaterThanUpperThreshold' | 'LessThanLowerOrGreaterThanUpperThreshold';

/** One anomaly-detection alarm: a metric judged against the band CloudWatch learns from its history. */
export interface AnomalyAlarmDefinition {
  /** Alarm name suffix. */
  readonly key: string;
  readonly summary: string;
  readonly metric: AlarmMetric;
  readonly comparison: AnomalyComparison;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  readonly missingDataReason: string;
}

export interface AnomalyInputs {
  /** Name of the ingestion stream (AWS/Kinesis StreamName dimension). */
  readonly streamName: string;
  /** Whether producers write to this region's stream now (the primary); an idle DR stream is not a silent producer. */
  readonly producersWriteHere: boolean;
  /** The stream processor's EMF metrics (namespace and dimensions). */
  readonly processorMetrics: PlatformMetricsSpec;
}

/**
 * The anomaly-detection alarms (pure). Fixed thresholds cannot tell a quiet night from a broken
 * producer, so ingest volume and freshness are judged against the band CloudWatch learns from two
 * weeks of their own history (daily and weekly seasonality included): a silent producer or a
 * sudden drop falls below the band, a lagging pipeline rises above it.
 */
export function anomalyAlarmDefinitions(inputs: AnomalyInputs): AnomalyAlarmDefinition[] {
  const p = inputs.processorMetrics;
  return [
    {
      key: 'ingest-volume-anomaly',
      summary: `Records written to ${inputs.streamName} fell below the expected band (${ANOMALY_BAND_STANDARD_DEVIATIONS} standard deviations) for 15 minutes: a producer went silent or traffic dropped suddenly`,
      metric: { namespace: 'AWS/Kinesis', metricName: 'IncomingRecords', dimensions: { StreamName: inputs.streamName }, stat: 'Sum' },
      comparison: 'LessThanLowerThreshold',
      periodSeconds: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      ...(inputs.producersWriteHere
        ? {
            treatMissingData: 'breaching' as const,
            missingDataReason: 'producers write to this stream all day; no IncomingRecords datapoint means nothing arrives',
          }
        : { treatMissingData: 'notBreaching' as const, missingDataReason: 'producers write to this region only after a failover' }),
    },
    {
      key: 'freshness-anomaly',
      summary: `The p99 delay from event time to processing rose above its expected band (${ANOMALY_BAND_STANDARD_DEVIATIONS} standard deviations) in 2 of 3 5-minute periods: producers buffer longer than usual or the pipeline lags`,
      metric: { namespace: p.namespace, metricName: p.qualityGates?.freshnessP99 ?? PROCESSOR_METRICS.freshnessP99, dimensions: p.dimensions, stat: 'Average' },
      comparison: 'GreaterThanUpperThreshold',
      periodSeconds: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
      missingDataReason: 'freshness is emitted per processed batch; no batch, no datapoint (the ingest-volume alarm covers silence)',
    },
  ];
}

export interface DataQualityAlarmsProps {
  readonly context: PlatformContext;
  /** Receives ALARM and OK notifications. */
  readonly alertTopic: AlertTopic;
  readonly stream: IngestionStream;
  /** The stream processor's EMF metrics (`streamProcessorMetrics(serviceName)`). */
  readonly processorMetrics: PlatformMetricsSpec;
  /** @default true in the primary region, false in the DR region */
  readonly producersWriteHere?: boolean;
}

/**
 * Data-quality anomaly detection. The fixed-threshold quality gates (completeness,
 * validity, duplicate share, p99 freshness against config.observability.alarms) are the platform
 * alarms' `qualityGates` (alarms.ts), created from the same PlatformMetricsSpec; this construct
 * adds what a threshold cannot express: CloudWatch anomaly-detection alarms on ingest volume and
 * freshness, each a `metric_query` pair (the metric and ANOMALY_DETECTION_BAND of it) with the
 * band as `threshold_metric_id`.
 */
export class DataQualityAlarms extends Construct {
  readonly definitions: AnomalyAlarmDefinition[];
  readonly alarms: CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: DataQualityAlarmsProps) {
    super(scope, id);
    const { context, alertTopic } = props;
    const { naming, region } = context;
    this.definitions = anomalyAlarmDefinitions({
      streamName: props.stream.name,
      producersWriteHere: props.producersWriteHere ?? context.role === 'primary',
      processorMetrics: props.processorMetrics,
    });
    this.alarms = this.definitions.map(
      (d) =>
        new CloudwatchMetricAlarm(this, d.key, {
          alarmName: naming.regional(d.key, region),
          alarmDescription: `${d.summary}. The band needs about two weeks of history before it is reliable. Missing data: ${d.treatMissingData} (${d.missingDataReason}). Runbook: docs/data-flow.md#data-quality-monitoring`,
          comparisonOperator: d.comparison,
          evaluationPeriods: d.evaluationPeriods,
          datapointsToAlarm: d.datapointsToAlarm,
          treatMissingData: d.treatMissingData,
          thresholdMetricId: 'ad1',
          actionsEnabled: true,
          alarmActions: [alertTopic.arn],
          okActions: [alertTopic.arn],
          metricQuery: [
            {
              id: 'm1',
              returnData: true,
              metric: {
                namespace: d.metric.namespace,
                metricName: d.metric.metricName,
                dimensions: { ...d.metric.dimensions },
                period: d.periodSeconds,
                stat: d.metric.stat,
              },
            },
            {
              id: 'ad1',
              expression: `ANOMALY_DETECTION_BAND(m1, ${ANOMALY_BAND_STANDARD_DEVIATIONS})`,
              label: `${d.metric.metricName} (expected)`,
              returnData: true,
            },
          ],
        }),
    );
  }

  get arns(): string[] {
    return this.alarms.map((a) => a.arn);
  }
}
