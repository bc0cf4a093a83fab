/**
 * Lambda entry point of the inference API: settings, SDK clients, logger and metrics are
 * created once per execution environment and reused by every invocation.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { createPowertools } from '../shared/powertools';
import { clientConfig } from '../shared/deadline';
import { loadSettings, PREDICTION_LOG_S3, sagemakerClientOptions } from './config';
import { createHandler } from './handler';
import { INFERENCE_SERVICE } from './metric-names';
import { PredictionLog } from './prediction-log';

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

export const handler = traceHandler(createHandler({ sagemaker, predictionLog, settings, logger, metrics }));
