/**
 * GET /ready with the real SDK clients, their `send` answered by aws-sdk-client-mock: every
 * dependency down in turn, endpoint statuses, a check that never answers, the invocation's
 * deadline, and the cache (hit, expiry, shared checks in flight). Plus the pure verdicts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DescribeStreamSummaryCommand, KinesisClient, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createHandler, type InferenceHandler } from '../../functions/ml-inference/handler';
import { PredictionLog } from '../../functions/ml-inference/prediction-log';
import { judgeEndpoint, judgeFailure, judgeStream, ReadinessCache } from '../../functions/ml-inference/readiness';
import { createReadinessProbe } from '../../functions/ml-inference/readiness-probe';
import { apiEvent, lambdaContext, settings } from './helpers/ml-inference';

const sagemakerMock = mockClient(SageMakerClient);
const kinesisMock = mockClient(KinesisClient);
const s3Mock = mockClient(S3Client);

const ENDPOINT = 'dam-analytics-inference-use1';
const STREAM = 'dam-analytics-events-use1';
const BUCKET = 'lake-bucket';

let now: number;
let checkErrors: string[];

function build(opts: { ttlMs?: number; checkTimeoutMs?: number } = {}): InferenceHandler {
  const s = settings();
  checkErrors = [];
  return createHandler({
    sagemaker: new SageMakerRuntimeClient({ region: 'us-east-1' }),
    predictionLog: new PredictionLog({ s3: new S3Client({ region: 'us-east-1' }), bucket: s.predictionsBucket, policy: s.flush }),
    settings: s,
    logger: new Logger({ serviceName: 'ml-inference', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'DataAnalyticsMl', serviceName: 'ml-inference' }),
    readiness: {
      cache: new ReadinessCache(opts.ttlMs ?? 10_000, () => now),
      probe: createReadinessProbe({
        sagemaker: new SageMakerClient({ region: 'us-east-1' }),
        kinesis: new KinesisClient({ region: 'us-east-1' }),
        s3: new S3Client({ region: 'us-east-1' }),
        endpointName: ENDPOINT,
        streamName: STREAM,
        bucket: BUCKET,
        checkTimeoutMs: opts.checkTimeoutMs ?? 2_000,
        onCheckError: (dependency) => checkErrors.push(dependency),
      }),
    },
  });
}

const endpointStatus = (EndpointStatus: string, FailureReason?: string) =>
  ({ EndpointName: ENDPOINT, EndpointStatus, ...(FailureReason ? { FailureReason } : {}), $metadata: {} }) as never;
const streamStatus = (StreamStatus: string) => ({ StreamDescriptionSummary: { StreamName: STREAM, StreamStatus }, $metadata: {} }) as never;

async function ready(handler: InferenceHandler, context = lambdaContext()) {
  const res = await handler(apiEvent('GET /ready'), context);
  return { statusCode: res.statusCode, body: JSON.parse(res.body ?? 'null') };
}

beforeEach(() => {
  now = Date.UTC(2024, 2, 20, 10);
  sagemakerMock.reset();
  kinesisMock.reset();
  s3Mock.reset();
  sagemakerMock.on(DescribeEndpointCommand, { EndpointName: ENDPOINT }).resolves(endpointStatus('InService'));
  kinesisMock.on(DescribeStreamSummaryCommand, { StreamName: STREAM }).resolves(streamStatus('ACTIVE'));
  s3Mock.on(HeadBucketCommand, { Bucket: BUCKET }).resolves({ $metadata: {} } as never);
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

describe('GET /ready', () => {
  it('is 200 when the endpoint is InService, the stream ACTIVE and the bucket reachable, checking exactly those resources', async () => {
    const before = Date.now();
    const res = await ready(build());
    expect(Date.parse(res.body.checkedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(res.body.checkedAt)).toBeLessThanOrEqual(Date.now());
    expect(res).toEqual({
      statusCode: 200,
      body: {
        status: 'ready',
        checkedAt: res.body.checkedAt,
        dependencies: { endpoint: { status: 'ok' }, stream: { status: 'ok' }, lakeBucket: { status: 'ok' } },
      },
    });
    expect(sagemakerMock.commandCalls(DescribeEndpointCommand)).toHaveLength(1);
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(HeadBucketCommand)).toHaveLength(1);
  });

  it.each([
    ['Creating', undefined],
    ['RollingBack', undefined],
    ['Failed', 'The primary container for production variant champion did not pass the ping health check.'],
    ['OutOfService', undefined],
  ])('is 503 while the endpoint is %s, naming its status (and failure reason)', async (status, failureReason) => {
    sagemakerMock.on(DescribeEndpointCommand).resolves(endpointStatus(status, failureReason));
    const res = await ready(build());
    expect(res.statusCode).toBe(503);
    expect(res.body.status).toBe('not_ready');
    expect(res.body.dependencies.endpoint.status).toBe('down');
    expect(res.body.dependencies.endpoint.reason).toContain(`endpoint status is ${status}, not one that serves`);
    if (failureReason) expect(res.body.dependencies.endpoint.reason).toContain(failureReason);
    expect(res.body.dependencies.stream).toEqual({ status: 'ok' });
    expect(res.body.dependencies.lakeBucket).toEqual({ status: 'ok' });
  });

  it('a stream being resharded (UPDATING) still serves; CREATING or DELETING does not', async () => {
    kinesisMock.on(DescribeStreamSummaryCommand).resolves(streamStatus('UPDATING'));
    expect((await ready(build())).statusCode).toBe(200);
    for (const status of ['CREATING', 'DELETING']) {
      kinesisMock.on(DescribeStreamSummaryCommand).resolves(streamStatus(status));
      const res = await ready(build());
      expect(res.statusCode).toBe(503);
      expect(res.body.dependencies.stream).toEqual({ status: 'down', reason: `stream status is ${status}, not ACTIVE or UPDATING` });
      expect(res.body.dependencies.endpoint).toEqual({ status: 'ok' });
    }
  });

  it.each([
    [
      'endpoint',
      () =>
        sagemakerMock.on(DescribeEndpointCommand).rejects(
          Object.assign(new Error(`Could not find endpoint ${ENDPOINT} in 123456789012`), {
            name: 'ValidationException',
            $metadata: { httpStatusCode: 400 },
          }),
        ),
      'check failed: ValidationException (HTTP 400)',
    ],
    [
      'stream',
      () =>
        kinesisMock
          .on(DescribeStreamSummaryCommand)
          .rejects(new ResourceNotFoundException({ message: `Stream ${STREAM} under account 123456789012 not found.`, $metadata: { httpStatusCode: 400 } })),
      'check failed: ResourceNotFoundException (HTTP 400)',
    ],
    [
      'lakeBucket',
      () => s3Mock.on(HeadBucketCommand).rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } })),
      'check failed: NotFound (HTTP 404)',
    ],
    [
      'lakeBucket',
      () =>
        s3Mock
          .on(HeadBucketCommand)
          .rejects(new S3ServiceException({ name: 'Forbidden', $fault: 'client', message: 'Forbidden', $metadata: { httpStatusCode: 403 } })),
      'check failed: Forbidden (HTTP 403)',
    ],
  ] as const)('is 503 when the %s check fails, naming the error but not its message', async (dependency, fail, reason) => {
    fail();
    const res = await ready(build());
    expect(res.statusCode).toBe(503);
    expect(res.body.dependencies[dependency]).toEqual({ status: 'down', reason });
    for (const other of ['endpoint', 'stream', 'lakeBucket'].filter((d) => d !== dependency)) expect(res.body.dependencies[other]).toEqual({ status: 'ok' });
    expect(JSON.stringify(res.body)).not.toContain('123456789012');
    expect(checkErrors).toEqual([dependency]);
  });

  it('a check that never answers is down after its timeout, while the others report', async () => {
    sagemakerMock.on(DescribeEndpointCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    const res = await ready(build({ checkTimeoutMs: 150 }));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(res.statusCode).toBe(503);
    expect(res.body.dependencies).toEqual({
      endpoint: { status: 'down', reason: 'check timed out after 150 ms' },
      stream: { status: 'ok' },
      lakeBucket: { status: 'ok' },
    });
  });

  it("the invocation's deadline cuts the checks shorter than their timeout", async () => {
    s3Mock.on(HeadBucketCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    // 700 ms left, 500 ms kept for answering: the checks get about 200 ms, not 2 s.
    const res = await ready(build({ checkTimeoutMs: 2_000 }), lambdaContext(700));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(res.statusCode).toBe(503);
    expect(res.body.dependencies.lakeBucket).toEqual({ status: 'down', reason: 'check timed out after 2000 ms' });
  });

  it.each(['Updating', 'SystemUpdating'])('is 200 while the endpoint is %s: the current fleet keeps serving during a deployment', async (status) => {
    sagemakerMock.on(DescribeEndpointCommand).resolves(endpointStatus(status));
    const res = await ready(build());
    expect(res.statusCode).toBe(200);
    expect(res.body.dependencies.endpoint).toEqual({ status: 'ok' });
  });

  it('reuses one answer within the TTL and checks again once it expired', async () => {
    sagemakerMock.on(DescribeEndpointCommand).resolves(endpointStatus('Creating'));
    const handler = build({ ttlMs: 10_000 });
    const first = await ready(handler);
    expect(first.statusCode).toBe(503);

    sagemakerMock.on(DescribeEndpointCommand).resolves(endpointStatus('InService'));
    now += 9_999;
    const hit = await ready(handler);
    expect(hit).toEqual(first);
    expect(sagemakerMock.commandCalls(DescribeEndpointCommand)).toHaveLength(1);

    now += 1;
    const fresh = await ready(handler);
    expect(fresh.statusCode).toBe(200);
    expect(sagemakerMock.commandCalls(DescribeEndpointCommand)).toHaveLength(2);
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(2);
  });

  it('concurrent requests share the checks in flight; a TTL of 0 checks every time', async () => {
    const handler = build({ ttlMs: 0 });
    const answers = await Promise.all([ready(handler), ready(handler), ready(handler)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(sagemakerMock.commandCalls(DescribeEndpointCommand)).toHaveLength(1);
    await ready(handler);
    expect(sagemakerMock.commandCalls(DescribeEndpointCommand)).toHaveLength(2);
  });

  it('GET /health stays the cheap liveness answer: no dependency is called', async () => {
    const res = await build()(apiEvent('GET /health'), lambdaContext());
    expect(res.statusCode).toBe(200);
    expect(sagemakerMock.calls()).toHaveLength(0);
    expect(kinesisMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('verdicts', () => {
  it('only InService is an ok endpoint', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), (status) => {
        expect(judgeEndpoint(status).status).toBe(status !== undefined && ['InService', 'Updating', 'SystemUpdating'].includes(status) ? 'ok' : 'down');
      }),
    );
  });

  it('only ACTIVE and UPDATING are an ok stream', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('ACTIVE', 'UPDATING', 'CREATING', 'DELETING'), fc.string()), (status) => {
        expect(judgeStream(status).status).toBe(status === 'ACTIVE' || status === 'UPDATING' ? 'ok' : 'down');
      }),
    );
  });

  it('a failure is always down, and never repeats the error message', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 12 }), (name, message) => {
        const verdict = judgeFailure(Object.assign(new Error(`secret:${message}`), { name }), 100);
        expect(verdict.status).toBe('down');
        expect(verdict.reason).not.toContain(`secret:${message}`);
      }),
    );
  });
});
