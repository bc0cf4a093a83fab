/**
 * One batch, end to end: classify, group into objects, write them, and decide what
 * Kinesis must redeliver. Every record ends in exactly one place: a curated object, a
 * quarantine object, the retry range reported in batchItemFailures, or the duplicate count
 * (a later copy of an event the invocation wrote).
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
 *
 * One curated row per event id per invocation. A later copy of an event already written
 * (earlier in the shard's batch, or committed by a shard handled before it) is skipped and
 * counted: it succeeds without a second row. Shards are handled one after another so that
 * only copies of committed records are skipped (see laterCopies for why none is lost). An
 * object with nothing to write (every record of its range a skipped copy, or shrunk to no
 * record below L) is still written, with no rows: an earlier attempt may have left records
 * under its key that are redelivered now and would otherwise stay there twice, because
 * whether a record is a copy depends on the batch. Copies in different invocations (a redelivery
 * after a partial failure, a producer re-send minutes apart) are each written: the lake is
 * at-least-once across batches, and the events_unique view and the warehouse merge make the
 * reads exactly once.
 */
import { encodeParquet } from '../shared/parquet';
import {
  compareSequence,
  laterCopies,
  measureQuality,
  planObjects,
  classify,
  sampleReasons,
  type BatchQuality,
  type Classified,
  type DuplicateTracker,
  type PlannedObject,
  type StreamRecord,
} from './domain';

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
  /** Later copies of an event this invocation wrote (below the retry point): succeeded, not written again. */
  readonly recordsDuplicate: number;
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
      const body = encode(
        obj.table,
        content.map((c) => c.row as unknown as Record<string, unknown>),
      );
      const metadata: Record<string, string> = { 'record-count': String(content.length) };
      if (content.length > 0) {
        metadata['first-sequence-number'] = content[0]!.sequenceNumber;
        metadata['last-sequence-number'] = content[content.length - 1]!.sequenceNumber;
      }
      await deps.store.put(obj.key, body, metadata);
      bytesWritten += body.byteLength;
      return true;
    } catch (e) {
      writeErrors.push({ key: obj.key, message: `${(e as Error).name}: ${(e as Error).message}` });
      return false;
    }
  };

  // Lambda batches come from one shard, but nothing here relies on it: each shard gets its own objects and retry point.
  const byShard = new Map<string, Classified[]>();
  for (const c of classified) {
    const list = byShard.get(c.row.source_shard_id) ?? [];
    list.push(c);
    byShard.set(c.row.source_shard_id, list);
  }

  const batchItemFailures: { itemIdentifier: string }[] = [];
  const committed = new Map<string, { table: 'curated' | 'quarantine'; sequenceNumbers: readonly string[] }>();
  // Event ids of curated rows committed by the shards already handled.
  const writtenIds = new Set<string>();
  let recordsRetried = 0;
  let recordsDuplicate = 0;

  for (const shardRecords of byShard.values()) {
    const copies = laterCopies(shardRecords, writtenIds);
    const states: ObjectState[] = planObjects(shardRecords, copies).map((planned) => ({ planned, committed: null }));
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
    const settled = (sequenceNumber: string) => finalRetry === null || compareSequence(sequenceNumber, finalRetry) < 0;
    if (finalRetry !== null) batchItemFailures.push({ itemIdentifier: finalRetry });
    for (const c of shardRecords) if (!settled(c.sequenceNumber)) recordsRetried++;
    for (const c of copies) if (settled(c.sequenceNumber)) recordsDuplicate++;
    for (const s of states) {
      // Objects at or after the retry point will be overwritten by the redelivery, so they are not "committed".
      if (s.committed && s.committed.length > 0 && settled(s.planned.firstSequence)) {
        committed.set(s.planned.key, { table: s.planned.table, sequenceNumbers: s.committed.map((c) => c.sequenceNumber) });
        for (const c of s.committed) if (c.table === 'curated') writtenIds.add(c.eventId);
      }
    }
  }

  let recordsCurated = 0;
  let recordsQuarantined = 0;
  for (const c of committed.values()) {
    if (c.table === 'curated') recordsCurated += c.sequenceNumbers.length;
    else recordsQuarantined += c.sequenceNumbers.length;
  }
  return {
    batchItemFailures,
    quality,
    quarantineSample: sampleReasons(classified),
    recordsRetried,
    recordsCurated,
    recordsQuarantined,
    recordsDuplicate,
    objectsWritten,
    bytesWritten,
    objectsRewritten,
    writeErrors,
    committed,
  };
}
