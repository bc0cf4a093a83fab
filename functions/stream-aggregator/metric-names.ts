/**
 * CloudWatch metrics the stream aggregator emits (EMF). Imported by the function and by the
 * dashboard and alarms, so a name is spelled once.
 *
 * Window metrics are emitted once per finished minute segment, timestamped with the window
 * start, per shard: CloudWatch's Sum over shards is the stream's figure (users are partitioned
 * by user_id, so DistinctUsers sums exactly up to the sketch error). Conversion rate is not
 * emitted because a ratio does not sum: chart it as PurchasingUsers / DistinctUsers.
 */
import type { ServiceIdentity } from '../shared/powertools';

export const AGGREGATOR_METRICS_NAMESPACE = 'DataAnalyticsMl/Aggregates';

/** The function's logger and metrics names when its environment does not set them. */
export const AGGREGATOR_SERVICE: ServiceIdentity = { serviceName: 'stream-aggregator', metricsNamespace: AGGREGATOR_METRICS_NAMESPACE };

export const WINDOW_METRICS = {
  events: 'Events',
  purchases: 'Purchases',
  distinctUsers: 'DistinctUsers',
  purchasingUsers: 'PurchasingUsers',
} as const;

/**
 * Dimensions published as CloudWatch dimensions: only the bounded ones (an enum, a validated
 * two-letter code, four classes). Free-text category and city stay in the lake table, where a new
 * value costs a row instead of a custom metric.
 */
export const METRIC_DIMENSIONS = {
  all: undefined,
  event_type: 'EventType',
  country: 'Country',
  device_class: 'DeviceClass',
} as const;

export const INVOCATION_METRICS = {
  recordsAggregated: 'RecordsAggregated',
  /** Records the contract rejects (the stream processor quarantines them; here they are skipped). */
  recordsInvalid: 'RecordsInvalid',
  /** Serialized window state returned to Lambda, bytes (the limit is 1 MB per shard). */
  stateBytes: 'StateBytes',
  segmentsWritten: 'SegmentsWritten',
  /** Segments written before the window ended because the state outgrew its budget. */
  segmentsSpilled: 'SegmentsSpilled',
  /** Segments whose id the hour roll-up already held (a retry or replay; nothing double-counted). */
  segmentsReplayed: 'SegmentsReplayed',
  hoursJudged: 'HoursJudged',
  alertsRaised: 'AlertsRaised',
} as const;
