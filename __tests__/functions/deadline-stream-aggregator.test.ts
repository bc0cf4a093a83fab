/**
 * The stream aggregator against an S3 that accepts each request and never answers: the invocation
 * fails at its deadline (so Lambda retries it with the window state it had), long before the
 * function timeout; and giving back an alert claim may still use a little of the reserve.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamStateResponse } from 'aws-lambda';
import { Deadline, isDeadlineExceeded } from '../../functions/shared/deadline';
import { CLAIM_RELEASE_GRACE_MS, S3AggregateStore } from '../../functions/stream-aggregator/aws-adapters';
import type { AggregatorEvent } from '../../functions/stream-aggregator/index';
import { kinesisEvent, streamRecords } from './helpers/kinesis';
import { VALID_EVENT } from './helpers/ml-inference';
import { localAwsEnvironment, runningContext, startSilentServer, type SilentServer } from './helpers/silent-server';

type Handler = (e: AggregatorEvent, c?: Context) => Promise<KinesisStreamStateResponse>;

/** The deployed function's timeout (aggregates.timeoutSeconds default). */
const FUNCTION_TIMEOUT_MS = 120_000;
const REMAINING_MS = 1_500;
const RESERVE_MS = 500;
const SHARD = 'shardId-000000000002';
const START = Date.UTC(2024, 2, 20, 10, 5);

let server: SilentServer;
const savedEnv = { ...process.env };
beforeAll(async () => {
  server = await startSilentServer();
  Object.assign(process.env, localAwsEnvironment(server.endpoint));
});
afterAll(async () => {
  process.env = savedEnv;
  await server.close();
});

function windowEvent(): AggregatorEvent {
  const event = { ...VALID_EVENT, timestamp: new Date(START + 1_000).toISOString() };
  return {
    Records: kinesisEvent(streamRecords([Buffer.from(JSON.stringify(event))], { shardId: SHARD, firstIndex: 1, arrivalMs: () => START + 2_000 })).Records,
    window: { start: new Date(START).toISOString(), end: new Date(START + 60_000).toISOString() },
    state: {},
    shardId: SHARD,
    isFinalInvokeForWindow: true,
    isWindowTerminatedEarly: false,
  };
}

describe('stream aggregator with a hung S3 connection', () => {
  it('fails the invocation at the deadline, naming it, well before the function timeout', async () => {
    Object.assign(process.env, {
      LAKE_BUCKET: 'lake-bucket',
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      MIN_CONVERSION_RATE: '0.01',
      MAX_TRAFFIC_DROP_RATIO: '0.5',
      RULE_MIN_EVENTS: '50',
      PLATFORM_NAME: 'data-analytics-ml-analytics',
      TIME_RESERVE_MS: String(RESERVE_MS),
    });
    let handler: Handler | undefined;
    jest.isolateModules(() => {
      handler = (jest.requireActual('../../functions/stream-aggregator/index') as { handler: Handler }).handler;
    });
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const before = server.requests.length;
    const started = Date.now();
    const error = await handler!(windowEvent(), runningContext(REMAINING_MS, 'aggregator') as Context).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    jest.restoreAllMocks();

    expect(isDeadlineExceeded(error)).toBe(true);
    // The minute segment's PUT reached S3 and was cut off there.
    expect(server.requests.slice(before).map((r) => r.method)).toEqual(['PUT']);
    expect(elapsed).toBeGreaterThanOrEqual(REMAINING_MS - RESERVE_MS - 50);
    expect(elapsed).toBeLessThan(REMAINING_MS + 1_000);
    expect(elapsed).toBeLessThan(FUNCTION_TIMEOUT_MS / 10);
  }, 10_000);

  it('after the deadline, no new call starts, but giving back a claim gets its grace inside the reserve', async () => {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    // The deadline has just passed; the function has 2 s left.
    const store = new S3AggregateStore(client, 'lake-bucket', undefined, Deadline.fromContext({ getRemainingTimeInMillis: () => 2_000 }, 2_000));
    const before = server.requests.length;
    expect(isDeadlineExceeded(await store.putObject('aggregates/x.parquet', 'x', 'text/plain').catch((e: unknown) => e))).toBe(true);
    expect(server.requests.length).toBe(before);

    const started = Date.now();
    expect(isDeadlineExceeded(await store.deleteObject('aggregates/_claims/hour.json').catch((e: unknown) => e))).toBe(true);
    expect(server.requests.slice(before).map((r) => r.method)).toEqual(['DELETE']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CLAIM_RELEASE_GRACE_MS - 50);
    expect(Date.now() - started).toBeLessThan(2_000);
    client.destroy();
  });
});
