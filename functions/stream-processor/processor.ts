/**
 * One batch, end to end: classify, group into objects, write them, and decide what
 * Kinesis must redeliver. Every record ends in exactly one place: a curated object, a
 * quarantine object, or the retry range reported in batchItemFailures.
 *
 * Failure semantics. Lambda checkpoints a shard at the lowest sequence number in
 * batchItemFailures and redelivers everything from there. So when some object fails,
 * the retry point L is the first record of the lowest failed object, and records >= L
 * must not stay committed in objects that succeeded, or the retry would duplicate them:
 * such objects are rewritten (same key) with only their records < L. If that rewrite
 * fails too, L drops to the object's first record, which makes the whole object part
 * of the retry: the redelivered batch recomputes the same key for it (see planObjects)
 * and overwrites it. Lowering L can expose more objects, so this repeats until stable;
 * it terminates because L only decreases.
 */
import { encodeParquet } from '../shared/parquet';
import { compareSequence, measureQuality, planObjects, classify, sampleReasons, type BatchQuality, type Classified, type DuplicateTracker, type PlannedObject, type StreamRecord } from './domain';

/** Where objects go. `put` resolves once the object is durable and rejects after its own retries. */
export interface ObjectStore {
  put(key: string, body: Uint8Array, metadata: Readonly<Record<string, string>>): Promise<void>;
}

export interface ProcessorDeps {
  readonly store: ObjectStore;
  readonly duplicates: DuplicateTracker;
  /** Epoch ms; read once per batch for processed_at and freshness. */
  readonly now: () => number;
  /** Objects written at once. Default 8. */
  readonly writeConcurrency?: number;
  /** Row encoder; Parquet unless a caller needs another format. */
  readonly encode?: (table: 'curated' | 'quarantine', rows: readonly Readonly<Record<string, unknown>>[]) => Uint8Array;
}

export interface WriteError {
  readonly key: string;
  readonly message: string;
}

export interface BatchResult {
  /** Lambda's partial-batch response: the lowest sequence number to redeliver, per shard. */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly quality: BatchQuality;
  /** Records Kinesis will redeliver (sequence >= the reported retry point). */
  readonly recordsRetried: number;
  readonly recordsCurated: number;
  readonly recordsQuarantined: number;
  readonly objectsWritten: number;
  readonly bytesWritten: number;
  /** Successful objects rewritten to drop records that fell into the retry range. */
  readonly objectsRewritten: number;
  readonly writeErrors: readonly WriteError[];
  /** The first few quarantine reasons, for the log. */
  readonly quarantineSample: readonly { sequenceNumber: string; reason: string }[];
  /** Final committed content per key (for logs and tests). */
  readonly committed: ReadonlyMap<string, { table: 'curated' | 'quarantine'; sequenceNumbers: readonly string[] }>;
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

interface ObjectState {
  readonly planned: PlannedObject;
  /** Records currently committed under the key (null: nothing written by this invocation). */
  committed: readonly Classified[] | null;
}

export async function processRecords(records: readonly StreamRecord[], deps: ProcessorDeps): Promise<BatchResult> {
  const processedAt = deps.now();
  const encode = deps.encode ?? encodeParquet;
  const concurrency = Math.max(1, deps.writeConcurrency ?? 8);
  const classified = records.map((r) => classify(r, processedAt));
  const quality = measureQuality(classified, processedAt, deps.duplicates);

  let bytesWritten = 0;
  let objectsWritten = 0;
  let objectsRewritten = 0;
  const writeErrors: WriteError[] = [];

  const write = async (obj: PlannedObject, content: readonly Classified[]): Promise<boolean> => {
    try {
      const body = encode(obj.table, content.map((c) => c.row as unknown as Record<string, unknown>));
      await deps.store.put(obj.key, body, {
        'record-count': String(content.length),
        'first-sequence-number': content[0]!.sequenceNumber,
        'last-sequence-number': content[content.length - 1]!.sequenceNumber,
      });
      bytesWritten += body.byteLength;
      return true;
    } catch (e) {
      writeErrors.push({ key: obj.key, message: `${(e as Error).name}: ${(e as Error).message}` });
      return false;
    }
  };

  // Lambda batches come from one shard, but nothing here relies on it: each shard gets its own retry point.
  const byShard = new Map<string, PlannedObject[]>();
  for (const obj of planObjects(classified)) {
    const shard = obj.records[0]!.row.source_shard_id;
    const list = byShard.get(shard) ?? [];
    list.push(obj);
    byShard.set(shard, list);
  }

  const batchItemFailures: { itemIdentifier: string }[] = [];
  const committed = new Map<string, { table: 'curated' | 'quarantine'; sequenceNumbers: readonly string[] }>();
  let recordsRetried = 0;

  for (const objects of byShard.values()) {
    const states: ObjectState[] = objects.map((planned) => ({ planned, committed: null }));
    let retryFrom: string | null = null;
    await pool(states, concurrency, async (s) => {
      if (await write(s.planned, s.planned.records)) {
        s.committed = s.planned.records;
        objectsWritten++;
      } else if (retryFrom === null || compareSequence(s.planned.firstSequence, retryFrom) < 0) {
        retryFrom = s.planned.firstSequence;
      }
    });

    while (retryFrom !== null) {
      const L: string = retryFrom;
      // Objects that straddle L: committed records on both sides of the retry point.
      const straddling = states.filter(
        (s) => s.committed !== null && compareSequence(s.planned.firstSequence, L) < 0 && s.committed.some((c) => compareSequence(c.sequenceNumber, L) >= 0),
      );
      if (straddling.length === 0) break;
      let lowered: string | null = null;
      await pool(straddling, concurrency, async (s) => {
        const keep = s.committed!.filter((c) => compareSequence(c.sequenceNumber, L) < 0);
        if (await write(s.planned, keep)) {
          s.committed = keep;
          objectsRewritten++;
        } else if (lowered === null || compareSequence(s.planned.firstSequence, lowered) < 0) {
          lowered = s.planned.firstSequence;
        }
      });
      if (lowered !== null) retryFrom = lowered;
    }

    const finalRetry: string | null = retryFrom;
    if (finalRetry !== null) batchItemFailures.push({ itemIdentifier: finalRetry });
    for (const s of states) {
      for (const c of s.planned.records) if (finalRetry !== null && compareSequence(c.sequenceNumber, finalRetry) >= 0) recordsRetried++;
      // Objects at or after the retry point will be overwritten by the redelivery, so they are not "committed".
      if (s.committed && s.committed.length > 0 && (finalRetry === null || compareSequence(s.planned.firstSequence, finalRetry) < 0)) {
        committed.set(s.planned.key, { table: s.planned.table, sequenceNumbers: s.committed.map((c) => c.sequenceNumber) });
      }
    }
  }

  let recordsCurated = 0;
  let recordsQuarantined = 0;
  for (const c of committed.values()) {
    if (c.table === 'curated') recordsCurated += c.sequenceNumbers.length;
    else recordsQuarantined += c.sequenceNumbers.length;
  }
  return { batchItemFailures, quality, quarantineSample: sampleReasons(classified), recordsRetried, recordsCurated, recordsQuarantined, objectsWritten, bytesWritten, objectsRewritten, writeErrors, committed };
}
