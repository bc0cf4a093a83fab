/**
 * Object keys the aggregator writes, all under the lake's aggregates/ prefix. Table files live in
 * the dt=/hour= partitions Athena projects; working state and alert claims live beside them under
 * `_state/` and `_alerts/`, which the table never reads (partition projection only lists the
 * projected partition locations, and Hive readers skip `_`-prefixed paths).
 *
 * Every key is a function of (window, shard, first sequence number) only, so a retried or
 * replayed window rewrites the same objects instead of adding new ones.
 */
import { partitionOf, partitionPrefix } from '../shared/contract';
import { LAKE_PREFIXES } from '../shared/lake-layout';
import { PARQUET_EXTENSION } from '../shared/parquet';

export const STATE_PREFIX = `${LAKE_PREFIXES.aggregates}_state/`;
export const ALERTS_PREFIX = `${LAKE_PREFIXES.aggregates}_alerts/`;

const SHARD_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const SEQUENCE_NUMBER = /^\d{1,128}$/;

function checkShard(shardId: string): string {
  if (!SHARD_ID.test(shardId)) throw new RangeError(`shard id ${JSON.stringify(shardId)} is not a Kinesis shard id (letters, digits, _ . -)`);
  return shardId;
}

/** 20240320T1005Z: a window start as it appears in file names. */
export function compactTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/** Parquet rows of one finished minute segment of one shard. */
export function minuteSegmentKey(windowStart: number, shardId: string, firstSequenceNumber: string): string {
  if (!SEQUENCE_NUMBER.test(firstSequenceNumber))
    throw new RangeError(`sequence number ${JSON.stringify(firstSequenceNumber)} is not a Kinesis sequence number (digits)`);
  return `${partitionPrefix('aggregates', windowStart)}minute-${compactTime(windowStart)}-${checkShard(shardId)}-${firstSequenceNumber}${PARQUET_EXTENSION}`;
}

/** Parquet rows of one shard's hour so far (rewritten as its minutes finish). */
export function hourRollupKey(hourStart: number, shardId: string): string {
  return `${partitionPrefix('aggregates', hourStart)}hour-${compactTime(hourStart)}-${checkShard(shardId)}${PARQUET_EXTENSION}`;
}

/** Directory of every shard's roll-up state for one hour. */
export function rollupStatePrefix(hourStart: number): string {
  const { dt, hour } = partitionOf(hourStart);
  return `${STATE_PREFIX}dt=${dt}/hour=${hour}/`;
}

/** One shard's roll-up state (sketches and merged segment ids) for one hour. */
export function rollupStateKey(hourStart: number, shardId: string): string {
  return `${rollupStatePrefix(hourStart)}${checkShard(shardId)}.json`;
}

/** Shard id of a key under rollupStatePrefix(), or undefined for anything else. */
export function shardOfRollupStateKey(key: string, hourStart: number): string | undefined {
  const prefix = rollupStatePrefix(hourStart);
  if (!key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
  const shard = key.slice(prefix.length, -'.json'.length);
  return SHARD_ID.test(shard) ? shard : undefined;
}

/** Claim that an hour was judged (created once, with If-None-Match). */
export function alertClaimKey(hourStart: number): string {
  const { dt, hour } = partitionOf(hourStart);
  return `${ALERTS_PREFIX}dt=${dt}/hour=${hour}.json`;
}
