/**
 * The event contract: the single source of truth for the platform's clickstream event.
 *
 * Everything that knows about event columns derives from two lists: EVENT_FIELDS (the raw
 * event, event-fields.ts) and the table column lists (tables.ts, where the quarantine and
 * prediction tables reuse curated columns by name). The validator used by the stream processor
 * and the inference API, the row types, the Parquet schema, the Glue table columns, the
 * Redshift column definitions and the documentation table (scripts/print-contract.ts) are all
 * computed from them. Adding a column means adding one row there; nothing else in the
 * repository lists columns.
 *
 * columns.ts        the column model: ColumnSpec, EventFieldSpec, field -> column, RowOf, and
 *                   what a string column holds (fitsColumn, fitToColumn)
 * event-fields.ts   the raw event's fields, event types and size / time limits; ValidEvent
 * tables.ts         the lake tables and their columns; CuratedRow, QuarantineRow, ...
 * partitions.ts     dt/hour partition keys and prefixes
 * glue.ts, redshift.ts, parquet-schema.ts   the column mappings (and Athena partition projection)
 * validation.ts     validateEvent / decodeEvent and the problems they report, with
 *                   iso-timestamp.ts (event times), event-id.ts (derived ids), json.ts (previews)
 * normalisation.ts  device classes and country codes
 * compatibility.ts  the contract version, released snapshots (releases/) and the change classifier
 * json-schema.ts    the raw event as JSON Schema (draft 2020-12)
 */
export {
  MAX_STRING_COLUMN_BYTES,
  curatedColumns,
  fitToColumn,
  fitsColumn,
  stringColumnBytes,
  type ColumnSpec,
  type ColumnType,
  type EventFieldSpec,
} from './columns';
export {
  EVENT_FIELDS,
  EVENT_TYPES,
  MAX_EVENT_BYTES,
  MAX_EVENT_DEPTH,
  MAX_FUTURE_SKEW_MS,
  MIN_EVENT_TIME_MS,
  PRODUCER_PARTITION_KEY_FIELD,
  type EventType,
  type ValidEvent,
} from './event-fields';
export {
  CONTRACT_VERSION,
  classifyChanges,
  contractSnapshot,
  overallLevel,
  versionProblems,
  type ContractChange,
  type ContractSnapshot,
  type FieldSnapshot,
} from './compatibility';
export { deriveEventId } from './event-id';
export { eventJsonSchema } from './json-schema';
export {
  RAW_EVENTS_TABLE,
  gluePartitionKeys,
  glueColumns,
  partitionProjectionParameters,
  rawEventGlueColumns,
  toGlueColumns,
  trinoType,
  type GlueColumn,
} from './glue';
export { parseIsoTimestamp } from './iso-timestamp';
export { isPlainObject, previewValue } from './json';
export { DEVICE_CLASSES, deviceClass, normaliseCountry, type DeviceClass } from './normalisation';
export { parquetSchema, toParquetSchema, type ParquetSchemaElement } from './parquet-schema';
export { PARTITION_KEYS, PARTITION_PROJECTION_START_DATE, partitionOf, partitionPrefix } from './partitions';
export { redshiftColumns, toRedshiftColumns, type RedshiftColumn } from './redshift';
export {
  AGGREGATE_COLUMNS,
  CURATED_COLUMNS,
  ENRICHMENT_COLUMNS,
  PREDICTION_COLUMNS,
  QUARANTINE_COLUMNS,
  TABLES,
  type AggregateRow,
  type CuratedRow,
  type PredictionRow,
  type QuarantineRow,
  type TableId,
  type TableSpec,
} from './tables';
export {
  compileEventValidator,
  decodeBase64Event,
  decodeEvent,
  describeProblems,
  PROBLEM_CODES,
  validateEvent,
  type DecodeResult,
  type EventValidator,
  type Problem,
  type ProblemCode,
  type ValidateOptions,
  type ValidationResult,
} from './validation';
