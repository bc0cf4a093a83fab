/**
 * The Redshift Data API stand-in, spoken to by the real RedshiftDataClient, the warehouse loader's
 * DataApi edge and its loadObject. PGlite cannot start inside jest's VM, so the scenarios run in a
 * plain Node process (drivers/redshift-data-driver.ts, bundled here with esbuild).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { TABLES } from '../../functions/shared/contract';

const root = path.resolve(__dirname, '..', '..');

describe('Redshift Data API stand-in', () => {
  let out: Record<string, any>;

  beforeAll(() => {
    const bundle = path.join(root, 'dist', 'local-test', 'redshift-data-driver.js');
    buildSync({
      entryPoints: [path.join(__dirname, 'drivers', 'redshift-data-driver.ts')],
      bundle: true,
      platform: 'node',
      target: 'node22',
      packages: 'external',
      outfile: bundle,
      logLevel: 'warning',
    });
    const run = spawnSync(process.execPath, [bundle], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeout: 120_000,
    });
    if (run.status !== 0) throw new Error(`driver failed (exit ${run.status}):\n${run.stderr}`);
    out = JSON.parse(run.stdout);
  }, 150_000);

  it('refuses an unknown cluster, unused and missing parameters, unknown statement ids', () => {
    expect(out.unknownCluster).toMatch(/^ValidationException: Cluster other not found/);
    expect(out.unusedParameter).toBe('ValidationException: parameter(s) x not referenced by the SQL');
    expect(out.missingParameter).toMatch(/^ValidationException: SQL refers to parameter :y/);
    expect(out.unknownStatement).toMatch(/^ResourceNotFoundException: Query does not exist/);
  });

  it('answers DescribeStatement and GetStatementResult with typed fields, parameters bound as values', () => {
    expect(out.selectDescribe).toMatchObject({ Status: 'FINISHED', HasResultSet: true, ResultRows: 1, QueryParameters: [{ name: 'p', value: "it's" }] });
    expect(out.selectResult.Records).toEqual([
      [{ longValue: 7 }, { stringValue: 'x' }, { isNull: true }, { doubleValue: 1.5 }, { booleanValue: true }, { stringValue: "it's" }],
    ]);
    expect(out.selectResult.ColumnMetadata.map((c: { name: string }) => c.name)).toEqual(['i', 's', 'n', 'd', 'b', 'p']);
  });

  it('runs a batch as one transaction: a failed statement rolls back the earlier ones and aborts the rest', () => {
    expect(out.failedBatch).toMatchObject({ Status: 'FAILED', Error: 'ERROR: relation "missing" does not exist' });
    expect(out.failedBatch.SubStatements.map((s: { Status: string }) => s.Status)).toEqual(['FINISHED', 'FAILED', 'ABORTED']);
    expect(out.rowsAfterFailedBatch).toEqual({ longValue: 0 });
    expect(out.dataApiFailure).toEqual({ status: 'FAILED', index: 1, message: expect.stringContaining('FAILED at statement 2') });
  });

  it('ends temp tables with the call, as a Data API session ends', () => {
    expect(out.tempTableSessions).toEqual(['FINISHED', 'FINISHED']);
  });

  it('applies the deploy-time statements twice without error, and keeps the loader user inside its grants', () => {
    expect(out.loaderDenied).toEqual({
      createTable: expect.stringMatching(/permission denied for schema clickstream/),
      dropTable: expect.stringMatching(/must be owner of table events/),
      updateAudit: expect.stringMatching(/permission denied for table load_audit/),
      truncateEvents: expect.stringMatching(/permission denied for table events/),
    });
  });

  it('fails every statement of a database user that does not exist, as sign-in would', () => {
    expect(out.unknownUser).toMatch(/cannot sign in as database user "nobody": role "nobody" does not exist/);
  });

  it("runs the loader's COPY + merge exactly once in effect, as the loader's own database user: a repeated object is skipped, a new version replaces rows", () => {
    expect(out.firstLoad).toMatchObject({ status: 'loaded', rows: 2 });
    expect(out.repeatedLoad).toEqual({ status: 'already-loaded' });
    expect(out.newVersionLoad).toMatchObject({ status: 'loaded', rows: 2 });
    // Two distinct events (one sent twice in the object: the later processed_at wins), no duplicates.
    expect(out.warehouseRows).toEqual([{ longValue: 2 }, { longValue: 2 }, { stringValue: '2026-01-01 10:00:01.000' }]);
    expect(out.stats).toMatchObject({ copies: 2, rowsCopied: 6 });
  });

  it('fails a COPY whose Parquet columns do not match the table, as Redshift maps them by position', () => {
    expect(out.wrongColumns).toMatch(
      new RegExp(`FAILED at statement 2: .*has ${TABLES.quarantine.columns.length} columns, the table "stage_events" ${TABLES.curated.columns.length}`),
    );
  });
});
