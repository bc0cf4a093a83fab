/**
 * The restore test's decisions, pure: which copied snapshot to restore, what the temporary
 * cluster is called, whether a restore is done, failed or late, which event-time window to count,
 * whether two counts agree, whether a cluster still needs deleting, and the verdict of a run.
 * The steps (steps.ts) call these between their AWS calls; the state machine carries RunState.
 */
import { quoteIdentifier } from '../warehouse-loader/sql';

/** A snapshot as DescribeClusterSnapshots lists it, reduced to what the choice needs. */
export interface SnapshotSummary {
  readonly identifier: string;
  readonly clusterIdentifier: string;
  /** creating | available | failed | ... */
  readonly status: string;
  /** Epoch ms of SnapshotCreateTime. */
  readonly createdAtMs: number;
  /** Region the snapshot was copied from; absent for a snapshot taken in this region. */
  readonly sourceRegion?: string;
}

/**
 * The newest available snapshot of `source.clusterIdentifier` that was copied here from
 * `source.region`, or undefined when there is none. A snapshot still being copied (status
 * creating) is not restorable yet, and one taken of another cluster is not the primary's backup.
 */
export function newestCopiedSnapshot(
  snapshots: readonly SnapshotSummary[],
  source: { readonly clusterIdentifier: string; readonly region: string },
): SnapshotSummary | undefined {
  let newest: SnapshotSummary | undefined;
  for (const s of snapshots) {
    if (s.status !== 'available' || s.clusterIdentifier !== source.clusterIdentifier || s.sourceRegion !== source.region) continue;
    if (!Number.isFinite(s.createdAtMs)) continue;
    // Ties are broken by identifier, so the choice does not depend on the order the API lists them in.
    if (!newest || s.createdAtMs > newest.createdAtMs || (s.createdAtMs === newest.createdAtMs && s.identifier > newest.identifier)) newest = s;
  }
  return newest;
}

/** `<prefix>-<yyyymmddhhmmss>` of the run's start (UTC): unique per run, inside the IAM prefix. */
export function tempClusterIdentifier(prefix: string, startedAtMs: number): string {
  const stamp = new Date(startedAtMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${prefix}-${stamp}`;
}

/** Cluster states a restore does not recover from. */
const FAILED_CLUSTER_STATES: ReadonlySet<string> = new Set([
  'hardware-failure',
  'incompatible-hsm',
  'incompatible-network',
  'incompatible-parameters',
  'incompatible-restore',
  'storage-full',
]);

export type ClusterProgress = 'available' | 'waiting' | 'failed' | 'timed-out';

/** What DescribeClusters said of the temporary cluster; undefined when it does not exist. */
export interface ObservedCluster {
  readonly status: string;
  /** RestoreStatus.Status: starting | restoring | completed | failed. */
  readonly restoreStatus?: string;
}

/**
 * Where a restore stands. RA3 clusters answer queries as soon as they are available (data is
 * fetched from managed storage on demand), so `available` does not wait for the restore's own
 * status to say completed.
 */
export function clusterProgress(
  cluster: ObservedCluster | undefined,
  startedAtMs: number,
  nowMs: number,
  timeoutMinutes: number,
): { readonly progress: ClusterProgress; readonly detail: string } {
  if (!cluster) return { progress: 'failed', detail: 'the restored cluster does not exist (the restore was rejected or the cluster was deleted)' };
  if (cluster.restoreStatus === 'failed') return { progress: 'failed', detail: `the restore failed (cluster status ${cluster.status})` };
  if (FAILED_CLUSTER_STATES.has(cluster.status)) return { progress: 'failed', detail: `the cluster is ${cluster.status}` };
  if (cluster.status === 'available') return { progress: 'available', detail: `available (restore ${cluster.restoreStatus ?? 'status not reported'})` };
  const elapsedMinutes = (nowMs - startedAtMs) / 60_000;
  if (elapsedMinutes >= timeoutMinutes)
    return { progress: 'timed-out', detail: `still ${cluster.status} after ${Math.floor(elapsedMinutes)} minutes (limit ${timeoutMinutes})` };
  return { progress: 'waiting', detail: `${cluster.status}${cluster.restoreStatus ? `, restore ${cluster.restoreStatus}` : ''}` };
}

/** The event-time window both sides count: [from, to), as `YYYY-MM-DD HH:MM:SS` UTC, and the dt partitions it touches. */
export interface CountWindow {
  readonly from: string;
  readonly to: string;
  readonly firstDt: string;
  readonly lastDt: string;
}

const sqlTimestamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The window of `windowHours` that ends `settleMinutes` before the snapshot, whole seconds. An
 * event whose time is in it had that long to travel producer -> stream -> lake -> loader before
 * the snapshot was taken; later arrivals are what the tolerance allows for.
 */
export function countWindow(snapshotCreatedAtMs: number, windowHours: number, settleMinutes: number): CountWindow {
  const toMs = Math.floor((snapshotCreatedAtMs - settleMinutes * 60_000) / 1000) * 1000;
  const fromMs = toMs - windowHours * 3_600_000;
  // The last instant inside the window decides the last dt partition.
  return { from: sqlTimestamp(fromMs), to: sqlTimestamp(toMs), firstDt: sqlTimestamp(fromMs).slice(0, 10), lastDt: sqlTimestamp(toMs - 1).slice(0, 10) };
}

export interface Comparison {
  readonly warehouseRows: number;
  readonly lakeRows: number;
  /** lake - warehouse: positive when the restored warehouse lacks events the lake has. */
  readonly difference: number;
  /** |difference| / max(lake, 1). */
  readonly relativeDifference: number;
  readonly tolerance: number;
  readonly withinTolerance: boolean;
}

export function compareCounts(warehouseRows: number, lakeRows: number, tolerance: number): Comparison {
  for (const [name, value] of [
    ['warehouseRows', warehouseRows],
    ['lakeRows', lakeRows],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer count, got ${value}`);
  }
  const difference = lakeRows - warehouseRows;
  const relativeDifference = Math.abs(difference) / Math.max(lakeRows, 1);
  return { warehouseRows, lakeRows, difference, relativeDifference, tolerance, withinTolerance: relativeDifference <= tolerance };
}

export type DeleteDecision = 'gone' | 'deleting' | 'delete';

/** Whether the temporary cluster still needs a DeleteCluster: not when it is gone or already going. */
export function deleteDecision(cluster: ObservedCluster | undefined): DeleteDecision {
  if (!cluster) return 'gone';
  if (cluster.status === 'deleting' || cluster.status === 'final-snapshot') return 'deleting';
  return 'delete';
}

/** An error a Step Functions Catch recorded: its name and cause. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** What the state machine carries from step to step; each step adds its part. */
export interface RunState {
  readonly run?: {
    readonly clusterIdentifier: string;
    readonly snapshotIdentifier: string;
    /** Epoch ms of the snapshot. */
    readonly snapshotCreatedAtMs: number;
    /** Epoch ms of the restore request. */
    readonly startedAtMs: number;
  };
  readonly cluster?: { readonly progress: ClusterProgress; readonly detail: string; readonly availableAtMs?: number };
  readonly comparison?: Comparison & { readonly window: CountWindow };
  readonly deletion?: { readonly decision: DeleteDecision; readonly clusterIdentifier?: string };
  /** A step before the delete failed (set by the state machine's Catch). */
  readonly failure?: CaughtError;
  /** The delete itself failed after its retries. */
  readonly deletionFailure?: CaughtError;
  readonly outcome?: Outcome;
}

export interface Outcome {
  readonly success: boolean;
  readonly reason: string;
  /** Seconds from the restore request to an available cluster, when it got there. */
  readonly restoreDurationSeconds?: number;
  readonly rowCountDifference?: number;
}

/** The run's verdict: it passes only when every step ran, the counts agree and the cluster is gone or going. */
export function outcome(state: RunState): Outcome {
  const { run, cluster, comparison, deletion } = state;
  const restoreDurationSeconds = run && cluster?.availableAtMs !== undefined ? Math.round((cluster.availableAtMs - run.startedAtMs) / 1000) : undefined;
  const measured = {
    ...(restoreDurationSeconds === undefined ? {} : { restoreDurationSeconds }),
    ...(comparison ? { rowCountDifference: Math.abs(comparison.difference) } : {}),
  };
  const fail = (reason: string): Outcome => ({ success: false, reason, ...measured });
  if (state.deletionFailure) return fail(`the temporary cluster could not be deleted: ${describe(state.deletionFailure)}`);
  if (!deletion) return fail('the delete step did not run');
  if (state.failure) return fail(describe(state.failure));
  if (!run) return fail('no snapshot was restored');
  if (cluster?.progress !== 'available') return fail(`the restore did not complete: ${cluster?.detail ?? 'never checked'}`);
  if (!comparison) return fail('the row counts were not compared');
  if (!comparison.withinTolerance)
    return fail(
      `warehouse ${comparison.warehouseRows} vs lake ${comparison.lakeRows} events (${comparison.window.from} to ${comparison.window.to}): ${(comparison.relativeDifference * 100).toFixed(3)} % apart, tolerance ${(comparison.tolerance * 100).toFixed(3)} %`,
    );
  return {
    success: true,
    reason: `snapshot ${run.snapshotIdentifier} restored; ${comparison.warehouseRows} events match the lake's ${comparison.lakeRows}`,
    ...measured,
  };
}

function describe(error: CaughtError): string {
  return error.Cause ? `${error.Error}: ${error.Cause}` : error.Error;
}

/** Events in the window in the restored warehouse (one row per event_id: the loader merges on it). */
export function warehouseCountSql(schema: string, table: string): string {
  return `SELECT COUNT(*) AS events FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)} WHERE event_time >= CAST(:window_from AS TIMESTAMP) AND event_time < CAST(:window_to AS TIMESTAMP)`;
}

/**
 * Distinct events in the window in the lake (a retried batch can write an event twice), pruned to
 * the window's dt partitions. Placeholders, in order: first dt, last dt, from, to.
 */
export function lakeCountSql(database: string, table: string): string {
  return `SELECT COUNT(DISTINCT event_id) AS events FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)} WHERE dt BETWEEN ? AND ? AND event_time >= CAST(? AS timestamp) AND event_time < CAST(? AS timestamp)`;
}

/** Athena execution parameters are SQL literals. */
export function lakeCountParameters(window: CountWindow): string[] {
  return [window.firstDt, window.lastDt, window.from, window.to].map((v) => `'${v}'`);
}
