/** Parquet schema of the lake tables (functions/shared/parquet.ts writes the files). */
import type { ColumnSpec, ColumnType } from './columns';
import { TABLES, type TableId } from './tables';

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

/** Flat Parquet schema of any column list: the root, then one element per column in order. */
export function toParquetSchema(columns: readonly ColumnSpec[]): ParquetSchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => ({ name: c.name, ...PARQUET_TYPES[c.type], repetition_type: c.nullable ? ('OPTIONAL' as const) : ('REQUIRED' as const) })),
  ];
}

export function parquetSchema(table: TableId): ParquetSchemaElement[] {
  return toParquetSchema(TABLES[table].columns);
}
