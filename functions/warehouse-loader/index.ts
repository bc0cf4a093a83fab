/**
 * Warehouse loader: S3 ObjectCreated notifications (curated/ and predictions/ Parquet) arrive
 * through an SQS queue; each object is COPYed into Redshift through the Data API, exactly once
 * in effect (see loader.ts and sql.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { BatchLogger, BatchMetrics, processBatch } from './batch';
import { DataApi } from './data-api';
import { ManifestWriter } from './loader';
import { LOADER_METRICS_NAMESPACE } from './metric-names';
import { WAREHOUSE_SCHEMA } from './sql';

export interface LoaderEnvironment {
  readonly clusterIdentifier: string;
  readonly database: string;
  /** Database user the loader signs in as, with IAM temporary credentials. */
  readonly dbUser: string;
  readonly lakeBucket: string;
  readonly manifestBucket: string;
  readonly schema: string;
}

const REQUIRED = {
  clusterIdentifier: 'CLUSTER_IDENTIFIER',
  database: 'DATABASE_NAME',
  dbUser: 'DB_USER',
  lakeBucket: 'LAKE_BUCKET',
  manifestBucket: 'MANIFEST_BUCKET',
} as const;

/** Reads the function's settings, naming every missing variable at once. */
export function loaderEnvironment(env: NodeJS.ProcessEnv): LoaderEnvironment {
  const missing = Object.values(REQUIRED).filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`warehouse loader misconfigured: environment variable(s) ${missing.join(', ')} must be set (the WarehouseLoader construct sets them)`);
  return {
    clusterIdentifier: env.CLUSTER_IDENTIFIER!,
    database: env.DATABASE_NAME!,
    dbUser: env.DB_USER!,
    lakeBucket: env.LAKE_BUCKET!,
    manifestBucket: env.MANIFEST_BUCKET!,
    schema: env.WAREHOUSE_SCHEMA || WAREHOUSE_SCHEMA,
  };
}

// Created once per execution environment and reused across invocations.
const settings = loaderEnvironment(process.env);
const logger = new Logger({ serviceName: 'warehouse-loader' });
const metrics = new Metrics({ namespace: LOADER_METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'warehouse-loader' });
const redshiftData = new RedshiftDataClient({ maxAttempts: 5 });
const s3 = new S3Client({});
const dataApi = new DataApi(redshiftData, settings);

const manifests: ManifestWriter = {
  async put(bucket, key, body) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  },
};

const batchLogger: BatchLogger = {
  info: (message, extra = {}) => logger.info(message, extra),
  warn: (message, extra = {}) => logger.warn(message, extra),
  error: (message, extra = {}) => logger.error(message, extra),
};

const batchMetrics: BatchMetrics = {
  count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
  milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
};

/** Time kept back from the Lambda timeout to report the batch result after the last statement. */
const REPORTING_RESERVE_MS = 5_000;

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - REPORTING_RESERVE_MS;
  logger.appendKeys({ requestId: context.awsRequestId });
  try {
    return await processBatch(event.Records, deadline, { runner: dataApi, manifests, settings, logger: batchLogger, metrics: batchMetrics, now: Date.now });
  } finally {
    metrics.publishStoredMetrics();
  }
}
