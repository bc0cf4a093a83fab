import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { PUT_RECORDS_LIMITS, ProducerConfigurationError, planBatches, recordBytes, sendRecords, type ProducerRecord } from '../../functions/shared/producer';

const kinesis = mockClient(KinesisClient);
const client = new KinesisClient({ region: 'us-east-1' });
const noSleep = async () => undefined;

function rec(i: number, bytes = 10): ProducerRecord {
  return { data: Buffer.alloc(bytes, i % 256), partitionKey: `user${i}` };
}

/** Identifies which input record an entry carries: partition keys are unique per test input. */
function keys(input: PutRecordsCommandInput): string[] {
  return (input.Records ?? []).map((r) => r.PartitionKey!);
}

beforeEach(() => kinesis.reset());

describe('planBatches', () => {
  it('property: batches respect record-count and byte limits, keep order and cover every sendable record once', () => {
    const MiB = 1024 * 1024;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 100_000, max: MiB + 10 })), { maxLength: 1500 }), (sizes) => {
        // Sizes stand for byteLength only: a shared zero-filled buffer keeps the test fast.
        const big = new Uint8Array(MiB + 10);
        const records = sizes.map((s, i) => ({ data: big.subarray(0, s), partitionKey: `k${i}` }));
        const { batches, tooLarge } = planBatches(
          records,
          records.map((_, i) => i),
        );
        for (const b of batches) {
          expect(b.length).toBeGreaterThan(0);
          expect(b.length).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxRecords);
          expect(b.reduce((s, i) => s + recordBytes(records[i]!), 0)).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxRequestBytes);
        }
        for (const i of tooLarge) expect(recordBytes(records[i]!)).toBeGreaterThan(PUT_RECORDS_LIMITS.maxRecordBytes);
        const flat = batches.flat();
        expect(flat).toEqual([...flat].sort((a, b) => a - b));
        expect([...flat, ...tooLarge].sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
      }),
      { numRuns: 150 },
    );
  });

  it('splits at 500 records', () => {
    const records = Array.from({ length: 1001 }, (_, i) => rec(i));
    expect(
      planBatches(
        records,
        records.map((_, i) => i),
      ).batches.map((b) => b.length),
    ).toEqual([500, 500, 1]);
  });
});

describe('sendRecords', () => {
  it('sends everything in one call when nothing fails, using the stream ARN when given one', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: keys(input).map((_, j) => ({ SequenceNumber: String(j), ShardId: 'shardId-000000000000' })),
    }));
    const records = Array.from({ length: 20 }, (_, i) => rec(i));
    const s = await sendRecords(client, records, { stream: 'arn:aws:kinesis:us-east-1:123456789012:stream/events', sleep: noSleep });
    expect(s).toMatchObject({ total: 20, sent: 20, failed: [], calls: 1, retriedEntries: 0 });
    expect(kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input).toMatchObject({ StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/events' });
  });

  it('property: retries only the failed entries, gives up after maxAttempts, and accounts for every record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1200 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        async (n, maxAttempts, failRates, seed) => {
          kinesis.reset();
          let state = seed;
          const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
          let call = 0;
          const attemptsOf = new Map<string, number>();
          const failedLastTime = new Set<string>();
          const sentKeys = new Set<string>();
          let round = 0;
          kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
            const rate = failRates[call++ % failRates.length]!;
            return {
              Records: keys(input).map((k) => {
                attemptsOf.set(k, (attemptsOf.get(k) ?? 0) + 1);
                // A record is only ever re-sent after it failed.
                if (attemptsOf.get(k)! > 1) expect(failedLastTime.has(k)).toBe(true);
                expect(sentKeys.has(k)).toBe(false);
                if (rand() < rate) {
                  failedLastTime.add(k);
                  return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' };
                }
                failedLastTime.delete(k);
                sentKeys.add(k);
                return { SequenceNumber: `${round}`, ShardId: 'shardId-000000000001' };
              }),
            };
          });
          const records = Array.from({ length: n }, (_, i) => rec(i));
          const s = await sendRecords(client, records, { stream: 'events', maxAttempts, sleep: async () => void round++ });
          expect(s.sent + s.failed.length).toBe(n);
          expect(s.sent).toBe(sentKeys.size);
          for (const f of s.failed) {
            expect(attemptsOf.get(`user${f.index}`)).toBe(maxAttempts);
            expect(f.errorCode).toBe('ProvisionedThroughputExceededException');
          }
          for (const count of attemptsOf.values()) expect(count).toBeLessThanOrEqual(maxAttempts);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('backs off exponentially with full jitter between rounds', async () => {
    kinesis.on(PutRecordsCommand).resolves({ Records: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    const sleeps: number[] = [];
    const s = await sendRecords(client, [rec(1)], {
      stream: 'events',
      maxAttempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 500,
      random: () => 0.5,
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(sleeps).toEqual([100, 200, 250, 250]);
    expect(s.failed).toEqual([{ index: 0, errorCode: 'InternalFailure', errorMessage: 'x' }]);
    expect(s.retriedEntries).toBe(4);
  });

  it('retries a whole call that was throttled, and refuses to retry configuration errors', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    kinesis
      .on(PutRecordsCommand)
      .rejectsOnce(throttled)
      .resolves({ Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    await expect(sendRecords(client, [rec(1)], { stream: 'events', sleep: noSleep })).resolves.toMatchObject({ sent: 1, calls: 2 });

    kinesis.reset();
    kinesis.on(PutRecordsCommand).rejects(Object.assign(new Error('Stream events not found'), { name: 'ResourceNotFoundException' }));
    await expect(sendRecords(client, [rec(1)], { stream: 'events', sleep: noSleep })).rejects.toThrow(ProducerConfigurationError);
  });

  it('reports records over 1 MiB as failed without sending them', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({ Records: keys(input).map(() => ({ SequenceNumber: '1', ShardId: 's' })) }));
    const s = await sendRecords(client, [rec(0), rec(1, PUT_RECORDS_LIMITS.maxRecordBytes), rec(2)], { stream: 'events', sleep: noSleep });
    expect(s.sent).toBe(2);
    expect(s.failed).toEqual([expect.objectContaining({ index: 1, errorCode: 'RecordTooLarge' })]);
    expect(keys(kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input)).toEqual(['user0', 'user2']);
  });
});
