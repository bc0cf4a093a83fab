/**
 * A stand-in warehouse for the loader tests: the loader's SQL runs on real PostgreSQL (PGlite,
 * in-process WASM), Redshift's ancestor, so statements are parsed and executed for real and the
 * PRIMARY KEYs (informational in Redshift) are enforced, turning any duplicate a load would leave
 * into an error. The Redshift-only parts are emulated, each one narrowly:
 * - `COPY ... FROM '<manifest>' IAM_ROLE default FORMAT AS PARQUET MANIFEST` reads the manifest
 *   and the Parquet objects from an in-memory S3 and inserts the rows by column position, as
 *   Redshift maps Parquet columns (a column-count mismatch or a wrong content_length fails);
 * - DISTSTYLE / DISTKEY / SORTKEY clauses are dropped, GETDATE() becomes LOCALTIMESTAMP, and
 *   CREATE USER loses PASSWORD DISABLE (translateUsers, shared with the local stand-in);
 * - Data API `:name` parameters become `$n`, and, as the Data API does, every parameter given
 *   must be referenced;
 * - a batch runs in one transaction whose temp tables end with it (a Data API batch is one session).
 */
import type { DescribeStatementCommandOutput } from '@aws-sdk/client-redshift-data';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { StatementFailedError, SqlParameter } from '../../../functions/warehouse-loader/data-api';
import type { ManifestWriter, StatementRunner } from '../../../functions/warehouse-loader/loader';
import { schemaStatements } from '../../../functions/warehouse-loader/sql';
import { translateUsers } from '../../../local/standins/redshift-dialect';
import { requireEsm } from './esm';

type Hyparquet = {
  parquetReadObjects(options: { file: ArrayBuffer }): Promise<Record<string, unknown>[]>;
  parquetMetadata(buffer: ArrayBuffer): { schema: { name: string }[] };
};

/** Objects by `bucket/key`. */
export class MemoryS3 implements ManifestWriter {
  readonly objects = new Map<string, Uint8Array>();

  async put(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
    this.objects.set(`${bucket}/${key}`, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }

  get(bucket: string, key: string): Uint8Array {
    const object = this.objects.get(`${bucket}/${key}`);
    if (!object) throw new Error(`S3 object s3://${bucket}/${key} does not exist`);
    return object;
  }
}

interface QueryResult<T> {
  rows: T[];
  affectedRows?: number;
}

/** PGlite in a worker thread (see pglite-worker.js), one query at a time. */
class PgliteWorker {
  private readonly worker = new Worker(path.join(__dirname, 'pglite-worker.js'));
  private readonly pending = new Map<number, { resolve: (r: QueryResult<never>) => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor() {
    this.worker.on('message', ({ id, rows, affectedRows, error }) => {
      const waiter = this.pending.get(id)!;
      this.pending.delete(id);
      if (error) waiter.reject(Object.assign(new Error(error.message), { code: error.code }));
      else waiter.resolve({ rows, affectedRows });
    });
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: QueryResult<never>) => void, reject });
      this.worker.postMessage({ id, sql, params });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Serializes sessions: the worker hosts one connection, and a batch's transaction must not interleave with other statements. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const COPY = /^COPY ("[a-z0-9_]+") FROM 's3:\/\/([^/']+)\/([^']+)' IAM_ROLE default FORMAT AS PARQUET MANIFEST$/;

export class PostgresWarehouse implements StatementRunner {
  readonly calls: { kind: 'execute' | 'batch'; sqls: string[]; parameters: SqlParameter[] }[] = [];
  private sequence = 0;
  /** Fails the next batch at this statement index (0-based) with this message, then clears itself. */
  failNextBatch?: { statementIndex: number; message: string };

  private readonly session = new Mutex();

  s3 = new MemoryS3();

  private constructor(readonly db: PgliteWorker) {}

  /** Starting PostgreSQL takes seconds: create one per test file and `reset` it per test. */
  static async create(): Promise<PostgresWarehouse> {
    const warehouse = new PostgresWarehouse(new PgliteWorker());
    await warehouse.reset();
    return warehouse;
  }

  /** Drops everything, applies the deploy-time schema (twice: it must be harmless to re-run) and starts an empty S3. */
  async reset(): Promise<void> {
    this.s3 = new MemoryS3();
    this.calls.length = 0;
    this.failNextBatch = undefined;
    await this.db.query(`DROP SCHEMA IF EXISTS "clickstream" CASCADE`);
    for (let round = 0; round < 2; round++) {
      for (const statement of schemaStatements()) await this.db.query(toPostgres(statement.sql));
    }
  }

  async execute(sql: string, parameters: readonly SqlParameter[]): Promise<DescribeStatementCommandOutput> {
    this.calls.push({ kind: 'execute', sqls: [sql], parameters: [...parameters] });
    const [text, values] = bind([sql], parameters);
    const result = await this.session.run(() => this.db.query(text[0]!, values[0]));
    return description(`stmt-${++this.sequence}`, { ResultRows: result.rows.length || (result.affectedRows ?? 0) });
  }

  async batch(sqls: readonly string[], parameters: readonly SqlParameter[]): Promise<DescribeStatementCommandOutput> {
    this.calls.push({ kind: 'batch', sqls: [...sqls], parameters: [...parameters] });
    const id = `batch-${++this.sequence}`;
    const [texts, values] = bind(sqls, parameters);
    const failure = this.failNextBatch;
    this.failNextBatch = undefined;
    const resultRows: number[] = [];
    await this.session.run(async () => {
      await this.db.query('BEGIN');
      for (let i = 0; i < texts.length; i++) {
        try {
          if (failure?.statementIndex === i) throw new Error(failure.message);
          resultRows.push(await this.run(texts[i]!, values[i]!));
        } catch (error) {
          await this.db.query('ROLLBACK');
          throw new StatementFailedError(id, 'FAILED', (error as Error).message, i);
        }
      }
      await this.db.query('COMMIT');
    });
    return description(id, { SubStatements: resultRows.map((rows, i) => ({ Id: `${id}:${i + 1}`, Status: 'FINISHED', ResultRows: rows })) });
  }

  /** Rows of a table, sorted by the given column. */
  async rows(table: string, orderBy: string): Promise<Record<string, unknown>[]> {
    return (await this.session.run(() => this.db.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY "${orderBy}"`))).rows;
  }

  async count(table: string): Promise<number> {
    return Number((await this.session.run(() => this.db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`))).rows[0]!.n);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async run(sql: string, values: unknown[]): Promise<number> {
    const copy = COPY.exec(sql);
    if (copy) return this.copy(copy[1]!, copy[2]!, copy[3]!);
    // A Data API batch is a session of its own: its temp tables end with it.
    const temp = /^CREATE TEMP TABLE (.*)$/s.exec(sql);
    const result = await this.db.query(temp ? `CREATE TEMP TABLE ${temp[1]} ON COMMIT DROP` : sql, values);
    return result.affectedRows ?? result.rows.length;
  }

  private async copy(table: string, manifestBucket: string, manifestKey: string): Promise<number> {
    const tx = this.db;
    const hyparquet = requireEsm('hyparquet') as Hyparquet;
    const manifest = JSON.parse(new TextDecoder().decode(this.s3.get(manifestBucket, manifestKey))) as {
      entries: { url: string; mandatory: boolean; meta: { content_length: number } }[];
    };
    const columns = (await tx.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table.replace(/"/g, '')])).rows.map((r) => r.column_name);
    let loaded = 0;
    for (const entry of manifest.entries) {
      const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(entry.url);
      if (!match) throw new Error(`manifest entry url ${entry.url} is not an s3:// URL`);
      const bytes = this.s3.get(match[1]!, match[2]!);
      if (entry.meta?.content_length !== bytes.byteLength) throw new Error(`manifest content_length ${entry.meta?.content_length} does not match ${entry.url} (${bytes.byteLength} bytes)`);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const fileColumns = hyparquet.parquetMetadata(buffer).schema.slice(1).map((e) => e.name);
      if (fileColumns.length !== columns.length) throw new Error(`Parquet file has ${fileColumns.length} columns, table ${table} has ${columns.length}`);
      const rows = await hyparquet.parquetReadObjects({ file: buffer });
      for (const row of rows) {
        const values = fileColumns.map((name) => {
          const v = row[name];
          return v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v;
        });
        await tx.query(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values);
        loaded++;
      }
    }
    return loaded;
  }
}

function description(id: string, fields: Partial<DescribeStatementCommandOutput>): DescribeStatementCommandOutput {
  return { Id: id, Status: 'FINISHED', $metadata: {}, ...fields };
}

/** Redshift-only DDL clauses and functions, rewritten for PostgreSQL. */
export function toPostgres(sql: string): string {
  return translateUsers(sql)
    .replace(/\s*DISTSTYLE (KEY|ALL|EVEN|AUTO)( DISTKEY \("[a-z_]+"\))?( COMPOUND)? SORTKEY \([^)]*\)\s*$/, '')
    .replace(/GETDATE\(\)/g, 'LOCALTIMESTAMP');
}

/** Replaces `:name` with `$n` per statement; like the Data API, refuses parameters no statement uses. */
function bind(sqls: readonly string[], parameters: readonly SqlParameter[]): [string[], unknown[][]] {
  const used = new Set<string>();
  const texts: string[] = [];
  const values: unknown[][] = [];
  for (const sql of sqls) {
    const order: string[] = [];
    const text = toPostgres(sql).replace(/(?<![:\w]):([a-z_]+)\b/g, (_, name: string) => {
      const known = parameters.find((p) => p.name === name);
      if (!known) throw new Error(`statement references :${name}, which is not among the parameters`);
      used.add(name);
      if (!order.includes(name)) order.push(name);
      return `$${order.indexOf(name) + 1}`;
    });
    texts.push(text);
    values.push(order.map((name) => parameters.find((p) => p.name === name)!.value));
  }
  const unused = parameters.filter((p) => !used.has(p.name)).map((p) => p.name);
  if (unused.length > 0) throw new Error(`ValidationException: parameter(s) ${unused.join(', ')} are not referenced by any statement`);
  return [texts, values];
}
