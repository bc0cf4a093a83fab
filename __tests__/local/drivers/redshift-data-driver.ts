/**
 * Runs scenarios against the Redshift Data API stand-in with the real SDK client and the warehouse
 * loader's own DataApi edge and loadObject, and prints the outcomes as JSON. Run in a plain Node
 * process by __tests__/local/redshift-data-standin.test.ts (PGlite cannot start inside jest's VM).
 */
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { encodeParquet } from '../../../functions/shared/parquet';
import { DataApi, StatementFailedError } from '../../../functions/warehouse-loader/data-api';
import { loadObject } from '../../../functions/warehouse-loader/loader';
import { LOADER_DB_USER, schemaStatements, WAREHOUSE_SCHEMA } from '../../../functions/warehouse-loader/sql';
import { RedshiftDataStandin } from '../../../local/standins/redshift-data';
import { parquetDecoder } from '../../../local/standins/redshift-on-postgres';

const objects = new Map<string, Uint8Array>();
const CLUSTER = 'local-warehouse';
const DATABASE = 'analytics';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x';

async function main() {
  const standin = await RedshiftDataStandin.start({
    clusterIdentifier: CLUSTER,
    database: DATABASE,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    decodeParquet: parquetDecoder(require('hyparquet')),
    readObject: async (bucket, key) => {
      const o = objects.get(`${bucket}/${key}`);
      if (!o) throw new Error('NoSuchKey');
      return o;
    },
  });
  const client = new RedshiftDataClient({
    region: 'us-east-1',
    endpoint: standin.endpoint,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
  const conn = { ClusterIdentifier: CLUSTER, Database: DATABASE, SecretArn: SECRET };
  const out: Record<string, unknown> = {};
  const error = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      return 'no error';
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  try {
    out.unknownCluster = await error(() => client.send(new ExecuteStatementCommand({ ...conn, ClusterIdentifier: 'other', Sql: 'SELECT 1' })));
    out.unusedParameter = await error(() => client.send(new ExecuteStatementCommand({ ...conn, Sql: 'SELECT 1', Parameters: [{ name: 'x', value: '1' }] })));
    out.missingParameter = await error(() => client.send(new ExecuteStatementCommand({ ...conn, Sql: 'SELECT :y' })));
    out.unknownStatement = await error(() => client.send(new DescribeStatementCommand({ Id: '00000000-0000-0000-0000-000000000000' })));

    const select = await client.send(
      new ExecuteStatementCommand({
        ...conn,
        Sql: `SELECT 7::int AS i, 'x' AS s, NULL::text AS n, 1.5::float8 AS d, true AS b, :p AS p`,
        Parameters: [{ name: 'p', value: "it's" }],
      }),
    );
    out.selectDescribe = await client.send(new DescribeStatementCommand({ Id: select.Id }));
    out.selectResult = await client.send(new GetStatementResultCommand({ Id: select.Id }));

    await client.send(new ExecuteStatementCommand({ ...conn, Sql: 'CREATE TABLE t (a int)' }));
    const batch = await client.send(
      new BatchExecuteStatementCommand({ ...conn, Sqls: ['INSERT INTO t VALUES (1)', 'INSERT INTO missing VALUES (1)', 'INSERT INTO t VALUES (2)'] }),
    );
    out.failedBatch = await client.send(new DescribeStatementCommand({ Id: batch.Id }));
    const count = await client.send(new ExecuteStatementCommand({ ...conn, Sql: 'SELECT count(*) AS n FROM t' }));
    out.rowsAfterFailedBatch = (await client.send(new GetStatementResultCommand({ Id: count.Id }))).Records?.[0]?.[0];

    const temp = ['CREATE TEMP TABLE tmp (a int)', 'INSERT INTO tmp VALUES (1)'];
    const first = await client.send(new BatchExecuteStatementCommand({ ...conn, Sqls: temp }));
    const second = await client.send(new BatchExecuteStatementCommand({ ...conn, Sqls: temp }));
    out.tempTableSessions = [
      (await client.send(new DescribeStatementCommand({ Id: first.Id }))).Status,
      (await client.send(new DescribeStatementCommand({ Id: second.Id }))).Status,
    ];

    const admin = new DataApi(client, { clusterIdentifier: CLUSTER, database: DATABASE, secretArn: SECRET }, { sleep: async () => undefined });
    // Twice, as a replaced statement re-runs: the user already exists the second time.
    for (let round = 0; round < 2; round++) for (const s of schemaStatements()) await admin.execute(s.sql, [], Date.now() + 60_000, s.name);
    // Everything below runs as the loader does in AWS: signed in as its own database user.
    const api = new DataApi(client, { clusterIdentifier: CLUSTER, database: DATABASE, dbUser: LOADER_DB_USER }, { sleep: async () => undefined });
    const failure = (sql: string, as: DataApi = api) =>
      as.execute(sql, [], Date.now() + 60_000, 'privilege-check').then(
        () => 'no error',
        (e: Error) => e.message,
      );
    out.loaderDenied = {
      createTable: await failure(`CREATE TABLE "${WAREHOUSE_SCHEMA}"."x" (a int)`),
      dropTable: await failure(`DROP TABLE "${WAREHOUSE_SCHEMA}"."events"`),
      updateAudit: await failure(`UPDATE "${WAREHOUSE_SCHEMA}"."load_audit" SET "rows_loaded" = 0`),
      truncateEvents: await failure(`TRUNCATE "${WAREHOUSE_SCHEMA}"."events"`),
    };
    out.unknownUser = await failure(
      'SELECT 1',
      new DataApi(client, { clusterIdentifier: CLUSTER, database: DATABASE, dbUser: 'nobody' }, { sleep: async () => undefined }),
    );
    out.dataApiFailure = await api.batch(['SELECT 1', 'SELECT * FROM nope'], [], Date.now() + 60_000, 'x').then(
      () => 'no error',
      (e: unknown) => (e instanceof StatementFailedError ? { status: e.status, index: e.failedStatementIndex, message: e.message } : String(e)),
    );

    const now = new Date('2026-01-01T10:00:00Z');
    const row = (id: string, processedAt: Date) => ({
      event_id: 'e-' + id,
      event_time: now,
      user_id: 'u1',
      event_type: 'page_view',
      page_url: '/',
      product_id: null,
      category: null,
      session_id: 's1',
      device_type: 'mobile',
      country: 'US',
      city: null,
      event_id_source: 'producer',
      event_date: now,
      event_hour: 10,
      device_class: 'mobile',
      country_code: 'US',
      features: '0',
      ingested_at: now,
      processed_at: processedAt,
      source_shard_id: 'shardId-000000000000',
      source_sequence_number: id,
    });
    const parquet = encodeParquet('curated', [row('1', now), row('2', now), row('1', new Date('2026-01-01T10:00:01Z'))]);
    const key = 'curated/dt=2026-01-01/hour=10/shardId-000000000000-1.parquet';
    objects.set(`lake/${key}`, parquet);
    const object = { bucket: 'lake', key, etag: 'a'.repeat(32), bytes: parquet.byteLength, table: 'curated' as const };
    const manifests = { put: async (bucket: string, k: string, body: string) => void objects.set(`${bucket}/${k}`, new TextEncoder().encode(body)) };
    const settings = { lakeBucket: 'lake', manifestBucket: 'manifests', schema: WAREHOUSE_SCHEMA };
    // Each load below names a version of the one object this driver holds: S3 answers with its size.
    const objectsInS3 = { inspect: async (bucket: string, k: string) => ({ status: 'current' as const, bytes: objects.get(`${bucket}/${k}`)!.byteLength }) };
    const deps = { runner: api, manifests, objects: objectsInS3, settings };
    out.firstLoad = await loadObject(object, deps, Date.now() + 60_000);
    out.repeatedLoad = await loadObject(object, deps, Date.now() + 60_000);
    out.newVersionLoad = await loadObject({ ...object, etag: 'b'.repeat(32) }, deps, Date.now() + 60_000);
    const rows = await client.send(
      new ExecuteStatementCommand({
        ...conn,
        Sql: `SELECT count(*) AS n, count(DISTINCT "event_id") AS d, max("processed_at") AS latest FROM "${WAREHOUSE_SCHEMA}"."events"`,
      }),
    );
    out.warehouseRows = (await client.send(new GetStatementResultCommand({ Id: rows.Id }))).Records?.[0];
    objects.set(`lake/${key}`, encodeParquet('quarantine', []));
    out.wrongColumns = await loadObject({ ...object, etag: 'c'.repeat(32) }, deps, Date.now() + 60_000).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    out.stats = standin.stats;
  } finally {
    await standin.stop();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
