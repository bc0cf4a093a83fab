/**
 * Kinesis tumbling-window consumer (a second event source mapping on the ingestion stream):
 * per-minute aggregates by dimension to the lake's aggregates/ prefix and to CloudWatch, hour
 * roll-ups, and threshold alerts. A thin edge: clients, logger and metrics are built once per
 * container; the flow is handleWindowInvocation (aggregator.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, KinesisStreamStateResponse, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import type { WindowAggregate } from '../shared/aggregation';
import { clientConfig, Deadline } from '../shared/deadline';
import { createPowertools } from '../shared/powertools';
import { handleWindowInvocation, type InvocationResult } from './aggregator';
import { S3AggregateStore, SnsAlertPublisher } from './aws-adapters';
import { readConfig } from './config';
import { AGGREGATOR_SERVICE, INVOCATION_METRICS as IM, METRIC_DIMENSIONS, WINDOW_METRICS as WM } from './metric-names';

const config = readConfig(process.env);
// `metrics` holds the per-invocation operational figures.
const { logger, metrics, newMetrics, traceClient, traceHandler } = createPowertools(AGGREGATOR_SERVICE);
/** Window figures: a separate buffer, because each dimension value is its own EMF document with its own dimension set. */
const windowMetrics = newMetrics();
const TIMEOUTS = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 3 } as const;
const s3 = traceClient(new S3Client({ ...clientConfig(TIMEOUTS), forcePathStyle: config.forcePathStyle }));
const sns = traceClient(new SNSClient(clientConfig(TIMEOUTS)));

/** The tumbling-window event carries the shard too (not in @types/aws-lambda). */
export type AggregatorEvent = KinesisStreamTumblingWindowEvent & { shardId?: string };

function shardIdOf(event: AggregatorEvent): string {
  if (event.shardId) return event.shardId;
  const eventId = event.Records?.[0]?.eventID ?? '';
  const shard = eventId.slice(0, eventId.indexOf(':'));
  if (!shard) throw new Error(`cannot tell the shard: the event has no shardId and its first record's eventID is ${JSON.stringify(eventId)}`);
  return shard;
}

/** One EMF document per published dimension value, timestamped with the window start. */
function publishWindowMetrics(aggregate: WindowAggregate): void {
  for (const s of aggregate.summaries()) {
    if (!Object.hasOwn(METRIC_DIMENSIONS, s.dimension)) continue;
    const dimensionName = METRIC_DIMENSIONS[s.dimension as keyof typeof METRIC_DIMENSIONS];
    windowMetrics.setTimestamp(aggregate.windowStart);
    if (dimensionName) windowMetrics.addDimension(dimensionName, s.value);
    windowMetrics.addMetric(WM.events, MetricUnit.Count, s.events);
    windowMetrics.addMetric(WM.purchases, MetricUnit.Count, s.purchases);
    windowMetrics.addMetric(WM.distinctUsers, MetricUnit.Count, s.distinctUsers);
    windowMetrics.addMetric(WM.purchasingUsers, MetricUnit.Count, s.purchasingUsers);
    windowMetrics.publishStoredMetrics();
  }
}

function recordInvocationMetrics(r: InvocationResult): void {
  metrics.addMetric(IM.recordsAggregated, MetricUnit.Count, r.recordsAggregated);
  metrics.addMetric(IM.recordsInvalid, MetricUnit.Count, r.recordsInvalid);
  metrics.addMetric(IM.stateBytes, MetricUnit.Bytes, r.stateBytes);
  if (r.segment) {
    metrics.addMetric(IM.segmentsWritten, MetricUnit.Count, 1);
    metrics.addMetric(IM.segmentsSpilled, MetricUnit.Count, r.segment.spilled ? 1 : 0);
    metrics.addMetric(IM.segmentsReplayed, MetricUnit.Count, r.segment.replayed ? 1 : 0);
  }
  if (r.judged?.claimed) {
    metrics.addMetric(IM.hoursJudged, MetricUnit.Count, 1);
    metrics.addMetric(IM.alertsRaised, MetricUnit.Count, r.judged.alerts.length);
  }
}

async function processWindow(event: AggregatorEvent, context?: Context): Promise<KinesisStreamStateResponse> {
  if (context) logger.addContext(context);
  const records = event.Records ?? [];
  // A final invocation may carry no records; then only the state says which shard it is.
  const shardId = records.length === 0 && !event.shardId ? undefined : shardIdOf(event);
  logger.appendKeys({ shardId, windowStart: event.window?.start });
  const deadline = Deadline.fromContext(context, config.timeReserveMs);
  const store = new S3AggregateStore(s3, config.bucket, config.kmsKeyArn, deadline);
  const alerts = new SnsAlertPublisher(sns, config.alertTopicArn, deadline);
  if (records.length > 0) logger.setCorrelationId(records[0]!.eventID);
  try {
    if (shardId === undefined) {
      if (event.state && Object.keys(event.state).length > 0)
        throw new Error('final invocation without records or shardId cannot be attributed to a shard; failing so Lambda retries it');
      return { state: {} };
    }
    const result = await handleWindowInvocation(
      {
        window: event.window,
        shardId,
        state: event.state,
        records: records.map((r) => ({ sequenceNumber: r.kinesis.sequenceNumber, data: r.kinesis.data })),
        isFinalInvokeForWindow: event.isFinalInvokeForWindow,
        isWindowTerminatedEarly: event.isWindowTerminatedEarly,
      },
      { store, alerts, rules: config.rules, source: { platform: config.platform, region: config.region }, now: Date.now },
    );
    recordInvocationMetrics(result);
    if (result.segment) {
      if (!result.segment.replayed) publishWindowMetrics(result.segment.aggregate);
      logger.info('window segment finished', {
        segmentId: result.segment.id,
        key: result.segment.key,
        spilled: result.segment.spilled,
        replayed: result.segment.replayed,
        events: result.segment.aggregate.events,
        groups: result.segment.aggregate.groups.size,
        earlyTermination: event.isWindowTerminatedEarly,
      });
    }
    if (result.judged) {
      const level = result.judged.alerts.length > 0 ? 'warn' : 'info';
      logger[level]('hour judged', {
        hourStart: new Date(result.judged.hourStart).toISOString(),
        claimed: result.judged.claimed,
        alerts: result.judged.alerts,
      });
    }
    if (result.recordsInvalid > 0)
      logger.warn('records rejected by the event contract were skipped (the stream processor quarantines them)', { invalid: result.recordsInvalid });
    return { state: result.state };
  } finally {
    deadline.dispose();
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}

export const handler = traceHandler(processWindow);
