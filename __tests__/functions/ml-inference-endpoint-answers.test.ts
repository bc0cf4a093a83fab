/**
 * What the inference API makes of the endpoint's 200 answers, with a real SageMakerRuntimeClient
 * reading them off a server on 127.0.0.1: only one decimal probability is a score; an empty or
 * malformed body is a retryable 502 bad_model_response (the SDK turns an empty body into a null
 * Body, which a mocked `send` would never show). Bodies that are not one event are a 400.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sagemakerClientOptions } from '../../functions/ml-inference/config';
import { createHandler, type InferenceHandler } from '../../functions/ml-inference/handler';
import { PredictionLog } from '../../functions/ml-inference/prediction-log';
import { MAX_EVENT_DEPTH } from '../../functions/shared/contract';
import { apiEvent, lambdaContext, predictEvent, settings, VALID_EVENT } from './helpers/ml-inference';

const s3Mock = mockClient(S3Client);
let server: http.Server;
/** The body the next answers carry; undefined answers with no body at all. */
let answerBody: string | undefined;
let requests = 0;
let handler: InferenceHandler;
let stdoutSpy: jest.SpyInstance;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, {
        'content-type': 'text/csv',
        'x-amzn-invoked-production-variant': 'champion',
        'content-length': Buffer.byteLength(answerBody ?? ''),
      });
      res.end(answerBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s = settings({ flush: { maxRows: 1 } });
  handler = createHandler({
    sagemaker: new SageMakerRuntimeClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      ...sagemakerClientOptions({ connectTimeoutMs: 500, requestTimeoutMs: 1000, maxAttempts: 1 }),
    }),
    predictionLog: new PredictionLog({ s3: new S3Client({ region: 'us-east-1' }), bucket: s.predictionsBucket, policy: s.flush }),
    settings: s,
    logger: new Logger({ serviceName: 'ml-inference', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'DataAnalyticsMl', serviceName: 'ml-inference' }),
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ $metadata: {} } as never);
  stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  requests = 0;
});

afterEach(() => stdoutSpy.mockRestore());

describe('endpoint answers', () => {
  it.each([
    ['0.25\n', 0.25],
    ['3.0517578e-05', 3.1e-5],
    ['1', 1],
  ])('%j is a score', async (body, score) => {
    answerBody = body;
    const res = await handler(predictEvent(), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!).score).toBeCloseTo(score, 6);
  });

  it.each([[undefined], [''], ['0x1'], ['Infinity'], ['   '], ['NaN'], ['0.4,0.6'], ['1.5']])('%j is a retryable 502 bad_model_response', async (body) => {
    answerBody = body;
    const res = await handler(predictEvent(), lambdaContext());
    expect(requests).toBe(1);
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body!)).toEqual({
      error: 'bad_model_response',
      message: 'The model returned an answer that is not a probability.',
      retryable: true,
      retryAfterSeconds: 1,
    });
    expect(res.headers?.['retry-after']).toBe('1');
  });
});

describe('request bodies that are not one event', () => {
  const deep = `{"a":${'['.repeat(3000)}${']'.repeat(3000)}}`;
  const deepExtra = `${JSON.stringify(VALID_EVENT).slice(0, -1)},"x":${'['.repeat(3000)}${']'.repeat(3000)}}`;
  it.each([
    ['JSON nested 3,000 levels deep', { body: deep }, 'too_deep'],
    ['an event with a deeply nested extra field', { body: deepExtra }, 'too_deep'],
    ['the same, base64-encoded', { body: Buffer.from(deepExtra).toString('base64'), base64: true }, 'too_deep'],
    [
      'invalid UTF-8 (base64-encoded, as HTTP API passes binary bodies)',
      { body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), base64: true },
      'not_json',
    ],
  ] as const)('%s is a 400 naming the problem, and the endpoint is not called', async (_name, options, code) => {
    const res = await handler(apiEvent('POST /predict', options), lambdaContext());
    expect(res.statusCode).toBe(400);
    const answer = JSON.parse(res.body!);
    expect(answer.problems.map((p: { code: string }) => p.code)).toEqual([code]);
    if (code === 'too_deep') expect(answer.message).toMatch(new RegExp(`nesting depth \\d+; allowed: at most ${MAX_EVENT_DEPTH} levels`));
    expect(requests).toBe(0);
  });
});
