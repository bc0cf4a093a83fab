/**
 * A paused (or resuming) warehouse: the loader leaves the message it was loading, and every later
 * one of the batch, in the queue (reported as batch item failures, so SQS deletes none of them),
 * without retrying in-process or trying the rest; once the cluster is back the same messages load.
 */
import { DatabaseConnectionException, type DescribeStatementCommandOutput, RedshiftDataClient, ValidationException } from '@aws-sdk/client-redshift-data';
import type { SQSRecord } from 'aws-lambda';
import * as fc from 'fast-check';
import { type BatchLogger, processBatch } from '../../functions/warehouse-loader/batch';
import { DataApi, isTransient, isWarehouseUnavailable, StatementFailedError } from '../../functions/warehouse-loader/data-api';
import type { StatementRunner } from '../../functions/warehouse-loader/loader';
import { LOADER_METRICS } from '../../functions/warehouse-loader/metric-names';

const LAKE = 'daml-analytics-lake-123456789012-use1';
const SETTINGS = { lakeBucket: LAKE, manifestBucket: 'daml-analytics-loader-manifests-123456789012-use1', schema: 'clickstream' };
const CLUSTER = 'daml-analytics-warehouse-use1';
const FAR_FUTURE = Date.now() + 3_600_000;

const paused = () =>
  new ValidationException({ message: `Cluster ${CLUSTER} is paused. Resume the cluster and try again.`, $metadata: { httpStatusCode: 400 } });
const resuming = () => new ValidationException({ message: `Cluster ${CLUSTER} is resuming and is not available yet`, $metadata: { httpStatusCode: 400 } });
const noConnection = () =>
  new DatabaseConnectionException({
    message: 'Connection to the database failed',
    Message: 'Connection to the database failed',
    $metadata: { httpStatusCode: 500 },
  });

function record(i: number): SQSRecord {
  const key = `curated/dt=2024-03-20/hour=10/part-${String(i).padStart(4, '0')}.parquet`;
  const body = JSON.stringify({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: LAKE }, object: { key: key.replace(/=/g, '%3D'), size: 4096, eTag: String(i).padStart(32, '0') } },
      },
    ],
  });
  return { messageId: `m${i}`, body, attributes: { ApproximateReceiveCount: '3' } } as unknown as SQSRecord;
}

const finished = (id: string, rows: number[]): DescribeStatementCommandOutput =>
  ({
    Id: id,
    Status: 'FINISHED',
    ResultRows: 0,
    SubStatements: rows.map((r, i) => ({ Id: `${id}:${i + 1}`, Status: 'FINISHED', ResultRows: r })),
  }) as DescribeStatementCommandOutput;

/** A warehouse that loads every object (42 rows) until `down` says it is paused, then throws `error`. */
function warehouse(down: () => boolean, error: () => Error) {
  const calls = { execute: 0, batch: 0 };
  const runner: StatementRunner = {
    execute: async () => {
      calls.execute++;
      if (down()) throw error();
      return { Id: 'check', Status: 'FINISHED', ResultRows: 0 } as DescribeStatementCommandOutput;
    },
    batch: async () => {
      calls.batch++;
      if (down()) throw error();
      return finished('load', [0, 0, 0, 0, 42, 1]);
    },
  };
  return { runner, calls };
}

function deps(runner: StatementRunner) {
  const counts: Record<string, number> = {};
  const logged: { level: string; message: string; extra: Record<string, unknown> }[] = [];
  const log =
    (level: string) =>
    (message: string, extra: Record<string, unknown> = {}) =>
      void logged.push({ level, message, extra });
  const logger: BatchLogger = { info: log('info'), warn: log('warn'), error: log('error') };
  const manifests: string[] = [];
  return {
    counts,
    logged,
    manifests,
    deps: {
      runner,
      manifests: { put: async (_bucket: string, key: string) => void manifests.push(key) },
      objects: { inspect: async () => ({ status: 'current' as const, bytes: 4096 }) },
      settings: SETTINGS,
      logger,
      metrics: { count: (name: string, value: number) => void (counts[name] = (counts[name] ?? 0) + value), milliseconds: () => undefined },
      now: () => Date.now(),
    },
  };
}

describe('isWarehouseUnavailable', () => {
  it('recognises a paused or resuming cluster and a database the Data API cannot connect to', () => {
    expect(isWarehouseUnavailable(paused())).toBe(true);
    expect(isWarehouseUnavailable(resuming())).toBe(true);
    expect(isWarehouseUnavailable(noConnection())).toBe(true);
  });

  it('leaves other failures as they were: a bad statement, throttling, a failed COPY', () => {
    expect(isWarehouseUnavailable(new ValidationException({ message: 'Parameter "object_key" is missing', $metadata: {} }))).toBe(false);
    expect(isWarehouseUnavailable(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailableException' }))).toBe(false);
    expect(isWarehouseUnavailable(new StatementFailedError('s1', 'FAILED', 'cluster is paused'))).toBe(false);
    expect(isTransient(paused())).toBe(false);
  });

  it('is not retried in-process: one ExecuteStatement, no sleeping', async () => {
    const client = new RedshiftDataClient({ region: 'us-east-1' });
    const send = jest.spyOn(client, 'send').mockImplementation(async () => {
      throw paused();
    });
    const sleeps: number[] = [];
    const api = new DataApi(
      client,
      { clusterIdentifier: CLUSTER, database: 'analytics', dbUser: 'warehouse_loader' },
      { sleep: async (ms) => void sleeps.push(ms) },
    );
    await expect(api.execute('SELECT 1', [], FAR_FUTURE, 'check')).rejects.toThrow('is paused');
    expect(send).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });
});

describe('a batch against a paused warehouse', () => {
  it('reports every message as a batch item failure, tries only the first, and writes no manifest', async () => {
    const { runner, calls } = warehouse(() => true, paused);
    const run = deps(runner);

    const response = await processBatch([1, 2, 3, 4, 5].map(record), FAR_FUTURE, run.deps);

    // ReportBatchItemFailures: SQS deletes only the messages not listed, so all five stay queued.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(calls).toEqual({ execute: 1, batch: 0 });
    expect(run.manifests).toEqual([]);
    expect(run.counts).toEqual({ [LOADER_METRICS.warehouseUnavailable]: 5 });
    expect(run.logged.filter((l) => l.level === 'error')).toEqual([]);
    expect(run.logged.find((l) => l.level === 'warn')).toMatchObject({ extra: { messageId: 'm1', warehouseUnavailable: true } });
  });

  it('loads the same messages once the cluster has resumed', async () => {
    let isPaused = true;
    const { runner } = warehouse(() => isPaused, paused);
    const records = [1, 2, 3].map(record);
    const first = await processBatch(records, FAR_FUTURE, deps(runner).deps);
    const redelivered = records.filter((r) => first.batchItemFailures.some((f) => f.itemIdentifier === r.messageId));

    isPaused = false;
    const run = deps(runner);
    const second = await processBatch(redelivered, FAR_FUTURE, run.deps);

    expect(redelivered).toHaveLength(3);
    expect(second.batchItemFailures).toEqual([]);
    expect(run.counts[LOADER_METRICS.objectsLoaded]).toBe(3);
  });

  it('acknowledges what loaded before the pause and keeps every message from the pause on (any batch, any moment)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.nat(), fc.constantFrom(paused, resuming, noConnection), async (size, at, error) => {
        const pauseAt = at % size;
        let loads = 0;
        const { runner } = warehouse(() => loads >= pauseAt, error);
        const counted: StatementRunner = { execute: runner.execute, batch: async (...args) => runner.batch(...args).then((r) => (loads++, r)) };
        const run = deps(counted);
        const records = Array.from({ length: size }, (_, i) => record(i + 1));

        const response = await processBatch(records, FAR_FUTURE, run.deps);

        const kept = response.batchItemFailures.map((f) => f.itemIdentifier);
        expect(kept).toEqual(records.slice(pauseAt).map((r) => r.messageId));
        expect(run.counts[LOADER_METRICS.objectsLoaded] ?? 0).toBe(pauseAt);
        expect(run.counts[LOADER_METRICS.warehouseUnavailable]).toBe(size - pauseAt);
        expect(run.counts[LOADER_METRICS.loadFailures]).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
