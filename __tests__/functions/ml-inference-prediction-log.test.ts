/** The prediction log's buffering, bounded waiting, idempotent retries and memory cap. */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { FlushPolicy } from '../../functions/ml-inference/config';
import { PredictionLog } from '../../functions/ml-inference/prediction-log';
import type { PredictionRow } from '../../functions/shared/contract';

const s3Mock = mockClient(S3Client);
const T0 = Date.UTC(2024, 2, 20, 10, 59, 59);

function row(i: number, predictedAt = T0): PredictionRow {
  return {
    event_id: `evt-${i}`,
    user_id: 'u',
    session_id: 's',
    event_type: 'page_view',
    event_time: new Date(predictedAt - 1000),
    predicted_at: new Date(predictedAt),
    score: 0.5,
    confidence: 0,
    variant: 'champion',
    model_version: 'v1',
    features: '0',
    latency_ms: 5,
  };
}

function make(policy: Partial<FlushPolicy> = {}) {
  let now = T0;
  const errors: string[] = [];
  const log = new PredictionLog({
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: 'lake',
    policy: { maxRows: 3, maxAgeMs: 1_000, writeTimeoutMs: 50, maxBufferedRows: 10, ...policy },
    clock: () => now,
    writerId: 'w',
    onWriteError: (_e, key) => errors.push(key),
  });
  return { log, errors, advance: (ms: number) => (now += ms) };
}

const keys = () => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ $metadata: {} } as never);
});

describe('PredictionLog', () => {
  it('is due at maxRows or once the oldest row is maxAgeMs old, not before', () => {
    const { log, advance } = make();
    expect(log.isDue()).toBe(false);
    log.add(row(1));
    log.add(row(2));
    expect(log.isDue()).toBe(false);
    advance(999);
    expect(log.isDue()).toBe(false);
    advance(1);
    expect(log.isDue()).toBe(true);
    const { log: byCount } = make();
    [1, 2, 3].forEach((i) => byCount.add(row(i)));
    expect(byCount.isDue()).toBe(true);
  });

  it('settle() writes nothing while not due, and everything buffered once due', async () => {
    const { log } = make();
    log.add(row(1));
    expect(await log.settle()).toEqual({ written: 0, failed: 0 });
    expect(keys()).toEqual([]);
    log.add(row(2));
    log.add(row(3));
    expect(await log.settle()).toEqual({ written: 3, failed: 0 });
    expect(keys()).toEqual(['predictions/dt=2024-03-20/hour=10/w-00000001.parquet']);
    expect(log.stats).toEqual({ buffered: 0, queuedBatches: 0, dropped: 0 });
  });

  it('writes one object per dt/hour partition', async () => {
    const { log } = make();
    log.add(row(1));
    log.add(row(2, T0 + 2_000));
    await log.flush();
    expect(keys().sort()).toEqual(['predictions/dt=2024-03-20/hour=10/w-00000001.parquet', 'predictions/dt=2024-03-20/hour=11/w-00000002.parquet']);
  });

  it('waits at most writeTimeoutMs for a slow write, which then completes in the background', async () => {
    let release!: () => void;
    s3Mock.on(PutObjectCommand).callsFake(() => new Promise((r) => (release = () => r({ $metadata: {} }))));
    const { log } = make({ maxRows: 1, writeTimeoutMs: 30 });
    log.add(row(1));
    const started = Date.now();
    expect(await log.settle()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
    expect(log.stats.queuedBatches).toBe(1);
    release();
    expect(await log.flush()).toEqual({ written: 1, failed: 0 });
    expect(log.stats.queuedBatches).toBe(0);
    expect(keys()).toHaveLength(1);
  });

  it('retries a failed batch under the same key (a retry overwrites, never duplicates)', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejectsOnce(new Error('503 Slow Down'))
      .resolves({ $metadata: {} } as never);
    const { log, errors } = make({ maxRows: 1 });
    log.add(row(1));
    expect(await log.settle()).toEqual({ written: 0, failed: 1 });
    expect(errors).toEqual(['predictions/dt=2024-03-20/hour=10/w-00000001.parquet']);
    log.add(row(2));
    expect(await log.settle()).toEqual({ written: 2, failed: 0 });
    expect(keys()).toEqual([
      'predictions/dt=2024-03-20/hour=10/w-00000001.parquet',
      'predictions/dt=2024-03-20/hour=10/w-00000001.parquet',
      'predictions/dt=2024-03-20/hour=10/w-00000002.parquet',
    ]);
  });

  it('flushIfDue() starts a background write only when due or when a failed batch awaits its retry', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejectsOnce(new Error('503 Slow Down'))
      .resolves({ $metadata: {} } as never);
    const { log, advance } = make();
    log.add(row(1));
    log.flushIfDue();
    expect(keys()).toHaveLength(0);
    advance(1_000);
    log.flushIfDue();
    await log.settle();
    expect(keys()).toHaveLength(1);
    expect(log.stats.queuedBatches).toBe(1);
    log.flushIfDue();
    await log.settle();
    expect(keys()).toEqual(['predictions/dt=2024-03-20/hour=10/w-00000001.parquet', 'predictions/dt=2024-03-20/hour=10/w-00000001.parquet']);
    expect(log.stats).toEqual({ buffered: 0, queuedBatches: 0, dropped: 0 });
  });

  it('flush() joins a running write instead of starting a second one', async () => {
    const { log } = make();
    log.add(row(1));
    const a = log.flush();
    log.add(row(2));
    const b = log.flush();
    expect(b).toBe(a);
    await a;
    expect(keys()).toHaveLength(1);
    expect(log.stats.buffered).toBe(1);
  });

  it('keeps memory bounded while writes fail: drops the oldest rows and counts them', async () => {
    s3Mock.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    const { log } = make({ maxRows: 4, maxBufferedRows: 10 });
    for (let i = 0; i < 4; i++) log.add(row(i));
    await log.settle();
    for (let i = 4; i < 8; i++) log.add(row(i));
    await log.settle();
    expect(log.stats).toMatchObject({ buffered: 0, queuedBatches: 2, dropped: 0 });
    for (let i = 8; i < 11; i++) log.add(row(i));
    // 11 rows held, cap 10: the oldest failing batch (4 rows) goes.
    expect(log.stats).toEqual({ buffered: 3, queuedBatches: 1, dropped: 4 });
    expect(log.takeDropped()).toBe(4);
    expect(log.takeDropped()).toBe(0);
  });
});
