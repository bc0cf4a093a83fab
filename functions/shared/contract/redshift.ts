/** Redshift column definitions of the lake tables (the warehouse loads the same Parquet files). */
import { stringColumnBytes, type ColumnSpec } from './columns';
import { TABLES, type TableId } from './tables';

export interface RedshiftColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

function redshiftType(c: ColumnSpec): string {
  switch (c.type) {
    case 'string':
      // Redshift VARCHAR lengths are bytes.
      return `VARCHAR(${stringColumnBytes(c)})`;
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

/** Redshift columns of any column list, in order. */
export function toRedshiftColumns(columns: readonly ColumnSpec[]): RedshiftColumn[] {
  return columns.map((c) => ({ name: c.name, type: redshiftType(c), nullable: c.nullable }));
}

/** Redshift columns in the same order as the Parquet files (COPY ... FORMAT AS PARQUET maps by position). */
export function redshiftColumns(table: TableId): RedshiftColumn[] {
  return toRedshiftColumns(TABLES[table].columns);
}
