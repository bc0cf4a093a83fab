/**
 * The restore test end to end on one machine: the generated state machine definition, run by a
 * small States Language interpreter, invoking the real steps over in-memory Redshift, Data API and
 * Athena stand-ins. Whatever step fails, the temporary cluster ends deleted and the run reports
 * success 0; only a clean run reports 1.
 */
import type { RestoreTestConfig } from '../../functions/restore-test/config';
import type { CountWindow, Outcome, RunState, SnapshotSummary } from '../../functions/restore-test/domain';
import { ClusterBusyError, parseStepRequest, type RestoreTestPorts, runStep } from '../../functions/restore-test/steps';
import { RESTORE_TEST_STATES, restoreTestDefinition } from '../../stacks/constructs/restore-test-definition';
import { execute } from '../helpers/states-interpreter';

const T0 = Date.UTC(2026, 11, 6, 6, 0, 0);
const settings: RestoreTestConfig = {
  sourceClusterIdentifier: 'dam-analytics-warehouse-use1',
  sourceRegion: 'us-east-1',
  clusterPrefix: 'dam-analytics-restore-test-usw2',
  nodeType: 'ra3.large',
  numberOfNodes: 1,
  subnetGroup: 'sg',
  securityGroupId: 'sg-0123',
  parameterGroup: 'pg',
  kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/k',
  database: 'analytics',
  dbUser: 'loader',
  schema: 'clickstream',
  workgroup: 'wg',
  lakeDatabase: 'lake',
  windowHours: 24,
  settleMinutes: 60,
  tolerance: 0.001,
  restoreTimeoutMinutes: 120,
  timeReserveMs: 10_000,
};
const definition = restoreTestDefinition({ functionArn: 'fn', pollSeconds: 120, stepTimeoutSeconds: 660, deleteRetryMinutes: 5 });

type PortName = 'listSnapshots' | 'restore' | 'describeCluster' | 'deleteCluster' | 'countWarehouse' | 'countLake';

interface World {
  snapshots: SnapshotSummary[];
  clusters: Map<string, { status: string; restoreStatus?: string; checks: number }>;
  /** Status checks before a restoring cluster is available (Infinity: never). */
  checksUntilAvailable: number;
  /** What the cluster turns into instead of available. */
  restoreEndsAs?: string;
  warehouseRows: number;
  lakeRows: number;
  /** Ports that throw (each call, or the first n calls). */
  failing: Partial<Record<PortName, number>>;
  busyDeletes: number;
  published: Outcome[];
  deleted: string[];
  clock: number;
}

function world(overrides: Partial<World> = {}): World {
  return {
    snapshots: [
      {
        identifier: 'copy-1',
        clusterIdentifier: settings.sourceClusterIdentifier,
        status: 'available',
        createdAtMs: T0 - 3_600_000,
        sourceRegion: 'us-east-1',
      },
    ],
    clusters: new Map(),
    checksUntilAvailable: 3,
    warehouseRows: 50_000,
    lakeRows: 50_000,
    failing: {},
    busyDeletes: 0,
    published: [],
    deleted: [],
    clock: T0,
    ...overrides,
  };
}

function ports(w: World): RestoreTestPorts {
  const maybeFail = (name: PortName) => {
    const left = w.failing[name];
    if (left !== undefined && left > 0) {
      w.failing[name] = left - 1;
      throw Object.assign(new Error(`${name} failed`), { name: 'InternalFailure' });
    }
  };
  return {
    async listSnapshots(cluster) {
      maybeFail('listSnapshots');
      return w.snapshots.filter((s) => s.clusterIdentifier === cluster);
    },
    async restore(request) {
      maybeFail('restore');
      w.clusters.set(request.clusterIdentifier, { status: 'creating', restoreStatus: 'starting', checks: 0 });
    },
    async describeCluster(id) {
      maybeFail('describeCluster');
      const c = w.clusters.get(id);
      if (!c) return undefined;
      if (c.status === 'creating' && ++c.checks >= w.checksUntilAvailable) c.status = w.restoreEndsAs ?? 'available';
      return { status: c.status, restoreStatus: c.restoreStatus };
    },
    async deleteCluster(id) {
      maybeFail('deleteCluster');
      if (w.busyDeletes > 0) {
        w.busyDeletes--;
        throw new ClusterBusyError(id, 'creating');
      }
      const c = w.clusters.get(id);
      if (!c) return 'gone';
      c.status = 'deleting';
      w.deleted.push(id);
      return 'deleting';
    },
    async countWarehouse(id: string, _table: string, _window: CountWindow) {
      maybeFail('countWarehouse');
      if (w.clusters.get(id)?.status !== 'available') throw new Error('cluster not available');
      return w.warehouseRows;
    },
    async countLake() {
      maybeFail('countLake');
      return w.lakeRows;
    },
    publish: (result) => w.published.push(result),
    now: () => (w.clock += 60_000),
  };
}

async function run(w: World) {
  const p = ports(w);
  const result = await execute(definition, {}, async ({ payload }) => runStep(parseStepRequest(JSON.parse(JSON.stringify(payload))), p, settings, Infinity));
  const leftRunning = [...w.clusters.entries()].filter(([, c]) => c.status !== 'deleting').map(([id]) => id);
  return { result, leftRunning, output: result.output as RunState };
}

test('a clean run restores the newest copy, counts, deletes the cluster and reports success', async () => {
  const w = world();
  const { result, leftRunning, output } = await run(w);
  expect(result.status).toBe('SUCCEEDED');
  expect(leftRunning).toEqual([]);
  expect(w.deleted).toEqual([output.run!.clusterIdentifier]);
  expect(output.run!.clusterIdentifier.startsWith(`${settings.clusterPrefix}-`)).toBe(true);
  expect(w.published).toEqual([expect.objectContaining({ success: true, rowCountDifference: 0 })]);
  expect(w.published[0]!.restoreDurationSeconds).toBeGreaterThan(0);
  expect(result.visited.filter((s) => s === RESTORE_TEST_STATES.wait)).toHaveLength(3);
});

const failures: [string, Partial<World>][] = [
  ['no copied snapshot', { snapshots: [] }],
  ['listing snapshots fails', { failing: { listSnapshots: Infinity } }],
  ['the restore call fails', { failing: { restore: Infinity } }],
  ['checking the cluster fails', { failing: { describeCluster: 1 } }],
  ['the restore ends incompatible', { restoreEndsAs: 'incompatible-restore' }],
  ['the restore never finishes', { checksUntilAvailable: Infinity }],
  ['the warehouse count fails', { failing: { countWarehouse: Infinity } }],
  ['the lake count fails', { failing: { countLake: Infinity } }],
  ['the counts are too far apart', { warehouseRows: 49_000 }],
];

test.each(failures)('%s: the cluster is deleted all the same and the run reports failure', async (_name, overrides) => {
  const w = world(overrides);
  const { result, leftRunning, output } = await run(w);
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('RestoreTestFailed');
  expect(result.visited).toContain(RESTORE_TEST_STATES.delete);
  expect(leftRunning).toEqual([]);
  expect(w.published).toHaveLength(1);
  expect(w.published[0]!.success).toBe(false);
  expect(output.outcome?.reason.length).toBeGreaterThan(0);
});

test('a cluster Redshift cannot delete yet is retried until it can', async () => {
  const w = world({ busyDeletes: 3 });
  const { result, leftRunning } = await run(w);
  expect(result.status).toBe('SUCCEEDED');
  expect(leftRunning).toEqual([]);
});

test('a delete that keeps failing is reported as a failed test naming the cluster', async () => {
  const w = world({ failing: { deleteCluster: Infinity } });
  const { result, output, leftRunning } = await run(w);
  expect(result.status).toBe('FAILED');
  expect(leftRunning).toEqual([output.run!.clusterIdentifier]);
  expect(w.published[0]).toMatchObject({ success: false, reason: expect.stringMatching(/could not be deleted/) });
});

test('a step request that is not one names what is wrong', () => {
  expect(() => parseStepRequest({ action: 'explode' })).toThrow(
    'step "explode" needs an action, one of plan, restore, status, verify, delete, report in its input state',
  );
  expect(() => parseStepRequest({ action: 'plan', state: [] })).toThrow('step "plan" needs a state object');
  expect(parseStepRequest({ action: 'report' })).toEqual({ action: 'report', state: {} });
});
