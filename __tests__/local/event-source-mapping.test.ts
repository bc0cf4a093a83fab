import fc from 'fast-check';
import {
  compareSequenceNumbers,
  deliverShardRecords,
  interpretResponse,
  type EventSourceMappingSettings,
  type InvocationOutcome,
  type OnFailureMessage,
  type ShardRecord,
} from '../../local/event-source-mapping';

const SHARD = {
  shardId: 'shardId-000000000000',
  streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
};
const NOW = Date.UTC(2024, 2, 20, 12);

function records(n: number, firstSeq = 100): ShardRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    sequenceNumber: String(firstSeq + i),
    partitionKey: `user-${i}`,
    data: Buffer.from(`r${i}`),
    approximateArrivalTimestamp: NOW / 1000 - 10,
  }));
}

const settings = (over: Partial<EventSourceMappingSettings> = {}): EventSourceMappingSettings => ({
  batchSize: 4,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: 2,
  maximumRecordAgeSeconds: 3600,
  reportBatchItemFailures: true,
  ...over,
});

type Script = (batch: readonly ShardRecord[], call: number) => InvocationOutcome;

async function run(input: ShardRecord[], s: EventSourceMappingSettings, script: Script) {
  const batches: string[][] = [];
  const dlq: { message: OnFailureMessage; records: readonly ShardRecord[] }[] = [];
  const result = await deliverShardRecords(input, s, SHARD, {
    invoke: async (batch) => {
      batches.push(batch.map((r) => r.sequenceNumber));
      return script(batch, batches.length);
    },
    onFailure: async (message, recs) => {
      dlq.push({ message, records: recs });
    },
    now: () => NOW,
  });
  return { ...result, batches, dlq };
}

const ok: InvocationOutcome = { kind: 'response', response: { batchItemFailures: [] } };
const failAt = (seq: string): InvocationOutcome => ({ kind: 'response', response: { batchItemFailures: [{ itemIdentifier: seq }] } });
const crash: InvocationOutcome = { kind: 'error', error: new Error('boom') };

describe('interpretResponse', () => {
  const batch = records(3);
  it.each([undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }, 'ok'])('treats %p as success', (response) => {
    expect(interpretResponse(response, batch, true)).toEqual({ kind: 'success' });
  });
  it('resumes at the lowest reported sequence number', () => {
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: '102' }, { itemIdentifier: '101' }] }, batch, true)).toEqual({
      kind: 'partial',
      retryFromIndex: 1,
    });
  });
  it.each([
    [{ batchItemFailures: [{ itemIdentifier: '' }] }],
    [{ batchItemFailures: [{ itemIdentifier: null }] }],
    [{ batchItemFailures: [{ itemIdentifier: '999' }] }],
    [{ batchItemFailures: 'x' }],
  ])('treats %j as an invalid response (whole batch fails)', (response) => {
    expect(interpretResponse(response, batch, true).kind).toBe('invalid');
  });
  it('ignores batchItemFailures when ReportBatchItemFailures is off', () => {
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: '101' }] }, batch, false)).toEqual({ kind: 'success' });
  });
});

describe('deliverShardRecords', () => {
  it('cuts the shard into batches of batchSize, in order', async () => {
    const r = await run(records(10), settings(), () => ok);
    expect(r.batches).toEqual([
      ['100', '101', '102', '103'],
      ['104', '105', '106', '107'],
      ['108', '109'],
    ]);
    expect(r.checkpoint).toBe('109');
    expect(r.stats).toMatchObject({ invocations: 3, recordsDelivered: 10, recordsRetried: 0 });
  });

  it('retries a partial failure from the reported sequence number only', async () => {
    const r = await run(records(4), settings(), (_b, call) => (call === 1 ? failAt('102') : ok));
    expect(r.batches).toEqual([
      ['100', '101', '102', '103'],
      ['102', '103'],
    ]);
    expect(r.stats).toMatchObject({ partialFailures: 1, recordsRetried: 2, recordsToOnFailure: 0 });
    expect(r.dlq).toHaveLength(0);
  });

  it('bisects on a function error without spending a retry, and isolates the poison record', async () => {
    const poison = '105';
    const r = await run(records(8), settings({ maximumRetryAttempts: 1 }), (batch) => (batch.some((x) => x.sequenceNumber === poison) ? crash : ok));
    expect(r.batches).toEqual([['100', '101', '102', '103'], ['104', '105', '106', '107'], ['104', '105'], ['104'], ['105'], ['105'], ['106', '107']]);
    expect(r.dlq).toHaveLength(1);
    expect(r.dlq[0]!.message.KinesisBatchInfo).toMatchObject({ startSequenceNumber: poison, endSequenceNumber: poison, batchSize: 1, shardId: SHARD.shardId });
    expect(r.dlq[0]!.message.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 });
    expect(r.checkpoint).toBe('107');
    expect(r.stats.bisections).toBe(2);
  });

  it('without bisect retries the same batch, then sends it whole to the on-failure destination', async () => {
    const r = await run(records(4), settings({ bisectBatchOnFunctionError: false, maximumRetryAttempts: 2 }), () => crash);
    expect(r.batches).toHaveLength(3);
    expect(r.batches.every((b) => b.join() === '100,101,102,103')).toBe(true);
    expect(r.dlq[0]!.message.KinesisBatchInfo.batchSize).toBe(4);
    expect(r.dlq[0]!.message.responseContext.functionError).toBe('Unhandled');
  });

  it('treats an identifier outside the batch as a whole-batch failure', async () => {
    const r = await run(records(2), settings({ bisectBatchOnFunctionError: false }), (_b, call) => (call === 1 ? failAt('999') : ok));
    expect(r.batches).toEqual([
      ['100', '101'],
      ['100', '101'],
    ]);
    expect(r.stats.invalidResponses).toBe(1);
  });

  it('sends records older than maximumRecordAgeSeconds to the on-failure destination without invoking', async () => {
    const old = records(3).map((x) => ({ ...x, approximateArrivalTimestamp: NOW / 1000 - 7200 }));
    const r = await run(old, settings({ maximumRecordAgeSeconds: 3600 }), () => ok);
    expect(r.batches).toHaveLength(0);
    expect(r.dlq[0]!.message.requestContext.condition).toBe('RecordAgeExceeded');
  });

  it('for any failure schedule, every record is processed exactly once in order or sent to the destination', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.oneof(fc.constant<'ok'>('ok'), fc.constant<'crash'>('crash'), fc.double({ min: 0, max: 0.999, noNaN: true })), {
          minLength: 1,
          maxLength: 40,
        }),
        async (n, batchSize, bisect, retries, schedule) => {
          const committed: string[] = [];
          let call = 0;
          const r = await run(records(n), settings({ batchSize, bisectBatchOnFunctionError: bisect, maximumRetryAttempts: retries }), (batch) => {
            const step = schedule[call++ % schedule.length]!;
            if (step === 'crash') return crash;
            if (step === 'ok') {
              committed.push(...batch.map((x) => x.sequenceNumber));
              return ok;
            }
            const at = Math.floor(step * batch.length);
            committed.push(...batch.slice(0, at).map((x) => x.sequenceNumber));
            return failAt(batch[at]!.sequenceNumber);
          });
          const dead = r.dlq.flatMap((d) => d.records.map((x) => x.sequenceNumber));
          const all = [...committed, ...dead].sort(compareSequenceNumbers);
          expect(all).toEqual(records(n).map((x) => x.sequenceNumber));
          expect(r.stats.recordsToOnFailure).toBe(dead.length);
          // Committed records are in shard order: a later record is never processed before an earlier one.
          expect([...committed].sort(compareSequenceNumbers)).toEqual(committed);
          expect(r.checkpoint).toBe(String(100 + n - 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});
