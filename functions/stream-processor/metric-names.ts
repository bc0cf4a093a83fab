/**
 * CloudWatch metrics the stream processor emits (EMF, one set per batch). Imported by the
 * alarms and dashboards, so a metric name is spelled once. Ratios are 0-1 (unit None),
 * matching the thresholds in config.observability.alarms.
 */
import type { ServiceIdentity } from '../shared/powertools';

export const PROCESSOR_METRICS_NAMESPACE = 'DataAnalyticsMl/StreamProcessor';

/** The function's logger and metrics names when its environment does not set them. */
export const PROCESSOR_SERVICE: ServiceIdentity = { serviceName: 'stream-processor', metricsNamespace: PROCESSOR_METRICS_NAMESPACE };

/** Powertools adds this dimension to every metric; its value is the function's POWERTOOLS_SERVICE_NAME. */
export const PROCESSOR_METRICS_DIMENSION = 'service';

export const PROCESSOR_METRICS = {
  /** Records in the batch. */
  recordsIn: 'RecordsIn',
  /** Records that passed validation. */
  recordsValid: 'RecordsValid',
  /** Records written to the quarantine prefix. */
  recordsQuarantined: 'RecordsQuarantined',
  /** Records reported back to Kinesis for redelivery (a write failed). */
  recordsFailed: 'RecordsFailed',
  /** Valid records not written because the invocation already wrote their event_id (they succeed: one curated row per event id per batch). */
  recordsDuplicate: 'RecordsDuplicateSkipped',
  /** (valid - duplicates) / in. */
  dataQualityRatio: 'DataQualityRatio',
  /** Share of records carrying every required field (the completeness quality gate). */
  completenessRatio: 'CompletenessRatio',
  /** Share of records passing the schema. */
  validityRatio: 'ValidityRatio',
  /** Share of valid records whose event_id was seen before at another stream position (this batch or recent ones). */
  duplicateRatio: 'DuplicateRatio',
  /** Event time to processing time of valid records, ms. */
  freshnessP50: 'FreshnessP50',
  freshnessP99: 'FreshnessP99',
  objectsWritten: 'ObjectsWritten',
  bytesWritten: 'BytesWritten',
  /** S3 attempts that failed and were retried inside the invocation. */
  s3Retries: 'S3WriteRetries',
  /** Successful objects rewritten because a later write in the batch failed. */
  objectsRewritten: 'ObjectsRewritten',
} as const;
