/**
 * Runs one Athena query to its end: StartQueryExecution in a workgroup (with execution
 * parameters), GetQueryExecution polled with a growing interval until the query ends or the
 * caller's deadline passes (then the query is stopped, so it scans and bills no further), and
 * GetQueryResults paged into rows. A query that does not succeed becomes an AthenaQueryError
 * naming its id and Athena's reason; one the workgroup cancelled at its bytes-scanned cutoff is
 * told apart (kind 'scan-cutoff'), because its fix is a narrower query, not a retry.
 *
 * Used by the analysts' query command (scripts/query.ts) and any job that reads the lake through
 * Athena. Pricing (ATHENA_PRICING, queryCostUsd) is here too, so every figure quoted agrees.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { type Deadline, isDeadlineExceeded } from './deadline';

/** Athena's list price (engine version 3, SQL queries): per TiB scanned, rounded up to the MiB, 10 MiB minimum per query. */
export const ATHENA_PRICING = { usdPerTerabyte: 5, minimumBilledBytes: 10 * 2 ** 20, roundingBytes: 2 ** 20, terabyte: 2 ** 40 } as const;

/** Bytes Athena bills for a query that scanned `bytesScanned` (0 when it scanned nothing: no charge). */
export function billedBytes(bytesScanned: number): number {
  if (!(bytesScanned > 0)) return 0;
  const rounded = Math.ceil(bytesScanned / ATHENA_PRICING.roundingBytes) * ATHENA_PRICING.roundingBytes;
  return Math.max(rounded, ATHENA_PRICING.minimumBilledBytes);
}

/** What a query that scanned `bytesScanned` costs at the list price, in US dollars. */
export function queryCostUsd(bytesScanned: number): number {
  return (billedBytes(bytesScanned) / ATHENA_PRICING.terabyte) * ATHENA_PRICING.usdPerTerabyte;
}

export interface AthenaQuery {
  readonly sql: string;
  readonly workgroup: string;
  /** Database unqualified table names resolve in. @default the workgroup's (none: names must be qualified) */
  readonly database?: string;
  /** Values of the query's `?` placeholders, in order, as SQL literals (`'2024-03-20'`, `42`). @default none */
  readonly executionParameters?: readonly string[];
}

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface QueryProgress {
  readonly queryId: string;
  readonly state: QueryState;
  readonly elapsedMs: number;
  readonly bytesScanned: number;
}

export interface RunOptions {
  /** When the whole run (start, polling, results) must have ended; past it the query is stopped. */
  readonly deadline: Deadline;
  /** First wait between GetQueryExecution calls. @default 250 */
  readonly initialPollMs?: number;
  /** Longest wait between GetQueryExecution calls. @default 5000 */
  readonly maxPollMs?: number;
  /** Called after every GetQueryExecution. @default nothing */
  readonly onProgress?: (progress: QueryProgress) => void;
  /** Stop reading results after this many rows (`truncated` is then set). @default no limit */
  readonly maxRows?: number;
  /** The workgroup's per-query cutoff, if known: a cancellation at or past it counts as the cutoff. @default unknown */
  readonly bytesScannedCutoff?: number;
  /** Clock and timer, for tests. @default Date.now and setTimeout */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ResultColumn {
  readonly name: string;
  /** Athena's type name: varchar, bigint, integer, double, boolean, timestamp, date, ... */
  readonly type: string;
}

export interface AthenaQueryResult {
  readonly queryId: string;
  readonly columns: readonly ResultColumn[];
  /** One array per row, in column order; SQL NULL as null. */
  readonly rows: readonly (readonly (string | null)[])[];
  /** True when maxRows stopped the reading before the last page. */
  readonly truncated: boolean;
  readonly bytesScanned: number;
  /** Wall time from StartQueryExecution to the last result page. */
  readonly elapsedMs: number;
  /** Athena's own figure for the engine (TotalExecutionTimeInMillis). */
  readonly engineMs: number;
}

export type AthenaFailureKind = 'failed' | 'cancelled' | 'scan-cutoff' | 'timeout';

/** A query that did not succeed: its id, its last state and Athena's reason. */
export class AthenaQueryError extends Error {
  constructor(
    readonly kind: AthenaFailureKind,
    readonly queryId: string,
    readonly state: string,
    readonly reason: string,
    readonly bytesScanned: number,
  ) {
    super(failureMessage(kind, queryId, state, reason, bytesScanned));
    this.name = 'AthenaQueryError';
  }
}

function failureMessage(kind: AthenaFailureKind, queryId: string, state: string, reason: string, bytesScanned: number): string {
  switch (kind) {
    case 'scan-cutoff':
      return `query ${queryId} stopped at the workgroup's bytes-scanned cutoff after scanning ${formatBytes(bytesScanned)} (${reason}): narrow it to fewer dt partitions or fewer columns`;
    case 'timeout':
      return `query ${queryId} was still ${state} at the deadline and was stopped (${reason})`;
    default:
      return `query ${queryId} ${state}: ${reason}`;
  }
}

/**
 * How Athena words a cancellation by the workgroup's per-query data usage control, in
 * StateChangeReason or AthenaError.ErrorMessage ("Bytes scanned limit was exceeded", "... data
 * usage control limit ..."). Matched loosely: the wording is not part of the API.
 */
export const SCAN_CUTOFF_REASON = /bytes[ -]scanned (limit|cutoff)|data usage (control )?limit|BytesScannedCutoff/i;

/** Whether an ended query was cut off by the workgroup's bytes-scanned limit. */
export function isScanCutoff(execution: QueryExecution | undefined, cutoff?: number): boolean {
  const status = execution?.Status;
  if (status?.State !== 'CANCELLED' && status?.State !== 'FAILED') return false;
  const text = `${status.StateChangeReason ?? ''} ${status.AthenaError?.ErrorMessage ?? ''}`;
  if (SCAN_CUTOFF_REASON.test(text)) return true;
  const scanned = execution?.Statistics?.DataScannedInBytes ?? 0;
  return status.State === 'CANCELLED' && cutoff !== undefined && scanned >= cutoff;
}

/** Bytes in the units Athena's console uses (binary, one decimal). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const ENDED: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
/** Time kept past the deadline for the StopQueryExecution of a query the deadline cut off. */
const STOP_GRACE_MS = 5_000;
const RESULTS_PAGE_SIZE = 1000;

function reasonOf(execution: QueryExecution | undefined): string {
  const s = execution?.Status;
  const athenaError = s?.AthenaError;
  const parts = [
    s?.StateChangeReason,
    athenaError?.ErrorMessage && athenaError.ErrorMessage !== s?.StateChangeReason ? athenaError.ErrorMessage : undefined,
  ].filter((p): p is string => !!p);
  if (athenaError?.ErrorType !== undefined)
    parts.push(`error type ${athenaError.ErrorType}, category ${athenaError.ErrorCategory ?? '?'}${athenaError.Retryable ? ', retryable' : ''}`);
  return parts.length > 0 ? parts.join('; ') : 'Athena gave no reason';
}

/** Runs `query` and returns its rows; throws AthenaQueryError unless it succeeds. */
export async function runAthenaQuery(client: AthenaClient, query: AthenaQuery, options: RunOptions): Promise<AthenaQueryResult> {
  const { deadline } = options;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = clock();
  const start = await client.send(
    new StartQueryExecutionCommand({
      QueryString: query.sql,
      WorkGroup: query.workgroup,
      ...(query.database ? { QueryExecutionContext: { Database: query.database } } : {}),
      ...(query.executionParameters && query.executionParameters.length > 0 ? { ExecutionParameters: [...query.executionParameters] } : {}),
    }),
    deadline.sendOptions(),
  );
  const queryId = start.QueryExecutionId;
  if (!queryId) throw new Error('StartQueryExecution answered without a QueryExecutionId');

  let execution: QueryExecution | undefined;
  let wait = options.initialPollMs ?? 250;
  const maxWait = options.maxPollMs ?? 5_000;
  for (;;) {
    try {
      execution = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }), deadline.sendOptions())).QueryExecution;
    } catch (error) {
      if (isDeadlineExceeded(error) || deadline.remainingMs() === 0) return stopAtDeadline(client, deadline, queryId, execution);
      throw error;
    }
    const state = (execution?.Status?.State ?? 'QUEUED') as QueryState;
    options.onProgress?.({ queryId, state, elapsedMs: clock() - started, bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0 });
    if (ENDED.has(state)) break;
    if (!deadline.allows(wait)) return stopAtDeadline(client, deadline, queryId, execution);
    await sleep(wait);
    wait = Math.min(maxWait, Math.ceil(wait * 1.5));
  }

  const state = execution?.Status?.State ?? 'UNKNOWN';
  const bytesScanned = execution?.Statistics?.DataScannedInBytes ?? 0;
  if (state !== 'SUCCEEDED') {
    const kind: AthenaFailureKind = isScanCutoff(execution, options.bytesScannedCutoff) ? 'scan-cutoff' : state === 'CANCELLED' ? 'cancelled' : 'failed';
    throw new AthenaQueryError(kind, queryId, state, reasonOf(execution), bytesScanned);
  }

  const { columns, rows, truncated } = await readResults(client, queryId, execution?.StatementType, deadline, options.maxRows ?? Infinity);
  return { queryId, columns, rows, truncated, bytesScanned, elapsedMs: clock() - started, engineMs: execution?.Statistics?.TotalExecutionTimeInMillis ?? 0 };
}

async function stopAtDeadline(client: AthenaClient, deadline: Deadline, queryId: string, execution: QueryExecution | undefined): Promise<never> {
  const state = execution?.Status?.State ?? 'QUEUED';
  try {
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }), deadline.extended(STOP_GRACE_MS).sendOptions());
  } catch {
    // Best effort: the query's own timeout (the workgroup's) still ends it.
  }
  throw new AthenaQueryError('timeout', queryId, state, "the caller's deadline passed", execution?.Statistics?.DataScannedInBytes ?? 0);
}

async function readResults(
  client: AthenaClient,
  queryId: string,
  statementType: string | undefined,
  deadline: Deadline,
  maxRows: number,
): Promise<{ columns: ResultColumn[]; rows: (string | null)[][]; truncated: boolean }> {
  let columns: ResultColumn[] = [];
  const rows: (string | null)[][] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await client.send(
      new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token, MaxResults: RESULTS_PAGE_SIZE }),
      deadline.sendOptions(),
    );
    if (first) columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({ name: c.Label ?? c.Name ?? '', type: c.Type ?? 'varchar' }));
    let pageRows = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? null));
    // A SELECT's first page starts with the column labels as a row.
    if (first && statementType === 'DML' && pageRows.length > 0 && pageRows[0]!.every((v, i) => v === columns[i]?.name)) pageRows = pageRows.slice(1);
    first = false;
    for (const r of pageRows) {
      if (rows.length >= maxRows) return { columns, rows, truncated: true };
      rows.push(r);
    }
    token = page.NextToken;
  } while (token);
  return { columns, rows, truncated: false };
}

/** The rows as objects keyed by column name (values still Athena's text). */
export function rowObjects(result: Pick<AthenaQueryResult, 'columns' | 'rows'>): Record<string, string | null>[] {
  return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i] ?? null])));
}
