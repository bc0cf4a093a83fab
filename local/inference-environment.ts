/**
 * The inference function's execution environment for the local run: the same settings, clients
 * and handler factory as functions/ml-inference/index.ts, with the prediction log exposed so the
 * run can report what was still buffered when it ended and then drain it (a warm environment in
 * the service flushes on its next requests; see docs/ml.md, "Prediction log").
 * Loaded after the run has set the function's environment variables.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { loadSettings, sagemakerClientOptions } from '../functions/ml-inference/config';
import { createHandler } from '../functions/ml-inference/handler';
import { INFERENCE_SERVICE } from '../functions/ml-inference/metric-names';
import { PredictionLog } from '../functions/ml-inference/prediction-log';
import { createPowertools } from '../functions/shared/powertools';

const settings = loadSettings();
const { logger, metrics } = createPowertools(INFERENCE_SERVICE);
const sagemaker = new SageMakerRuntimeClient(sagemakerClientOptions(settings.invoke));
const s3 = new S3Client({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true } });

export const predictionLog = new PredictionLog({
  s3,
  bucket: settings.predictionsBucket,
  policy: settings.flush,
  onWriteError: (error, key) =>
    logger.warn('prediction batch write failed; kept for retry', { key, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }),
});

export const handler = createHandler({ sagemaker, predictionLog, settings, logger, metrics });
