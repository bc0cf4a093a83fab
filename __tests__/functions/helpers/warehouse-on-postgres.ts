/**
 * The warehouse loader's tests run its SQL on the warehouse stand-in that `npm run local` uses
 * (local/standins/redshift-on-postgres.ts): real PostgreSQL (PGlite), Redshift's dialect
 * translated, COPY ... FORMAT AS PARQUET MANIFEST executed from an in-memory S3, a batch as one
 * transaction, the Data API's parameter checks. Here the PRIMARY KEYs are enforced (Redshift
 * only records them), so any duplicate a load would leave fails the statement that makes it, and
 * COPY checks each manifest entry's content_length against the object's size.
 * This file only adapts the stand-in to the loader's StatementRunner, the way the loader's DataApi
 * reads the service's answers, and hosts PGlite in a worker thread (see pglite-worker.js).
 */
import type { DescribeStatementCommandOutput } from '@aws-sdk/client-redshift-data';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { StatementFailedError, type SqlParameter } from '../../../functions/warehouse-loader/data-api';
import { createHash } from 'node:crypto';
import type { ManifestWriter, ObjectInspector, ObjectState, StatementRunner } from '../../../functions/warehouse-loader/loader';
import { schemaStatements, WAREHOUSE_SCHEMA } from '../../../functions/warehouse-loader/sql';
import {
  parquetDecoder,
  RedshiftOnPostgres,
  type HyparquetReader,
  type PostgresConnection,
  type StatementDescription,
} from '../../../local/standins/redshift-on-postgres';
import { requireEsm } from './esm';

/** Objects by `bucket/key`; ETags are the MD5 of the content, as S3 gives a single-part PUT. */
export class MemoryS3 implements ManifestWriter, ObjectInspector {
  readonly objects = new Map<string, Uint8Array>();

  async put(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
    this.objects.set(`${bucket}/${key}`, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }

  async inspect(bucket: string, key: string, etag: string): Promise<ObjectState> {
    const object = this.objects.get(`${bucket}/${key}`);
    if (!object) return { status: 'gone' };
    if (createHash('md5').update(object).digest('hex') !== etag) return { status: 'superseded' };
    return { status: 'current', bytes: object.byteLength };
  }

  get(bucket: string, key: string): Uint8Array {
    const object = this.objects.get(`${bucket}/${key}`);
    if (!object) throw new Error(`S3 object s3://${bucket}/${key} does not exist`);
    return object;
  }
}

/** PGlite in a worker thread (see pglite-worker.js), one call at a time: a PostgresConnection jest can use. */
export class PgliteWorker implements PostgresConnection {
  private readonly worker = new Worker(path.join(__dirname, 'pglite-worker.js'));
  private readonly pending = new Map<number, { resolve: (result: never) => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor() {
    this.worker.on('message', ({ id, result, error }) => {
      const waiter = this.pending.get(id)!;
      this.pending.delete(id);
      if (error) waiter.reject(Object.assign(new Error(error.message), { code: error.code }));
      else waiter.resolve(result as never);
    });
  }

  query<T = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    options: { rowMode?: 'array' | 'object' } = {},
  ): Promise<{ rows: T[]; fields: { name: string; dataTypeID: number }[]; affectedRows?: number }> {
    return this.call('query', [sql, params, options]);
  }

  exec(sql: string): Promise<unknown> {
    return this.call('exec', [sql]);
  }

  isInTransaction(): Promise<boolean> {
    return this.call('isInTransaction', []);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private call<T>(method: string, args: unknown[]): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: never) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }
}

export class PostgresWarehouse implements StatementRunner {
  readonly calls: { kind: 'execute' | 'batch'; sqls: string[]; parameters: SqlParameter[] }[] = [];
  /** Fails the next batch at this statement index (0-based) with this message, then clears itself. */
  failNextBatch?: { statementIndex: number; message: string };

  s3 = new MemoryS3();

  private constructor(
    readonly db: PgliteWorker,
    private readonly warehouse: RedshiftOnPostgres,
  ) {}

  /** Starting PostgreSQL takes seconds: create one per test file and `reset` it per test. */
  static async create(): Promise<PostgresWarehouse> {
    const db = new PgliteWorker();
    // The warehouse reads objects from the instance's S3, which exists only once the warehouse does.
    const created: { instance?: PostgresWarehouse } = {};
    const warehouse = await RedshiftOnPostgres.open(db, {
      readObject: async (bucket, key) => created.instance!.s3.get(bucket, key),
      decodeParquet: parquetDecoder(requireEsm('hyparquet') as HyparquetReader),
      enforcePrimaryKeys: true,
      verifyContentLength: true,
    });
    const instance = new PostgresWarehouse(db, warehouse);
    created.instance = instance;
    await instance.reset();
    return instance;
  }

  /** Drops everything, applies the deploy-time schema (twice: it must be harmless to re-run) and starts an empty S3. */
  async reset(): Promise<void> {
    this.s3 = new MemoryS3();
    this.calls.length = 0;
    this.failNextBatch = undefined;
    await this.warehouse.query(`DROP SCHEMA IF EXISTS "${WAREHOUSE_SCHEMA}" CASCADE`);
    for (let round = 0; round < 2; round++) {
      for (const statement of schemaStatements()) this.succeeded(await this.warehouse.submit({ sqls: [statement.sql], isBatch: false }));
    }
  }

  async execute(sql: string, parameters: readonly SqlParameter[]): Promise<DescribeStatementCommandOutput> {
    this.calls.push({ kind: 'execute', sqls: [sql], parameters: [...parameters] });
    return this.succeeded(await this.warehouse.submit({ sqls: [sql], isBatch: false, parameters }));
  }

  async batch(sqls: readonly string[], parameters: readonly SqlParameter[]): Promise<DescribeStatementCommandOutput> {
    this.calls.push({ kind: 'batch', sqls: [...sqls], parameters: [...parameters] });
    const failure = this.failNextBatch;
    this.failNextBatch = undefined;
    const injectedFailure = failure && { statementIndex: failure.statementIndex, error: failure.message };
    return this.succeeded(await this.warehouse.submit({ sqls, isBatch: true, parameters, injectedFailure }));
  }

  /** Rows of a table, sorted by the given column. */
  rows(table: string, orderBy: string): Promise<Record<string, unknown>[]> {
    return this.warehouse.query(`SELECT * FROM ${table} ORDER BY "${orderBy}"`);
  }

  async count(table: string): Promise<number> {
    return Number((await this.warehouse.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`))[0]!.n);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** The statement's description, or the StatementFailedError the loader's DataApi raises for it. */
  private succeeded({ Id }: { Id: string }): DescribeStatementCommandOutput {
    const d: StatementDescription = this.warehouse.describe(Id);
    if (d.Status !== 'FINISHED') {
      const failedIndex = d.SubStatements?.findIndex((s) => s.Status !== 'FINISHED');
      const failed = failedIndex !== undefined && failedIndex >= 0 ? d.SubStatements![failedIndex] : undefined;
      throw new StatementFailedError(Id, d.Status, failed?.Error ?? d.Error ?? 'no error text returned', failed ? failedIndex : undefined);
    }
    return {
      $metadata: {},
      Id,
      Status: d.Status,
      ResultRows: d.ResultRows,
      HasResultSet: d.HasResultSet,
      SubStatements: d.SubStatements?.map((s) => ({
        Id: s.Id,
        Status: s.Status,
        ResultRows: s.ResultRows,
        HasResultSet: s.HasResultSet,
        QueryString: s.QueryString,
      })),
    };
  }
}
