/**
 * The warehouse stand-in's own rules, on PGlite in a worker thread (jest cannot start PGlite in
 * its VM): primary keys and the COPY manifest's content_length check as options, injected failures.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('../functions/helpers/esm').requireEsm('hyparquet-writer'));

import { TABLES } from '../../functions/shared/contract';
import { encodeParquet } from '../../functions/shared/parquet';
import { copyManifest } from '../../functions/warehouse-loader/sql';
import { requireEsm } from '../functions/helpers/esm';
import { PgliteWorker } from '../functions/helpers/warehouse-on-postgres';
import { parquetDecoder, RedshiftOnPostgres, type HyparquetReader } from '../../local/standins/redshift-on-postgres';

const objects = new Map<string, Uint8Array>();
const options = {
  readObject: async (bucket: string, key: string) => {
    const object = objects.get(`${bucket}/${key}`);
    if (!object) throw new Error('NoSuchKey');
    return object;
  },
  decodeParquet: parquetDecoder(requireEsm('hyparquet') as HyparquetReader),
};

describe('warehouse stand-in (RedshiftOnPostgres)', () => {
  let db: PgliteWorker;
  let redshiftLike: RedshiftOnPostgres;
  /** Both options on, as the loader's unit tests run it. */
  let enforcing: RedshiftOnPostgres;

  beforeAll(async () => {
    db = new PgliteWorker();
    redshiftLike = await RedshiftOnPostgres.open(db, options);
    enforcing = await RedshiftOnPostgres.open(db, { ...options, enforcePrimaryKeys: true, verifyContentLength: true });
  }, 60_000);

  afterAll(() => db.close());

  const run = async (warehouse: RedshiftOnPostgres, sqls: string[]) => warehouse.describe((await warehouse.submit({ sqls, isBatch: sqls.length > 1 })).Id);

  it('keeps a duplicate primary key by default, as Redshift does, and refuses it when asked to enforce keys', async () => {
    const ddl = (table: string) => `CREATE TABLE ${table} ("id" VARCHAR(8) NOT NULL, PRIMARY KEY ("id")) DISTSTYLE ALL`;
    const duplicates = (table: string) => [ddl(table), `INSERT INTO ${table} VALUES ('a')`, `INSERT INTO ${table} VALUES ('a')`];

    expect((await run(redshiftLike, duplicates('kept'))).Status).toBe('FINISHED');
    expect(await redshiftLike.query('SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);

    const refused = await run(enforcing, duplicates('enforced'));
    expect(refused.Status).toBe('FAILED');
    expect(refused.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FINISHED', 'FAILED']);
    expect(refused.Error).toMatch(/duplicate key value violates unique constraint/);
  });

  it("fails a COPY whose manifest content_length is not the object's size when asked to, naming both", async () => {
    const file = encodeParquet('quarantine', []);
    objects.set('lake/q.parquet', file);
    objects.set('m/ok.manifest', new TextEncoder().encode(copyManifest('lake', 'q.parquet', file.byteLength)));
    objects.set('m/wrong.manifest', new TextEncoder().encode(copyManifest('lake', 'q.parquet', file.byteLength + 1)));
    const copy = (manifest: string) => `COPY "staged" FROM 's3://m/${manifest}' IAM_ROLE default FORMAT AS PARQUET MANIFEST`;
    const staging = `CREATE TEMP TABLE "staged" AS SELECT * FROM (VALUES ${'(' + Array.from({ length: TABLES.quarantine.columns.length }, () => 'NULL::text').join(', ') + ')'}) AS v LIMIT 0`;

    expect((await run(enforcing, [staging, copy('ok.manifest')])).Status).toBe('FINISHED');
    expect((await run(redshiftLike, [staging, copy('wrong.manifest')])).Status).toBe('FINISHED');
    const wrong = await run(enforcing, [staging, copy('wrong.manifest')]);
    expect(wrong.Error).toMatch(
      new RegExp(`content_length ${file.byteLength + 1} for s3://lake/q.parquet does not match the object's ${file.byteLength} bytes`),
    );
  });

  it('fails an injected sub-statement with its own text, rolls the batch back and aborts the rest', async () => {
    await run(redshiftLike, ['CREATE TABLE injected (a int)']);
    const { Id } = await redshiftLike.submit({
      sqls: ['INSERT INTO injected VALUES (1)', 'INSERT INTO injected VALUES (2)', 'INSERT INTO injected VALUES (3)'],
      isBatch: true,
      injectedFailure: { statementIndex: 1, error: 'ERROR: 1023 Serializable isolation violation on table injected' },
    });
    const d = redshiftLike.describe(Id);
    expect(d).toMatchObject({ Status: 'FAILED', Error: 'ERROR: 1023 Serializable isolation violation on table injected' });
    expect(d.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FAILED', 'ABORTED']);
    expect(await redshiftLike.query('SELECT count(*)::int AS n FROM injected')).toEqual([{ n: 0 }]);
  });

  it('aborts a batch after an injected sub-statement has run, rolling back what it did', async () => {
    await run(redshiftLike, ['CREATE TABLE stopped (a int)']);
    const { Id } = await redshiftLike.submit({
      sqls: ['INSERT INTO stopped VALUES (1)', 'INSERT INTO stopped VALUES (2)', 'INSERT INTO stopped VALUES (3)'],
      isBatch: true,
      injectedAbort: { afterStatementIndex: 1, error: 'the session ended' },
    });
    const d = redshiftLike.describe(Id);
    expect(d).toMatchObject({ Status: 'ABORTED', Error: 'the session ended' });
    expect(d.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FINISHED', 'ABORTED']);
    expect(await redshiftLike.query('SELECT count(*)::int AS n FROM stopped')).toEqual([{ n: 0 }]);
  });

  it('answers an unknown statement id as the service does', () => {
    expect(() => redshiftLike.describe('nope')).toThrow(expect.objectContaining({ type: 'ResourceNotFoundException', message: 'Query does not exist: nope' }));
  });
});
