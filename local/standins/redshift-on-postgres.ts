/**
 * Redshift, as the platform uses it, on a PostgreSQL connection (PGlite): the one warehouse
 * stand-in. The local Data API server (redshift-data.ts, `npm run local`) puts its HTTP protocol
 * in front of it; the warehouse loader's unit tests call it as the loader's `StatementRunner`
 * (__tests__/functions/helpers/warehouse-on-postgres.ts). What it keeps of the Data API:
 * - a call is a statement, or a batch of sub-statements, with a status, an error text and a
 *   result, looked up later by id; parameters are checked as the service checks them (each one
 *   used must be supplied, each one supplied must be used);
 * - each call is its own session: temp tables end with it (DISCARD TEMP), a batch is one
 *   transaction, a DbUser call runs as that database user (SET ROLE) so its grants apply;
 * - calls run one at a time, to completion, before `submit` returns.
 * What PostgreSQL lacks is translated by redshift-dialect.ts; COPY ... FORMAT AS PARQUET
 * [MANIFEST] is executed here (objects read through `readObject`, columns mapped by position as
 * Redshift maps Parquet columns, rows inserted with bind parameters).
 *
 * Primary keys are not enforced by default, as in Redshift, which keeps them as planner hints
 * only. The local run leaves them so on purpose: it proves "no duplicates" by counting rows per
 * event id in the warehouse, and an enforced key would turn the duplicate it must count into a
 * failed load instead. Unit tests that want a duplicate to fail at the statement that makes it set
 * `enforcePrimaryKeys`; those that want the manifest's sizes checked set `verifyContentLength`.
 */
import { randomUUID } from 'node:crypto';
import {
  bindNamedParameters,
  COMPAT_FUNCTIONS,
  DialectError,
  parseCopy,
  parseManifest,
  referencedParameters,
  statementKind,
  translateDdl,
  translateUsers,
  type CopyCommand,
  type SqlParameter,
} from './redshift-dialect';

/** What the stand-in needs of a PostgreSQL connection; PGlite has it, and so has a proxy to PGlite in a worker thread. */
export interface PostgresConnection {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: { rowMode?: 'array' | 'object' },
  ): Promise<{ rows: T[]; fields: readonly { name: string; dataTypeID: number }[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  isInTransaction(): boolean | Promise<boolean>;
}

/** Reads an object of the (local or in-memory) S3: the COPY source. */
export type ObjectReader = (bucket: string, key: string) => Promise<Uint8Array>;
/** Decodes a Parquet file to rows in file column order. */
export type ParquetDecoder = (file: Uint8Array) => Promise<{ columns: string[]; rows: unknown[][] }>;

/** The part of hyparquet the decoder uses; callers load it their way (Node's require(esm), or jest's ESM bridge). */
export interface HyparquetReader {
  parquetMetadata(buffer: ArrayBuffer): { schema: { name: string }[] };
  parquetReadObjects(options: { file: ArrayBuffer }): Promise<Record<string, unknown>[]>;
}

export function parquetDecoder(hyparquet: HyparquetReader): ParquetDecoder {
  return async (file) => {
    const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
    const columns = hyparquet
      .parquetMetadata(buffer)
      .schema.slice(1)
      .map((s) => s.name);
    const objects = await hyparquet.parquetReadObjects({ file: buffer });
    return { columns, rows: objects.map((o) => columns.map((c) => o[c])) };
  };
}

export interface RedshiftOnPostgresOptions {
  readonly readObject: ObjectReader;
  readonly decodeParquet: ParquetDecoder;
  /** Keep the tables' PRIMARY KEY constraints so PostgreSQL enforces them (Redshift does not). @default false */
  readonly enforcePrimaryKeys?: boolean;
  /**
   * Fail a COPY whose manifest gives an object a `content_length` other than its size. Redshift
   * requires the length for Parquet and reads the object by it; what it does with a wrong one it
   * does not document, so this is not the default. The local run leaves it off: a replayed batch
   * overwrites a lake object (same key, fewer records) after the first version's notification was
   * queued, and that notification's manifest then names the first version's size.
   * @default false
   */
  readonly verifyContentLength?: boolean;
}

/** An error the Data API would answer with: its type (the SDK's error name), message and HTTP status. */
export class DataApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export interface StatementRequest {
  readonly sqls: readonly string[];
  /** BatchExecuteStatement (sub-statements with ids `<id>:<n>`), or ExecuteStatement. */
  readonly isBatch: boolean;
  /** @default no parameters */
  readonly parameters?: readonly SqlParameter[];
  /** @default no name */
  readonly statementName?: string;
  /** Run as this database user (its grants apply); a user that does not exist fails the call. @default the superuser, as with the admin secret */
  readonly dbUser?: string;
  /** Recorded and described, never checked. @default none */
  readonly secretArn?: string;
  /**
   * Fault injection: fail this sub-statement (0-based) with this error text instead of running it,
   * rolling the batch back, as the service fails one on, e.g., a serializable isolation conflict.
   * @default no injected failure
   */
  readonly injectedFailure?: { readonly statementIndex: number; readonly error: string };
  /**
   * Fault injection: end the batch ABORTED once this sub-statement (0-based) has run, rolling it
   * back, as when the session ends under a running transaction.
   * @default no injected abort
   */
  readonly injectedAbort?: { readonly afterStatementIndex: number; readonly error: string };
}

type Status = 'FINISHED' | 'FAILED' | 'ABORTED';

interface SubStatement {
  readonly Id: string;
  Status: Status;
  Error?: string;
  ResultRows: number;
  HasResultSet: boolean;
  readonly QueryString: string;
  readonly CreatedAt: number;
  UpdatedAt: number;
  Duration: number;
  columns?: { name: string; typeName: string }[];
  rows?: unknown[][];
}

interface Statement {
  readonly Id: string;
  readonly StatementName?: string;
  readonly SecretArn?: string;
  readonly DbUser?: string;
  readonly QueryParameters?: SqlParameter[];
  readonly IsBatchStatement: boolean;
  readonly sub: SubStatement[];
  Status: Status;
  Error?: string;
  readonly CreatedAt: number;
  UpdatedAt: number;
}

/** Counters the local report shows. */
export interface RedshiftStats {
  statements: number;
  failedStatements: number;
  copies: number;
  rowsCopied: number;
  /** Time spent executing SQL (COPY included), and in COPY alone (S3 read, Parquet decode, inserts). */
  sqlMs: number;
  copyMs: number;
}

/** DescribeStatement's answer, times in epoch seconds and durations in nanoseconds as the service's JSON has them. */
export interface StatementDescription {
  readonly Id: string;
  readonly Status: Status;
  readonly Error?: string;
  readonly SecretArn?: string;
  readonly DbUser?: string;
  readonly CreatedAt: number;
  readonly UpdatedAt: number;
  readonly Duration: number;
  readonly QueryString?: string;
  readonly QueryParameters?: SqlParameter[];
  readonly HasResultSet: boolean;
  readonly ResultRows: number;
  readonly ResultSize: number;
  readonly IsBatchStatement: boolean;
  readonly SubStatements?: readonly {
    Id: string;
    Status: Status;
    Error?: string;
    ResultRows: number;
    HasResultSet: boolean;
    QueryString: string;
    CreatedAt: number;
    UpdatedAt: number;
    Duration: number;
  }[];
}

const INSERT_CHUNK_PARAMETERS = 30_000;

export class RedshiftOnPostgres {
  readonly stats: RedshiftStats = { statements: 0, failedStatements: 0, copies: 0, rowsCopied: 0, sqlMs: 0, copyMs: 0 };
  private readonly statements = new Map<string, Statement>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: PostgresConnection,
    private readonly options: RedshiftOnPostgresOptions,
  ) {}

  /** Prepares the database (Redshift functions PostgreSQL lacks) and returns the stand-in. */
  static async open(db: PostgresConnection, options: RedshiftOnPostgresOptions): Promise<RedshiftOnPostgres> {
    for (const sql of COMPAT_FUNCTIONS) await db.exec(sql);
    return new RedshiftOnPostgres(db, options);
  }

  /** Runs SQL as it is (no translation, no statement record), serialised with the calls: for reports and test assertions. */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.serialised(async () => (await this.db.query<T>(sql, params)).rows);
  }

  /** Validates and runs a call to completion; its outcome is then in `describe(id)`. */
  async submit(request: StatementRequest): Promise<Pick<StatementDescription, 'Id' | 'CreatedAt' | 'SecretArn' | 'DbUser'>> {
    const parameters = [...(request.parameters ?? [])];
    // Like the Data API: every parameter the SQL uses must be supplied, and every supplied one used.
    const used = new Set<string>();
    for (const sql of request.sqls) {
      for (const name of referencedParameters(sql)) used.add(name);
      try {
        bindNamedParameters(sql, parameters);
      } catch (e) {
        throw new DataApiError('ValidationException', (e as Error).message);
      }
    }
    const unused = parameters.filter((p) => !used.has(p.name)).map((p) => p.name);
    if (unused.length > 0) throw new DataApiError('ValidationException', `parameter(s) ${unused.join(', ')} not referenced by the SQL`);

    const now = Date.now() / 1000;
    const id = randomUUID();
    const statement: Statement = {
      Id: id,
      StatementName: request.statementName,
      SecretArn: request.secretArn,
      DbUser: request.dbUser,
      QueryParameters: parameters.length > 0 ? parameters : undefined,
      IsBatchStatement: request.isBatch,
      sub: request.sqls.map((sql, i) => ({
        Id: request.isBatch ? `${id}:${i + 1}` : id,
        Status: 'ABORTED',
        ResultRows: -1,
        HasResultSet: false,
        QueryString: sql,
        CreatedAt: now,
        UpdatedAt: now,
        Duration: -1,
      })),
      Status: 'FINISHED',
      CreatedAt: now,
      UpdatedAt: now,
    };
    this.statements.set(id, statement);
    await this.serialised(() => this.run(statement, parameters, request));
    return { Id: id, CreatedAt: statement.CreatedAt, SecretArn: statement.SecretArn, DbUser: statement.DbUser };
  }

  describe(id: string): StatementDescription {
    const s = this.find(id);
    const single = s.sub.length === 1 && !s.IsBatchStatement ? s.sub[0]! : undefined;
    return {
      Id: s.Id,
      Status: s.Status,
      Error: s.Error,
      SecretArn: s.SecretArn,
      DbUser: s.DbUser,
      CreatedAt: s.CreatedAt,
      UpdatedAt: s.UpdatedAt,
      Duration: s.sub.reduce((t, x) => t + Math.max(0, x.Duration), 0),
      QueryString: single?.QueryString,
      QueryParameters: s.QueryParameters,
      HasResultSet: single?.HasResultSet ?? false,
      ResultRows: single?.ResultRows ?? -1,
      ResultSize: -1,
      IsBatchStatement: s.IsBatchStatement,
      SubStatements: s.IsBatchStatement
        ? s.sub.map((x) => ({
            Id: x.Id,
            Status: x.Status,
            Error: x.Error,
            ResultRows: x.ResultRows,
            HasResultSet: x.HasResultSet,
            QueryString: x.QueryString,
            CreatedAt: x.CreatedAt,
            UpdatedAt: x.UpdatedAt,
            Duration: x.Duration,
          }))
        : undefined,
    };
  }

  /** GetStatementResult: the rows of a statement, or of one sub-statement (`<id>:<n>`) of a batch. */
  result(id: string): { ColumnMetadata: unknown[]; Records: unknown[][]; TotalNumRows: number } {
    const s = this.find(id);
    const sub = s.sub.find((x) => x.Id === id) ?? (s.IsBatchStatement ? undefined : s.sub[0]);
    if (!sub) throw new DataApiError('ValidationException', `${id} is a batch: ask for one of its sub-statements (<id>:<n>)`);
    if (sub.Status !== 'FINISHED' || !sub.HasResultSet)
      throw new DataApiError('ResourceNotFoundException', `Query does not have result. Please check query status with DescribeStatement API: ${id}`);
    return {
      ColumnMetadata: sub.columns!.map((c) => ({ name: c.name, label: c.name, typeName: c.typeName, nullable: 1 })),
      Records: sub.rows!.map((row) => row.map(toField)),
      TotalNumRows: sub.rows!.length,
    };
  }

  /** CancelStatement: calls finish before `submit` returns, so there is never one left to cancel. */
  cancel(id: string): never {
    const s = this.find(id);
    throw new DataApiError('ValidationException', `Could not cancel a query that is already in ${s.Status} state with ID: ${s.Id}`);
  }

  list(): unknown[] {
    return [...this.statements.values()].map((s) => ({
      Id: s.Id,
      Status: s.Status,
      StatementName: s.StatementName,
      CreatedAt: s.CreatedAt,
      UpdatedAt: s.UpdatedAt,
      IsBatchStatement: s.IsBatchStatement,
      QueryStrings: s.sub.map((x) => x.QueryString),
    }));
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private find(id: string): Statement {
    const s = this.statements.get(id.replace(/:\d+$/, ''));
    if (!s) throw new DataApiError('ResourceNotFoundException', `Query does not exist: ${id}`);
    return s;
  }

  /** Runs the statement(s) in one transaction and one session (temp tables end with it). */
  private async run(
    statement: Statement,
    parameters: readonly SqlParameter[],
    faults: Pick<StatementRequest, 'injectedFailure' | 'injectedAbort'>,
  ): Promise<void> {
    const injected = faults.injectedFailure;
    const multi = statement.sub.length > 1;
    try {
      if (statement.DbUser !== undefined && !(await this.signIn(statement))) return;
      if (multi) await this.db.exec('BEGIN');
      for (const [index, sub] of statement.sub.entries()) {
        const started = process.hrtime.bigint();
        this.stats.statements++;
        try {
          if (injected?.statementIndex === index) throw new InjectedFailure(injected.error);
          await this.runOne(sub, parameters);
          sub.Status = 'FINISHED';
          if (faults.injectedAbort?.afterStatementIndex === index && multi) {
            statement.Status = 'ABORTED';
            statement.Error = faults.injectedAbort.error;
            break;
          }
        } catch (error) {
          this.stats.failedStatements++;
          sub.Status = 'FAILED';
          sub.Error = error instanceof InjectedFailure ? error.message : `ERROR: ${(error as Error).message}`;
          statement.Status = 'FAILED';
          statement.Error = sub.Error;
          break;
        } finally {
          sub.Duration = Number(process.hrtime.bigint() - started);
          this.stats.sqlMs += sub.Duration / 1e6;
          sub.UpdatedAt = Date.now() / 1000;
        }
      }
      if (multi) await this.db.exec(statement.Status === 'FINISHED' ? 'COMMIT' : 'ROLLBACK');
    } finally {
      if (await this.db.isInTransaction()) await this.db.exec('ROLLBACK');
      await this.db.exec('RESET ROLE');
      await this.db.exec('DISCARD TEMP');
      statement.UpdatedAt = Date.now() / 1000;
    }
  }

  /** Switches the session to the statement's DbUser; a user that does not exist fails the whole statement, as sign-in would. */
  private async signIn(statement: Statement): Promise<boolean> {
    try {
      await this.db.exec(`SET ROLE "${statement.DbUser!.replace(/"/g, '""')}"`);
      return true;
    } catch (error) {
      const message = `ERROR: cannot sign in as database user ${JSON.stringify(statement.DbUser)}: ${(error as Error).message}`;
      for (const sub of statement.sub) {
        sub.Status = 'FAILED';
        sub.Error = message;
      }
      statement.Status = 'FAILED';
      statement.Error = message;
      this.stats.failedStatements += statement.sub.length;
      return false;
    }
  }

  private async runOne(sub: SubStatement, parameters: readonly SqlParameter[]): Promise<void> {
    const copy = parseCopy(sub.QueryString);
    if (copy) {
      sub.ResultRows = await this.copy(copy);
      sub.HasResultSet = false;
      return;
    }
    const postgres = translateUsers(translateDdl(sub.QueryString, { keepPrimaryKeys: this.options.enforcePrimaryKeys }));
    const { text, values } = bindNamedParameters(postgres, parameters);
    const result = await this.db.query<unknown[]>(text, values, { rowMode: 'array' });
    const returnsRows = result.fields.length > 0;
    sub.HasResultSet = returnsRows && ['SELECT', 'WITH', 'SHOW', 'VALUES'].includes(statementKind(sub.QueryString));
    sub.ResultRows = sub.HasResultSet ? result.rows.length : (result.affectedRows ?? 0);
    if (sub.HasResultSet) {
      sub.columns = result.fields.map((f) => ({ name: f.name, typeName: pgTypeName(f.dataTypeID) }));
      sub.rows = result.rows;
    }
  }

  /** COPY ... FORMAT AS PARQUET [MANIFEST]: rows inserted by column position, as Redshift maps Parquet columns. */
  private async copy(copy: CopyCommand): Promise<number> {
    const started = performance.now();
    try {
      return await this.copyRows(copy);
    } finally {
      this.stats.copyMs += performance.now() - started;
    }
  }

  private async copyRows(copy: CopyCommand): Promise<number> {
    const sources: { bucket: string; key: string; mandatory: boolean; contentLength?: number }[] = copy.manifest
      ? parseManifest(new TextDecoder().decode(await this.read(copy.bucket, copy.key)), { columnar: true })
      : [{ bucket: copy.bucket, key: copy.key, mandatory: true }];
    const target = await this.db.query<{ attname: string }>(
      `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [copy.table],
    );
    const columns = target.rows.map((r) => r.attname);
    let inserted = 0;
    for (const source of sources) {
      let file: Uint8Array;
      try {
        file = await this.read(source.bucket, source.key);
      } catch (e) {
        if (!source.mandatory) continue;
        throw e;
      }
      if (this.options.verifyContentLength && source.contentLength !== undefined && source.contentLength !== file.byteLength) {
        throw new DialectError(
          `Spectrum Scan Error: the manifest's content_length ${source.contentLength} for s3://${source.bucket}/${source.key} does not match the object's ${file.byteLength} bytes`,
        );
      }
      const parquet = await this.options.decodeParquet(file);
      if (parquet.columns.length !== columns.length) {
        throw new DialectError(
          `Spectrum Scan Error: the Parquet file s3://${source.bucket}/${source.key} has ${parquet.columns.length} columns, the table ${copy.table} ${columns.length} (COPY maps Parquet columns by position)`,
        );
      }
      const rowsPerChunk = Math.max(1, Math.floor(INSERT_CHUNK_PARAMETERS / columns.length));
      const columnList = columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ');
      for (let start = 0; start < parquet.rows.length; start += rowsPerChunk) {
        const chunk = parquet.rows.slice(start, start + rowsPerChunk);
        const params: unknown[] = [];
        const tuples = chunk.map((row) => `(${row.map((v) => `$${params.push(toSqlValue(v))}`).join(', ')})`);
        const r = await this.db.query(`INSERT INTO ${copy.table} (${columnList}) VALUES ${tuples.join(', ')}`, params);
        inserted += r.affectedRows ?? chunk.length;
      }
    }
    this.stats.copies++;
    this.stats.rowsCopied += inserted;
    return inserted;
  }

  private async read(bucket: string, key: string): Promise<Uint8Array> {
    try {
      return await this.options.readObject(bucket, key);
    } catch (e) {
      throw new DialectError(`S3ServiceException: cannot read s3://${bucket}/${key}: ${(e as Error).message}`);
    }
  }
}

/** A failure the caller injected: reported with its own text, as the service reports its errors. */
class InjectedFailure extends Error {}

/** Parquet values as PostgreSQL bind parameters (timestamps as ISO text in UTC). */
function toSqlValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function toField(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { isNull: true };
  if (typeof v === 'boolean') return { booleanValue: v };
  if (typeof v === 'bigint') return { longValue: Number(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { longValue: v } : { doubleValue: v };
  if (v instanceof Date) return { stringValue: v.toISOString().replace('T', ' ').replace('Z', '') };
  return { stringValue: String(v) };
}

const PG_TYPES: Readonly<Record<number, string>> = {
  16: 'bool',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  700: 'float4',
  701: 'float8',
  1043: 'varchar',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
  1700: 'numeric',
};

function pgTypeName(oid: number): string {
  return PG_TYPES[oid] ?? `oid${oid}`;
}
