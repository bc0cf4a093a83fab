import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { Deadline } from '../../functions/shared/deadline';
import { decodeEvent, partitionPrefix } from '../../functions/shared/contract';
import { generateEvents } from '../../functions/shared/generator';
import { DuplicateTracker, compareSequence, type StreamRecord } from '../../functions/stream-processor/domain';
import { processRecords } from '../../functions/stream-processor/processor';
import { S3ObjectStore, isRetryable } from '../../functions/stream-processor/s3-store';
import { streamRecords } from './helpers/kinesis';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const PROCESSED_AT = Date.UTC(2024, 2, 20, 12);

/** Objects as the fake bucket holds them: the sequence numbers and table each body carries. */
interface Stored {
  table: string;
  sequenceNumbers: string[];
}

/** A compact encoder: the property is about placement, not the file format (Parquet has its own tests). */
const encode = (table: 'curated' | 'quarantine', rows: readonly Readonly<Record<string, unknown>>[]) =>
  Buffer.from(JSON.stringify({ table, sequenceNumbers: rows.map((r) => r.source_sequence_number) }));

type Fault = 'ok' | 'slowdown' | 'internal' | 'denied';

function slowDown(): Error {
  return Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
}
function internal(): Error {
  return Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
}
function denied(): Error {
  return Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

/** Fake bucket on the mocked S3 client; each PutObject consumes the next fault of the schedule (then succeeds). */
function fakeBucket(schedule: readonly Fault[]): { objects: Map<string, Stored>; calls: () => number } {
  const objects = new Map<string, Stored>();
  let call = 0;
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    const fault = schedule[call++] ?? 'ok';
    if (fault === 'slowdown') throw slowDown();
    if (fault === 'internal') throw internal();
    if (fault === 'denied') throw denied();
    objects.set(input.Key!, JSON.parse(Buffer.from(input.Body as Uint8Array).toString('utf8')) as Stored);
    return { ETag: '"x"' };
  });
  return { objects, calls: () => call };
}

function storeWith(maxAttempts: number): S3ObjectStore {
  return new S3ObjectStore(s3, { bucket: 'lake', maxAttempts, baseDelayMs: 1, maxDelayMs: 10, sleep: async () => undefined });
}

const mixArb = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  count: fc.integer({ min: 1, max: 80 }),
  malformedShare: fc.double({ min: 0, max: 0.6, noNaN: true }),
  duplicateShare: fc.double({ min: 0, max: 0.3, noNaN: true }),
  spanHours: fc.integer({ min: 1, max: 5 }),
});
const faultArb = fc.array(fc.constantFrom<Fault>('ok', 'ok', 'slowdown', 'internal', 'denied'), { maxLength: 60 });

function batchOf(mix: { seed: number; count: number; malformedShare: number; duplicateShare: number; spanHours: number }): StreamRecord[] {
  const malformedShare = Math.min(mix.malformedShare, 1 - mix.duplicateShare);
  const gen = generateEvents({ ...mix, malformedShare, startTime: Date.UTC(2024, 2, 20, 6) });
  return streamRecords(gen.map((g) => g.data));
}

function expectedTable(r: StreamRecord): string {
  return decodeEvent(Buffer.from(r.data, 'base64'), { now: r.arrivalMs }).ok ? 'curated' : 'quarantine';
}

/** Sequence numbers of valid records whose event id a valid record earlier in `records` has. */
function laterCopiesOf(records: readonly StreamRecord[]): Set<string> {
  const seen = new Set<string>();
  const copies = new Set<string>();
  for (const r of records) {
    const d = decodeEvent(Buffer.from(r.data, 'base64'), { now: r.arrivalMs });
    if (!d.ok) continue;
    if (seen.has(d.event.event_id)) copies.add(r.sequenceNumber);
    seen.add(d.event.event_id);
  }
  return copies;
}

/** Where each sequence number sits in the bucket: key -> list. */
function locations(objects: Map<string, Stored>): Map<string, { key: string; table: string }[]> {
  const at = new Map<string, { key: string; table: string }[]>();
  for (const [key, o] of objects) for (const s of o.sequenceNumbers) at.set(s, [...(at.get(s) ?? []), { key, table: o.table }]);
  return at;
}

function firstSequenceOfKey(key: string): string {
  return /-(\d+)\.parquet$/.exec(key)![1]!;
}

beforeEach(() => s3Mock.reset());

describe('processRecords', () => {
  it('writes valid records to curated and invalid ones to quarantine, nothing reported, when S3 is healthy', async () => {
    const { objects } = fakeBucket([]);
    const records = batchOf({ seed: 1, count: 200, malformedShare: 0.05, duplicateShare: 0.02, spanHours: 3 });
    const r = await processRecords(records, { store: storeWith(3), duplicates: new DuplicateTracker(), now: () => PROCESSED_AT, encode });
    expect(r.batchItemFailures).toEqual([]);
    expect(r.recordsCurated + r.recordsQuarantined + r.recordsDuplicate).toBe(200);
    expect(r.recordsQuarantined).toBe(10);
    expect(r.recordsDuplicate).toBe(4);
    const at = locations(objects);
    const copies = laterCopiesOf(records);
    for (const rec of records)
      expect(at.get(rec.sequenceNumber)).toEqual(copies.has(rec.sequenceNumber) ? undefined : [expect.objectContaining({ table: expectedTable(rec) })]);
  });

  it('retries throttling inside the invocation and succeeds without reporting anything', async () => {
    const { objects, calls } = fakeBucket(['slowdown', 'internal', 'slowdown']);
    const records = batchOf({ seed: 2, count: 30, malformedShare: 0, duplicateShare: 0, spanHours: 1 });
    const store = storeWith(5);
    const r = await processRecords(records, { store, duplicates: new DuplicateTracker(), now: () => PROCESSED_AT, encode, writeConcurrency: 1 });
    expect(r.batchItemFailures).toEqual([]);
    expect(store.retries).toBe(3);
    expect(calls()).toBe(objects.size + 3);
  });

  it('reports the first record of the lowest failed object and shrinks successful objects that straddle it', async () => {
    // Two partitions interleaved: A A B A B with B's object failing for good.
    const hour = (h: number, i: number) =>
      Buffer.from(
        JSON.stringify({
          event_id: `e${i}`,
          timestamp: `2024-03-20T${String(h).padStart(2, '0')}:00:0${i}Z`,
          user_id: 'u',
          event_type: 'search',
          data: { page_url: '/', session_id: 's', device_type: 'mobile', location: { country: 'US' } },
        }),
      );
    const records = streamRecords([hour(10, 0), hour(10, 1), hour(11, 2), hour(10, 3), hour(11, 4)]);
    const objects = new Map<string, Stored>();
    s3Mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key!.includes('hour=11')) throw denied();
      objects.set(input.Key!, JSON.parse(Buffer.from(input.Body as Uint8Array).toString('utf8')) as Stored);
      return {};
    });
    const r = await processRecords(records, { store: storeWith(3), duplicates: new DuplicateTracker(), now: () => PROCESSED_AT, encode });
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.sequenceNumber }]);
    expect(r.objectsRewritten).toBe(1);
    expect([...objects.values()]).toEqual([{ table: 'curated', sequenceNumbers: [records[0]!.sequenceNumber, records[1]!.sequenceNumber] }]);
    expect(r.recordsRetried).toBe(3);
    expect(r.writeErrors[0]!.message).toContain('AccessDenied');
  });

  it('property: for any mix of records and any S3 fault schedule, every record ends in exactly one place', async () => {
    await fc.assert(
      fc.asyncProperty(mixArb, faultArb, fc.integer({ min: 1, max: 4 }), async (mix, schedule, maxAttempts) => {
        const { objects } = fakeBucket(schedule);
        const records = batchOf(mix);
        const r = await processRecords(records, {
          store: storeWith(maxAttempts),
          duplicates: new DuplicateTracker(),
          now: () => PROCESSED_AT,
          encode,
          writeConcurrency: 3,
        });
        const L = r.batchItemFailures[0]?.itemIdentifier;
        expect(r.batchItemFailures.length).toBeLessThanOrEqual(1);
        if (L !== undefined) expect(records.some((x) => x.sequenceNumber === L)).toBe(true);
        const at = locations(objects);
        const copies = laterCopiesOf(records);
        let retried = 0;
        for (const rec of records) {
          const places = at.get(rec.sequenceNumber) ?? [];
          if (L === undefined || compareSequence(rec.sequenceNumber, L) < 0) {
            // Committed: in exactly one object, in the table the contract decides; a later copy of an event in none.
            if (copies.has(rec.sequenceNumber)) {
              expect(places).toHaveLength(0);
              continue;
            }
            expect(places).toHaveLength(1);
            expect(places[0]!.table).toBe(expectedTable(rec));
          } else {
            // Reported for retry: only in objects that the redelivery recomputes and overwrites.
            retried++;
            for (const p of places) expect(compareSequence(firstSequenceOfKey(p.key), L)).toBeGreaterThanOrEqual(0);
          }
        }
        expect(r.recordsRetried).toBe(retried);
        expect(r.recordsCurated + r.recordsQuarantined + r.recordsDuplicate + r.recordsRetried).toBe(records.length);
      }),
      { numRuns: 300 },
    );
  });

  it('property: replaying as Kinesis does (from the reported record, any batch sizes, faults until they stop) leaves every record exactly once in the lake, or its event', async () => {
    await fc.assert(
      fc.asyncProperty(mixArb, faultArb, fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 10 }), async (mix, schedule, batchSizes) => {
        const { objects } = fakeBucket(schedule);
        const records = batchOf(mix);
        const duplicates = new DuplicateTracker();
        let start = 0;
        let invocations = 0;
        while (start < records.length) {
          // The poller's batch: from the checkpoint, a size that varies between polls (bisection, batch windows).
          const size = batchSizes[invocations % batchSizes.length]!;
          const batch = records.slice(start, start + size);
          const r = await processRecords(batch, { store: storeWith(2), duplicates, now: () => PROCESSED_AT + invocations, encode, writeConcurrency: 2 });
          invocations++;
          const L = r.batchItemFailures[0]?.itemIdentifier;
          start = L === undefined ? start + batch.length : records.findIndex((x) => x.sequenceNumber === L);
          expect(invocations).toBeLessThan(500);
        }
        const at = locations(objects);
        const copies = laterCopiesOf(records);
        for (const rec of records) {
          const places = at.get(rec.sequenceNumber) ?? [];
          // A later copy of an event is absent when the batch that held it also held the first copy (which is there once).
          if (copies.has(rec.sequenceNumber)) expect(places.length).toBeLessThanOrEqual(1);
          else expect(places).toHaveLength(1);
          if (places.length === 1) expect(places[0]!.table).toBe(expectedTable(rec));
        }
        // And objects are where their records' partition says.
        for (const [key, o] of objects) {
          const first = records.find((x) => x.sequenceNumber === o.sequenceNumbers[0])!;
          expect(key.startsWith(o.table)).toBe(true);
          if (o.table === 'quarantine') expect(key.startsWith(partitionPrefix('quarantine', first.arrivalMs))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('S3ObjectStore', () => {
  it('classifies retryable errors: throttling, 5xx, transport; not 4xx', () => {
    expect(
      [slowDown(), internal(), Object.assign(new Error('x'), { code: 'ECONNRESET' }), Object.assign(new Error('x'), { name: 'TimeoutError' })].map(isRetryable),
    ).toEqual([true, true, true, true]);
    expect([denied(), Object.assign(new Error('x'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }), undefined, null].map(isRetryable)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('stops retrying when the invocation is about to run out of time', async () => {
    fakeBucket(['slowdown', 'slowdown', 'slowdown']);
    let now = 0;
    const store = new S3ObjectStore(s3, {
      bucket: 'lake',
      maxAttempts: 10,
      baseDelayMs: 1000,
      maxDelayMs: 8000,
      random: () => 1,
      deadline: Deadline.fromContext({ getRemainingTimeInMillis: () => 10_000 - now }, 5000, () => now),
      sleep: async (ms) => void (now += ms),
    });
    await expect(store.put('k', new Uint8Array([1]), {})).rejects.toThrow('reduce your request rate');
    // Waits 1 s and 2 s (7 s left), then a 4 s wait would leave less than the 5 s reserve.
    expect(store.retries).toBe(2);
  });

  it('sends SSE-KMS headers, content type and metadata', async () => {
    fakeBucket([]);
    s3Mock.on(PutObjectCommand).resolves({});
    const store = new S3ObjectStore(s3, {
      bucket: 'lake',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc',
      maxAttempts: 1,
      baseDelayMs: 1,
      maxDelayMs: 1,
    });
    await store.put('curated/x.parquet', new Uint8Array([1, 2]), { 'record-count': '2' });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'lake',
      Key: 'curated/x.parquet',
      ContentType: 'application/vnd.apache.parquet',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abc',
      BucketKeyEnabled: true,
      Metadata: { 'record-count': '2' },
    });
  });
});
