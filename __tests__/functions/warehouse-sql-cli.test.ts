import { loadBatch, schemaStatements } from '../../functions/warehouse-loader/sql';
import { run, USAGE } from '../../scripts/warehouse-sql';

const LOAD = [
  'load',
  '--key',
  'curated/dt=2024-03-20/hour=10/part-1.parquet',
  '--etag',
  '"9B2CF535F27731C974343645A3985328"',
  '--bytes',
  '4096',
  '--lake-bucket',
  'lake-bucket',
  '--manifest-bucket',
  'manifest-bucket',
  '--cluster',
  'daml-warehouse-usw2',
  '--database',
  'analytics',
  '--secret-arn',
  'arn:aws:secretsmanager:us-west-2:123456789012:secret:x',
];

describe('warehouse-sql CLI', () => {
  it('prints the deploy-time DDL', () => {
    expect(run(['ddl'])).toBe(
      schemaStatements()
        .map((s) => `${s.sql};`)
        .join('\n\n'),
    );
  });

  it('prints the manifest and the batch the loader would run for one object', () => {
    const out = JSON.parse(run(LOAD));
    expect(out.manifest.bucket).toBe('manifest-bucket');
    expect(out.manifest.key).toMatch(/^events\/[0-9a-f]{64}\.manifest$/);
    expect(JSON.parse(out.manifest.body).entries[0]).toEqual({
      url: 's3://lake-bucket/curated/dt=2024-03-20/hour=10/part-1.parquet',
      mandatory: true,
      meta: { content_length: 4096 },
    });
    const expected = loadBatch({
      table: 'curated',
      objectKey: 'curated/dt=2024-03-20/hour=10/part-1.parquet',
      etag: '9b2cf535f27731c974343645a3985328',
      objectBytes: 4096,
      manifestBucket: 'manifest-bucket',
      manifestKey: out.manifest.key,
    });
    expect(out.batchExecuteStatement).toEqual({
      ClusterIdentifier: 'daml-warehouse-usw2',
      Database: 'analytics',
      SecretArn: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:x',
      Sqls: expected.sqls,
      Parameters: expected.parameters,
    });
  });

  it.each([
    [['nope'], /unknown command "nope": allowed are ddl and load/],
    [['ddl', 'x'], /ddl takes no arguments/],
    [['load', '--key', 'a'], /load needs --etag, --bytes, --lake-bucket, --manifest-bucket, --cluster, --database, --secret-arn/],
    [LOAD.map((a) => (a === 'curated/dt=2024-03-20/hour=10/part-1.parquet' ? 'raw/x.json' : a)), /--key "raw\/x.json" is not a loadable object/],
    [LOAD.map((a) => (a === '4096' ? '0' : a)), /--bytes "0" must be the object's size/],
    [LOAD.map((a) => (a.startsWith('"9B2') ? 'xyz' : a)), /--etag "xyz" must be 32 hex digits/],
  ])('refuses %j with a specific message', (argv, message) => {
    expect(() => run(argv)).toThrow(message);
  });

  it('prints usage on --help', () => {
    expect(run(['--help'])).toBe(USAGE);
  });
});
