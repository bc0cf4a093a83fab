/** Glue / Hive view of the lake tables, and the Athena partition projection over dt/hour. */
import { LAKE_PREFIXES } from '../lake-layout';
import type { ColumnSpec, ColumnType } from './columns';
import { EVENT_FIELDS } from './event-fields';
import { PARTITION_KEYS, PARTITION_PROJECTION_START_DATE } from './partitions';
import { TABLES, type TableId } from './tables';

const GLUE_TYPES: Record<ColumnType, string> = {
  string: 'string',
  timestamp: 'timestamp',
  date: 'date',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
};

/**
 * Trino (Athena engine version 3) types, as an Athena view stores its columns: Athena checks a
 * view's stored types against what its SQL yields, and reads Parquet timestamps at millisecond
 * precision.
 */
const TRINO_TYPES: Record<ColumnType, string> = {
  string: 'varchar',
  timestamp: 'timestamp(3)',
  date: 'date',
  int: 'integer',
  double: 'double',
  boolean: 'boolean',
};

export function trinoType(type: ColumnType): string {
  return TRINO_TYPES[type];
}

/** Glue caps a column comment at 255 characters. */
const GLUE_COMMENT_MAX_CHARS = 255;

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/** Glue/Hive columns of any column list, in order. */
export function toGlueColumns(columns: readonly ColumnSpec[]): GlueColumn[] {
  return columns.map((c) => ({ name: c.name, type: GLUE_TYPES[c.type], comment: c.description.slice(0, GLUE_COMMENT_MAX_CHARS) }));
}

/** Glue/Hive columns of a lake table (partition keys excluded: see PARTITION_KEYS). */
export function glueColumns(table: TableId): GlueColumn[] {
  return toGlueColumns(TABLES[table].columns);
}

export function gluePartitionKeys(): GlueColumn[] {
  return PARTITION_KEYS.map((k) => ({ name: k.name, type: k.type, comment: k.comment }));
}

/**
 * Glue table parameters for partition projection on dt/hour, so Athena computes
 * partitions from the query instead of needing a crawler or MSCK REPAIR TABLE.
 * `location` is the table's S3 URI ending in '/'.
 */
export function partitionProjectionParameters(location: string): Record<string, string> {
  return {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': `${PARTITION_PROJECTION_START_DATE},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
    'storage.location.template': `${location}dt=\${dt}/hour=\${hour}/`,
  };
}

/** The raw archive (raw/, gzip JSON lines as producers sent them) as a Glue table. */
export const RAW_EVENTS_TABLE = {
  name: 'raw_events',
  prefix: LAKE_PREFIXES.raw,
  description: 'Every record as producers sent it (Firehose archive, gzip JSON lines, partitioned by arrival time)',
} as const;

type FieldTree = Map<string, FieldTree | null>;

function hiveType(tree: FieldTree): string {
  return `struct<${[...tree].map(([k, v]) => `${k}:${v ? hiveType(v) : 'string'}`).join(',')}>`;
}

/**
 * Columns of the raw archive: the raw event's top-level JSON keys, nested objects as structs,
 * every leaf a string (a record as sent may hold any JSON type where the contract wants text,
 * and the JSON SerDe reads numbers and booleans as their text). Derived from EVENT_FIELDS paths.
 */
export function rawEventGlueColumns(): GlueColumn[] {
  const root: FieldTree = new Map();
  const descriptions = new Map<string, string>();
  for (const field of EVENT_FIELDS) {
    let node = root;
    field.path.forEach((key, i) => {
      if (i === field.path.length - 1) {
        if (!node.has(key)) node.set(key, null);
        return;
      }
      let child = node.get(key);
      if (!child) node.set(key, (child = new Map()));
      node = child;
    });
    if (field.path.length === 1) descriptions.set(field.path[0], `${field.description} (as sent)`);
  }
  return [...root].map(([name, sub]) => ({
    name,
    type: sub ? hiveType(sub) : 'string',
    comment: (descriptions.get(name) ?? `The record's ${name} object, as sent (${[...(sub ?? new Map()).keys()].join(', ')})`).slice(0, GLUE_COMMENT_MAX_CHARS),
  }));
}
