/**
 * The Redshift Data API at the edge: submit a statement (or a one-transaction batch), poll
 * DescribeStatement with exponential backoff until it ends, and turn every failure into an error
 * that says which statement failed and why. Transient failures (a serialization conflict with a
 * concurrent load, too many active statements, throttling) are retried here; anything else is
 * surfaced to the caller, which reports the message as failed so SQS redelivers it. A cluster that
 * is paused or resuming (isWarehouseUnavailable) is not retried here: it is so for minutes or
 * hours, and its messages wait in the queue. Every call
 * carries the deadline's signal, so a Data API connection that never answers ends at the deadline
 * like a statement that runs too long.
 */
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementCommandOutput,
  ExecuteStatementCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { Deadline, isDeadlineExceeded } from '../shared/deadline';

/** Time past the deadline, inside the caller's reserve, allowed for cancelling a statement still running. */
export const CANCEL_GRACE_MS = 1_000;

/**
 * Where statements run, and as whom: a database user signed in with IAM temporary credentials
 * (DbUser: the loader), or the credentials in a Secrets Manager secret (the admin user, for
 * deploy-time statements and operators).
 */
export type WarehouseTarget = {
  readonly clusterIdentifier: string;
  readonly database: string;
} & ({ readonly dbUser: string; readonly secretArn?: never } | { readonly secretArn: string; readonly dbUser?: never });

export interface SqlParameter {
  readonly name: string;
  readonly value: string;
}

export interface DataApiOptions {
  /** First DescribeStatement delay. @default 250 */
  readonly pollInitialMs?: number;
  /** Longest delay between polls. @default 5000 */
  readonly pollMaxMs?: number;
  /** Attempts of a statement that fails transiently (including the first). @default 4 */
  readonly maxAttempts?: number;
  /** First delay before retrying a transient failure; doubles per attempt. @default 1000 */
  readonly retryBaseMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** A statement that ended FAILED or ABORTED. */
export class StatementFailedError extends Error {
  constructor(
    readonly statementId: string,
    readonly status: string,
    readonly detail: string,
    /** Index in the batch of the sub-statement that failed, when the Data API says. */
    readonly failedStatementIndex?: number,
  ) {
    super(`Data API statement ${statementId} ${status}${failedStatementIndex === undefined ? '' : ` at statement ${failedStatementIndex + 1}`}: ${detail}`);
    this.name = 'StatementFailedError';
  }
}

/** A statement still running when the caller's deadline came; it was cancelled. */
export class StatementTimeoutError extends Error {
  constructor(
    readonly statementId: string,
    readonly lastStatus: string,
  ) {
    super(`Data API statement ${statementId} still ${lastStatus} at the deadline; cancelled (the load rolls back and the message is redelivered)`);
    this.name = 'StatementTimeoutError';
  }
}

// Redshift error texts of conflicts a retry resolves: serializable isolation (1023) and deadlocks.
const TRANSIENT_STATEMENT_ERRORS = [/serializable isolation violation/i, /\b1023\b/, /deadlock detected/i, /concurrent transaction/i];
const TRANSIENT_API_ERRORS = new Set([
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'ThrottlingException',
  'InternalServerException',
  'ServiceUnavailableException',
]);

/**
 * A cluster that cannot take statements for now: paused on its schedule, pausing or resuming. The
 * Data API answers DatabaseConnectionException when it cannot connect to the database, and a
 * ValidationException naming the cluster's state when the cluster is not available.
 */
const UNAVAILABLE_API_ERRORS = new Set(['DatabaseConnectionException']);
const UNAVAILABLE_STATE = /\b(paused|pausing|resuming)\b|\bnot (currently |yet )?available\b|\bis unavailable\b/i;

/**
 * Whether the warehouse itself is not available (paused or resuming): it will be again, but not
 * within seconds, so the caller leaves the message in the queue rather than retrying now.
 */
export function isWarehouseUnavailable(error: unknown): boolean {
  if (error instanceof StatementFailedError || error instanceof StatementTimeoutError) return false;
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  if (name !== undefined && UNAVAILABLE_API_ERRORS.has(name)) return true;
  return name === 'ValidationException' && typeof message === 'string' && UNAVAILABLE_STATE.test(message);
}

/** Whether retrying the same statement can succeed. */
export function isTransient(error: unknown): boolean {
  if (error instanceof StatementFailedError) return TRANSIENT_STATEMENT_ERRORS.some((p) => p.test(error.detail));
  if (error instanceof StatementTimeoutError) return false;
  const name = (error as { name?: string } | undefined)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return (name !== undefined && TRANSIENT_API_ERRORS.has(name)) || (status !== undefined && status >= 500);
}

const TERMINAL = new Set(['FINISHED', 'FAILED', 'ABORTED']);

export class DataApi {
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: WarehouseTarget,
    options: DataApiOptions = {},
  ) {
    this.pollInitialMs = options.pollInitialMs ?? 250;
    this.pollMaxMs = options.pollMaxMs ?? 5000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /** Runs one statement; resolves to its final description (ResultRows = rows returned or affected). */
  async execute(sql: string, parameters: readonly SqlParameter[], deadline: number, statementName: string): Promise<DescribeStatementCommandOutput> {
    return this.withRetries(deadline, async (d) => {
      const { Id } = await this.client.send(
        new ExecuteStatementCommand({
          ...this.connection(),
          Sql: sql,
          Parameters: parameters.length > 0 ? [...parameters] : undefined,
          StatementName: statementName,
        }),
        d.sendOptions(),
      );
      return this.waitFor(requireId(Id), d);
    });
  }

  /** Runs statements in order as one transaction; resolves to the batch's final description (with SubStatements). */
  async batch(sqls: readonly string[], parameters: readonly SqlParameter[], deadline: number, statementName: string): Promise<DescribeStatementCommandOutput> {
    return this.withRetries(deadline, async (d) => {
      const { Id } = await this.client.send(
        new BatchExecuteStatementCommand({
          ...this.connection(),
          Sqls: [...sqls],
          Parameters: parameters.length > 0 ? [...parameters] : undefined,
          StatementName: statementName,
        }),
        d.sendOptions(),
      );
      return this.waitFor(requireId(Id), d);
    });
  }

  private connection() {
    const { clusterIdentifier, database, dbUser, secretArn } = this.target;
    return dbUser !== undefined
      ? { ClusterIdentifier: clusterIdentifier, Database: database, DbUser: dbUser }
      : { ClusterIdentifier: clusterIdentifier, Database: database, SecretArn: secretArn };
  }

  private async withRetries<T>(deadlineMs: number, attempt: (deadline: Deadline) => Promise<T>): Promise<T> {
    const deadline = Deadline.at(deadlineMs, this.now, deadlineMs + CANCEL_GRACE_MS);
    try {
      for (let n = 1; ; n++) {
        try {
          return await attempt(deadline);
        } catch (error) {
          const delay = this.retryBaseMs * 2 ** (n - 1);
          if (n >= this.maxAttempts || !isTransient(error) || !deadline.allows(delay)) throw error;
          await this.sleep(delay);
        }
      }
    } finally {
      deadline.dispose();
    }
  }

  /** Cancelling rolls the transaction back, so a redelivery starts from a clean state; best effort. */
  private async cancel(id: string, deadline: Deadline): Promise<void> {
    const grace = deadline.extended(CANCEL_GRACE_MS);
    try {
      await this.client.send(new CancelStatementCommand({ Id: id }), grace.sendOptions());
    } catch {
      // The statement may have ended meanwhile; the redelivery's audit check covers either outcome.
    } finally {
      grace.dispose();
    }
  }

  private async waitFor(id: string, deadline: Deadline): Promise<DescribeStatementCommandOutput> {
    let delay = this.pollInitialMs;
    for (;;) {
      let description: DescribeStatementCommandOutput;
      try {
        description = await this.client.send(new DescribeStatementCommand({ Id: id }), deadline.sendOptions());
      } catch (error) {
        if (isDeadlineExceeded(error)) {
          await this.cancel(id, deadline);
          throw new StatementTimeoutError(id, 'unconfirmed (DescribeStatement got no answer)');
        }
        throw error;
      }
      const status = description.Status ?? 'UNKNOWN';
      if (status === 'FINISHED') return description;
      if (TERMINAL.has(status)) {
        const failedIndex = description.SubStatements?.findIndex((s) => s.Status === 'FAILED' || s.Status === 'ABORTED');
        const failed = failedIndex !== undefined && failedIndex >= 0 ? description.SubStatements![failedIndex] : undefined;
        throw new StatementFailedError(id, status, failed?.Error ?? description.Error ?? 'no error text returned', failed ? failedIndex : undefined);
      }
      if (!deadline.allows(delay)) {
        await this.cancel(id, deadline);
        throw new StatementTimeoutError(id, status);
      }
      await this.sleep(delay);
      delay = Math.min(this.pollMaxMs, delay * 2);
    }
  }
}

function requireId(id: string | undefined): string {
  if (!id) throw new Error('Data API returned no statement id');
  return id;
}
