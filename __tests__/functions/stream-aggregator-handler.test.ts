jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { KinesisStreamStateResponse } from 'aws-lambda';
import type { mockClient } from 'aws-sdk-client-mock';
import type { AggregatorEvent } from '../../functions/stream-aggregator/index';
import { alertClaimKey } from '../../functions/stream-aggregator/keys';
import { kinesisEvent, streamRecords } from './helpers/kinesis';
import { AGGREGATOR_METRICS_NAMESPACE, INVOCATION_METRICS, WINDOW_METRICS } from '../../functions/stream-aggregator/metric-names';

process.env.AWS_REGION = 'us-east-1';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const H = Date.UTC(2024, 2, 20, 10);
const SHARD = 'shardId-000000000002';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:data-analytics-ml-analytics-alerts-use1';
const ENV = {
  LAKE_BUCKET: 'lake-bucket',
  LAKE_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/k1',
  ALERT_TOPIC_ARN: TOPIC,
  MIN_CONVERSION_RATE: '0.01',
  MAX_TRAFFIC_DROP_RATIO: '0.5',
  RULE_MIN_EVENTS: '50',
  PLATFORM_NAME: 'data-analytics-ml-analytics',
  AWS_REGION: 'us-east-1',
};

type Handler = (e: AggregatorEvent) => Promise<KinesisStreamStateResponse>;

type Any = any;

interface Loaded {
  handler: Handler;
  bucket: Map<string, string | Uint8Array>;
  puts: Any[];
  published: Any[];
}

/** Loads the handler afresh (configuration is read at import, like a cold start) over an in-memory bucket behind mocked SDK clients. */
function loadHandler(env: Record<string, string> = ENV): Loaded {
  const saved = { ...process.env };
  Object.assign(process.env, { POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'CRITICAL', ...env });
  let loaded: Loaded | undefined;
  try {
    jest.isolateModules(() => {
      const s3 = jest.requireActual('@aws-sdk/client-s3') as Any;
      const sns = jest.requireActual('@aws-sdk/client-sns') as Any;
      const { mockClient: mock } = jest.requireActual('aws-sdk-client-mock') as { mockClient: typeof mockClient };
      const s3Mock = mock(s3.S3Client as typeof S3Client);
      const snsMock = mock(sns.SNSClient as typeof SNSClient);
      const bucket = new Map<string, string | Uint8Array>();
      const puts: Any[] = [];
      const published: Any[] = [];
      const notFound = () => Object.assign(new Error('not found'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      s3Mock.on(s3.PutObjectCommand).callsFake((input: Any) => {
        if (input.IfNoneMatch === '*' && bucket.has(input.Key))
          throw Object.assign(new Error('exists'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
        puts.push(input);
        bucket.set(input.Key, input.Body);
        return {};
      });
      s3Mock.on(s3.GetObjectCommand).callsFake((input: Any) => {
        const body = bucket.get(input.Key);
        if (body === undefined) throw notFound();
        return { Body: { transformToString: async () => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8')) } };
      });
      s3Mock.on(s3.HeadObjectCommand).callsFake((input: Any) => {
        if (!bucket.has(input.Key)) throw Object.assign(new Error(''), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
        return {};
      });
      s3Mock
        .on(s3.ListObjectsV2Command)
        .callsFake((input: Any) => ({ Contents: [...bucket.keys()].filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })), IsTruncated: false }));
      s3Mock.on(s3.DeleteObjectCommand).callsFake((input: Any) => void bucket.delete(input.Key));
      snsMock.on(sns.PublishCommand).callsFake((input: Any) => void published.push(input));
      const handler = (jest.requireActual('../../functions/stream-aggregator/index') as { handler: Handler }).handler;
      loaded = { handler, bucket, puts, published };
    });
  } finally {
    process.env = saved;
  }
  return loaded!;
}

let seq = 0;
function event(start: number, payloads: readonly object[], isFinal: boolean, state: object = {}): AggregatorEvent {
  const firstIndex = seq;
  seq += payloads.length;
  return {
    Records: kinesisEvent(
      streamRecords(
        payloads.map((p) => Buffer.from(JSON.stringify(p))),
        { shardId: SHARD, firstIndex, arrivalMs: () => start + 1_000 },
      ),
    ).Records,
    window: { start: new Date(start).toISOString(), end: new Date(start + MINUTE).toISOString() },
    state,
    shardId: SHARD,
    isFinalInvokeForWindow: isFinal,
    isWindowTerminatedEarly: false,
  };
}

function views(country: string, users: number, perUser = 2): object[] {
  const out: object[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < perUser; i++) {
      out.push({
        timestamp: '2024-03-20T10:00:00Z',
        user_id: `${country}${u}`,
        event_type: i === 0 && u % 10 === 0 ? 'purchase' : 'page_view',
        data: { page_url: '/', session_id: 's1', device_type: 'iPhone', location: { country, city: 'X' } },
      });
    }
  }
  return out;
}

async function runWindow(handler: Handler, start: number, payloads: readonly object[]): Promise<void> {
  const first = await handler(event(start, payloads, false));
  expect(first.state).toMatchObject({ v: 1 });
  expect(await handler(event(start, [], true, first.state))).toEqual({ state: {} });
}

let emf: Any[] = [];
beforeEach(() => {
  emf = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    if (typeof line === 'string' && line.includes('"_aws"')) emf.push(JSON.parse(line));
  });
});
afterEach(() => jest.restoreAllMocks());

describe('stream-aggregator handler', () => {
  it('returns the window state, writes KMS-encrypted objects when the window is final and emits window metrics stamped with the window start', async () => {
    const { handler, puts } = loadHandler();
    await runWindow(handler, H + 3 * MINUTE, [...views('US', 30), ...views('DE', 10), { not: 'an event' }]);
    expect(puts.map((p) => p.Key).sort()).toEqual([
      // The hour before had no data and nothing to compare with: judged without alerts, claimed once.
      alertClaimKey(H - HOUR),
      `aggregates/_state/dt=2024-03-20/hour=10/${SHARD}.json`,
      `aggregates/dt=2024-03-20/hour=10/hour-20240320T1000Z-${SHARD}.parquet`,
      expect.stringMatching(new RegExp(`^aggregates/dt=2024-03-20/hour=10/minute-20240320T1003Z-${SHARD}-4963\\d{52}\\.parquet$`)),
    ]);
    for (const p of puts) expect(p).toMatchObject({ Bucket: 'lake-bucket', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ENV.LAKE_KMS_KEY_ARN });
    expect(puts.find((p) => p.Key === alertClaimKey(H - HOUR)).IfNoneMatch).toBe('*');

    const windowDocs = emf.filter((d) => d[WINDOW_METRICS.events] !== undefined);
    const all = windowDocs.find((d) => d.Country === undefined && d.EventType === undefined && d.DeviceClass === undefined);
    expect(all).toMatchObject({ Events: 80, Purchases: 4, DistinctUsers: 40, PurchasingUsers: 4, service: 'stream-aggregator' });
    expect(all._aws.Timestamp).toBe(H + 3 * MINUTE);
    expect(all._aws.CloudWatchMetrics[0].Namespace).toBe(AGGREGATOR_METRICS_NAMESPACE);
    expect(windowDocs.find((d) => d.Country === 'US')).toMatchObject({ Events: 60, DistinctUsers: 30 });
    expect(windowDocs.find((d) => d.DeviceClass === 'mobile')).toMatchObject({ Events: 80 });
    expect(windowDocs.find((d) => d.EventType === 'purchase')).toMatchObject({ Events: 4 });
    // Free-text dimensions are not CloudWatch dimensions.
    expect(windowDocs.some((d) => 'Category' in d || 'City' in d)).toBe(false);
    const invocation = emf.filter((d) => d[INVOCATION_METRICS.recordsAggregated] !== undefined);
    expect(invocation.map((d) => d[INVOCATION_METRICS.recordsInvalid])).toEqual([1, 0]);
    expect(invocation[1][INVOCATION_METRICS.segmentsWritten]).toBe(1);
  });

  it('publishes a rule breach to the alert topic once the hour is over', async () => {
    const { handler, published, bucket } = loadHandler();
    await runWindow(handler, H - HOUR + 10 * MINUTE, views('US', 100));
    await runWindow(handler, H + 10 * MINUTE, views('US', 20));
    expect(published).toEqual([]);
    await runWindow(handler, H + HOUR, views('US', 20));
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ TopicArn: TOPIC, Subject: 'data-analytics-ml-analytics us-east-1: 1 aggregate rule breach, hour 2024-03-20T10:00Z' });
    expect(published[0].Message).toContain('max_traffic_drop [country=US]: figure 0.8000, threshold 0.5');
    expect(bucket.has(alertClaimKey(H))).toBe(true);
    expect(emf.some((d) => d[INVOCATION_METRICS.alertsRaised] === 1)).toBe(true);
  });

  it('returns an empty state for a final invocation of an empty window, and refuses one it cannot attribute', async () => {
    const { handler } = loadHandler();
    const empty = { ...event(H, [], true), shardId: undefined };
    expect(await handler(empty)).toEqual({ state: {} });
    await expect(handler({ ...empty, state: { v: 1 } })).rejects.toThrow(/cannot be attributed to a shard/);
  });

  it('fails the cold start with the variable, the value and what is allowed', () => {
    expect(() => loadHandler({ ...ENV, ALERT_TOPIC_ARN: 'alerts' })).toThrow('ALERT_TOPIC_ARN="alerts" is invalid: allowed an SNS topic ARN');
    expect(() => loadHandler({ ...ENV, MAX_TRAFFIC_DROP_RATIO: '50' })).toThrow('MAX_TRAFFIC_DROP_RATIO="50" is invalid: allowed a number from 0 to 1');
    expect(() => loadHandler({ ...ENV, RULE_MIN_EVENTS: '0' })).toThrow('RULE_MIN_EVENTS="0" is invalid: allowed an integer of at least 1');
    expect(() => loadHandler({ ...ENV, LAKE_BUCKET: 'Lake' })).toThrow(/LAKE_BUCKET="Lake" is invalid/);
  });
});
