/**
 * The column model: what a lake column is, what a raw event field is, the one rule that turns a
 * field into a column, and the TypeScript row type a column list describes. The lists themselves
 * are in event-fields.ts (the raw event) and tables.ts (the lake tables).
 */

/** Logical column types; each maps to exactly one Glue, Redshift and Parquet type. */
export type ColumnType = 'string' | 'timestamp' | 'date' | 'int' | 'double' | 'boolean';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Characters (UTF-16 code units); sizes Redshift VARCHARs (see stringColumnBytes). */
  readonly maxLength?: number;
  /** False when every row has a value (drives Redshift NOT NULL and Parquet REQUIRED). */
  readonly nullable: boolean;
  readonly description: string;
}

/** Width of a string column that states none. */
export const DEFAULT_STRING_CHARS = 256;
/** Redshift's widest VARCHAR, in bytes: the most any string column holds, whatever its maxLength. */
export const MAX_STRING_COLUMN_BYTES = 65535;

/** UTF-8 bytes a string column holds: 4 per character (the widest UTF-8 form), at most MAX_STRING_COLUMN_BYTES. */
export function stringColumnBytes(c: ColumnSpec): number {
  return Math.min(MAX_STRING_COLUMN_BYTES, (c.maxLength ?? DEFAULT_STRING_CHARS) * 4);
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** End of the longest prefix of `value` within `maxChars` code units and `maxBytes` UTF-8 bytes, never inside a surrogate pair. */
function prefixEnd(value: string, maxChars: number, maxBytes: number): number {
  let bytes = 0;
  let i = 0;
  while (i < value.length) {
    const cp = value.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    // A lone surrogate is stored as U+FFFD, 3 bytes, which utf8Length gives too.
    const b = utf8Length(cp);
    if (i + units > maxChars || bytes + b > maxBytes) break;
    bytes += b;
    i += units;
  }
  return i;
}

/** Whether a string column holds `value` whole: within its characters and its UTF-8 bytes. */
export function fitsColumn(value: string, c: ColumnSpec): boolean {
  const maxBytes = stringColumnBytes(c);
  // Up to 3 UTF-8 bytes per UTF-16 code unit, so short strings need no byte count.
  return value.length <= (c.maxLength ?? DEFAULT_STRING_CHARS) && (value.length * 3 <= maxBytes || Buffer.byteLength(value, 'utf8') <= maxBytes);
}

const ELLIPSIS = '…';

/** `value` as a string column stores it: whole when it fits, else its longest prefix that fits with '…' appended. */
export function fitToColumn(value: string, c: ColumnSpec): string {
  if (fitsColumn(value, c)) return value;
  return `${value.slice(0, prefixEnd(value, (c.maxLength ?? DEFAULT_STRING_CHARS) - ELLIPSIS.length, stringColumnBytes(c) - Buffer.byteLength(ELLIPSIS)))}${ELLIPSIS}`;
}

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

/** The one optional field that is never null once validated: the validator derives it when the producer sent none. */
export const DERIVED_ID_COLUMN = 'event_id';

/** The curated column of an event field, spelled at the type level so derived row types stay exact. */
export type ColumnOfField<F extends EventFieldSpec> = {
  readonly name: F['column'];
  readonly type: F['kind'] extends 'timestamp' ? 'timestamp' : 'string';
  readonly maxLength?: number;
  readonly nullable: F['required'] extends true ? false : F['column'] extends typeof DERIVED_ID_COLUMN ? false : true;
  readonly description: string;
};

/** An enum column is as wide as its longest allowed value; a timestamp has no width. */
export function columnOfField<F extends EventFieldSpec>(f: F): ColumnOfField<F> {
  const maxLength = f.kind === 'enum' ? Math.max(...(f.allowed ?? ['']).map((a) => a.length)) : f.maxLength;
  return {
    name: f.column,
    type: f.kind === 'timestamp' ? 'timestamp' : 'string',
    ...(f.kind === 'timestamp' ? {} : { maxLength }),
    nullable: !(f.required || f.column === DERIVED_ID_COLUMN),
    description: f.description,
  } as ColumnOfField<F>;
}

/** Curated rows: one column per event field, in field order, then the processor's enrichment columns. */
export function curatedColumns(fields: readonly EventFieldSpec[], enrichment: readonly ColumnSpec[]): ColumnSpec[] {
  return [...fields.map(columnOfField), ...enrichment];
}

/** The TypeScript value of a column type (timestamps and dates as Date, as written to Parquet). */
export type ValueOf<T extends ColumnType> = T extends 'string' ? string : T extends 'int' | 'double' ? number : T extends 'boolean' ? boolean : Date;

/** The row a column list describes: one property per column, `| null` where the column is nullable. */
export type RowOf<C extends readonly ColumnSpec[]> = {
  -readonly [K in C[number] as K['name']]: K['nullable'] extends true ? ValueOf<K['type']> | null : ValueOf<K['type']>;
};
