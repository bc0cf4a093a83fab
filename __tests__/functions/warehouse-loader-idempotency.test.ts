/**
 * Exactly-once in effect, checked by running the loader's SQL on real PostgreSQL (see
 * helpers/warehouse-on-postgres.ts) against real Parquet objects written by the stream
 * processor's encoder.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { TABLES, type TableId } from '../../functions/shared/contract';
import { encodeParquet } from '../../functions/shared/parquet';
import { processBatch } from '../../functions/warehouse-loader/batch';
import { loadObject, manifestKeyOf } from '../../functions/warehouse-loader/loader';
import type { LakeObject } from '../../functions/warehouse-loader/s3-event';
import { type MemoryS3, PostgresWarehouse } from './helpers/warehouse-on-postgres';

const LAKE = 'daml-analytics-lake-123456789012-use1';
const MANIFESTS = 'daml-analytics-loader-manifests-123456789012-use1';
const SETTINGS = { lakeBucket: LAKE, manifestBucket: MANIFESTS, schema: 'clickstream' };
const FAR_FUTURE = Date.now() + 3_600_000;
const EVENTS = '"clickstream"."events"';
const PREDICTIONS = '"clickstream"."predictions"';
const AUDIT = '"clickstream"."load_audit"';

/** A row with a plausible value in every contract column (new columns are covered automatically). */
function row(table: TableId, overrides: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  for (const column of TABLES[table].columns) {
    switch (column.type) {
      case 'string':
        base[column.name] = column.name.slice(0, column.maxLength ?? 16);
        break;
      case 'timestamp':
        base[column.name] = new Date('2024-03-20T10:00:00Z');
        break;
      case 'date':
        base[column.name] = new Date('2024-03-20T00:00:00Z');
        break;
      case 'int':
        base[column.name] = 10;
        break;
      case 'double':
        base[column.name] = 0.5;
        break;
      case 'boolean':
        base[column.name] = true;
        break;
    }
  }
  return { ...base, ...overrides };
}

const event = (eventId: string, processedAt = '2024-03-20T10:05:00Z', extra: Record<string, unknown> = {}) =>
  row('curated', { event_id: eventId, user_id: `user-${eventId}`, processed_at: new Date(processedAt), ...extra });

async function putObject(s3: MemoryS3, table: 'curated' | 'predictions', name: string, rows: Record<string, unknown>[]): Promise<LakeObject> {
  const body = encodeParquet(table, rows);
  const key = `${TABLES[table].prefix}dt=2024-03-20/hour=10/${name}.parquet`;
  await s3.put(LAKE, key, body);
  return { bucket: LAKE, key, etag: createHash('md5').update(body).digest('hex'), bytes: body.byteLength, table };
}

const message = (messageId: string, body: string) => ({ messageId, body, attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;

describe('warehouse loader on PostgreSQL', () => {
  let s3: MemoryS3;
  let warehouse: PostgresWarehouse;

  beforeAll(async () => {
    warehouse = await PostgresWarehouse.create();
  });

  beforeEach(async () => {
    await warehouse.reset();
    s3 = warehouse.s3;
  });

  afterAll(async () => {
    await warehouse.close();
  });

  it('applies the schema twice without error and creates the three tables', async () => {
    const tables = await warehouse.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'clickstream' ORDER BY table_name`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(['events', 'load_audit', 'predictions']);
  });

  it('loads an object: every row once, one audit row with key, ETag, row count and size', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2'), event('e3')]);
    const outcome = await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);

    expect(outcome).toMatchObject({ status: 'loaded', rows: 3 });
    expect((await warehouse.rows(EVENTS, 'event_id')).map((r) => r.event_id)).toEqual(['e1', 'e2', 'e3']);
    const audit = await warehouse.rows(AUDIT, 'object_key');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      object_key: object.key,
      etag: object.etag,
      target_table: 'clickstream.events',
      rows_loaded: 3,
      object_bytes: object.bytes,
    });
  });

  it('keeps column values intact through Parquet and COPY', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1', '2024-03-20T10:05:00Z', { city: null, event_type: 'purchase', event_hour: 10 })]);
    await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    const [loaded] = await warehouse.rows(EVENTS, 'event_id');
    expect(loaded).toMatchObject({ event_id: 'e1', user_id: 'user-e1', city: null, event_type: 'purchase', event_hour: 10 });
    expect((loaded!.event_time as Date).toISOString()).toBe('2024-03-20T10:00:00.000Z');
  });

  it('treats a repeated delivery as a no-op: the audit look-up skips it before any COPY', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2')]);
    await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    const batchesBefore = warehouse.calls.filter((c) => c.kind === 'batch').length;

    const again = await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);

    expect(again.status).toBe('already-loaded');
    expect(warehouse.calls.filter((c) => c.kind === 'batch')).toHaveLength(batchesBefore);
    expect(await warehouse.count(EVENTS)).toBe(2);
    expect(await warehouse.count(AUDIT)).toBe(1);
  });

  it('stays exactly-once when two deliveries of one object pass the look-up concurrently', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2')]);

    const outcomes = await Promise.all([
      loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE),
      loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE),
    ]);

    // Both transactions ran (both look-ups saw nothing); the second one merged nothing.
    expect(warehouse.calls.filter((c) => c.kind === 'batch')).toHaveLength(2);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['already-loaded', 'loaded']);
    expect(await warehouse.count(EVENTS)).toBe(2);
    expect(await warehouse.count(AUDIT)).toBe(1);
  });

  it('merges on event_id: an event re-written in a later object replaces the earlier row', async () => {
    const first = await putObject(s3, 'curated', 'part-a', [event('e1', '2024-03-20T10:05:00Z', { city: 'Lyon' }), event('e2')]);
    const retry = await putObject(s3, 'curated', 'part-b', [event('e2', '2024-03-20T10:09:00Z', { city: 'Paris' }), event('e3')]);
    await loadObject(first, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    await loadObject(retry, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);

    const rows = await warehouse.rows(EVENTS, 'event_id');
    expect(rows.map((r) => [r.event_id, r.city])).toEqual([
      ['e1', 'Lyon'],
      ['e2', 'Paris'],
      ['e3', 'city'],
    ]);
    expect(await warehouse.count(AUDIT)).toBe(2);
  });

  it('keeps the latest copy when one object holds an event twice', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [
      event('e1', '2024-03-20T10:05:00Z', { city: 'old' }),
      event('e1', '2024-03-20T10:07:00Z', { city: 'new' }),
    ]);
    const outcome = await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    expect(outcome).toMatchObject({ status: 'loaded', rows: 1 });
    expect((await warehouse.rows(EVENTS, 'event_id')).map((r) => r.city)).toEqual(['new']);
  });

  it('loads an overwritten object (same key, new ETag) again, replacing its rows', async () => {
    const v1 = await putObject(s3, 'curated', 'part-a', [event('e1', '2024-03-20T10:05:00Z', { city: 'v1' })]);
    await loadObject(v1, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    const v2 = await putObject(s3, 'curated', 'part-a', [event('e1', '2024-03-20T10:06:00Z', { city: 'v2' })]);
    expect(v2.etag).not.toBe(v1.etag);

    expect((await loadObject(v2, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE)).status).toBe('loaded');
    expect((await warehouse.rows(EVENTS, 'event_id')).map((r) => r.city)).toEqual(['v2']);
    expect(await warehouse.count(AUDIT)).toBe(2);
  });

  it('loads predictions into their own table, merged on event_id', async () => {
    const prediction = (eventId: string, score: number) =>
      row('predictions', { event_id: eventId, user_id: 'u1', score, predicted_at: new Date('2024-03-20T10:00:01Z') });
    const object = await putObject(s3, 'predictions', 'pred-a', [prediction('e1', 0.1), prediction('e2', 0.9)]);
    await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    expect((await warehouse.rows(PREDICTIONS, 'event_id')).map((r) => [r.event_id, r.score])).toEqual([
      ['e1', 0.1],
      ['e2', 0.9],
    ]);
    expect((await warehouse.rows(AUDIT, 'object_key'))[0]).toMatchObject({ target_table: 'clickstream.predictions' });
  });

  it('rolls the whole load back when a statement fails, and a redelivery then loads it once', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2')]);
    warehouse.failNextBatch = { statementIndex: 5, message: 'ERROR: 1023 Serializable isolation violation on table events' };

    await expect(loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE)).rejects.toThrow(
      /at statement 6: .*Serializable isolation violation/,
    );
    expect(await warehouse.count(EVENTS)).toBe(0);
    expect(await warehouse.count(AUDIT)).toBe(0);

    expect((await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE)).status).toBe('loaded');
    expect(await warehouse.count(EVENTS)).toBe(2);
    expect(await warehouse.count(AUDIT)).toBe(1);
  });

  it('writes the manifest under a digest key with the exact object size', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1')]);
    await loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE);
    const manifest = JSON.parse(new TextDecoder().decode(s3.get(MANIFESTS, manifestKeyOf(object))));
    expect(manifest).toEqual({ entries: [{ url: `s3://${LAKE}/${object.key}`, mandatory: true, meta: { content_length: object.bytes } }] });
  });

  it('processes an SQS batch: duplicates are no-ops, only the bad message is reported failed', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2')]);
    const notification = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: LAKE }, object: { key: object.key.replace(/=/g, '%3D'), size: object.bytes, eTag: object.etag } },
        },
      ],
    });
    const logs: string[] = [];
    const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    const counts: Record<string, number> = {};
    const metrics = { count: (name: string, value: number) => (counts[name] = (counts[name] ?? 0) + value), milliseconds: () => undefined };

    const response = await processBatch(
      [message('m1', notification), message('m2', notification), message('m3', '{"Records":[]}'), message('m4', JSON.stringify({ Event: 's3:TestEvent' }))],
      FAR_FUTURE,
      { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS, logger, metrics, now: Date.now },
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    expect(counts).toMatchObject({ ObjectsLoaded: 1, RowsLoaded: 2, AlreadyLoaded: 1, InvalidMessages: 1 });
    expect(await warehouse.count(EVENTS)).toBe(2);
  });
  it('acknowledges a notification of a version the stream processor has since rewritten, and loads the newer one from its own', async () => {
    // A rolled-back batch rewrites its object under the same key with fewer records: the first
    // notification now names a version (ETag, size) that S3 no longer holds.
    const first = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2'), event('e3')]);
    const rewritten = await putObject(s3, 'curated', 'part-a', [event('e1')]);
    expect(rewritten.bytes).not.toBe(first.bytes);
    const deps = { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS };

    await expect(loadObject(first, deps, FAR_FUTURE)).resolves.toEqual({ status: 'superseded' });
    await expect(loadObject(rewritten, deps, FAR_FUTURE)).resolves.toMatchObject({ status: 'loaded', rows: 1 });
    expect((await warehouse.rows(EVENTS, 'event_id')).map((r) => r.event_id)).toEqual(['e1']);
    expect(await warehouse.rows(AUDIT, 'object_key')).toMatchObject([{ etag: rewritten.etag, object_bytes: rewritten.bytes }]);
  });

  it('writes the manifest with the size S3 holds, not the size the notification carried', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2')]);
    // COPY refuses a manifest whose content_length differs from the object (checked by the stand-in, as by Redshift).
    await expect(
      loadObject({ ...object, bytes: object.bytes + 1 }, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE),
    ).resolves.toMatchObject({ status: 'loaded', rows: 2 });
  });

  it('acknowledges a notification of an object that no longer exists, without a COPY', async () => {
    const object = await putObject(s3, 'curated', 'part-a', [event('e1')]);
    s3.objects.delete(`${LAKE}/${object.key}`);
    await expect(loadObject(object, { runner: warehouse, manifests: s3, objects: s3, settings: SETTINGS }, FAR_FUTURE)).resolves.toEqual({ status: 'gone' });
    expect(await warehouse.rows(AUDIT, 'object_key')).toEqual([]);
    expect([...s3.objects.keys()].filter((k) => k.startsWith(MANIFESTS))).toEqual([]);
  });

  it('counts superseded notifications in an SQS batch and reports none of them failed', async () => {
    const first = await putObject(s3, 'curated', 'part-a', [event('e1'), event('e2')]);
    const rewritten = await putObject(s3, 'curated', 'part-a', [event('e1')]);
    const notify = (o: LakeObject) =>
      JSON.stringify({
        Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: LAKE }, object: { key: o.key.replace(/=/g, '%3D'), size: o.bytes, eTag: o.etag } } }],
      });
    const counts: Record<string, number> = {};
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const metrics = { count: (name: string, value: number) => (counts[name] = (counts[name] ?? 0) + value), milliseconds: () => undefined };
    const response = await processBatch([message('m1', notify(first)), message('m2', notify(rewritten))], FAR_FUTURE, {
      runner: warehouse,
      manifests: s3,
      objects: s3,
      settings: SETTINGS,
      logger: quiet,
      metrics,
      now: Date.now,
    });
    expect(response.batchItemFailures).toEqual([]);
    expect(counts).toMatchObject({ NotificationsSuperseded: 1, ObjectsLoaded: 1, RowsLoaded: 1 });
  });
});
