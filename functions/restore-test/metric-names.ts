/** CloudWatch metrics the warehouse restore test emits (EMF via Powertools); its alarm imports these names. */
import type { ServiceIdentity } from '../shared/powertools';

export const RESTORE_TEST_METRICS_NAMESPACE = 'DataAnalyticsMl/RestoreTest';

/** The function's logger and metrics names when its environment does not set them. */
export const RESTORE_TEST_SERVICE: ServiceIdentity = { serviceName: 'restore-test', metricsNamespace: RESTORE_TEST_METRICS_NAMESPACE };

export const RESTORE_TEST_METRICS = {
  /** 1 when the snapshot restored, its events matched the lake within the tolerance and the cluster was deleted; else 0. One per run. */
  success: 'RestoreTestSuccess',
  /** Seconds from the restore request to the cluster being available. */
  restoreDuration: 'RestoreDurationSeconds',
  /** |lake events - warehouse events| over the compared window. */
  rowCountDifference: 'RowCountDifference',
} as const;
