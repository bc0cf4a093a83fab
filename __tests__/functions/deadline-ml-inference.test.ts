/**
 * The inference API against connections that accept a request and never answer: the SageMaker
 * runtime (through the deployed wiring, index.ts) and the S3 prediction log. The caller gets the
 * handler's 504 at its own deadline, well inside the 29 s function timeout, and a prediction write
 * cut off by the deadline stays queued for the next invocation.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DEFAULT_INVOKE_BUDGET, PREDICTION_LOG_S3, sagemakerClientOptions } from '../../functions/ml-inference/config';
import { featureRow, predictionRow } from '../../functions/ml-inference/domain';
import { createHandler } from '../../functions/ml-inference/handler';
import { PredictionLog } from '../../functions/ml-inference/prediction-log';
import { validateEvent } from '../../functions/shared/contract';
import { clientConfig } from '../../functions/shared/deadline';
import { lambdaContext, predictEvent, settings, VALID_EVENT } from './helpers/ml-inference';
import { localAwsEnvironment, runningContext, startSilentServer, type SilentServer } from './helpers/silent-server';

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The deployed function's timeout (inference-api construct default). */
const FUNCTION_TIMEOUT_MS = 29_000;
const REMAINING_MS = 1_500;
/** What the handler keeps back: deadlineReserveMs (500) + the flush wait (250). */
const HANDLER_RESERVE_MS = 750;
const TIMEOUT_BODY = { error: 'endpoint_timeout', message: 'The model endpoint did not answer in time.', retryable: true, retryAfterSeconds: 1 };

let server: SilentServer;
const savedEnv = { ...process.env };
beforeAll(async () => {
  server = await startSilentServer();
});
afterAll(async () => {
  process.env = savedEnv;
  await server.close();
});
beforeEach(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
afterEach(() => jest.restoreAllMocks());

describe('inference API with a hung connection', () => {
  it('the deployed wiring: a SageMaker runtime that never answers gets the caller a 504 at the deadline', async () => {
    Object.assign(process.env, localAwsEnvironment(server.endpoint), {
      ENDPOINT_NAME: 'dam-analytics-inference-use1',
      VARIANT_MODEL_VERSIONS: '{"champion":"v1"}',
      PREDICTIONS_BUCKET: 'lake-bucket',
      INGESTION_STREAM_NAME: 'events',
    });
    let handler: Handler | undefined;
    jest.isolateModules(() => {
      handler = (jest.requireActual('../../functions/ml-inference/index') as { handler: Handler }).handler;
    });
    const before = server.requests.length;
    const started = Date.now();
    const res = await handler!(predictEvent(), runningContext(REMAINING_MS, 'inference') as Context);
    const elapsed = Date.now() - started;

    expect(res.statusCode).toBe(504);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(res.body!)).toEqual(TIMEOUT_BODY);
    // The request reached the endpoint and was cut off; the SDK's 3 s request timeout never came into it.
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual(['POST /endpoints/dam-analytics-inference-use1/invocations']);
    expect(elapsed).toBeGreaterThanOrEqual(REMAINING_MS - HANDLER_RESERVE_MS - 50);
    expect(elapsed).toBeLessThan(REMAINING_MS);
    expect(elapsed).toBeLessThan(FUNCTION_TIMEOUT_MS / 10);
  }, 10_000);

  it('a prediction write to an S3 that never answers is aborted at the deadline and kept for a later invocation', async () => {
    const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
    const s = settings({ flush: { maxRows: 1 } });
    const predictionLog = new PredictionLog({
      s3: new S3Client({ ...clientConfig(PREDICTION_LOG_S3), region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials }),
      bucket: s.predictionsBucket,
      policy: s.flush,
    });
    const handler = createHandler({
      sagemaker: new SageMakerRuntimeClient({ ...sagemakerClientOptions(DEFAULT_INVOKE_BUDGET), region: 'us-east-1', endpoint: server.endpoint, credentials }),
      predictionLog,
      settings: s,
      logger: new Logger({ serviceName: 'ml-inference', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'DataAnalyticsMl', serviceName: 'ml-inference' }),
    });
    // A row from an earlier request makes the buffer due: this invocation starts its write.
    const valid = validateEvent(VALID_EVENT);
    if (!valid.ok) throw new Error('the sample event must be valid');
    predictionLog.add(
      predictionRow(valid.event, featureRow(valid.event), { score: 0.5, variant: 'champion', modelVersion: 'v1', invokeLatencyMs: 12 }, Date.now()),
    );

    const before = server.requests.length;
    const started = Date.now();
    const res = await handler(predictEvent(), lambdaContext(REMAINING_MS));
    const elapsed = Date.now() - started;

    expect(res.statusCode).toBe(504);
    expect(JSON.parse(res.body!)).toEqual(TIMEOUT_BODY);
    expect(
      server.requests
        .slice(before)
        .map((r) => r.method)
        .sort(),
    ).toEqual(['POST', 'PUT']);
    expect(elapsed).toBeLessThan(REMAINING_MS);
    // Kept for a retry, not lost, and no longer running: aborted with the invocation rather than
    // left waiting for the client's 5 s request timeout (a running write would make settle(0) undefined).
    expect(predictionLog.stats).toEqual({ buffered: 0, queuedBatches: 1, dropped: 0 });
    expect(await predictionLog.settle(0)).toEqual({ written: 0, failed: 0 });
  }, 10_000);
});
