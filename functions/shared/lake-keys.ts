/**
 * Object keys of the lake, spelled once: the raw archive's (written by Kinesis Data Firehose in
 * AWS and by `npm run local`'s archive writer, listed by the backfill) and the processor's curated
 * and quarantine objects (written by the stream processor and, under their own source names, by
 * the backfill). The prefixes themselves are in lake-layout.ts, the dt/hour partitioning in the
 * contract.
 */
import { createHash } from 'node:crypto';
import { PARTITION_KEYS, partitionOf, partitionPrefix } from './contract';
import { LAKE_PREFIXES } from './lake-layout';
import { PARQUET_EXTENSION } from './parquet';

const [DT, HOUR] = [PARTITION_KEYS[0].name, PARTITION_KEYS[1].name];

/** The raw archive's arrival-time prefix as a Firehose custom-prefix expression (Firehose's own clock, UTC). */
export const RAW_ARCHIVE_PREFIX_EXPRESSION = `${LAKE_PREFIXES.raw}${DT}=!{timestamp:yyyy-MM-dd}/${HOUR}=!{timestamp:HH}/`;

/** The prefix Firehose's expression yields for an arrival time: `raw/dt=YYYY-MM-DD/hour=HH/`. */
export function rawArchivePrefix(arrivalMs: number): string {
  const { dt, hour } = partitionOf(arrivalMs);
  return `${LAKE_PREFIXES.raw}${DT}=${dt}/${HOUR}=${hour}/`;
}

/** Where Firehose puts delivery failures; never records to replay. */
export const RAW_ARCHIVE_ERRORS_PREFIX = `${LAKE_PREFIXES.raw}_errors/`;

/**
 * A raw archive object's key as Firehose names it with a custom prefix and GZIP:
 * `<prefix><delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<id>.gz`, the time being the
 * arrival of the object's oldest record (which also picks the prefix).
 */
export function rawArchiveObjectKey(deliveryStream: string, oldestArrivalMs: number, id: string, version = 1): string {
  const iso = new Date(oldestArrivalMs).toISOString();
  const stamp = `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
  return `${rawArchivePrefix(oldestArrivalMs)}${deliveryStream}-${version}-${stamp}-${id}.gz`;
}

const RAW_OBJECT_TIME = /-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[^/]*$/;

/** The arrival time in a raw archive object's name (second precision), or undefined for a name Firehose did not give. */
export function rawArchiveObjectTime(key: string): number | undefined {
  const m = RAW_OBJECT_TIME.exec(key.slice(key.lastIndexOf('/') + 1));
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Rejects rolled-over components (2024-02-30): the name was not written by the formatter above.
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? ms : undefined;
}

/**
 * A curated or quarantine object: `<table prefix>dt=../hour=../<source>-<first sequence number>.parquet`.
 * `source` is the Kinesis shard for the stream processor (`shardId-…`) and a backfill source
 * name (backfillSource) for the backfill, so the two can never name the same object.
 */
export function lakeObjectKey(table: 'curated' | 'quarantine', partitionMs: number, source: string, firstSequence: string): string {
  return `${partitionPrefix(table, partitionMs)}${source}-${firstSequence}${PARQUET_EXTENSION}`;
}

/** Start of every backfill source name; Kinesis shard ids start with `shardId-`. */
export const BACKFILL_SOURCE_PREFIX = 'backfill-';

/**
 * The source name the backfill gives the records of one raw archive object: fixed by the object's
 * key, so a re-run computes the same curated and quarantine keys and overwrites them. 33 characters,
 * within the 64 of the source_shard_id column.
 */
export function backfillSource(rawKey: string): string {
  return `${BACKFILL_SOURCE_PREFIX}${createHash('sha256').update(rawKey).digest('hex').slice(0, 24)}`;
}
