/**
 * Parquet encoding of lake rows, with the schema derived from the event contract's table
 * definitions (so Glue, Redshift COPY and the files agree column by column, in order).
 *
 * hyparquet-writer is pure JavaScript (no native module to build for arm64) and compresses
 * with its built-in Snappy, which Athena, Redshift Spectrum / COPY and DuckDB all read.
 */
import type * as HyparquetWriter from 'hyparquet-writer';
import { TABLES, parquetSchema, type TableId } from './contract';

let writerModule: typeof HyparquetWriter | undefined;
/**
 * Loaded on first use: the package is ESM-only, which Node (require of ESM) and esbuild
 * handle, but jest's module loader does not; deferring keeps modules that only need the
 * constants below loadable in tests (see __tests__/functions/helpers/esm.ts for the rest).
 */
function writer(): typeof HyparquetWriter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (writerModule ??= require('hyparquet-writer') as typeof HyparquetWriter);
}

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';
export const PARQUET_EXTENSION = '.parquet';

/**
 * Encodes rows (objects keyed by column name; timestamps and dates as Date) into one
 * Parquet file with a single row group. A missing value in a non-nullable column throws:
 * that is a bug in the caller, not bad input.
 */
export function encodeParquet(table: TableId, rows: readonly Readonly<Record<string, unknown>>[]): Uint8Array {
  const columns = TABLES[table].columns;
  const columnData = columns.map((c) => {
    const data = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![c.name];
      if (v === undefined || v === null) {
        if (!c.nullable) throw new TypeError(`${table}.${c.name} is not nullable but row ${i} has no value`);
        data[i] = null;
      } else {
        data[i] = v;
      }
    }
    return { name: c.name, data, nullable: c.nullable };
  });
  const { parquetWriteBuffer } = writer();
  const buf = parquetWriteBuffer({
    columnData: columnData as Parameters<typeof parquetWriteBuffer>[0]['columnData'],
    schema: parquetSchema(table) as HyparquetWriter.SchemaElement[],
    // One row group: a batch's object is small (at most a few MB), and one group keeps the footer small.
    rowGroupSize: Math.max(1, rows.length),
    createdBy: 'data-analytics-ml',
  });
  return new Uint8Array(buf);
}
