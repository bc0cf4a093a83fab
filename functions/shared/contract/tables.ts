/**
 * The lake tables and their columns. Curated rows are the event fields plus the processor's
 * enrichment columns; the quarantine and prediction tables reuse curated columns by name
 * (`sameAs`), so a column's type and width are stated once, where the column is first defined.
 */
import { LAKE_PREFIXES } from '../lake-layout';
import { curatedColumns, type ColumnOfField, type ColumnSpec, type RowOf } from './columns';
import { EVENT_FIELDS, type ValidEvent } from './event-fields';
import { DEVICE_CLASSES } from './normalisation';

/** Columns the stream processor adds to every curated record. */
export const ENRICHMENT_COLUMNS = [
  { name: 'event_id_source', type: 'string', maxLength: 8, nullable: false, description: "'producer' or 'derived' (see event_id)" },
  { name: 'event_date', type: 'date', nullable: false, description: 'UTC date of event_time' },
  { name: 'event_hour', type: 'int', nullable: false, description: 'UTC hour of event_time, 0-23' },
  { name: 'device_class', type: 'string', maxLength: 8, nullable: false, description: `device_type normalised to one of ${DEVICE_CLASSES.join(', ')}` },
  { name: 'country_code', type: 'string', maxLength: 2, nullable: false, description: 'country upper-cased, UK mapped to GB' },
  {
    name: 'features',
    type: 'string',
    maxLength: 1024,
    nullable: false,
    description: 'Feature vector as the CSV row sent to the model (functions/shared/features.ts)',
  },
  { name: 'ingested_at', type: 'timestamp', nullable: false, description: 'Kinesis approximate arrival time' },
  { name: 'processed_at', type: 'timestamp', nullable: false, description: 'When the stream processor handled the record' },
  { name: 'source_shard_id', type: 'string', maxLength: 64, nullable: false, description: 'Kinesis shard the record came from' },
  { name: 'source_sequence_number', type: 'string', maxLength: 128, nullable: false, description: 'Kinesis sequence number (unique within the shard)' },
] as const satisfies readonly ColumnSpec[];

export const CURATED_COLUMNS: readonly ColumnSpec[] = curatedColumns(EVENT_FIELDS, ENRICHMENT_COLUMNS);

/** A curated row as written to Parquet (timestamps/dates as Date). */
export type CuratedRow = Omit<ValidEvent, 'event_time'> & { event_time: Date } & RowOf<typeof ENRICHMENT_COLUMNS>;

/** Each curated column by name, with the literal types the row types are computed from. */
type CuratedColumnsByName = { [F in (typeof EVENT_FIELDS)[number] as F['column']]: ColumnOfField<F> } & {
  [C in (typeof ENRICHMENT_COLUMNS)[number] as C['name']]: C;
};
type CuratedColumnName = keyof CuratedColumnsByName;
type ColumnChanges = Partial<Pick<ColumnSpec, 'nullable' | 'maxLength' | 'description'>>;

type Changed<N extends CuratedColumnName, C extends ColumnChanges> = Omit<CuratedColumnsByName[N], keyof C> & C;

/**
 * The curated column `name` as another table stores it: same name and type, only the given
 * properties changed. (NoInfer: the list's `satisfies ColumnSpec[]` must not widen the changes.)
 */
function sameAs<const N extends CuratedColumnName, const C extends ColumnChanges = Record<never, never>>(name: N, changes?: C): NoInfer<Changed<N, C>> {
  const column = CURATED_COLUMNS.find((c) => c.name === name);
  if (!column) throw new Error(`sameAs: ${name} is not a curated column; expected one of ${CURATED_COLUMNS.map((c) => c.name).join(', ')}`);
  return { ...column, ...changes } as unknown as Changed<N, C>;
}

/**
 * Quarantine rows: every problem and the original bytes, so a fixed record can be replayed; a record
 * over raw_data's size keeps its first bytes and its true size (the whole record is still in the
 * stream for its retention, and in the producer).
 */
export const QUARANTINE_COLUMNS = [
  {
    name: 'error_kind',
    type: 'string',
    maxLength: 32,
    nullable: false,
    description: 'Code of the first problem (not_json, too_large, too_deep, not_object, missing, empty, type, format, enum, max_length, range, duplicate)',
  },
  { name: 'reason', type: 'string', maxLength: 4096, nullable: false, description: 'Every problem as "field: code, got value; allowed: ..." joined by " | "' },
  { name: 'problems', type: 'string', maxLength: 16384, nullable: false, description: 'JSON array of {field, code, value, allowed}' },
  sameAs('event_id', { nullable: true, description: 'event_id when one could be read or derived' }),
  sameAs('user_id', { nullable: true, description: 'user_id when present as a string' }),
  {
    name: 'raw_data',
    type: 'string',
    maxLength: 65535,
    nullable: false,
    description: 'The record exactly as received, base64; only its first bytes when raw_data_truncated',
  },
  sameAs('ingested_at', { description: 'Kinesis approximate arrival time (the partitioning time)' }),
  sameAs('processed_at', { description: 'When the stream processor quarantined the record' }),
  sameAs('source_shard_id'),
  sameAs('source_sequence_number', { description: 'Kinesis sequence number' }),
  // Appended, not placed next to raw_data: readers that map Parquet columns by position (a COPY)
  // keep reading the older objects' columns where they were.
  {
    name: 'raw_data_truncated',
    type: 'boolean',
    nullable: false,
    description: 'True when the record is too large for raw_data, which then holds its first bytes (a whole number of base64 groups)',
  },
  { name: 'raw_byte_count', type: 'int', nullable: false, description: 'Size of the record as received, in bytes' },
] as const satisfies readonly ColumnSpec[];
export type QuarantineRow = RowOf<typeof QUARANTINE_COLUMNS>;

/** One row per model prediction (written by the inference function). */
export const PREDICTION_COLUMNS = [
  sameAs('event_id', { description: 'Event the prediction was made for' }),
  sameAs('user_id', { description: 'user_id of the event' }),
  sameAs('session_id', { description: 'session_id of the event' }),
  // Wider than the curated column (the longest event type), as the predictions table has always
  // been: Redshift cannot narrow a VARCHAR in place, so matching it would mean rebuilding the table.
  sameAs('event_type', { maxLength: 32, description: 'event_type of the event' }),
  sameAs('event_time', { description: 'event_time of the event' }),
  { name: 'predicted_at', type: 'timestamp', nullable: false, description: 'When the prediction was made (the partitioning time)' },
  { name: 'score', type: 'double', nullable: false, description: 'Predicted probability that the session converts to a purchase' },
  { name: 'confidence', type: 'double', nullable: false, description: 'Confidence figure (defined in docs/ml.md)' },
  { name: 'variant', type: 'string', maxLength: 64, nullable: false, description: 'SageMaker production variant that answered' },
  { name: 'model_version', type: 'string', maxLength: 64, nullable: false, description: 'Model version of that variant' },
  sameAs('features', { description: 'Feature CSV row sent to the endpoint' }),
  { name: 'latency_ms', type: 'int', nullable: false, description: 'InvokeEndpoint latency in milliseconds' },
] as const satisfies readonly ColumnSpec[];
export type PredictionRow = RowOf<typeof PREDICTION_COLUMNS>;

/**
 * One row per (window, shard, dimension, value) written by the stream aggregator
 * (functions/shared/aggregation.ts defines the dimensions and how the figures are computed).
 */
export const AGGREGATE_COLUMNS = [
  {
    name: 'granularity',
    type: 'string',
    maxLength: 8,
    nullable: false,
    description: "'minute' (one row set per finished window segment) or 'hour' (the shard's hour so far, rewritten as minutes finish)",
  },
  { name: 'window_start', type: 'timestamp', nullable: false, description: 'Start of the tumbling window (Kinesis arrival time, UTC); the partitioning time' },
  { name: 'window_end', type: 'timestamp', nullable: false, description: 'End of the window (exclusive)' },
  {
    name: 'shard_id',
    type: 'string',
    maxLength: 64,
    nullable: false,
    description: 'Kinesis shard; users are partitioned by user_id, so summing distinct_users over shards is exact up to the sketch error',
  },
  { name: 'dimension', type: 'string', maxLength: 16, nullable: false, description: 'all, event_type, category, country, city or device_class' },
  {
    name: 'dimension_value',
    type: 'string',
    maxLength: 200,
    nullable: false,
    description: "The group: '*' for all, a country code, '<country>/<city>', a lower-cased category ('(none)' when absent, '(other)' past the per-window cap)",
  },
  { name: 'event_count', type: 'int', nullable: false, description: 'Valid events in the group (producer re-sends included; see the duplicate-share metric)' },
  { name: 'purchases', type: 'int', nullable: false, description: 'purchase events in the group' },
  { name: 'distinct_users', type: 'int', nullable: false, description: 'Distinct user_id, HyperLogLog estimate (precision 12, relative standard error 1.6 %)' },
  { name: 'purchasing_users', type: 'int', nullable: false, description: 'Distinct user_id with a purchase, HyperLogLog estimate' },
  { name: 'conversion_rate', type: 'double', nullable: false, description: 'purchasing_users / distinct_users (0 without users)' },
  { name: 'computed_at', type: 'timestamp', nullable: false, description: 'When the aggregator wrote the row' },
] as const satisfies readonly ColumnSpec[];
export type AggregateRow = RowOf<typeof AGGREGATE_COLUMNS>;

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
