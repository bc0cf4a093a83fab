/**
 * The quarantine row of a record that failed decoding, sized to the quarantine table's columns:
 * every string within its column's characters and UTF-8 bytes (Redshift VARCHAR counts bytes),
 * so a hostile record cannot produce a row the lake's readers (Glue, Athena) refuse.
 */
import {
  isPlainObject,
  QUARANTINE_COLUMNS,
  deriveEventId,
  describeProblems,
  fitToColumn,
  fitsColumn,
  stringColumnBytes,
  type ColumnSpec,
  type Problem,
  type QuarantineRow,
} from '../shared/contract';

function quarantineColumn(name: keyof QuarantineRow): ColumnSpec {
  const column = (QUARANTINE_COLUMNS as readonly ColumnSpec[]).find((c) => c.name === name);
  if (!column) throw new Error(`${name} is not a quarantine column`);
  return column;
}
const REASON = quarantineColumn('reason');
const PROBLEMS = quarantineColumn('problems');
const EVENT_ID = quarantineColumn('event_id');
const USER_ID = quarantineColumn('user_id');
const RAW_DATA = quarantineColumn('raw_data');
/**
 * Base64 characters raw_data keeps of a record too large for it: a whole number of 4-character
 * groups (so the kept text decodes to the record's first bytes), within the column's characters
 * and bytes (base64 is ASCII: one byte per character).
 */
const RAW_DATA_KEPT_CHARS = Math.floor(Math.min(RAW_DATA.maxLength!, stringColumnBytes(RAW_DATA)) / 4) * 4;

/** JSON array of problems, dropping trailing ones (and saying how many) so the text stays valid JSON within the column size. */
function problemsJson(problems: readonly Problem[]): string {
  for (let n = problems.length; n >= 0; n--) {
    const kept: unknown[] = problems.slice(0, n);
    if (n < problems.length) kept.push({ field: '(truncated)', code: 'truncated', value: `${problems.length - n} more problems`, allowed: '' });
    const s = JSON.stringify(kept);
    if (fitsColumn(s, PROBLEMS)) return s;
  }
  return '[]';
}

function stringProp(parsed: unknown, key: string, column: ColumnSpec): string | null {
  if (!isPlainObject(parsed)) return null;
  const v = parsed[key];
  return typeof v === 'string' && v.length > 0 ? fitToColumn(v, column) : null;
}

/**
 * The record for raw_data: its base64 text whole, or, past the column size, its first bytes.
 * Kinesis delivers canonical base64 (no whitespace), so a prefix of whole groups is the base64
 * of a prefix of the bytes, and the byte count follows from the text without decoding it.
 */
function rawDataOf(data: string): Pick<QuarantineRow, 'raw_data' | 'raw_data_truncated' | 'raw_byte_count'> {
  const raw_byte_count = Buffer.byteLength(data, 'base64');
  return fitsColumn(data, RAW_DATA)
    ? { raw_data: data, raw_data_truncated: false, raw_byte_count }
    : { raw_data: data.slice(0, RAW_DATA_KEPT_CHARS), raw_data_truncated: true, raw_byte_count };
}

/** The row's columns that come from the record's position and timing, not its content. */
export type QuarantineSource = Pick<QuarantineRow, 'ingested_at' | 'processed_at' | 'source_shard_id' | 'source_sequence_number'>;

/** `data` is the record as Kinesis delivered it (base64); `parsed` its JSON value, when it had one. */
export function quarantineRow(problems: readonly Problem[], parsed: unknown, data: string, source: QuarantineSource): QuarantineRow {
  const isObject = isPlainObject(parsed);
  return {
    error_kind: problems[0]!.code,
    reason: fitToColumn(describeProblems(problems), REASON),
    problems: problemsJson(problems),
    event_id: stringProp(parsed, 'event_id', EVENT_ID) ?? (isObject ? deriveEventId(parsed as Record<string, unknown>) : null),
    user_id: stringProp(parsed, 'user_id', USER_ID),
    ...rawDataOf(data),
    ...source,
  };
}
