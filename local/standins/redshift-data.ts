/**
 * Redshift Data API stand-in: a small HTTP server on 127.0.0.1 speaking the API's own protocol
 * (AWS JSON 1.1, `X-Amz-Target: RedshiftData.<Operation>`), so the warehouse loader's real
 * `RedshiftDataClient` talks to it unchanged. SQL runs on PGlite (PostgreSQL compiled to WASM,
 * in this process), with the Redshift-only parts translated in redshift-dialect.ts.
 *
 * Implemented: ExecuteStatement, BatchExecuteStatement, DescribeStatement, GetStatementResult,
 * CancelStatement, ListStatements. Differences from the service, on purpose:
 * - statements run to completion before ExecuteStatement answers, so the first DescribeStatement
 *   already reports FINISHED or FAILED (the service answers SUBMITTED and runs asynchronously);
 * - one database and one cluster identifier (others get ValidationException); credentials
 *   (SecretArn / DbUser) are required but not checked. A SecretArn session runs as the
 *   superuser (the managed admin secret); a DbUser session runs as that database user (SET
 *   ROLE), so its grants apply exactly as in Redshift and a user that does not exist fails.
 *   Sessions (SessionKeepAliveSeconds, SessionId) are refused, since the platform does not use them;
 * - each call is its own session: temp tables end with it (DISCARD TEMP), as in the service.
 */
import { PGlite } from '@electric-sql/pglite';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bindNamedParameters, COMPAT_FUNCTIONS, DialectError, parseCopy, parseManifest, referencedParameters, statementKind, translateDdl, translateUsers, type CopyCommand, type SqlParameter } from './redshift-dialect';
import type { Stoppable } from './lifecycle';

/** Reads an object of the local S3 (the stand-in's COPY source). */
export type ObjectReader = (bucket: string, key: string) => Promise<Uint8Array>;
/** Decodes a Parquet file to rows in file column order. */
export type ParquetDecoder = (file: Uint8Array) => Promise<{ columns: string[]; rows: unknown[][] }>;

export interface RedshiftDataStandinOptions {
  readonly clusterIdentifier: string;
  readonly database: string;
  readonly readObject: ObjectReader;
  readonly decodeParquet: ParquetDecoder;
  /** Where a freshly initialised data directory is cached (initdb is most of PGlite's start-up). @default no cache */
  readonly cacheDir?: string;
}

/**
 * PGlite runs initdb on every create (seconds on a busy 2-core machine); restoring a dump of a
 * fresh cluster takes under a second. The dump is keyed by the PGlite version, so an upgrade
 * re-initialises.
 */
async function createDatabase(cacheDir: string | undefined): Promise<PGlite> {
  if (!cacheDir) return PGlite.create();
  const pkg = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const version = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  const file = path.join(cacheDir, `pglite-${version}-initdb.tar.gz`);
  if (fs.existsSync(file)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([fs.readFileSync(file)]) });
    } catch {
      fs.rmSync(file, { force: true });
    }
  }
  const fresh = await PGlite.create();
  const dump = await fresh.dumpDataDir('gzip');
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(tmp, file);
  return fresh;
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
  readonly ClusterIdentifier: string;
  readonly Database: string;
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

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Counters the local report shows. */
export interface RedshiftDataStats {
  statements: number;
  failedStatements: number;
  copies: number;
  rowsCopied: number;
  /** Time spent executing SQL (COPY included), and in COPY alone (S3 read, Parquet decode, inserts). */
  sqlMs: number;
  copyMs: number;
}

const INSERT_CHUNK_PARAMETERS = 30_000;

export class RedshiftDataStandin implements Stoppable {
  readonly name = 'Redshift Data API stand-in (PGlite)';
  readonly stats: RedshiftDataStats = { statements: 0, failedStatements: 0, copies: 0, rowsCopied: 0, sqlMs: 0, copyMs: 0 };
  private readonly statements = new Map<string, Statement>();
  private server: http.Server | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  endpoint = '';

  private constructor(
    readonly db: PGlite,
    private readonly options: RedshiftDataStandinOptions,
  ) {}

  static async start(options: RedshiftDataStandinOptions): Promise<RedshiftDataStandin> {
    const db = await createDatabase(options.cacheDir);
    for (const sql of COMPAT_FUNCTIONS) await db.exec(sql);
    const standin = new RedshiftDataStandin(db, options);
    await standin.listen();
    return standin;
  }

  private listen(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => {
        this.endpoint = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = undefined;
    }
    if (!this.db.closed) await this.db.close();
  }

  /** Runs SQL directly (for the local report's warehouse queries), serialised with API calls. */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.serialised(async () => (await this.db.query<T>(sql, params)).rows);
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    let status = 200;
    let body: unknown;
    try {
      if (req.method !== 'POST' || !target.startsWith('RedshiftData.')) throw new ApiError('UnknownOperationException', `expected POST with X-Amz-Target RedshiftData.<Operation>, got ${req.method} ${target || '(none)'}`);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ApiError('SerializationException', 'request body is not JSON');
      }
      body = await this.dispatch(target.slice('RedshiftData.'.length), input);
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError('InternalServerException', (error as Error).message, 500);
      status = e.status;
      body = { __type: e.type, message: e.message };
      res.setHeader('x-amzn-ErrorType', e.type);
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID(), 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private dispatch(operation: string, input: Record<string, unknown>): Promise<unknown> | unknown {
    switch (operation) {
      case 'ExecuteStatement':
        return this.submit(input, [requireString(input, 'Sql')], false);
      case 'BatchExecuteStatement': {
        const sqls = input.Sqls;
        if (!Array.isArray(sqls) || sqls.length === 0 || sqls.length > 40 || sqls.some((s) => typeof s !== 'string' || s === '')) {
          throw new ApiError('ValidationException', 'Sqls must be a list of 1 to 40 non-empty SQL strings');
        }
        return this.submit(input, sqls as string[], true);
      }
      case 'DescribeStatement':
        return this.describe(requireString(input, 'Id'));
      case 'GetStatementResult':
        return this.result(requireString(input, 'Id'));
      case 'CancelStatement': {
        const s = this.find(requireString(input, 'Id'));
        // Statements finish before the submit call returns: there is never one left to cancel.
        if (s) throw new ApiError('ValidationException', `Could not cancel a query that is already in ${s.Status} state with ID: ${s.Id}`);
        throw new ApiError('ResourceNotFoundException', `Query does not exist: ${String(input.Id)}`);
      }
      case 'ListStatements':
        return {
          Statements: [...this.statements.values()].map((s) => ({ Id: s.Id, Status: s.Status, StatementName: s.StatementName, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, IsBatchStatement: s.IsBatchStatement, QueryStrings: s.sub.map((x) => x.QueryString) })),
        };
      default:
        throw new ApiError('UnknownOperationException', `operation ${operation} is not implemented by the local Data API stand-in`);
    }
  }

  private async submit(input: Record<string, unknown>, sqls: string[], isBatch: boolean): Promise<unknown> {
    if (input.WorkgroupName !== undefined) throw new ApiError('ValidationException', 'WorkgroupName (Redshift Serverless) is not served locally: use ClusterIdentifier');
    if (input.ClusterIdentifier !== this.options.clusterIdentifier) throw new ApiError('ValidationException', `Cluster ${String(input.ClusterIdentifier)} not found (the local stand-in serves ${this.options.clusterIdentifier})`);
    if (input.Database !== this.options.database) throw new ApiError('ValidationException', `Database ${String(input.Database)} not found (the local stand-in serves ${this.options.database})`);
    if (typeof input.SecretArn !== 'string' && typeof input.DbUser !== 'string') throw new ApiError('ValidationException', 'Either SecretArn or DbUser is required');
    if (input.SessionKeepAliveSeconds !== undefined || input.SessionId !== undefined) throw new ApiError('ValidationException', 'sessions are not supported by the local stand-in');
    const parameters = parseParameters(input.Parameters);
    const now = Date.now() / 1000;
    const id = randomUUID();
    const statement: Statement = {
      Id: id,
      StatementName: typeof input.StatementName === 'string' ? input.StatementName : undefined,
      ClusterIdentifier: this.options.clusterIdentifier,
      Database: this.options.database,
      SecretArn: typeof input.SecretArn === 'string' ? input.SecretArn : undefined,
      DbUser: typeof input.DbUser === 'string' ? input.DbUser : undefined,
      QueryParameters: parameters.length > 0 ? parameters : undefined,
      IsBatchStatement: isBatch,
      sub: sqls.map((sql, i) => ({ Id: isBatch ? `${id}:${i + 1}` : id, Status: 'ABORTED', ResultRows: -1, HasResultSet: false, QueryString: sql, CreatedAt: now, UpdatedAt: now, Duration: -1 })),
      Status: 'FINISHED',
      CreatedAt: now,
      UpdatedAt: now,
    };
    // Like the Data API: every parameter the SQL uses must be supplied, and every supplied one used.
    const used = new Set<string>();
    for (const sql of sqls) {
      for (const name of referencedParameters(sql)) used.add(name);
      try {
        bindNamedParameters(sql, parameters);
      } catch (e) {
        throw new ApiError('ValidationException', (e as Error).message);
      }
    }
    const unused = parameters.filter((p) => !used.has(p.name)).map((p) => p.name);
    if (unused.length > 0) throw new ApiError('ValidationException', `parameter(s) ${unused.join(', ')} not referenced by the SQL`);

    this.statements.set(id, statement);
    await this.serialised(() => this.run(statement, parameters));
    return { Id: id, ClusterIdentifier: statement.ClusterIdentifier, Database: statement.Database, SecretArn: statement.SecretArn, DbUser: statement.DbUser, CreatedAt: statement.CreatedAt };
  }

  /** Runs the statement(s) in one transaction and one session (temp tables end with it). */
  private async run(statement: Statement, parameters: readonly SqlParameter[]): Promise<void> {
    const multi = statement.sub.length > 1;
    try {
      if (statement.DbUser !== undefined && !(await this.signIn(statement))) return;
      if (multi) await this.db.exec('BEGIN');
      for (const sub of statement.sub) {
        const started = process.hrtime.bigint();
        this.stats.statements++;
        try {
          await this.runOne(sub, parameters);
          sub.Status = 'FINISHED';
        } catch (error) {
          this.stats.failedStatements++;
          sub.Status = 'FAILED';
          sub.Error = `ERROR: ${(error as Error).message}`;
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
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
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
    const { text, values } = bindNamedParameters(translateUsers(translateDdl(sub.QueryString)), parameters);
    const result = await this.db.query<Record<string, unknown>>(text, values, { rowMode: 'array' });
    const returnsRows = result.fields.length > 0;
    sub.HasResultSet = returnsRows && ['SELECT', 'WITH', 'SHOW', 'VALUES'].includes(statementKind(sub.QueryString));
    sub.ResultRows = sub.HasResultSet ? result.rows.length : (result.affectedRows ?? 0);
    if (sub.HasResultSet) {
      sub.columns = result.fields.map((f) => ({ name: f.name, typeName: pgTypeName(f.dataTypeID) }));
      sub.rows = result.rows as unknown as unknown[][];
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
    const sources = copy.manifest ? parseManifest(new TextDecoder().decode(await this.read(copy.bucket, copy.key))) : [{ bucket: copy.bucket, key: copy.key, mandatory: true }];
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
      const parquet = await this.options.decodeParquet(file);
      if (parquet.columns.length !== columns.length) {
        throw new DialectError(`Spectrum Scan Error: the Parquet file s3://${source.bucket}/${source.key} has ${parquet.columns.length} columns, the table ${copy.table} ${columns.length} (COPY maps Parquet columns by position)`);
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

  private find(id: string): Statement | undefined {
    return this.statements.get(id.replace(/:\d+$/, ''));
  }

  private describe(id: string): unknown {
    const s = this.find(id);
    if (!s) throw new ApiError('ResourceNotFoundException', `Query does not exist: ${id}`);
    const single = s.sub.length === 1 && !s.IsBatchStatement ? s.sub[0]! : undefined;
    return {
      Id: s.Id,
      Status: s.Status,
      Error: s.Error,
      ClusterIdentifier: s.ClusterIdentifier,
      Database: s.Database,
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
        ? s.sub.map((x) => ({ Id: x.Id, Status: x.Status === 'FINISHED' ? 'FINISHED' : x.Status, Error: x.Error, ResultRows: x.ResultRows, HasResultSet: x.HasResultSet, QueryString: x.QueryString, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt, Duration: x.Duration }))
        : undefined,
    };
  }

  private result(id: string): unknown {
    const s = this.find(id);
    if (!s) throw new ApiError('ResourceNotFoundException', `Query does not exist: ${id}`);
    const sub = s.sub.find((x) => x.Id === id) ?? (s.IsBatchStatement ? undefined : s.sub[0]);
    if (!sub) throw new ApiError('ValidationException', `${id} is a batch: ask for one of its sub-statements (<id>:<n>)`);
    if (sub.Status !== 'FINISHED' || !sub.HasResultSet) throw new ApiError('ResourceNotFoundException', `Query does not have result. Please check query status with DescribeStatement API: ${id}`);
    return {
      ColumnMetadata: sub.columns!.map((c) => ({ name: c.name, label: c.name, typeName: c.typeName, nullable: 1 })),
      Records: sub.rows!.map((row) => row.map(toField)),
      TotalNumRows: sub.rows!.length,
    };
  }
}

function requireString(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || v === '') throw new ApiError('ValidationException', `${field} is required (a non-empty string)`);
  return v;
}

function parseParameters(raw: unknown): SqlParameter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length === 0) throw new ApiError('ValidationException', 'Parameters must be a non-empty list of {name, value}');
  return raw.map((p, i) => {
    const name = (p as { name?: unknown })?.name;
    const value = (p as { value?: unknown })?.value;
    if (typeof name !== 'string' || typeof value !== 'string') throw new ApiError('ValidationException', `Parameters[${i}] must have a string name and value`);
    return { name, value };
  });
}

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

const PG_TYPES: Readonly<Record<number, string>> = { 16: 'bool', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 700: 'float4', 701: 'float8', 1043: 'varchar', 1082: 'date', 1114: 'timestamp', 1184: 'timestamptz', 1700: 'numeric' };

function pgTypeName(oid: number): string {
  return PG_TYPES[oid] ?? `oid${oid}`;
}
