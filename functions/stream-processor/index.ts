/**
 * Kinesis -> Lambda stream processor. A thin edge: builds the clients once per container
 * and hands each batch to processRecords (processor.ts), then logs and emits metrics.
 * The S3 endpoint follows AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (standard SDK variables).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { clientConfig, Deadline } from '../shared/deadline';
import { createPowertools } from '../shared/powertools';
import { readConfig } from './config';
import { DuplicateTracker, fromKinesisRecord } from './domain';
import { PROCESSOR_METRICS as M, PROCESSOR_SERVICE } from './metric-names';
import { processRecords } from './processor';
import { S3ObjectStore } from './s3-store';

const config = readConfig(process.env);
const S3_TIMEOUTS = { connectionTimeoutMs: 3_000, requestTimeoutMs: 15_000, maxAttempts: 1 } as const;
const { logger, metrics, traceClient, traceHandler } = createPowertools(PROCESSOR_SERVICE);
// One attempt per send: S3ObjectStore is the retry loop, and it retries only while the deadline allows.
const s3 = traceClient(new S3Client({ ...clientConfig(S3_TIMEOUTS), forcePathStyle: config.forcePathStyle }));
// Lives as long as the container, so repeated event ids are noticed across batches too.
const duplicates = new DuplicateTracker();

function ratio(n: number, d: number): number {
  return d === 0 ? 1 : n / d;
}

async function processBatch(event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> {
  if (context) logger.addContext(context);
  const records = (event.Records ?? []).map(fromKinesisRecord);
  if (records.length === 0) return { batchItemFailures: [] };
  logger.setCorrelationId(event.Records[0]!.eventID);
  logger.appendKeys({ shardId: records[0]!.shardId });

  // Every PUT ends by the deadline, so a hung S3 becomes the partial failure below, not a Lambda timeout.
  const deadline = Deadline.fromContext(context, config.timeReserveMs);
  const store = new S3ObjectStore(s3, {
    bucket: config.bucket,
    kmsKeyArn: config.kmsKeyArn,
    maxAttempts: config.s3MaxAttempts,
    baseDelayMs: config.s3BaseDelayMs,
    maxDelayMs: config.s3MaxDelayMs,
    deadline,
  });
  try {
    const r = await processRecords(records, { store, duplicates, now: Date.now, writeConcurrency: config.writeConcurrency });
    const q = r.quality;
    metrics.addMetric(M.recordsIn, MetricUnit.Count, q.recordsIn);
    metrics.addMetric(M.recordsValid, MetricUnit.Count, q.valid);
    metrics.addMetric(M.recordsQuarantined, MetricUnit.Count, r.recordsQuarantined);
    metrics.addMetric(M.recordsFailed, MetricUnit.Count, r.recordsRetried);
    metrics.addMetric(M.recordsDuplicate, MetricUnit.Count, r.recordsDuplicate);
    metrics.addMetric(M.dataQualityRatio, MetricUnit.NoUnit, ratio(q.valid - q.duplicates, q.recordsIn));
    metrics.addMetric(M.completenessRatio, MetricUnit.NoUnit, ratio(q.complete, q.recordsIn));
    metrics.addMetric(M.validityRatio, MetricUnit.NoUnit, ratio(q.valid, q.recordsIn));
    metrics.addMetric(M.duplicateRatio, MetricUnit.NoUnit, q.valid === 0 ? 0 : q.duplicates / q.valid);
    if (q.valid > 0) {
      metrics.addMetric(M.freshnessP50, MetricUnit.Milliseconds, q.freshnessP50Ms);
      metrics.addMetric(M.freshnessP99, MetricUnit.Milliseconds, q.freshnessP99Ms);
    }
    metrics.addMetric(M.objectsWritten, MetricUnit.Count, r.objectsWritten);
    metrics.addMetric(M.bytesWritten, MetricUnit.Bytes, r.bytesWritten);
    metrics.addMetric(M.s3Retries, MetricUnit.Count, store.retries);
    metrics.addMetric(M.objectsRewritten, MetricUnit.Count, r.objectsRewritten);

    logger.info('batch processed', {
      records: q.recordsIn,
      curated: r.recordsCurated,
      quarantined: r.recordsQuarantined,
      retried: r.recordsRetried,
      duplicates: q.duplicates,
      duplicatesSkipped: r.recordsDuplicate,
      quarantineByKind: q.quarantineByKind,
      objects: r.objectsWritten,
      bytes: r.bytesWritten,
      firstSequenceNumber: records[0]!.sequenceNumber,
      lastSequenceNumber: records[records.length - 1]!.sequenceNumber,
    });
    if (r.quarantineSample.length > 0) logger.warn('records quarantined', { byKind: q.quarantineByKind, sample: r.quarantineSample });
    if (r.writeErrors.length > 0) {
      logger.error('lake writes failed; reporting the batch from the first failed record for redelivery', {
        retryFrom: r.batchItemFailures.map((f) => f.itemIdentifier),
        errors: r.writeErrors.slice(0, 10),
      });
    }
    return { batchItemFailures: r.batchItemFailures };
  } finally {
    deadline.dispose();
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}

export const handler = traceHandler(processBatch);
