/**
 * The inference handler with a real SageMakerRuntimeClient talking HTTP to the SageMaker runtime
 * stand-in (local/standins/sagemaker-runtime.ts, faults injected where a test needs them): the wire format (CSV body, target-variant header), the SDK's retry budget and
 * timeouts, and the handler's own deadline, none of which a mocked `send` can show.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InvokeBudget } from '../../functions/ml-inference/config';
import { sagemakerClientOptions, worstCaseInvokeMs } from '../../functions/ml-inference/config';
import { featureRow } from '../../functions/ml-inference/domain';
import { createHandler } from '../../functions/ml-inference/handler';
import { PredictionLog } from '../../functions/ml-inference/prediction-log';
import { validateEvent } from '../../functions/shared/contract';
import { SageMakerRuntimeStandin, type FaultInjector } from '../../local/standins/sagemaker-runtime';
import { loadModelArchive } from '../../local/standins/xgboost';
import { lambdaContext, predictEvent, settings, VALID_EVENT } from './helpers/ml-inference';

const model = (version: string) => loadModelArchive(fs.readFileSync(path.resolve(__dirname, '..', '..', 'ml', 'model', version, 'model.tar.gz')));
const VARIANT_WEIGHTS: Readonly<Record<string, number>> = { champion: 90, challenger: 10 };
/** Every request is scored by its variant's shipped model. */
const NO_FAULT: FaultInjector = () => undefined;

const s3Mock = mockClient(S3Client);
let endpoint: SageMakerRuntimeStandin | undefined;
let stdoutSpy: jest.SpyInstance;

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ $metadata: {} } as never);
  stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(async () => {
  stdoutSpy.mockRestore();
  await endpoint?.stop();
  endpoint = undefined;
});

async function setup(fault: FaultInjector, invoke: InvokeBudget) {
  const s = { ...settings({ flush: { maxRows: 1 } }), invoke };
  endpoint = await SageMakerRuntimeStandin.start({
    endpointName: s.endpointName,
    variants: Object.entries(s.variantModelVersions).map(([name, version]) => ({
      name,
      weight: VARIANT_WEIGHTS[name]!,
      modelVersion: version,
      model: model(version),
    })),
    fault,
    recordInvocations: true,
  });
  const sagemaker = new SageMakerRuntimeClient({
    region: 'us-east-1',
    endpoint: endpoint.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    ...sagemakerClientOptions(invoke),
  });
  const handler = createHandler({
    sagemaker,
    predictionLog: new PredictionLog({ s3: new S3Client({ region: 'us-east-1' }), bucket: s.predictionsBucket, policy: s.flush }),
    settings: s,
    logger: new Logger({ serviceName: 'ml-inference', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'DataAnalyticsMl', serviceName: 'ml-inference' }),
  });
  return { handler, endpoint };
}

const BUDGET: InvokeBudget = { connectTimeoutMs: 500, requestTimeoutMs: 300, maxAttempts: 3 };

describe('inference handler over HTTP', () => {
  it('sends the feature row as text/csv with the target-variant header and reads the answering variant', async () => {
    const { handler, endpoint } = await setup(NO_FAULT, BUDGET);
    const res = await handler(predictEvent(VALID_EVENT, { query: { variant: 'challenger' } }), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toMatchObject({ variant: 'challenger', modelVersion: 'v2' });
    expect(endpoint.invocations).toHaveLength(1);
    const inv = endpoint.invocations[0]!;
    const valid = validateEvent(VALID_EVENT);
    expect(valid.ok && inv.body).toBe(valid.ok ? featureRow(valid.event) : '');
    expect(inv.endpointName).toBe('dam-analytics-inference-use1');
    expect(inv.headers['content-type']).toBe('text/csv');
    expect(inv.headers['x-amzn-sagemaker-target-variant']).toBe('challenger');
    expect(inv.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('throttling: the SDK spends its attempts, then the caller gets 503 with Retry-After', async () => {
    const { handler, endpoint } = await setup(() => ({ kind: 'error', status: 400, errorType: 'ThrottlingException', message: 'Rate exceeded' }), BUDGET);
    const started = Date.now();
    const res = await handler(predictEvent(), lambdaContext());
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(endpoint.invocations).toHaveLength(BUDGET.maxAttempts);
    expect(Date.now() - started).toBeLessThanOrEqual(worstCaseInvokeMs(BUDGET));
  });

  it('a container failure (ModelError 424) is a 502 and not retried', async () => {
    const { handler, endpoint } = await setup(
      () => ({ kind: 'error', status: 424, errorType: 'ModelError', message: 'Received server error (500) from model' }),
      BUDGET,
    );
    const res = await handler(predictEvent(), lambdaContext());
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body!)).toMatchObject({ error: 'model_error', retryable: false });
    expect(endpoint.invocations).toHaveLength(1);
  });

  it('a slow endpoint: every attempt times out, the caller gets 504 within the retry budget', async () => {
    const { handler, endpoint } = await setup(() => ({ kind: 'hang' }), BUDGET);
    const started = Date.now();
    const res = await handler(predictEvent(), lambdaContext());
    const elapsed = Date.now() - started;
    expect(res.statusCode).toBe(504);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(endpoint.invocations).toHaveLength(BUDGET.maxAttempts);
    expect(elapsed).toBeGreaterThanOrEqual(BUDGET.maxAttempts * BUDGET.requestTimeoutMs);
    expect(elapsed).toBeLessThanOrEqual(worstCaseInvokeMs(BUDGET));
  });

  it('answers 504 at its own deadline when the function is about to time out, even with long SDK timeouts', async () => {
    const { handler } = await setup(() => ({ kind: 'hang' }), { connectTimeoutMs: 10_000, requestTimeoutMs: 20_000, maxAttempts: 3 });
    const started = Date.now();
    // 1.5 s left; the handler keeps 500 ms + the 250 ms write timeout for itself.
    const res = await handler(predictEvent(), lambdaContext(1_500));
    const elapsed = Date.now() - started;
    expect(res.statusCode).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(1_500);
  });
});
