/**
 * The inference handler with the real SDK clients, their `send` answered by aws-sdk-client-mock:
 * happy path, every kind of bad request, each endpoint failure, variant pinning, the prediction
 * log reaching the lake as Parquet, and the EMF metrics.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  InternalFailure,
  InvokeEndpointCommand,
  ModelError,
  ModelNotReadyException,
  SageMakerRuntimeClient,
  SageMakerRuntimeServiceException,
  ServiceUnavailable,
} from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandler, type InferenceHandler } from '../../functions/ml-inference/handler';
import { featureRow } from '../../functions/ml-inference/domain';
import { PredictionLog } from '../../functions/ml-inference/prediction-log';
import { PREDICTION_COLUMNS, validateEvent, type ValidEvent } from '../../functions/shared/contract';
import { requireEsm } from './helpers/esm';
import { apiEvent, lambdaContext, predictEvent, settings, VALID_EVENT } from './helpers/ml-inference';

const sagemakerMock = mockClient(SageMakerRuntimeClient);
const s3Mock = mockClient(S3Client);
const NOW = Date.UTC(2024, 2, 20, 10, 0, 5);

type Hyparquet = { parquetReadObjects(o: { file: ArrayBuffer }): Promise<Record<string, unknown>[]> };
const hyparquet = requireEsm('hyparquet') as Hyparquet;

let emf: Record<string, any>[];
let stdoutSpy: jest.SpyInstance;

function build(flush: Parameters<typeof settings>[0] = { flush: { maxRows: 1 } }): { handler: InferenceHandler; log: PredictionLog } {
  const s = settings(flush);
  const log = new PredictionLog({
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: s.predictionsBucket,
    policy: s.flush,
    clock: () => NOW,
    writerId: 'writer',
  });
  const handler = createHandler({
    sagemaker: new SageMakerRuntimeClient({ region: 'us-east-1' }),
    predictionLog: log,
    settings: s,
    logger: new Logger({ serviceName: 'ml-inference', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'DataAnalyticsMl', serviceName: 'ml-inference' }),
    clock: () => NOW,
  });
  return { handler, log };
}

function answer(score: string, variant = 'champion') {
  return { Body: Buffer.from(score) as unknown as Uint8Array, ContentType: 'text/csv', InvokedProductionVariant: variant, $metadata: {} } as never;
}

function body(res: { body?: string }): any {
  return JSON.parse(res.body ?? 'null');
}

function validEvent(): ValidEvent {
  const r = validateEvent(VALID_EVENT, { now: NOW });
  if (!r.ok) throw new Error('fixture invalid');
  return r.event;
}

beforeEach(() => {
  sagemakerMock.reset();
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ $metadata: {} } as never);
  emf = [];
  stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    for (const line of String(chunk).split('\n')) {
      if (line.includes('"_aws"')) emf.push(JSON.parse(line));
    }
    return true;
  });
});

afterEach(() => stdoutSpy.mockRestore());

describe('POST /predict: happy path', () => {
  it('sends the shared feature row as text/csv and answers score, confidence, variant and model version', async () => {
    sagemakerMock.on(InvokeEndpointCommand).resolves(answer('0.8125\n'));
    const { handler } = build();
    const res = await handler(predictEvent(), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({ eventId: 'evt-0001', score: 0.8125, confidence: 0.625, variant: 'champion', modelVersion: 'v1' });

    const calls = sagemakerMock.commandCalls(InvokeEndpointCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toMatchObject({ EndpointName: 'dam-analytics-inference-use1', ContentType: 'text/csv', Accept: 'text/csv', InferenceId: 'evt-0001' });
    expect(input.TargetVariant).toBeUndefined();
    expect(Buffer.from(input.Body as Uint8Array).toString('utf8')).toBe(featureRow(validEvent()));
  });

  it('accepts a base64-encoded body (HTTP API does that for some content types)', async () => {
    sagemakerMock.on(InvokeEndpointCommand).resolves(answer('0.1'));
    const { handler } = build();
    const res = await handler(apiEvent('POST /predict', { body: Buffer.from(JSON.stringify(VALID_EVENT)).toString('base64'), base64: true }), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(body(res).confidence).toBe(0.8);
  });

  it('stores the prediction in the lake as a Parquet row of the predictions table', async () => {
    sagemakerMock.on(InvokeEndpointCommand).resolves(answer('0.25', 'challenger'));
    const { handler } = build();
    await handler(predictEvent(), lambdaContext());
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const put = puts[0]!.args[0].input;
    expect(put.Bucket).toBe('lake-bucket');
    expect(put.Key).toBe('predictions/dt=2024-03-20/hour=10/writer-00000001.parquet');
    const bytes = put.Body as Uint8Array;
    const rows = await hyparquet.parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!)).toEqual(PREDICTION_COLUMNS.map((c) => c.name));
    expect(rows[0]).toMatchObject({
      event_id: 'evt-0001',
      user_id: 'user123',
      session_id: 'sess789',
      event_type: 'add_to_cart',
      score: 0.25,
      confidence: 0.5,
      variant: 'challenger',
      model_version: 'v2',
      features: featureRow(validEvent()),
    });
    expect((rows[0]!.event_time as Date).toISOString()).toBe('2024-03-20T10:00:00.000Z');
    expect((rows[0]!.predicted_at as Date).getTime()).toBe(NOW);
  });

  it('batches prediction rows: one object per maxRows predictions, not one per request', async () => {
    sagemakerMock.on(InvokeEndpointCommand).resolves(answer('0.3'));
    const { handler, log } = build({ flush: { maxRows: 3, maxAgeMs: 60_000 } });
    for (let i = 0; i < 2; i++) await handler(predictEvent({ ...VALID_EVENT, event_id: `evt-${i}` }), lambdaContext());
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(log.stats.buffered).toBe(2);
    await handler(predictEvent({ ...VALID_EVENT, event_id: 'evt-2' }), lambdaContext());
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const bytes = puts[0]!.args[0].input.Body as Uint8Array;
    const rows = await hyparquet.parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(rows.map((r) => r.event_id)).toEqual(['evt-0', 'evt-1', 'evt-2']);
  });

  it('emits EMF latency and prediction counts per variant', async () => {
    sagemakerMock.on(InvokeEndpointCommand).resolves(answer('0.6', 'challenger'));
    const { handler } = build();
    await handler(predictEvent(), lambdaContext());
    const latency = emf.find((m) => 'InvokeLatency' in m);
    expect(latency).toMatchObject({ Variant: 'challenger', service: 'ml-inference' });
    expect(latency!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'DataAnalyticsMl', Dimensions: [expect.arrayContaining(['Variant'])] });
    expect(emf.find((m) => 'Predictions' in m)).toMatchObject({ Variant: 'challenger', Predictions: 1 });
    expect(emf.find((m) => 'HandlerLatency' in m)).toBeDefined();
    expect(emf.find((m) => 'PredictionsWritten' in m)).toMatchObject({ PredictionsWritten: 1 });
  });
});

describe('POST /predict: variant pinning', () => {
  it('passes ?variant= as TargetVariant and reports that variant and its model version', async () => {
    sagemakerMock.on(InvokeEndpointCommand, { TargetVariant: 'challenger' }).resolves(answer('0.4', 'challenger'));
    const { handler } = build();
    const res = await handler(predictEvent(VALID_EVENT, { query: { variant: 'challenger' } }), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(body(res)).toMatchObject({ variant: 'challenger', modelVersion: 'v2' });
    expect(sagemakerMock.commandCalls(InvokeEndpointCommand)[0]!.args[0].input.TargetVariant).toBe('challenger');
  });

  it('rejects a variant the endpoint does not have, naming the allowed ones, without calling it', async () => {
    const { handler } = build();
    const res = await handler(predictEvent(VALID_EVENT, { query: { variant: 'canary' } }), lambdaContext());
    expect(res.statusCode).toBe(400);
    expect(body(res).problems).toEqual([{ field: 'variant', code: 'enum', value: '"canary"', allowed: expect.stringContaining('champion, challenger') }]);
    expect(sagemakerMock.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });
});

describe('POST /predict: validation failures answer 400 naming the field', () => {
  const withData = (patch: Record<string, unknown>) => ({ ...VALID_EVENT, data: { ...VALID_EVENT.data, ...patch } });
  const { event_type: _omit, ...withoutEventType } = VALID_EVENT;
  const cases: [string, () => ReturnType<typeof apiEvent>, string, string][] = [
    ['no body', () => apiEvent('POST /predict'), '(body)', 'missing'],
    ['body not JSON', () => apiEvent('POST /predict', { body: '{"user_id": "u1",' }), '(record)', 'not_json'],
    ['body a JSON array', () => predictEvent([VALID_EVENT]), '(record)', 'not_object'],
    ['body larger than MAX_EVENT_BYTES', () => predictEvent(withData({ note: 'x'.repeat(40_000) })), '(record)', 'too_large'],
    ['wrong content type', () => predictEvent(VALID_EVENT, { headers: { 'content-type': 'text/plain' } }), 'content-type', 'format'],
    ['missing event_type', () => predictEvent(withoutEventType), 'event_type', 'missing'],
    ['unknown event_type', () => predictEvent({ ...VALID_EVENT, event_type: 'click' }), 'event_type', 'enum'],
    ['timestamp without zone', () => predictEvent({ ...VALID_EVENT, timestamp: '2024-03-20 10:00:00' }), 'timestamp', 'format'],
    ['timestamp far in the future', () => predictEvent({ ...VALID_EVENT, timestamp: '2031-01-01T00:00:00Z' }), 'timestamp', 'range'],
    ['user_id a number', () => predictEvent({ ...VALID_EVENT, user_id: 123 }), 'user_id', 'type'],
    ['data.location a string', () => predictEvent(withData({ location: 'San Francisco, US' })), 'data.location', 'type'],
    ['data missing', () => predictEvent({ ...VALID_EVENT, data: undefined }), 'data', 'missing'],
    ['country not ISO alpha-2', () => predictEvent(withData({ location: { country: 'USA' } })), 'data.location.country', 'max_length'],
    ['session_id empty', () => predictEvent(withData({ session_id: '' })), 'data.session_id', 'empty'],
    ['page_url with whitespace', () => predictEvent(withData({ page_url: '/my cart' })), 'data.page_url', 'format'],
  ];

  it.each(cases)('%s', async (_name, event, field, code) => {
    const { handler } = build();
    const res = await handler(event(), lambdaContext());
    expect(res.statusCode).toBe(400);
    const b = body(res);
    expect(b.error).toBe('invalid_request');
    expect(b.problems).toEqual(expect.arrayContaining([expect.objectContaining({ field, code })]));
    expect(b.message).toContain(`${field}: ${code}`);
    expect(sagemakerMock.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(emf.find((m) => 'InvalidRequests' in m)).toMatchObject({ InvalidRequests: 1 });
  });

  it('reports every problem of a request at once', async () => {
    const { handler } = build();
    const res = await handler(predictEvent({ ...VALID_EVENT, user_id: '', event_type: 'refund' }, { query: { variant: 'x' } }), lambdaContext());
    expect(
      body(res)
        .problems.map((p: { field: string }) => p.field)
        .sort(),
    ).toEqual(['event_type', 'user_id', 'variant']);
  });
});

describe('POST /predict: endpoint failures', () => {
  const meta = (httpStatusCode: number) => ({
    $metadata: { httpStatusCode },
    message: 'SECRET-SDK-DETAIL arn:aws:sagemaker:us-east-1:123456789012:endpoint/x',
  });
  const throttling = () => new SageMakerRuntimeServiceException({ name: 'ThrottlingException', $fault: 'client', ...meta(400) });
  const timeout = () => Object.assign(new Error('Connection timed out after 3000 ms SECRET-SDK-DETAIL'), { name: 'TimeoutError' });
  const cases: [string, () => Error, number, string, string | undefined][] = [
    ['throttling', throttling, 503, 'endpoint_throttled', '1'],
    ['model not ready', () => new ModelNotReadyException(meta(429)), 503, 'model_not_ready', '5'],
    ['service unavailable', () => new ServiceUnavailable(meta(503)), 503, 'endpoint_unavailable', '2'],
    [
      'connection refused',
      () => Object.assign(new Error('connect ECONNREFUSED SECRET-SDK-DETAIL'), { code: 'ECONNREFUSED' }),
      503,
      'endpoint_unavailable',
      '2',
    ],
    ['SDK timeout', timeout, 504, 'endpoint_timeout', '1'],
    ['model error (container failed)', () => new ModelError({ ...meta(424), OriginalStatusCode: 500 }), 502, 'model_error', undefined],
    ['internal failure', () => new InternalFailure(meta(500)), 502, 'endpoint_error', '1'],
  ];

  it.each(cases)('%s', async (_name, error, status, code, retryAfter) => {
    sagemakerMock.on(InvokeEndpointCommand).rejects(error());
    const { handler } = build();
    const res = await handler(predictEvent(), lambdaContext());
    expect(res.statusCode).toBe(status);
    expect(res.headers?.['retry-after']).toBe(retryAfter);
    const b = body(res);
    expect(b).toMatchObject({ error: code, retryable: retryAfter !== undefined });
    // Neither the SDK's text nor a stack reaches the caller.
    expect(res.body).not.toContain('SECRET-SDK-DETAIL');
    expect(res.body).not.toMatch(/\n\s+at /);
    expect(emf.find((m) => 'EndpointErrors' in m)).toMatchObject({ ErrorCode: code, EndpointErrors: 1 });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('a body that is not one probability is a retryable 502 bad_model_response', async () => {
    sagemakerMock.on(InvokeEndpointCommand).resolves(answer('0.2,0.8'));
    const { handler } = build();
    const res = await handler(predictEvent(), lambdaContext());
    expect(res.statusCode).toBe(502);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(body(res)).toMatchObject({ error: 'bad_model_response', retryable: true, retryAfterSeconds: 1 });
  });
});

describe('routes', () => {
  it('GET /health answers from configuration without calling the endpoint', async () => {
    const { handler } = build();
    const res = await handler(apiEvent('GET /health'), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({ status: 'ok', endpointName: 'dam-analytics-inference-use1', variants: { champion: 'v1', challenger: 'v2' } });
    expect(sagemakerMock.calls()).toHaveLength(0);
  });

  it('unknown routes are 404 with the list of routes', async () => {
    const { handler } = build();
    const res = await handler(apiEvent('DELETE /predict'), lambdaContext());
    expect(res.statusCode).toBe(404);
    expect(body(res).message).toContain('POST /predict');
  });

  it('an unexpected failure is a 500 with the request id and no stack', async () => {
    sagemakerMock.on(InvokeEndpointCommand).resolves(answer('0.5'));
    const { handler, log } = build();
    jest.spyOn(log, 'add').mockImplementation(() => {
      throw new TypeError('boom SECRET-INTERNAL');
    });
    const res = await handler(predictEvent(VALID_EVENT, { requestId: 'req-42' }), lambdaContext());
    expect(res.statusCode).toBe(500);
    expect(body(res)).toEqual({ error: 'internal_error', message: expect.any(String), requestId: 'req-42' });
    expect(res.body).not.toContain('SECRET-INTERNAL');
  });
});
