/**
 * The restore test's steps, one per state of its state machine, each taking the run's state and
 * returning it with its own part added. AWS sits behind RestoreTestPorts (aws-adapters.ts), so
 * each step is a few decisions from domain.ts around a few calls.
 */
import { TABLES } from '../shared/contract';
import type { RestoreTestConfig } from './config';
import {
  clusterProgress,
  compareCounts,
  countWindow,
  type CountWindow,
  deleteDecision,
  newestCopiedSnapshot,
  type ObservedCluster,
  outcome,
  type Outcome,
  type RunState,
  type SnapshotSummary,
  tempClusterIdentifier,
} from './domain';

export const STEP_ACTIONS = ['plan', 'restore', 'status', 'verify', 'delete', 'report'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** What the state machine sends each invocation. */
export interface StepRequest {
  readonly action: StepAction;
  readonly state: RunState;
}

export interface RestoreRequest {
  readonly clusterIdentifier: string;
  readonly snapshotIdentifier: string;
  readonly snapshotClusterIdentifier: string;
}

export interface RestoreTestPorts {
  /** Snapshots of the source cluster held in this region. */
  listSnapshots(sourceClusterIdentifier: string): Promise<SnapshotSummary[]>;
  restore(request: RestoreRequest): Promise<void>;
  /** The cluster, or undefined when it does not exist. */
  describeCluster(clusterIdentifier: string): Promise<ObservedCluster | undefined>;
  /** Starts deleting the cluster without a final snapshot; 'gone' when it no longer exists. Throws ClusterBusyError while it cannot be deleted yet. */
  deleteCluster(clusterIdentifier: string): Promise<'deleting' | 'gone'>;
  /** Rows of the events table in the window, in the restored cluster. */
  countWarehouse(clusterIdentifier: string, table: string, window: CountWindow, deadlineMs: number): Promise<number>;
  /** Distinct events of the curated table in the window, through Athena over this region's lake. */
  countLake(table: string, window: CountWindow, deadlineMs: number): Promise<number>;
  /** Emits the run's metrics and log line. */
  publish(result: Outcome, state: RunState): void;
  now(): number;
}

/** No copied snapshot of the primary cluster is available here: nothing to restore (the test fails). */
export class NoCopiedSnapshotError extends Error {
  constructor(sourceClusterIdentifier: string, sourceRegion: string, seen: number) {
    super(`no available snapshot of ${sourceClusterIdentifier} copied from ${sourceRegion} (${seen} snapshot(s) listed): check the primary's snapshot copy`);
    this.name = 'NoCopiedSnapshot';
  }
}

/** The cluster is in a state DeleteCluster refuses (creating, modifying): the state machine retries the delete. */
export class ClusterBusyError extends Error {
  constructor(clusterIdentifier: string, detail: string) {
    super(`${clusterIdentifier} cannot be deleted yet: ${detail}`);
    this.name = 'ClusterBusy';
  }
}

/** A step was given a state that lacks what it needs (a state machine wiring error). */
export class StepInputError extends Error {
  constructor(action: string, missing: string) {
    super(`step "${action}" needs ${missing} in its input state`);
    this.name = 'StepInputError';
  }
}

export async function runStep(request: StepRequest, ports: RestoreTestPorts, settings: RestoreTestConfig, deadlineMs: number): Promise<RunState> {
  const { action, state } = request;
  switch (action) {
    case 'plan': {
      const snapshots = await ports.listSnapshots(settings.sourceClusterIdentifier);
      const newest = newestCopiedSnapshot(snapshots, { clusterIdentifier: settings.sourceClusterIdentifier, region: settings.sourceRegion });
      if (!newest) throw new NoCopiedSnapshotError(settings.sourceClusterIdentifier, settings.sourceRegion, snapshots.length);
      const startedAtMs = ports.now();
      return {
        ...state,
        run: {
          clusterIdentifier: tempClusterIdentifier(settings.clusterPrefix, startedAtMs),
          snapshotIdentifier: newest.identifier,
          snapshotCreatedAtMs: newest.createdAtMs,
          startedAtMs,
        },
      };
    }
    case 'restore': {
      const run = requireRun(action, state);
      await ports.restore({
        clusterIdentifier: run.clusterIdentifier,
        snapshotIdentifier: run.snapshotIdentifier,
        snapshotClusterIdentifier: settings.sourceClusterIdentifier,
      });
      return state;
    }
    case 'status': {
      const run = requireRun(action, state);
      const now = ports.now();
      const progress = clusterProgress(await ports.describeCluster(run.clusterIdentifier), run.startedAtMs, now, settings.restoreTimeoutMinutes);
      return { ...state, cluster: { ...progress, ...(progress.progress === 'available' ? { availableAtMs: now } : {}) } };
    }
    case 'verify': {
      const run = requireRun(action, state);
      const window = countWindow(run.snapshotCreatedAtMs, settings.windowHours, settings.settleMinutes);
      const table = TABLES.curated.name;
      const [warehouseRows, lakeRows] = await Promise.all([
        ports.countWarehouse(run.clusterIdentifier, table, window, deadlineMs),
        ports.countLake(table, window, deadlineMs),
      ]);
      return { ...state, comparison: { ...compareCounts(warehouseRows, lakeRows, settings.tolerance), window } };
    }
    case 'delete': {
      // Without a plan nothing was created; with one, the cluster may or may not exist: ask.
      const clusterIdentifier = state.run?.clusterIdentifier;
      if (!clusterIdentifier) return { ...state, deletion: { decision: 'gone' } };
      const decision = deleteDecision(await ports.describeCluster(clusterIdentifier));
      if (decision !== 'delete') return { ...state, deletion: { decision, clusterIdentifier } };
      const answer = await ports.deleteCluster(clusterIdentifier);
      return { ...state, deletion: { decision: answer === 'gone' ? 'gone' : 'delete', clusterIdentifier } };
    }
    case 'report': {
      const result = outcome(state);
      ports.publish(result, state);
      return { ...state, outcome: result };
    }
  }
}

function requireRun(action: StepAction, state: RunState): NonNullable<RunState['run']> {
  if (!state.run) throw new StepInputError(action, 'run (from the plan step)');
  return state.run;
}

/** The request as the state machine sent it, or an error naming what is wrong. */
export function parseStepRequest(event: unknown): StepRequest {
  const e = (event ?? {}) as { action?: unknown; state?: unknown };
  if (typeof e.action !== 'string' || !(STEP_ACTIONS as readonly string[]).includes(e.action))
    throw new StepInputError(String(e.action), `an action, one of ${STEP_ACTIONS.join(', ')}`);
  const state = e.state === undefined || e.state === null ? {} : e.state;
  if (typeof state !== 'object' || Array.isArray(state)) throw new StepInputError(e.action, 'a state object');
  return { action: e.action as StepAction, state: state as RunState };
}
