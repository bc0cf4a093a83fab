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
  /** Characters; sizes Redshift VARCHARs (UTF-8: up to 4 bytes per character). */
  readonly maxLength?: number;
  /** False when every row has a value (drives Redshift NOT NULL and Parquet REQUIRED). */
  readonly nullable: boolean;
  readonly description: string;
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
export type ValueOf<T extends ColumnType> = T extends 'string'
  ? string
  : T extends 'int' | 'double'
    ? number
    : T extends 'boolean'
      ? boolean
      : Date;

/** The row a column list describes: one property per column, `| null` where the column is nullable. */
export type RowOf<C extends readonly ColumnSpec[]> = {
  -readonly [K in C[number] as K['name']]: K['nullable'] extends true ? ValueOf<K['type']> | null : ValueOf<K['type']>;
};
