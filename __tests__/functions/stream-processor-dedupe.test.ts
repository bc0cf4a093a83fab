/**
 * One curated row per event id per invocation: later copies of an event are counted and not
 * written again, without losing the record when the first copy falls into the retry range.
 */
import fc from 'fast-check';
import { decodeEvent } from '../../functions/shared/contract';
import { DuplicateTracker, compareSequence, type StreamRecord } from '../../functions/stream-processor/domain';
import { processRecords, type ObjectStore } from '../../functions/stream-processor/processor';
import { streamRecords } from './helpers/kinesis';

const PROCESSED_AT = Date.UTC(2024, 2, 20, 12);

interface Stored {
  table: string;
  sequenceNumbers: string[];
  eventIds: (string | null)[];
}

const encode = (table: 'curated' | 'quarantine', rows: readonly Readonly<Record<string, unknown>>[]) =>
  Buffer.from(JSON.stringify({ table, sequenceNumbers: rows.map((r) => r.source_sequence_number), eventIds: rows.map((r) => r.event_id) }));

/** An in-memory bucket; `fails` decides per key whether a put is refused (after the store's own retries). */
function bucket(fails: (key: string) => boolean = () => false): { store: ObjectStore; objects: Map<string, Stored> } {
  const objects = new Map<string, Stored>();
  return {
    objects,
    store: {
      put: async (key, body) => {
        if (fails(key)) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
        objects.set(key, JSON.parse(Buffer.from(body).toString('utf8')) as Stored);
      },
    },
  };
}

/** A valid event at `hour` (UTC, 2024-03-20) with a producer event_id. */
function event(id: string, hour = 10, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      event_id: id,
      timestamp: `2024-03-20T${String(hour).padStart(2, '0')}:00:00Z`,
      user_id: 'u',
      event_type: 'search',
      data: { page_url: '/', session_id: 's', device_type: 'mobile', location: { country: 'US' } },
      ...extra,
    }),
  );
}

function rowsOf(objects: Map<string, Stored>, table: string): { seq: string; id: string | null; key: string }[] {
  return [...objects].filter(([, o]) => o.table === table).flatMap(([key, o]) => o.sequenceNumbers.map((seq, i) => ({ seq, id: o.eventIds[i]!, key })));
}

const run = (records: readonly StreamRecord[], store: ObjectStore) =>
  processRecords(records, { store, duplicates: new DuplicateTracker(), now: () => PROCESSED_AT, encode });

describe('later copies of an event in one invocation', () => {
  it('are counted as duplicates and not written again; the batch succeeds', async () => {
    const { store, objects } = bucket();
    const records = streamRecords([event('a'), event('b'), event('a'), event('c', 11), event('a', 11)]);
    const r = await run(records, store);
    expect(r.batchItemFailures).toEqual([]);
    expect(r.recordsDuplicate).toBe(2);
    expect(r.recordsCurated).toBe(3);
    expect(
      rowsOf(objects, 'curated')
        .map((x) => x.id)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    // The first copy is the one kept.
    expect(rowsOf(objects, 'curated').find((x) => x.id === 'a')!.seq).toBe(records[0]!.sequenceNumber);
  });

  it('do not apply to quarantined records: each is kept with its bytes, and does not make a valid copy a duplicate', async () => {
    const { store, objects } = bucket();
    const invalid = event('q', 10, { event_type: 'teleport' });
    const records = streamRecords([invalid, invalid, event('q'), event('q')]);
    const r = await run(records, store);
    expect(r.recordsQuarantined).toBe(2);
    expect(r.recordsCurated).toBe(1);
    expect(r.recordsDuplicate).toBe(1);
    expect(rowsOf(objects, 'quarantine').map((x) => x.seq)).toEqual([records[0]!.sequenceNumber, records[1]!.sequenceNumber]);
    expect(rowsOf(objects, 'curated')).toEqual([expect.objectContaining({ seq: records[2]!.sequenceNumber, id: 'q' })]);
  });

  it('are recognised across shards of one invocation, and each shard gets its own objects and retry point', async () => {
    const { store, objects } = bucket();
    const a = streamRecords([event('x'), event('y')], { shardId: 'shardId-000000000001' });
    const b = streamRecords([event('x'), event('z')], { shardId: 'shardId-000000000002', firstIndex: 0 });
    const r = await run([...a, ...b], store);
    expect(r.recordsDuplicate).toBe(1);
    expect(
      rowsOf(objects, 'curated')
        .map((x) => x.id)
        .sort(),
    ).toEqual(['x', 'y', 'z']);
    // One object per shard and partition: the shard in the key is the shard of every record in it.
    for (const [key, o] of objects) expect(o.sequenceNumbers).toHaveLength(key.includes('shardId-000000000001') ? 2 : 1);
  });

  it('are written when the first copy is not committed (its shard is reported for retry)', async () => {
    const { store, objects } = bucket((key) => key.includes('shardId-000000000001'));
    const a = streamRecords([event('x')], { shardId: 'shardId-000000000001' });
    const b = streamRecords([event('x')], { shardId: 'shardId-000000000002' });
    const r = await run([...a, ...b], store);
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: a[0]!.sequenceNumber }]);
    expect(r.recordsDuplicate).toBe(0);
    expect(rowsOf(objects, 'curated')).toEqual([expect.objectContaining({ id: 'x', seq: b[0]!.sequenceNumber })]);
  });

  it('keep the object key of the whole record range, so a redelivery that no longer sees the first copy overwrites the object', async () => {
    // a@0 (10h), w@1 (12h, fails), a@2 (11h, skipped), z@3 (11h). The retry starts at w; the redelivered
    // batch has no first copy of a, so it writes a and z into hour 11 under the key the first attempt used.
    let failing = true;
    const { store, objects } = bucket((key) => failing && key.includes('hour=12'));
    const records = streamRecords([event('a', 10), event('w', 12), event('a', 11), event('z', 11)]);
    const first = await run(records, store);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.sequenceNumber }]);
    failing = false;
    const second = await run(records.slice(1), store);
    expect(second.batchItemFailures).toEqual([]);
    const z = rowsOf(objects, 'curated').filter((x) => x.id === 'z');
    expect(z).toHaveLength(1);
  });

  it('write an object with no rows when a shrunk object would keep no record', async () => {
    // a@0 (10h), a@1 (11h, skipped), f@2 (12h, fails), z@3 (11h): the hour-11 object holds only z,
    // which is at or after the retry point, and its key starts at the skipped copy.
    let failing = true;
    const { store, objects } = bucket((key) => failing && key.includes('hour=12'));
    const records = streamRecords([event('a', 10), event('a', 11), event('f', 12), event('z', 11)]);
    const first = await run(records, store);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.sequenceNumber }]);
    expect([first.recordsCurated, first.recordsDuplicate, first.recordsRetried]).toEqual([1, 1, 2]);
    expect([...objects].filter(([key]) => key.includes('hour=11')).map(([, o]) => o.sequenceNumbers)).toEqual([[]]);
    failing = false;
    await run(records.slice(2), store);
    expect(rowsOf(objects, 'curated').filter((x) => x.id === 'z')).toHaveLength(1);
    expect(rowsOf(objects, 'curated').filter((x) => x.id === 'f')).toHaveLength(1);
  });

  it('replace what an earlier attempt left under a key when the redelivery holds only skipped copies there', async () => {
    // e0@0 (8h), e0@1 (10h, skipped), e1@2 (10h), e0@3 (8h). The hour-8 write fails: the hour-10 object
    // [e1@2] stays under the key of e0@1 until a redelivery rewrites it. A shorter redelivery [0, 1]
    // holds only the skipped copy in hour 10; then [2, 3] writes e1 under its own key.
    let puts = 0;
    const { store, objects } = bucket(() => puts++ === 0);
    const records = streamRecords([event('e0', 8), event('e0', 10), event('e1', 10), event('e0', 8)]);
    const sequence = [records.slice(0, 3), records.slice(0, 2), records.slice(2)];
    const results = [];
    for (const batch of sequence)
      results.push(await processRecords(batch, { store, duplicates: new DuplicateTracker(), now: () => PROCESSED_AT, encode, writeConcurrency: 1 }));
    expect(results.map((r) => r.batchItemFailures.length)).toEqual([1, 0, 0]);
    expect(rowsOf(objects, 'curated').filter((x) => x.seq === records[2]!.sequenceNumber)).toHaveLength(1);
  });
});

describe('property: duplicates through replays', () => {
  // Few ids over several hours: copies land in the same object, in other partitions, and at an object's first record.
  const recordArb = fc.record({
    id: fc.integer({ min: 0, max: 7 }),
    hour: fc.integer({ min: 8, max: 11 }),
    valid: fc.constantFrom(true, true, true, true, false),
  });
  const batchArb = fc.array(recordArb, { minLength: 1, maxLength: 60 });

  it('every invocation writes each event id at most once, and every record is written, quarantined, skipped for a written copy, or retried', async () => {
    await fc.assert(
      fc.asyncProperty(
        batchArb,
        fc.array(fc.boolean(), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 6 }),
        async (spec, faults, sizes) => {
          const records = streamRecords(spec.map((x) => event(`e${x.id}`, x.hour, x.valid ? {} : { event_type: 'teleport' })));
          const idOf = new Map(
            records.map((r) => {
              const d = decodeEvent(Buffer.from(r.data, 'base64'), { now: r.arrivalMs });
              return [r.sequenceNumber, d.ok ? d.event.event_id : null] as const;
            }),
          );
          let put = 0;
          const { store, objects } = bucket(() => faults[put++] ?? false);
          let start = 0;
          for (let invocation = 0; start < records.length; invocation++) {
            expect(invocation).toBeLessThan(400);
            const batch = records.slice(start, start + sizes[invocation % sizes.length]!);
            const before = new Map(objects);
            const r = await processRecords(batch, {
              store,
              duplicates: new DuplicateTracker(),
              now: () => PROCESSED_AT + invocation,
              encode,
              writeConcurrency: 2,
            });
            expect(r.recordsCurated + r.recordsQuarantined + r.recordsDuplicate + r.recordsRetried).toBe(batch.length);
            // What this invocation wrote (objects new or replaced) holds each event id once.
            const written = [...objects].filter(([k, o]) => before.get(k) !== o && o.table === 'curated').flatMap(([, o]) => o.eventIds);
            expect(new Set(written).size).toBe(written.length);
            const L = r.batchItemFailures[0]?.itemIdentifier;
            start = L === undefined ? start + batch.length : records.findIndex((x) => x.sequenceNumber === L);
          }
          const curated = rowsOf(objects, 'curated');
          const quarantined = rowsOf(objects, 'quarantine');
          const bySeq = new Map<string, number>();
          for (const x of [...curated, ...quarantined]) bySeq.set(x.seq, (bySeq.get(x.seq) ?? 0) + 1);
          const idsInLake = new Set(curated.map((x) => x.id));
          for (const rec of records) {
            const id = idOf.get(rec.sequenceNumber)!;
            const n = bySeq.get(rec.sequenceNumber) ?? 0;
            expect(n).toBeLessThanOrEqual(1);
            if (id === null) expect(quarantined.filter((x) => x.seq === rec.sequenceNumber)).toHaveLength(1);
            else if (n === 0) expect(idsInLake.has(id)).toBe(true);
          }
          // Every row sits in an object whose key starts at or before it (keys come from the record range).
          for (const x of curated) expect(compareSequence(/-(\d+)\.parquet$/.exec(x.key)![1]!, x.seq)).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 250 },
    );
  });
});
