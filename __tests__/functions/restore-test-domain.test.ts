import * as fc from 'fast-check';
import {
  clusterProgress,
  compareCounts,
  countWindow,
  deleteDecision,
  lakeCountParameters,
  lakeCountSql,
  newestCopiedSnapshot,
  outcome,
  type RunState,
  type SnapshotSummary,
  tempClusterIdentifier,
  warehouseCountSql,
} from '../../functions/restore-test/domain';

const source = { clusterIdentifier: 'dam-analytics-warehouse-use1', region: 'us-east-1' };
const T0 = Date.UTC(2026, 11, 6, 6, 0, 0);

const snapshot: fc.Arbitrary<SnapshotSummary> = fc.record({
  identifier: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  clusterIdentifier: fc.constantFrom(source.clusterIdentifier, 'other-cluster'),
  status: fc.constantFrom('available', 'creating', 'failed'),
  createdAtMs: fc.integer({ min: T0 - 30 * 86_400_000, max: T0 }),
  sourceRegion: fc.constantFrom('us-east-1', 'eu-west-1', undefined),
});
const eligible = (s: SnapshotSummary) => s.status === 'available' && s.clusterIdentifier === source.clusterIdentifier && s.sourceRegion === source.region;

describe('newestCopiedSnapshot', () => {
  test('picks an available copy of the source cluster from the source region, none newer, whatever the listing order', () => {
    fc.assert(
      fc.property(fc.array(snapshot, { maxLength: 30 }), (snapshots) => {
        const chosen = newestCopiedSnapshot(snapshots, source);
        const candidates = snapshots.filter(eligible);
        if (candidates.length === 0) return expect(chosen).toBeUndefined();
        expect(chosen && eligible(chosen)).toBe(true);
        for (const c of candidates) expect(c.createdAtMs).toBeLessThanOrEqual(chosen!.createdAtMs);
        expect(newestCopiedSnapshot([...snapshots].reverse(), source)).toEqual(chosen);
      }),
    );
  });

  test('a newer snapshot still being copied, of another cluster or taken here does not win', () => {
    const copied = {
      identifier: 'copy-1',
      clusterIdentifier: source.clusterIdentifier,
      status: 'available',
      createdAtMs: T0 - 3_600_000,
      sourceRegion: 'us-east-1',
    };
    const newer = { ...copied, createdAtMs: T0 };
    expect(newestCopiedSnapshot([copied, { ...newer, identifier: 'copying', status: 'creating' }], source)?.identifier).toBe('copy-1');
    expect(newestCopiedSnapshot([copied, { ...newer, identifier: 'local', sourceRegion: undefined }], source)?.identifier).toBe('copy-1');
    expect(newestCopiedSnapshot([copied, { ...newer, identifier: 'other', clusterIdentifier: 'x' }], source)?.identifier).toBe('copy-1');
    expect(newestCopiedSnapshot([copied, { ...newer, identifier: 'copy-2' }], source)?.identifier).toBe('copy-2');
  });
});

test('temporary cluster identifiers stay inside the prefix, within 63 characters, and sort by start time', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,46}[a-z0-9]$/),
      fc.integer({ min: T0, max: T0 + 10 * 365 * 86_400_000 }),
      fc.nat(86_400_000),
      (prefix, a, delta) => {
        const id = tempClusterIdentifier(prefix, a);
        expect(id.startsWith(`${prefix}-`)).toBe(true);
        expect(id.length).toBeLessThanOrEqual(63);
        expect(id).toMatch(/^[a-z][a-z0-9-]*[0-9]$/);
        expect(tempClusterIdentifier(prefix, a + delta + 1000) >= id).toBe(true);
      },
    ),
  );
  expect(tempClusterIdentifier('rt', T0)).toBe('rt-20261206060000');
});

describe('clusterProgress', () => {
  test.each([
    [undefined, 'failed'],
    [{ status: 'creating' }, 'waiting'],
    [{ status: 'available', restoreStatus: 'restoring' }, 'available'],
    [{ status: 'available', restoreStatus: 'completed' }, 'available'],
    [{ status: 'available', restoreStatus: 'failed' }, 'failed'],
    [{ status: 'incompatible-restore' }, 'failed'],
    [{ status: 'storage-full' }, 'failed'],
  ] as const)('%j is %s', (cluster, progress) => {
    expect(clusterProgress(cluster, T0, T0 + 60_000, 120).progress).toBe(progress);
  });

  test('a restore still going at its time limit has timed out; before it, it waits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 30, max: 1440 }), fc.integer({ min: 0, max: 3000 }), (limit, minutes) => {
        const { progress } = clusterProgress({ status: 'creating' }, T0, T0 + minutes * 60_000, limit);
        expect(progress).toBe(minutes >= limit ? 'timed-out' : 'waiting');
      }),
    );
  });
});

test('the count window ends settleMinutes before the snapshot, spans windowHours and names the dt partitions it touches', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: T0 - 365 * 86_400_000, max: T0 }),
      fc.integer({ min: 1, max: 168 }),
      fc.integer({ min: 0, max: 1440 }),
      (at, hours, settle) => {
        const w = countWindow(at, hours, settle);
        const from = Date.parse(`${w.from.replace(' ', 'T')}Z`);
        const to = Date.parse(`${w.to.replace(' ', 'T')}Z`);
        expect(to - from).toBe(hours * 3_600_000);
        expect(to).toBeLessThanOrEqual(at - settle * 60_000);
        expect(at - settle * 60_000 - to).toBeLessThan(1000);
        expect(w.firstDt).toBe(w.from.slice(0, 10));
        expect(w.lastDt <= w.to.slice(0, 10) && w.lastDt >= w.firstDt).toBe(true);
      },
    ),
  );
  expect(countWindow(Date.UTC(2026, 11, 6, 1, 0, 0), 24, 60)).toEqual({
    from: '2026-12-05 00:00:00',
    to: '2026-12-06 00:00:00',
    firstDt: '2026-12-05',
    lastDt: '2026-12-05',
  });
});

describe('compareCounts', () => {
  test('equal counts always agree; agreeing at a tolerance means agreeing at any larger one', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000_000),
        fc.nat(10_000_000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (warehouse, lake, a, b) => {
          const c = compareCounts(warehouse, lake, Math.min(a, b));
          expect(c.difference).toBe(lake - warehouse);
          if (c.withinTolerance) expect(compareCounts(warehouse, lake, Math.max(a, b)).withinTolerance).toBe(true);
          expect(compareCounts(lake, lake, Math.min(a, b)).withinTolerance).toBe(true);
        },
      ),
    );
    expect(compareCounts(999_000, 1_000_000, 0.001).withinTolerance).toBe(true);
    expect(compareCounts(998_999, 1_000_000, 0.001).withinTolerance).toBe(false);
    expect(compareCounts(1_001_001, 1_000_000, 0.001).withinTolerance).toBe(false);
    expect(compareCounts(0, 0, 0).withinTolerance).toBe(true);
  });

  test('refuses a count that is not one', () => {
    expect(() => compareCounts(-1, 5, 0.1)).toThrow('warehouseRows must be a non-negative integer count, got -1');
    expect(() => compareCounts(1, 2.5, 0.1)).toThrow('lakeRows must be a non-negative integer count, got 2.5');
  });
});

test('deleteDecision deletes anything that still exists and is not already going', () => {
  expect(deleteDecision(undefined)).toBe('gone');
  expect(deleteDecision({ status: 'deleting' })).toBe('deleting');
  for (const status of ['creating', 'available', 'modifying', 'incompatible-restore', 'storage-full']) expect(deleteDecision({ status })).toBe('delete');
});

describe('outcome', () => {
  const run = { clusterIdentifier: 'rt-1', snapshotIdentifier: 'snap', snapshotCreatedAtMs: T0 - 3_600_000, startedAtMs: T0 };
  const window = countWindow(run.snapshotCreatedAtMs, 24, 60);
  const passed: RunState = {
    run,
    cluster: { progress: 'available', detail: 'available', availableAtMs: T0 + 1_500_000 },
    comparison: { ...compareCounts(1000, 1000, 0.001), window },
    deletion: { decision: 'delete', clusterIdentifier: 'rt-1' },
  };

  test('a run that restored, matched and deleted passes, with its duration and difference', () => {
    expect(outcome(passed)).toMatchObject({ success: true, restoreDurationSeconds: 1500, rowCountDifference: 0 });
  });

  test('any missing step, caught failure or failed delete fails the run', () => {
    const broken: [string, RunState][] = [
      ['failure', { ...passed, failure: { Error: 'Boom', Cause: 'x' } }],
      ['deletion failure', { ...passed, deletionFailure: { Error: 'AccessDenied' } }],
      ['no delete', { ...passed, deletion: undefined }],
      ['no run', { ...passed, run: undefined }],
      ['not available', { ...passed, cluster: { progress: 'timed-out', detail: 'late' } }],
      ['no comparison', { ...passed, comparison: undefined }],
      ['counts apart', { ...passed, comparison: { ...compareCounts(900, 1000, 0.001), window } }],
    ];
    for (const [, state] of broken) expect(outcome(state).success).toBe(false);
    expect(outcome(broken[1]![1]).reason).toMatch(/could not be deleted: AccessDenied/);
    expect(outcome(broken[6]![1])).toMatchObject({ rowCountDifference: 100, reason: expect.stringMatching(/warehouse 900 vs lake 1000 events/) });
  });
});

test('the count queries compare the same window on both sides', () => {
  expect(warehouseCountSql('clickstream', 'events')).toBe(
    'SELECT COUNT(*) AS events FROM "clickstream"."events" WHERE event_time >= CAST(:window_from AS TIMESTAMP) AND event_time < CAST(:window_to AS TIMESTAMP)',
  );
  expect(lakeCountSql('lake_db', 'events')).toContain('COUNT(DISTINCT event_id)');
  expect((lakeCountSql('lake_db', 'events').match(/\?/g) ?? []).length).toBe(lakeCountParameters(countWindow(T0, 24, 60)).length);
  expect(lakeCountParameters(countWindow(T0, 24, 60))).toEqual(["'2026-12-05'", "'2026-12-06'", "'2026-12-05 05:00:00'", "'2026-12-06 05:00:00'"]);
  expect(() => warehouseCountSql('x"; drop', 'events')).toThrow(/invalid SQL identifier/);
});
