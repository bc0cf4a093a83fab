/**
 * Redshift Data API stand-in: a small HTTP server on 127.0.0.1 speaking the API's own protocol
 * (AWS JSON 1.1, `X-Amz-Target: RedshiftData.<Operation>`), so the warehouse loader's real
 * `RedshiftDataClient` talks to it unchanged. Statements run on the warehouse stand-in
 * (redshift-on-postgres.ts) over PGlite, PostgreSQL compiled to WASM, in this process.
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
import type { Stoppable } from './lifecycle';
import type { SqlParameter } from './redshift-dialect';
import { DataApiError, RedshiftOnPostgres, type RedshiftOnPostgresOptions, type RedshiftStats } from './redshift-on-postgres';

/**
 * A statement the stand-in fails on purpose: one sub-statement FAILED with this text (the batch
 * rolled back), or the batch ABORTED after this sub-statement ran, its transaction rolled back,
 * as when the session ends under it.
 */
export type DataApiFault =
  | { readonly kind: 'fail'; readonly statementIndex: number; readonly error: string }
  | { readonly kind: 'abort-after'; readonly statementIndex: number; readonly error: string; readonly onAborted: (statementId: string) => void };

export interface RedshiftDataStandinOptions extends RedshiftOnPostgresOptions {
  readonly clusterIdentifier: string;
  readonly database: string;
  /** Where a freshly initialised data directory is cached (initdb is most of PGlite's start-up). @default no cache */
  readonly cacheDir?: string;
  /** Decides, per ExecuteStatement / BatchExecuteStatement call, whether to fail it. @default every statement runs */
  readonly fault?: (operation: string, input: Readonly<Record<string, unknown>>) => DataApiFault | undefined;
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

/**
 * The Data API server in front of the warehouse stand-in. Holds what is per-cluster (the one
 * cluster identifier and database it serves, the credential fields) and the protocol (AWS JSON
 * 1.1 requests and errors); statements and their SQL are RedshiftOnPostgres's.
 */
export class RedshiftDataStandin implements Stoppable {
  readonly name = 'Redshift Data API stand-in (PGlite)';
  private server: http.Server | undefined;
  endpoint = '';

  private constructor(
    readonly db: PGlite,
    private readonly warehouse: RedshiftOnPostgres,
    private readonly options: RedshiftDataStandinOptions,
  ) {}

  static async start(options: RedshiftDataStandinOptions): Promise<RedshiftDataStandin> {
    const db = await createDatabase(options.cacheDir);
    const warehouse = await RedshiftOnPostgres.open(db, options);
    const standin = new RedshiftDataStandin(db, warehouse, options);
    await standin.listen();
    return standin;
  }

  get stats(): RedshiftStats {
    return this.warehouse.stats;
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
    return this.warehouse.query<T>(sql, params);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    let status = 200;
    let body: unknown;
    try {
      if (req.method !== 'POST' || !target.startsWith('RedshiftData.'))
        throw new DataApiError(
          'UnknownOperationException',
          `expected POST with X-Amz-Target RedshiftData.<Operation>, got ${req.method} ${target || '(none)'}`,
        );
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new DataApiError('SerializationException', 'request body is not JSON');
      }
      body = await this.dispatch(target.slice('RedshiftData.'.length), input);
    } catch (error) {
      const e = error instanceof DataApiError ? error : new DataApiError('InternalServerException', (error as Error).message, 500);
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
        return this.submit(input, [requireString(input, 'Sql')], false, this.options.fault?.(operation, input));
      case 'BatchExecuteStatement': {
        const sqls = input.Sqls;
        if (!Array.isArray(sqls) || sqls.length === 0 || sqls.length > 40 || sqls.some((s) => typeof s !== 'string' || s === '')) {
          throw new DataApiError('ValidationException', 'Sqls must be a list of 1 to 40 non-empty SQL strings');
        }
        return this.submit(input, sqls as string[], true, this.options.fault?.(operation, input));
      }
      case 'DescribeStatement':
        return { ...this.warehouse.describe(requireString(input, 'Id')), ClusterIdentifier: this.options.clusterIdentifier, Database: this.options.database };
      case 'GetStatementResult':
        return this.warehouse.result(requireString(input, 'Id'));
      case 'CancelStatement':
        return this.warehouse.cancel(requireString(input, 'Id'));
      case 'ListStatements':
        return { Statements: this.warehouse.list() };
      default:
        throw new DataApiError('UnknownOperationException', `operation ${operation} is not implemented by the local Data API stand-in`);
    }
  }

  private async submit(input: Record<string, unknown>, sqls: string[], isBatch: boolean, fault: DataApiFault | undefined): Promise<unknown> {
    if (input.WorkgroupName !== undefined)
      throw new DataApiError('ValidationException', 'WorkgroupName (Redshift Serverless) is not served locally: use ClusterIdentifier');
    if (input.ClusterIdentifier !== this.options.clusterIdentifier)
      throw new DataApiError(
        'ValidationException',
        `Cluster ${String(input.ClusterIdentifier)} not found (the local stand-in serves ${this.options.clusterIdentifier})`,
      );
    if (input.Database !== this.options.database)
      throw new DataApiError('ValidationException', `Database ${String(input.Database)} not found (the local stand-in serves ${this.options.database})`);
    if (typeof input.SecretArn !== 'string' && typeof input.DbUser !== 'string')
      throw new DataApiError('ValidationException', 'Either SecretArn or DbUser is required');
    if (input.SessionKeepAliveSeconds !== undefined || input.SessionId !== undefined)
      throw new DataApiError('ValidationException', 'sessions are not supported by the local stand-in');
    const submitted = await this.warehouse.submit({
      sqls,
      isBatch,
      parameters: parseParameters(input.Parameters),
      statementName: typeof input.StatementName === 'string' ? input.StatementName : undefined,
      secretArn: typeof input.SecretArn === 'string' ? input.SecretArn : undefined,
      dbUser: typeof input.DbUser === 'string' ? input.DbUser : undefined,
      injectedFailure: fault?.kind === 'fail' ? { statementIndex: fault.statementIndex, error: fault.error } : undefined,
      injectedAbort: fault?.kind === 'abort-after' ? { afterStatementIndex: fault.statementIndex, error: fault.error } : undefined,
    });
    if (fault?.kind === 'abort-after') fault.onAborted(submitted.Id);
    return { ...submitted, ClusterIdentifier: this.options.clusterIdentifier, Database: this.options.database };
  }
}

function requireString(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || v === '') throw new DataApiError('ValidationException', `${field} is required (a non-empty string)`);
  return v;
}

function parseParameters(raw: unknown): SqlParameter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length === 0) throw new DataApiError('ValidationException', 'Parameters must be a non-empty list of {name, value}');
  return raw.map((p, i) => {
    const name = (p as { name?: unknown })?.name;
    const value = (p as { value?: unknown })?.value;
    if (typeof name !== 'string' || typeof value !== 'string')
      throw new DataApiError('ValidationException', `Parameters[${i}] must have a string name and value`);
    return { name, value };
  });
}
