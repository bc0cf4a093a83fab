/**
 * Athena stand-in: DuckDB (embedded, from npm) over the lake's Parquet objects, copied from the
 * local S3 into <out>/lake/ with their keys. Each lake table of the event contract becomes a view
 * named like its Glue table, in a schema named like the Glue database, reading
 * `<table prefix>**\/*.parquet` with Hive partitioning, so `dt` and `hour` are columns exactly as
 * partition projection presents them to Athena. The catalog's views (`events_unique`) run from
 * the SQL text their Glue definitions store (events_unique, sessions, hourly_conversion).
 *
 * Differences from Athena (Trino): DuckDB's SQL dialect (most ANSI queries run unchanged; Trino
 * functions such as date_format or from_iso8601_timestamp do not exist), no bytes-scanned
 * cutoff, no workgroup, no result bucket.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TABLES, type ColumnType, type TableId } from '../../functions/shared/contract';
import { catalogViews } from '../../stacks/athena-queries';

const DUCKDB_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
};

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function hasParquet(dir: string): boolean {
  if (!fs.existsSync(dir)) return false;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() ? hasParquet(path.join(dir, entry.name)) : entry.name.endsWith('.parquet')) return true;
  }
  return false;
}

/**
 * Trino functions the platform's saved queries use that DuckDB lacks, as DuckDB macros (the one
 * place the two dialects are bridged; the query text itself runs unchanged). Trino's date_format
 * takes MySQL-style patterns, which agree with DuckDB's strftime for %Y %m %d %H %S.
 */
export const TRINO_COMPAT_MACROS: readonly string[] = [`CREATE MACRO date_format(value, pattern) AS strftime(value, pattern)`];

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v !== 'object') return v;
  return String(v);
}

export class AthenaStandin {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly database: string,
  ) {}

  /** Opens DuckDB in memory with one view per lake table of `tables`, and the catalog views over them. */
  static async open(lakeDir: string, database: string, tables: readonly TableId[]): Promise<AthenaStandin> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const standin = new AthenaStandin(instance, connection, database);
    for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
    await connection.run(`CREATE SCHEMA ${quote(database)}`);
    for (const id of tables) {
      const table = TABLES[id];
      const dir = path.join(lakeDir, table.prefix);
      const view = `${quote(database)}.${quote(table.name)}`;
      if (hasParquet(dir)) {
        await connection.run(
          `CREATE VIEW ${view} AS SELECT * FROM read_parquet(${literal(path.join(dir, '**', '*.parquet'))}, hive_partitioning = true, hive_types_autocast = false)`,
        );
      } else {
        // No object yet: an empty relation with the contract's columns (Athena answers an empty table the same way).
        const columns = [
          ...table.columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPES[c.type]}) AS ${quote(c.name)}`),
          `CAST(NULL AS VARCHAR) AS "dt"`,
          `CAST(NULL AS VARCHAR) AS "hour"`,
        ];
        await connection.run(`CREATE VIEW ${view} AS SELECT ${columns.join(', ')} WHERE false`);
      }
    }
    // The catalog's views, from the SQL text the Glue view stores (it reads the tables qualified with the database).
    if (tables.includes('curated')) {
      for (const view of catalogViews(database)) await connection.run(`CREATE VIEW ${quote(database)}.${quote(view.name)} AS ${view.sql}`);
    }
    await connection.run(`SET schema = ${literal(database)}`);
    return standin;
  }

  /**
   * Runs a query, `parameters` bound to its `?` placeholders in order; rows as plain objects
   * (BIGINT/HUGEINT as number, timestamps, dates and decimals as text).
   */
  async query(sql: string, parameters: readonly (string | number)[] = []): Promise<Record<string, unknown>[]> {
    return (await this.select(sql, parameters)).rows;
  }

  /** `query`, with the result's column names in order (known even when no row comes back). */
  async select(sql: string, parameters: readonly (string | number)[] = []): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
    const reader = await this.connection.runAndReadAll(sql, parameters.length > 0 ? [...parameters] : undefined);
    return { columns: reader.columnNames(), rows: reader.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]))) };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
