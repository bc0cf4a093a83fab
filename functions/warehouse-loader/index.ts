/**
 * Warehouse loader: S3 ObjectCreated notifications (curated/ and predictions/ Parquet) arrive
 * through an SQS queue; each object is COPYed into Redshift through the Data API, exactly once
 * in effect (see loader.ts and sql.ts).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { clientConfig, Deadline } from '../shared/deadline';
import { createPowertools } from '../shared/powertools';
import { type BatchLogger, type BatchMetrics, processBatch } from './batch';
import { readConfig } from './config';
import { DataApi } from './data-api';
import { LOADER_SERVICE } from './metric-names';
import { s3ManifestWriter, s3ObjectInspector } from './s3-adapters';

// Created once per execution environment and reused across invocations.
const settings = readConfig(process.env);
const { logger, metrics, traceClient, traceHandler } = createPowertools(LOADER_SERVICE);
// Data API calls only submit and poll statements, so each attempt answers in well under a second
// when the service is healthy; the request timeout cuts off a stuck attempt so the SDK can retry it.
const redshiftData = traceClient(new RedshiftDataClient(clientConfig({ connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 5 })));
const s3 = traceClient(new S3Client(clientConfig({ connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 3 })));
const dataApi = new DataApi(redshiftData, settings);

const batchLogger: BatchLogger = {
  info: (message, extra = {}) => logger.info(message, extra),
  warn: (message, extra = {}) => logger.warn(message, extra),
  error: (message, extra = {}) => logger.error(message, extra),
};

const batchMetrics: BatchMetrics = {
  count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
  milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
};

async function loadBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // settings.timeReserveMs is kept back from the Lambda timeout to report the batch result after the last call.
  const deadline = Deadline.fromContext(context, settings.timeReserveMs);
  logger.appendKeys({ requestId: context.awsRequestId });
  try {
    return await processBatch(event.Records, deadline.at, {
      runner: dataApi,
      manifests: s3ManifestWriter(s3),
      objects: s3ObjectInspector(s3),
      settings,
      logger: batchLogger,
      metrics: batchMetrics,
      now: Date.now,
      minMillisPerMessage: settings.minMillisPerMessage,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
}

export const handler = traceHandler(loadBatch);
