/** The lake's Hive-style partitioning: every table is laid out as `<prefix>dt=YYYY-MM-DD/hour=HH/`. */
import { TABLES, type TableId } from './tables';

/** Hive-style partition keys of every lake table, in path order (`dt=YYYY-MM-DD/hour=HH`). */
export const PARTITION_KEYS = [
  { name: 'dt', type: 'string', comment: 'UTC date of the partitioning time, YYYY-MM-DD' },
  { name: 'hour', type: 'string', comment: 'UTC hour of the partitioning time, 00-23' },
] as const;

/** First date partition projection enumerates; Athena never scans partitions before it. */
export const PARTITION_PROJECTION_START_DATE = '2024-01-01';

/** 'YYYY-MM-DD' and 'HH' (UTC) of an epoch-ms instant: the lake's dt/hour partition values. */
export function partitionOf(epochMs: number): { dt: string; hour: string } {
  const iso = new Date(epochMs).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** Key prefix of a partition: `<table prefix>dt=YYYY-MM-DD/hour=HH/`. */
export function partitionPrefix(table: TableId, epochMs: number): string {
  const { dt, hour } = partitionOf(epochMs);
  return `${TABLES[table].prefix}${PARTITION_KEYS[0].name}=${dt}/${PARTITION_KEYS[1].name}=${hour}/`;
}
