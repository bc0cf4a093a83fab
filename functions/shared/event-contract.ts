/**
 * The event contract: the single source of truth for the platform's clickstream event.
 *
 * Everything that knows about event columns derives from the tables in this file:
 * the validator used by the stream processor and the inference API, the curated /
 * quarantine / predictions record shapes, the Parquet schema, the Glue table columns,
 * the Redshift column definitions and the documentation table (scripts/print-contract.ts).
 * Adding a column means adding one row here; nothing else in the repository lists columns.
 *
 * Raw format (seed 003 sample event, plus an optional `event_id`):
 * { "timestamp": "2024-03-20T10:00:00Z", "user_id": "user123", "event_type": "page_view",
 *   "data": { "page_url": "...", "product_id": "prod456", "category": "electronics",
 *             "session_id": "sess789", "device_type": "mobile",
 *             "location": { "country": "US", "city": "San Francisco" } } }
 */
import { createHash } from 'node:crypto';
import { LAKE_PREFIXES } from './lake-layout';

// ---------------------------------------------------------------------------
// Constants the infrastructure imports
// ---------------------------------------------------------------------------

/** Top-level prefixes of the data-lake bucket (spelled once, in lake-layout.ts). Table locations are these prefixes. */
export { LAKE_PREFIXES };

/** Hive-style partition keys of every lake table, in path order (`dt=YYYY-MM-DD/hour=HH`). */
export const PARTITION_KEYS = [
  { name: 'dt', type: 'string', comment: 'UTC date of the partitioning time, YYYY-MM-DD' },
  { name: 'hour', type: 'string', comment: 'UTC hour of the partitioning time, 00-23' },
] as const;

/** First date partition projection enumerates; Athena never scans partitions before it. */
export const PARTITION_PROJECTION_START_DATE = '2024-01-01';

/** Kinesis partition key producers must use: keeps a user's events ordered on one shard. */
export const PRODUCER_PARTITION_KEY_FIELD = 'user_id';

/**
 * Upper bound for one serialised event. Kinesis allows 1 MiB, but a legitimate event is
 * well under 4 KiB; anything this large is a producer bug, and quarantining it keeps
 * one record from inflating a Parquet page or the warehouse load.
 */
export const MAX_EVENT_BYTES = 32 * 1024;

/** Events further in the future than this (relative to processing time) are rejected. */
export const MAX_FUTURE_SKEW_MS = 24 * 3600 * 1000;
/** Events before this instant are rejected (a zero / epoch timestamp is a producer bug). */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);

export const EVENT_TYPES = [
  'page_view',
  'search',
  'product_view',
  'add_to_cart',
  'remove_from_cart',
  'checkout',
  'purchase',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DEVICE_CLASSES = ['mobile', 'tablet', 'desktop', 'other'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

// ---------------------------------------------------------------------------
// Column model
// ---------------------------------------------------------------------------

/** Logical column types; each maps to exactly one Glue, Redshift and Parquet type. */
export type ColumnType = 'string' | 'timestamp' | 'date' | 'int' | 'double' | 'boolean';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Characters; sizes Redshift VARCHARs (UTF-8: up to 4 bytes per character). */
  readonly maxLength?: number;
  /** False when every row has a value (drives Redshift NOT NULL and Parquet REQUIRED). */
  readonly nullable: boolean;
  readonly description: string;
}

const ID_PATTERN = /^[A-Za-z0-9._:@-]+$/;
const ID_ALLOWED = 'letters, digits and . _ : @ -';
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]+$/;
const NO_CONTROL_ALLOWED = 'text without control characters';

/**
 * The raw event's fields. `column` is the curated column name; `path` the location in
 * the raw JSON. Unknown extra properties are ignored (producers may add fields before
 * the contract does), but they count towards MAX_EVENT_BYTES.
 */
export const EVENT_FIELDS = [
  {
    column: 'event_id',
    path: ['event_id'],
    kind: 'string',
    required: false,
    maxLength: 64,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description:
      'Producer-supplied unique id; when absent, the first 32 hex digits of sha256 over the canonical JSON of the event, so a re-sent payload gets the same id',
  },
  {
    column: 'event_time',
    path: ['timestamp'],
    kind: 'timestamp',
    required: true,
    maxLength: 40,
    description: 'When the event happened: ISO-8601 with a zone (Z or ±hh:mm), stored in UTC',
  },
  {
    column: 'user_id',
    path: ['user_id'],
    kind: 'string',
    required: true,
    maxLength: 128,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description: 'Pseudonymous user id; also the Kinesis partition key',
  },
  {
    column: 'event_type',
    path: ['event_type'],
    kind: 'enum',
    required: true,
    allowed: EVENT_TYPES,
    description: 'Interaction type, one step of the shopping funnel',
  },
  {
    column: 'page_url',
    path: ['data', 'page_url'],
    kind: 'string',
    required: true,
    maxLength: 2048,
    pattern: /^(https?:\/\/[^\s/]+)?\/?[^\s]*$/,
    patternAllowed: 'an http(s) URL or an absolute path, without whitespace',
    description: 'Page the event happened on',
  },
  {
    column: 'product_id',
    path: ['data', 'product_id'],
    kind: 'string',
    required: false,
    maxLength: 128,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description: 'Product concerned, when the page shows one',
  },
  {
    column: 'category',
    path: ['data', 'category'],
    kind: 'string',
    required: false,
    maxLength: 64,
    pattern: NO_CONTROL_CHARS,
    patternAllowed: NO_CONTROL_ALLOWED,
    description: 'Product category (free text; the feature module buckets it)',
  },
  {
    column: 'session_id',
    path: ['data', 'session_id'],
    kind: 'string',
    required: true,
    maxLength: 128,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description: 'Browsing session id',
  },
  {
    column: 'device_type',
    path: ['data', 'device_type'],
    kind: 'string',
    required: true,
    maxLength: 32,
    pattern: NO_CONTROL_CHARS,
    patternAllowed: NO_CONTROL_ALLOWED,
    description: 'Device as reported by the client (normalised into device_class)',
  },
  {
    column: 'country',
    path: ['data', 'location', 'country'],
    kind: 'string',
    required: true,
    maxLength: 2,
    pattern: /^[A-Za-z]{2}$/,
    patternAllowed: 'an ISO 3166-1 alpha-2 code such as US (any case)',
    description: 'Country as reported (normalised into country_code)',
  },
  {
    column: 'city',
    path: ['data', 'location', 'city'],
    kind: 'string',
    required: false,
    maxLength: 128,
    pattern: NO_CONTROL_CHARS,
    patternAllowed: NO_CONTROL_ALLOWED,
    description: 'City as reported',
  },
] as const satisfies readonly EventFieldSpec[];

export interface EventFieldSpec {
  readonly column: string;
  readonly path: readonly string[];
  /** 'timestamp' is an ISO-8601 string in the raw event and epoch milliseconds once validated. */
  readonly kind: 'string' | 'enum' | 'timestamp';
  readonly required: boolean;
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  readonly patternAllowed?: string;
  readonly allowed?: readonly string[];
  readonly description: string;
}

/** Columns the stream processor adds to every curated record. */
export const ENRICHMENT_COLUMNS = [
  { name: 'event_id_source', type: 'string', maxLength: 8, nullable: false, description: "'producer' or 'derived' (see event_id)" },
  { name: 'event_date', type: 'date', nullable: false, description: 'UTC date of event_time' },
  { name: 'event_hour', type: 'int', nullable: false, description: 'UTC hour of event_time, 0-23' },
  { name: 'device_class', type: 'string', maxLength: 8, nullable: false, description: `device_type normalised to one of ${DEVICE_CLASSES.join(', ')}` },
  { name: 'country_code', type: 'string', maxLength: 2, nullable: false, description: 'country upper-cased, UK mapped to GB' },
  { name: 'features', type: 'string', maxLength: 1024, nullable: false, description: 'Feature vector as the CSV row sent to the model (functions/shared/features.ts)' },
  { name: 'ingested_at', type: 'timestamp', nullable: false, description: 'Kinesis approximate arrival time' },
  { name: 'processed_at', type: 'timestamp', nullable: false, description: 'When the stream processor handled the record' },
  { name: 'source_shard_id', type: 'string', maxLength: 64, nullable: false, description: 'Kinesis shard the record came from' },
  { name: 'source_sequence_number', type: 'string', maxLength: 128, nullable: false, description: 'Kinesis sequence number (unique within the shard)' },
] as const satisfies readonly ColumnSpec[];

/** Quarantine rows: the original bytes plus every problem, so nothing is lost and a fixed record can be replayed. */
export const QUARANTINE_COLUMNS = [
  { name: 'error_kind', type: 'string', maxLength: 32, nullable: false, description: 'Code of the first problem (not_json, too_large, missing, type, format, enum, max_length, range, duplicate)' },
  { name: 'reason', type: 'string', maxLength: 4096, nullable: false, description: 'Every problem as "field: code, got value; allowed: ..." joined by " | "' },
  { name: 'problems', type: 'string', maxLength: 16384, nullable: false, description: 'JSON array of {field, code, value, allowed}' },
  { name: 'event_id', type: 'string', maxLength: 64, nullable: true, description: 'event_id when one could be read or derived' },
  { name: 'user_id', type: 'string', maxLength: 128, nullable: true, description: 'user_id when present as a string' },
  { name: 'raw_data', type: 'string', maxLength: 65535, nullable: false, description: 'The record exactly as received, base64' },
  { name: 'ingested_at', type: 'timestamp', nullable: false, description: 'Kinesis approximate arrival time (the partitioning time)' },
  { name: 'processed_at', type: 'timestamp', nullable: false, description: 'When the stream processor quarantined the record' },
  { name: 'source_shard_id', type: 'string', maxLength: 64, nullable: false, description: 'Kinesis shard the record came from' },
  { name: 'source_sequence_number', type: 'string', maxLength: 128, nullable: false, description: 'Kinesis sequence number' },
] as const satisfies readonly ColumnSpec[];

/** One row per model prediction (written by the inference function). */
export const PREDICTION_COLUMNS = [
  { name: 'event_id', type: 'string', maxLength: 64, nullable: false, description: 'Event the prediction was made for' },
  { name: 'user_id', type: 'string', maxLength: 128, nullable: false, description: 'user_id of the event' },
  { name: 'session_id', type: 'string', maxLength: 128, nullable: false, description: 'session_id of the event' },
  { name: 'event_type', type: 'string', maxLength: 32, nullable: false, description: 'event_type of the event' },
  { name: 'event_time', type: 'timestamp', nullable: false, description: 'event_time of the event' },
  { name: 'predicted_at', type: 'timestamp', nullable: false, description: 'When the prediction was made (the partitioning time)' },
  { name: 'score', type: 'double', nullable: false, description: 'Predicted probability that the session converts to a purchase' },
  { name: 'confidence', type: 'double', nullable: false, description: 'Confidence figure (defined in docs/ml.md)' },
  { name: 'variant', type: 'string', maxLength: 64, nullable: false, description: 'SageMaker production variant that answered' },
  { name: 'model_version', type: 'string', maxLength: 64, nullable: false, description: 'Model version of that variant' },
  { name: 'features', type: 'string', maxLength: 1024, nullable: false, description: 'Feature CSV row sent to the endpoint' },
  { name: 'latency_ms', type: 'int', nullable: false, description: 'InvokeEndpoint latency in milliseconds' },
] as const satisfies readonly ColumnSpec[];

/**
 * One row per (window, shard, dimension, value) written by the stream aggregator
 * (functions/shared/aggregation.ts defines the dimensions and how the figures are computed).
 */
export const AGGREGATE_COLUMNS = [
  { name: 'granularity', type: 'string', maxLength: 8, nullable: false, description: "'minute' (one row set per finished window segment) or 'hour' (the shard's hour so far, rewritten as minutes finish)" },
  { name: 'window_start', type: 'timestamp', nullable: false, description: 'Start of the tumbling window (Kinesis arrival time, UTC); the partitioning time' },
  { name: 'window_end', type: 'timestamp', nullable: false, description: 'End of the window (exclusive)' },
  { name: 'shard_id', type: 'string', maxLength: 64, nullable: false, description: 'Kinesis shard; users are partitioned by user_id, so summing distinct_users over shards is exact up to the sketch error' },
  { name: 'dimension', type: 'string', maxLength: 16, nullable: false, description: "all, event_type, category, country, city or device_class" },
  { name: 'dimension_value', type: 'string', maxLength: 200, nullable: false, description: "The group: '*' for all, a country code, '<country>/<city>', a lower-cased category ('(none)' when absent, '(other)' past the per-window cap)" },
  { name: 'event_count', type: 'int', nullable: false, description: 'Valid events in the group (producer re-sends included; see the duplicate-share metric)' },
  { name: 'purchases', type: 'int', nullable: false, description: 'purchase events in the group' },
  { name: 'distinct_users', type: 'int', nullable: false, description: 'Distinct user_id, HyperLogLog estimate (precision 12, relative standard error 1.6 %)' },
  { name: 'purchasing_users', type: 'int', nullable: false, description: 'Distinct user_id with a purchase, HyperLogLog estimate' },
  { name: 'conversion_rate', type: 'double', nullable: false, description: 'purchasing_users / distinct_users (0 without users)' },
  { name: 'computed_at', type: 'timestamp', nullable: false, description: 'When the aggregator wrote the row' },
] as const satisfies readonly ColumnSpec[];

function fieldColumnType(f: EventFieldSpec): ColumnType {
  return f.kind === 'timestamp' ? 'timestamp' : 'string';
}

function fieldToColumn(f: EventFieldSpec): ColumnSpec {
  const maxLength = f.kind === 'enum' ? Math.max(...(f.allowed ?? ['']).map((a) => a.length)) : f.maxLength;
  return {
    name: f.column,
    type: fieldColumnType(f),
    ...(f.kind === 'timestamp' ? {} : { maxLength }),
    // event_id is always present in curated rows (derived when absent in the raw event).
    nullable: !(f.required || f.column === 'event_id'),
    description: f.description,
  };
}

export const CURATED_COLUMNS: readonly ColumnSpec[] = [...EVENT_FIELDS.map(fieldToColumn), ...ENRICHMENT_COLUMNS];

export type TableId = 'curated' | 'quarantine' | 'predictions' | 'aggregates';

export interface TableSpec {
  readonly id: TableId;
  /** Glue table name; Redshift uses the same name. */
  readonly name: string;
  readonly description: string;
  readonly prefix: string;
  /** Which row time the dt/hour partitions follow. */
  readonly partitionTime: string;
  readonly columns: readonly ColumnSpec[];
}

export const TABLES: Readonly<Record<TableId, TableSpec>> = {
  curated: {
    id: 'curated',
    name: 'events',
    description: 'Validated, enriched clickstream events (Parquet, partitioned by event time)',
    prefix: LAKE_PREFIXES.curated,
    partitionTime: 'event_time',
    columns: CURATED_COLUMNS,
  },
  quarantine: {
    id: 'quarantine',
    name: 'quarantine_events',
    description: 'Records that failed validation, with every problem and the original bytes',
    prefix: LAKE_PREFIXES.quarantine,
    partitionTime: 'ingested_at',
    columns: QUARANTINE_COLUMNS,
  },
  predictions: {
    id: 'predictions',
    name: 'predictions',
    description: 'Model predictions served by the inference API',
    prefix: LAKE_PREFIXES.predictions,
    partitionTime: 'predicted_at',
    columns: PREDICTION_COLUMNS,
  },
  aggregates: {
    id: 'aggregates',
    name: 'event_aggregates',
    description: 'Per-minute and per-hour windowed aggregates by dimension (stream aggregator)',
    prefix: LAKE_PREFIXES.aggregates,
    partitionTime: 'window_start',
    columns: AGGREGATE_COLUMNS,
  },
};

// ---------------------------------------------------------------------------
// Derived schemas (Glue, Redshift, Parquet)
// ---------------------------------------------------------------------------

const GLUE_TYPES: Record<ColumnType, string> = {
  string: 'string',
  timestamp: 'timestamp',
  date: 'date',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
};

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/** Glue/Hive columns of a lake table (partition keys excluded: see PARTITION_KEYS). */
export function glueColumns(table: TableId): GlueColumn[] {
  return TABLES[table].columns.map((c) => ({ name: c.name, type: GLUE_TYPES[c.type], comment: c.description.slice(0, 255) }));
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

export interface RedshiftColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

const REDSHIFT_MAX_VARCHAR_BYTES = 65535;

function redshiftType(c: ColumnSpec): string {
  switch (c.type) {
    case 'string':
      // Redshift VARCHAR lengths are bytes; UTF-8 needs up to 4 per character.
      return `VARCHAR(${Math.min(REDSHIFT_MAX_VARCHAR_BYTES, (c.maxLength ?? 256) * 4)})`;
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'int':
      return 'INTEGER';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
  }
}

/** Redshift columns in the same order as the Parquet files (COPY ... FORMAT AS PARQUET maps by position). */
export function redshiftColumns(table: TableId): RedshiftColumn[] {
  return TABLES[table].columns.map((c) => ({ name: c.name, type: redshiftType(c), nullable: c.nullable }));
}

/** Parquet schema element, structurally compatible with hyparquet-writer's SchemaElement. */
export interface ParquetSchemaElement {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  converted_type?: 'UTF8' | 'DATE' | 'TIMESTAMP_MILLIS';
  repetition_type?: 'REQUIRED' | 'OPTIONAL';
  num_children?: number;
}

const PARQUET_TYPES: Record<ColumnType, Pick<ParquetSchemaElement, 'type' | 'converted_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  timestamp: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
  date: { type: 'INT32', converted_type: 'DATE' },
  int: { type: 'INT32' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
};

export function parquetSchema(table: TableId): ParquetSchemaElement[] {
  const cols = TABLES[table].columns;
  return [
    { name: 'root', num_children: cols.length },
    ...cols.map((c) => ({ name: c.name, ...PARQUET_TYPES[c.type], repetition_type: c.nullable ? ('OPTIONAL' as const) : ('REQUIRED' as const) })),
  ];
}

// ---------------------------------------------------------------------------
// Record types derived from the tables
// ---------------------------------------------------------------------------

type TsOf<T extends ColumnType> = T extends 'string'
  ? string
  : T extends 'int' | 'double'
    ? number
    : T extends 'boolean'
      ? boolean
      : Date;

type FieldValue<F extends EventFieldSpec> = F['kind'] extends 'timestamp' ? number : F['kind'] extends 'enum' ? EventType : string;

/** A validated event: one property per EVENT_FIELDS row; event_time as epoch milliseconds (UTC). */
export type ValidEvent = {
  -readonly [F in (typeof EVENT_FIELDS)[number] as F['column']]: F['required'] extends true
    ? FieldValue<F>
    : F['column'] extends 'event_id'
      ? string
      : FieldValue<F> | null;
} & { event_id_source: 'producer' | 'derived' };

type RowOf<C extends readonly ColumnSpec[]> = {
  -readonly [K in C[number] as K['name']]: K['nullable'] extends true ? TsOf<K['type']> | null : TsOf<K['type']>;
};

/** A curated row as written to Parquet (timestamps/dates as Date). */
export type CuratedRow = Omit<ValidEvent, 'event_time'> & { event_time: Date } & RowOf<typeof ENRICHMENT_COLUMNS>;
export type QuarantineRow = RowOf<typeof QUARANTINE_COLUMNS>;
export type PredictionRow = RowOf<typeof PREDICTION_COLUMNS>;
export type AggregateRow = RowOf<typeof AGGREGATE_COLUMNS>;

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

export type ProblemCode =
  | 'not_json'
  | 'too_large'
  | 'not_object'
  | 'missing'
  | 'empty'
  | 'type'
  | 'format'
  | 'enum'
  | 'max_length'
  | 'range'
  | 'duplicate';

export interface Problem {
  /** Dotted path in the raw event ('(record)' for the whole record). */
  readonly field: string;
  readonly code: ProblemCode;
  /** The offending value, JSON-encoded and truncated to 80 characters ('(absent)' when missing). */
  readonly value: string;
  /** What would have been accepted. */
  readonly allowed: string;
}

export type ValidationResult = { ok: true; event: ValidEvent } | { ok: false; problems: Problem[] };

export interface ValidateOptions {
  /** Processing time in epoch ms, for the future-skew check. Default: Date.now(). */
  readonly now?: number;
}

const VALUE_PREVIEW_CHARS = 80;

export function previewValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > VALUE_PREVIEW_CHARS ? `${s.slice(0, VALUE_PREVIEW_CHARS - 1)}…` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](\d{2}):(\d{2}))$/;
const TIMESTAMP_ALLOWED = 'ISO-8601 date-time with zone, e.g. 2024-03-20T10:00:00Z';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Parses an ISO-8601 timestamp with an explicit zone; NaN unless every component is in range. */
export function parseIsoTimestamp(s: string): number {
  const m = ISO_TIMESTAMP.exec(s);
  if (!m) return NaN;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return NaN;
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return NaN;
    offsetMin = (oh * 60 + om) * (m[8]!.startsWith('-') ? -1 : 1);
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
}

/** A compiled per-field check: appends problems, returns the normalised value (or undefined). */
type FieldCheck = (event: Record<string, unknown>, problems: Problem[], now: number) => unknown;

function compileField(f: EventFieldSpec): { column: string; check: FieldCheck } {
  const fieldName = f.path.join('.');
  const parents = f.path.slice(0, -1);
  const leaf = f.path[f.path.length - 1]!;
  const typeAllowed = f.kind === 'timestamp' ? `a string: ${TIMESTAMP_ALLOWED}` : f.kind === 'enum' ? `one of ${f.allowed!.join(', ')}` : 'a string';

  const check: FieldCheck = (event, problems, now) => {
    let node: unknown = event;
    for (const p of parents) {
      node = (node as Record<string, unknown>)[p];
      // A missing or malformed parent object is reported once, by validateEvent.
      if (!isPlainObject(node)) return undefined;
    }
    const value = (node as Record<string, unknown>)[leaf];
    if (value === undefined || value === null) {
      if (f.required) problems.push({ field: fieldName, code: 'missing', value: previewValue(value), allowed: typeAllowed });
      return null;
    }
    if (typeof value !== 'string') {
      problems.push({ field: fieldName, code: 'type', value: previewValue(value), allowed: typeAllowed });
      return undefined;
    }
    if (value.length === 0) {
      problems.push({ field: fieldName, code: 'empty', value: '""', allowed: `a non-empty string${f.required ? '' : ' (or omit the field)'}` });
      return undefined;
    }
    switch (f.kind) {
      case 'enum':
        if (!f.allowed!.includes(value)) {
          problems.push({ field: fieldName, code: 'enum', value: previewValue(value), allowed: typeAllowed });
          return undefined;
        }
        return value;
      case 'timestamp': {
        const t = value.length <= (f.maxLength ?? 40) ? parseIsoTimestamp(value) : NaN;
        if (Number.isNaN(t)) {
          problems.push({ field: fieldName, code: 'format', value: previewValue(value), allowed: TIMESTAMP_ALLOWED });
          return undefined;
        }
        if (t < MIN_EVENT_TIME_MS || t > now + MAX_FUTURE_SKEW_MS) {
          problems.push({
            field: fieldName,
            code: 'range',
            value: previewValue(value),
            allowed: `between ${new Date(MIN_EVENT_TIME_MS).toISOString()} and 24 h after processing time (${new Date(now + MAX_FUTURE_SKEW_MS).toISOString()})`,
          });
          return undefined;
        }
        return t;
      }
      case 'string': {
        let ok = true;
        if (f.maxLength !== undefined && value.length > f.maxLength) {
          problems.push({ field: fieldName, code: 'max_length', value: previewValue(value), allowed: `at most ${f.maxLength} characters (got ${value.length})` });
          ok = false;
        }
        if (f.pattern && ok && !f.pattern.test(value)) {
          problems.push({ field: fieldName, code: 'format', value: previewValue(value), allowed: f.patternAllowed ?? String(f.pattern) });
          ok = false;
        }
        return ok ? value : undefined;
      }
    }
  };
  return { column: f.column, check };
}

const COMPILED_FIELDS = EVENT_FIELDS.map(compileField);

/** Object-valued parents of nested fields ('data', 'data.location'), derived from the field paths. */
const CONTAINERS: readonly { path: readonly string[]; name: string }[] = (() => {
  const seen = new Map<string, readonly string[]>();
  for (const f of EVENT_FIELDS) {
    for (let i = 1; i < f.path.length; i++) {
      const p = f.path.slice(0, i);
      seen.set(p.join('.'), p);
    }
  }
  return [...seen.entries()].map(([name, path]) => ({ name, path }));
})();

/**
 * Validates a parsed event against EVENT_FIELDS. Never throws; reports every problem
 * (each with field, offending value and what is allowed), not just the first one.
 */
export function validateEvent(raw: unknown, options: ValidateOptions = {}): ValidationResult {
  const now = options.now ?? Date.now();
  if (!isPlainObject(raw)) {
    return { ok: false, problems: [{ field: '(record)', code: 'not_object', value: previewValue(raw), allowed: 'a JSON object' }] };
  }
  const problems: Problem[] = [];
  for (const c of CONTAINERS) {
    let node: unknown = raw;
    let parentOk = true;
    for (let i = 0; i < c.path.length - 1; i++) {
      node = (node as Record<string, unknown>)[c.path[i]!];
      if (!isPlainObject(node)) {
        parentOk = false;
        break;
      }
    }
    if (!parentOk) continue; // reported at the outer container
    const v = (node as Record<string, unknown>)[c.path[c.path.length - 1]!];
    if (!isPlainObject(v)) {
      problems.push({
        field: c.name,
        code: v === undefined || v === null ? 'missing' : 'type',
        value: previewValue(v),
        allowed: `an object with ${EVENT_FIELDS.filter((f) => f.path.join('.').startsWith(`${c.name}.`)).map((f) => f.path.slice(c.path.length).join('.')).join(', ')}`,
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const { column, check } of COMPILED_FIELDS) out[column] = check(raw, problems, now);
  if (problems.length > 0) return { ok: false, problems };
  if (out.event_id === null) {
    out.event_id = deriveEventId(raw);
    out.event_id_source = 'derived';
  } else {
    out.event_id_source = 'producer';
  }
  return { ok: true, event: out as ValidEvent };
}

// ---------------------------------------------------------------------------
// Decoding, event ids, problem formatting
// ---------------------------------------------------------------------------

export type DecodeResult = { ok: true; event: ValidEvent } | { ok: false; problems: Problem[]; parsed: unknown };

/** Size-checks, parses and validates one serialised record (the bytes a producer sent). */
export function decodeEvent(bytes: Buffer, options: ValidateOptions = {}): DecodeResult {
  if (bytes.length > MAX_EVENT_BYTES) {
    return {
      ok: false,
      parsed: undefined,
      problems: [{ field: '(record)', code: 'too_large', value: `${bytes.length} bytes`, allowed: `at most ${MAX_EVENT_BYTES} bytes` }],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return {
      ok: false,
      parsed: undefined,
      problems: [{ field: '(record)', code: 'not_json', value: previewValue(bytes.toString('utf8')), allowed: `UTF-8 JSON (${(e as Error).message})` }],
    };
  }
  const r = validateEvent(parsed, options);
  return r.ok ? r : { ok: false, problems: r.problems, parsed };
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Deterministic id for events without one: sha256 over the canonical (key-sorted) JSON
 * of the event minus event_id, so the same payload re-sent (a producer retry) gets the
 * same id however its keys were ordered.
 */
export function deriveEventId(event: Record<string, unknown>): string {
  const { event_id: _ignored, ...rest } = event;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 32);
}

/** One line naming every problem: "field: code, got value; allowed: ...". */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.field}: ${p.code}, got ${p.value}; allowed: ${p.allowed}`).join(' | ');
}

// ---------------------------------------------------------------------------
// Normalisation used by enrichment and features
// ---------------------------------------------------------------------------

const DEVICE_ALIASES: Readonly<Record<string, DeviceClass>> = {
  mobile: 'mobile',
  phone: 'mobile',
  smartphone: 'mobile',
  android: 'mobile',
  iphone: 'mobile',
  ios: 'mobile',
  tablet: 'tablet',
  ipad: 'tablet',
  desktop: 'desktop',
  pc: 'desktop',
  laptop: 'desktop',
  mac: 'desktop',
  windows: 'desktop',
  linux: 'desktop',
  web: 'desktop',
};

export function deviceClass(deviceType: string): DeviceClass {
  const key = deviceType.trim().toLowerCase();
  // hasOwn: device strings are client-controlled, and 'constructor' must not hit Object.prototype.
  return Object.hasOwn(DEVICE_ALIASES, key) ? DEVICE_ALIASES[key]! : 'other';
}

/** Upper-cases; maps the common non-ISO 'UK' to 'GB'. */
export function normaliseCountry(country: string): string {
  const c = country.trim().toUpperCase();
  return c === 'UK' ? 'GB' : c;
}

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
