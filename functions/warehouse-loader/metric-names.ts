/** CloudWatch metrics the warehouse loader emits (EMF via Powertools); alarms and dashboards import these names. */
import type { ServiceIdentity } from '../shared/powertools';

export const LOADER_METRICS_NAMESPACE = 'DataAnalyticsMl/WarehouseLoader';

/** The function's logger and metrics names when its environment does not set them. */
export const LOADER_SERVICE: ServiceIdentity = { serviceName: 'warehouse-loader', metricsNamespace: LOADER_METRICS_NAMESPACE };

export const LOADER_METRICS = {
  /** Objects merged into the warehouse. */
  objectsLoaded: 'ObjectsLoaded',
  /** Rows merged (after de-duplication on event_id within the object). */
  rowsLoaded: 'RowsLoaded',
  /** Deliveries of objects the audit table already listed (no-ops). */
  alreadyLoaded: 'AlreadyLoaded',
  /** Notifications of an object version that was rewritten or deleted since (acknowledged, nothing to load). */
  superseded: 'NotificationsSuperseded',
  /** Loads that failed; their messages are redelivered, then dead-lettered. */
  loadFailures: 'LoadFailures',
  /** Messages that are not loadable S3 notifications (they go to the dead-letter queue). */
  invalidMessages: 'InvalidMessages',
  /** Messages left for redelivery because the invocation was running out of time. */
  deferred: 'Deferred',
  /** Messages left waiting in the queue because the warehouse was paused, pausing or resuming. */
  warehouseUnavailable: 'WarehouseUnavailable',
  /** Milliseconds from audit look-up to commit, per loaded object. */
  loadDuration: 'LoadDuration',
} as const;

export type LoaderCountMetric = Exclude<(typeof LOADER_METRICS)[keyof typeof LOADER_METRICS], typeof LOADER_METRICS.loadDuration>;
