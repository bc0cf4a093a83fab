/**
 * Pure domain logic of the stream processor: classify each Kinesis record (curated or
 * quarantine), enrich it, and group records into the lake objects a batch writes.
 * No AWS calls here; processor.ts does the I/O.
 */
import {
  CURATED_COLUMNS,
  ENRICHMENT_COLUMNS,
  decodeBase64Event,
  deviceClass,
  isPlainObject,
  normaliseCountry,
  type CuratedRow,
  type Problem,
  type QuarantineRow,
  type ValidEvent,
} from '../shared/contract';
import type { KinesisStreamRecord } from 'aws-lambda';
import { featureVector, toCsvRow } from '../shared/features';
import { lakeObjectKey } from '../shared/lake-keys';
import { quarantineRow } from './quarantine-row';

/** The parts of a Kinesis event record the processor uses. */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Base64 payload as Kinesis delivers it. */
  readonly data: string;
  /** Epoch milliseconds. */
  readonly arrivalMs: number;
}

export type Classified =
  | {
      readonly table: 'curated';
      readonly sequenceNumber: string;
      /** Epoch ms that picks the partition: the event time. */
      readonly partitionMs: number;
      readonly row: CuratedRow;
      readonly eventId: string;
    }
  | {
      readonly table: 'quarantine';
      readonly sequenceNumber: string;
      /** Epoch ms that picks the partition: the arrival time (the event time may be missing or invalid). */
      readonly partitionMs: number;
      readonly row: QuarantineRow;
      readonly problems: readonly Problem[];
      /** Every required field was present (the completeness metric), even if some were invalid. */
      readonly complete: boolean;
    };

/** Kinesis sequence numbers are decimal strings of varying length: compare numerically without BigInt. */
export function compareSequence(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** `shardId-000000000000:4954...` (the Lambda record's eventID) -> `shardId-000000000000`. */
export function shardIdOf(eventId: string): string {
  const i = eventId.indexOf(':');
  return i > 0 ? eventId.slice(0, i) : eventId;
}

/** The parts of a Lambda Kinesis event record the processor reads (the handler's and the backfill's input). */
export function fromKinesisRecord(r: KinesisStreamRecord): StreamRecord {
  return {
    shardId: shardIdOf(r.eventID),
    sequenceNumber: r.kinesis.sequenceNumber,
    data: r.kinesis.data,
    arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
  };
}

const DAY_MS = 86_400_000;

/** What classify computes on top of the validated event (event_time becomes a Date). */
type Enrichment = Pick<CuratedRow, (typeof ENRICHMENT_COLUMNS)[number]['name'] | 'event_time'>;
const ENRICHED_NAMES: ReadonlySet<string> = new Set([...ENRICHMENT_COLUMNS.map((c) => c.name), 'event_time']);

/**
 * Merges the event and its enrichment into one row with the properties in CURATED_COLUMNS
 * order, through a function generated once from that column list. Measured on the benchmark
 * batch: object spread (`{ ...event, ...enrichment }`) costs ~25x more, because the validated
 * event's shape differs per record and the overwritten event_time changes a field's
 * representation; rows of one fixed shape also make the Parquet encoder's reads monomorphic.
 * Column names come from the contract's constant tables (JSON-quoted), never from input.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const buildCuratedRow = new Function(
  'e',
  'x',
  `return { ${CURATED_COLUMNS.map((c) => `${JSON.stringify(c.name)}: ${ENRICHED_NAMES.has(c.name) ? 'x' : 'e'}[${JSON.stringify(c.name)}]`).join(', ')} };`,
) as (event: ValidEvent, enrichment: Enrichment) => CuratedRow;

/**
 * Decides where one record goes and builds its row. Deterministic for a given record and
 * processing time, except `processed_at`: validity depends only on the bytes and the
 * arrival time (the future-skew check is relative to arrival, not to now), so a retried
 * record lands in the same table and partition as the first time.
 */
export function classify(rec: StreamRecord, processedAt: number): Classified {
  const result = decodeBase64Event(rec.data, { now: rec.arrivalMs });
  const common = {
    ingested_at: new Date(rec.arrivalMs),
    processed_at: new Date(processedAt),
    source_shard_id: rec.shardId,
    source_sequence_number: rec.sequenceNumber,
  };
  if (result.ok) {
    const e = result.event;
    const msOfDay = ((e.event_time % DAY_MS) + DAY_MS) % DAY_MS;
    const row = buildCuratedRow(e, {
      event_time: new Date(e.event_time),
      event_id_source: e.event_id_source,
      event_date: new Date(e.event_time - msOfDay),
      event_hour: Math.floor(msOfDay / 3_600_000),
      device_class: deviceClass(e.device_type),
      country_code: normaliseCountry(e.country),
      features: toCsvRow(featureVector(e)),
      ingested_at: common.ingested_at,
      processed_at: common.processed_at,
      source_shard_id: common.source_shard_id,
      source_sequence_number: common.source_sequence_number,
    });
    return { table: 'curated', sequenceNumber: rec.sequenceNumber, partitionMs: e.event_time, row, eventId: e.event_id };
  }
  const problems = result.problems;
  const parsed = result.parsed;
  const isObject = isPlainObject(parsed);
  const row = quarantineRow(problems, parsed, rec.data, common);
  return {
    table: 'quarantine',
    sequenceNumber: rec.sequenceNumber,
    partitionMs: rec.arrivalMs,
    row,
    problems,
    // A record-level problem (too large, not JSON, too deep) means no field was checked: not complete.
    complete: isObject && !problems.some((p) => p.code === 'missing' || p.field === '(record)'),
  };
}

/** One lake object a batch writes: all records of one table and partition, in sequence order. */
export interface PlannedObject {
  readonly table: 'curated' | 'quarantine';
  readonly key: string;
  /** The records to write, ascending by sequence number (may be empty when every record is a skipped copy). */
  readonly records: readonly Classified[];
  /** First sequence number of the range (records and skipped copies): the key's. */
  readonly firstSequence: string;
}

/**
 * Curated records of one shard's batch whose event id is already written: earlier in the batch
 * (by sequence number), or in `written` (ids other shards of the invocation committed). Quarantined
 * records are never copies of anything: each keeps its own bytes in the quarantine table, and
 * an event_id read from an invalid record does not make a valid record with that id a copy.
 *
 * Why a skipped copy is never lost: it comes after its first copy, so whenever the copy itself
 * is below the batch's retry point, so is the first copy, and everything below the retry point
 * is committed; a copy at or after the retry point is redelivered and decided again.
 */
export function laterCopies(shardRecords: readonly Classified[], written: ReadonlySet<string>): Set<Classified> {
  const seen = new Set<string>();
  const copies = new Set<Classified>();
  for (const c of [...shardRecords].sort((a, b) => compareSequence(a.sequenceNumber, b.sequenceNumber))) {
    if (c.table !== 'curated') continue;
    if (seen.has(c.eventId) || written.has(c.eventId)) copies.add(c);
    else seen.add(c.eventId);
  }
  return copies;
}

/**
 * Groups a batch into objects, one per table, partition and shard. The key is
 * `<table prefix>dt=../hour=../<shard>-<first sequence number of the object's records>.parquet`.
 *
 * Why the object's own first record and not the batch's first/last: a record's table and
 * partition never change, so whichever batch later contains the first record of an object
 * again (a whole-batch retry, a bisected half, a retry from a reported failure) computes
 * the same key for that partition and overwrites the object instead of duplicating it.
 * A key with the batch's last sequence number would change whenever the retried batch
 * is shorter or longer than the original.
 *
 * Skipped copies (`skipped`, from laterCopies) count for the key like any record, because
 * whether a record is a copy depends on the batch: a redelivery that no longer holds the first
 * copy writes the record, and must compute the same key to overwrite what this batch wrote.
 */
export function planObjects(classified: readonly Classified[], skipped: ReadonlySet<Classified> = new Set()): PlannedObject[] {
  // Keyed by shard too: sequence numbers (and so keys and retry points) only order records within a shard.
  const groups = new Map<string, Classified[]>();
  for (const c of classified) {
    // The key with a placeholder sequence number identifies the group: table, partition and shard.
    const group = lakeObjectKey(c.table, c.partitionMs, c.row.source_shard_id, '');
    let g = groups.get(group);
    if (!g) groups.set(group, (g = []));
    g.push(c);
  }
  const objects: PlannedObject[] = [];
  for (const range of groups.values()) {
    range.sort((a, b) => compareSequence(a.sequenceNumber, b.sequenceNumber));
    const first = range[0]!;
    objects.push({
      table: first.table,
      key: lakeObjectKey(first.table, first.partitionMs, first.row.source_shard_id, first.sequenceNumber),
      records: range.filter((c) => !skipped.has(c)),
      firstSequence: first.sequenceNumber,
    });
  }
  return objects.sort((a, b) => compareSequence(a.firstSequence, b.firstSequence) || (a.key < b.key ? -1 : 1));
}

/** Percentile by nearest rank of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Remembers recent event ids (bounded, oldest evicted first) to measure the duplicate share
 * within and across batches. The same id at the same shard position is a Lambda redelivery
 * of one record, not a duplicate.
 */
export class DuplicateTracker {
  private readonly seen = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {}

  /** True when `eventId` was seen before at a different stream position. */
  isDuplicate(eventId: string, position: string): boolean {
    const prev = this.seen.get(eventId);
    if (prev !== undefined) return prev !== position;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(eventId, position);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}

export interface BatchQuality {
  readonly recordsIn: number;
  readonly valid: number;
  readonly quarantined: number;
  readonly complete: number;
  readonly duplicates: number;
  /** Event time -> processing time of valid records, ms. */
  readonly freshnessP50Ms: number;
  readonly freshnessP99Ms: number;
  /** Quarantined records per first problem code. */
  readonly quarantineByKind: Readonly<Record<string, number>>;
}

export function measureQuality(classified: readonly Classified[], processedAt: number, duplicates: DuplicateTracker): BatchQuality {
  let valid = 0;
  let complete = 0;
  let dups = 0;
  const freshness: number[] = [];
  const byKind: Record<string, number> = {};
  for (const c of classified) {
    if (c.table === 'curated') {
      valid++;
      complete++;
      freshness.push(processedAt - c.row.event_time.getTime());
      if (duplicates.isDuplicate(c.eventId, `${c.row.source_shard_id}:${c.sequenceNumber}`)) dups++;
    } else {
      if (c.complete) complete++;
      byKind[c.row.error_kind] = (byKind[c.row.error_kind] ?? 0) + 1;
    }
  }
  freshness.sort((a, b) => a - b);
  return {
    recordsIn: classified.length,
    valid,
    quarantined: classified.length - valid,
    complete,
    duplicates: dups,
    freshnessP50Ms: percentile(freshness, 50),
    freshnessP99Ms: percentile(freshness, 99),
    quarantineByKind: byKind,
  };
}

const LOGGED_REASON_CHARS = 300;

/** Problem preview for logs: the first few quarantine reasons, values already truncated. */
export function sampleReasons(classified: readonly Classified[], max = 5): { sequenceNumber: string; reason: string }[] {
  const out: { sequenceNumber: string; reason: string }[] = [];
  for (const c of classified) {
    if (out.length >= max) break;
    if (c.table === 'quarantine')
      out.push({
        sequenceNumber: c.sequenceNumber,
        reason: c.row.reason.length > LOGGED_REASON_CHARS ? `${c.row.reason.slice(0, LOGGED_REASON_CHARS - 1)}…` : c.row.reason,
      });
  }
  return out;
}
