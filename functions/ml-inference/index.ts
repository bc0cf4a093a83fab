/**
 * Lambda entry point of the inference API: settings, SDK clients, logger and metrics are
 * created once per execution environment and reused by every invocation.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { createPowertools } from '../shared/powertools';
import { clientConfig } from '../shared/deadline';
import { loadSettings, PREDICTION_LOG_S3, readinessClientOptions, sagemakerClientOptions } from './config';
import { createHandler } from './handler';
import { INFERENCE_SERVICE } from './metric-names';
import { PredictionLog } from './prediction-log';
import { ReadinessCache } from './readiness';
import { createReadinessProbe } from './readiness-probe';

const settings = loadSettings();
const { logger, metrics, traceClient, traceHandler } = createPowertools(INFERENCE_SERVICE);

const sagemaker = traceClient(new SageMakerRuntimeClient(sagemakerClientOptions(settings.invoke)));

// Prediction writes run off the critical path, but must not hold a batch forever either.
const s3 = traceClient(new S3Client(clientConfig(PREDICTION_LOG_S3)));

const predictionLog = new PredictionLog({
  s3,
  bucket: settings.predictionsBucket,
  policy: settings.flush,
  onWriteError: (error, key) =>
    logger.warn('prediction batch write failed; kept for retry', { key, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }),
});

// GET /ready: one attempt per check, its own timeout bounds it; the cache keeps the rate low.
const readinessClients = readinessClientOptions(settings.readiness);
const readiness = {
  cache: new ReadinessCache(settings.readiness.cacheTtlMs),
  probe: createReadinessProbe({
    sagemaker: traceClient(new SageMakerClient(readinessClients)),
    kinesis: traceClient(new KinesisClient(readinessClients)),
    s3: traceClient(new S3Client(readinessClients)),
    endpointName: settings.endpointName,
    streamName: settings.readiness.streamName,
    bucket: settings.predictionsBucket,
    checkTimeoutMs: settings.readiness.checkTimeoutMs,
    onCheckError: (dependency, error) =>
      logger.warn('readiness check failed', { dependency, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }),
  }),
};

export const handler = traceHandler(createHandler({ sagemaker, predictionLog, settings, logger, metrics, readiness }));
