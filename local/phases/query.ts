/**
 * Phase "query": the lake's Parquet objects, copied to <out>/lake/, queried with DuckDB as Athena
 * queries the Glue tables (the platform's saved queries run as saved); the warehouse queried
 * through the Data API, as an analyst's client would (ExecuteStatement + GetStatementResult).
 */
import { GetStatementResultCommand } from '@aws-sdk/client-redshift-data';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TABLES } from '../../functions/shared/contract';
import { LOAD_AUDIT_TABLE, qualified, WAREHOUSE_SCHEMA, WAREHOUSE_TABLES } from '../../functions/warehouse-loader/sql';
import { DAY_PARAMETER, namedQueries, UNIQUE_EVENTS_VIEW } from '../../stacks/athena-queries';
import type { QueryReport } from '../report/model';
import { AthenaStandin } from '../standins/athena';
import type { LocalResources } from './create-resources';
import type { LocalRun } from './run-context';
import { readAll, type StartedStandins } from './start-standins';

/** Rows of each query result kept in the report (a query such as deduplicated-events returns every event). */
const REPORT_ROWS_PER_QUERY = 50;

type Row = Record<string, unknown>;
export type { QueryReport };

export interface LakeAnswers {
  /** Objects and bytes per lake table (curated, quarantine, predictions). */
  readonly objectStats: Record<string, { objects: number; bytes: number }>;
  /** curated, quarantined and duplicate_rows. */
  readonly counts: Row;
  readonly eventsPerHour: Row[];
  readonly quarantineReasons: Row[];
  readonly perBatch: Row[];
  readonly predictionsPerVariant: Row[];
  /** Every quarantine row's raw_data, error_kind and reason, to account for each malformed record. */
  readonly quarantineRows: Row[];
  readonly queries: QueryReport[];
}

export interface WarehouseAnswers {
  /** events, distinct_event_ids, predictions and objects_loaded. */
  readonly counts: Row;
  readonly predictionsPerVariant: Row[];
  readonly loaderDeadLetters: number;
  readonly queries: QueryReport[];
}

async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const objects: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) objects.push({ key: o.Key!, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

export async function queryLake(run: LocalRun, aws: StartedStandins): Promise<LakeAnswers> {
  const { options, platform: p } = run;
  const lakeDir = path.join(options.outDir, 'lake');
  fs.rmSync(lakeDir, { recursive: true, force: true });
  const objectStats: Record<string, { objects: number; bytes: number }> = {};
  for (const table of [TABLES.curated, TABLES.quarantine, TABLES.predictions]) {
    const objects = await listObjects(aws.s3, p.lakeBucket, table.prefix);
    objectStats[table.id] = { objects: objects.length, bytes: objects.reduce((s, o) => s + o.size, 0) };
    for (const o of objects) {
      const file = path.join(lakeDir, o.key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, await readAll(aws.s3, p.lakeBucket, o.key));
    }
  }
  const openedAt = performance.now();
  const athena = await AthenaStandin.open(lakeDir, p.catalogDatabase, ['curated', 'quarantine', 'predictions']);
  aws.info.push({
    name: 'Athena stand-in (DuckDB)',
    replaces: "Athena and the Glue catalog's tables and views (SQL over the lake's Parquet objects)",
    startMs: Math.round(performance.now() - openedAt),
  });
  const queries: QueryReport[] = [];
  const lakeQuery = async (name: string, sql: string, description?: string, parameters: readonly string[] = []) => {
    const rows = await athena.query(sql, parameters);
    queries.push({
      engine: 'athena (DuckDB)',
      name,
      ...(description ? { description } : {}),
      sql,
      rowCount: rows.length,
      rows: rows.slice(0, REPORT_ROWS_PER_QUERY),
    });
    return rows;
  };
  const ev = `"${TABLES.curated.name}"`;
  const qu = `"${TABLES.quarantine.name}"`;
  const pr = `"${TABLES.predictions.name}"`;
  const [counts] = await lakeQuery(
    'records in the lake',
    `SELECT (SELECT count(*) FROM ${ev}) AS curated, (SELECT count(*) FROM ${qu}) AS quarantined,
       (SELECT count(*) FROM (SELECT source_shard_id, source_sequence_number FROM ${ev} UNION ALL SELECT source_shard_id, source_sequence_number FROM ${qu})) -
       (SELECT count(*) FROM (SELECT DISTINCT source_shard_id, source_sequence_number FROM (SELECT source_shard_id, source_sequence_number FROM ${ev} UNION ALL SELECT source_shard_id, source_sequence_number FROM ${qu}))) AS duplicate_rows`,
  );
  // The catalog view over the run's real objects (its SQL as the Glue view stores it): one row per event_id.
  const [unique] = await lakeQuery(
    `${UNIQUE_EVENTS_VIEW} (catalog view)`,
    `SELECT (SELECT count(*) FROM "${UNIQUE_EVENTS_VIEW}") AS view_rows, (SELECT count(DISTINCT event_id) FROM "${UNIQUE_EVENTS_VIEW}") AS view_event_ids, (SELECT count(DISTINCT event_id) FROM ${ev}) AS table_event_ids`,
  );
  if (unique!.view_rows !== unique!.view_event_ids || unique!.view_event_ids !== unique!.table_event_ids) {
    throw new Error(`${UNIQUE_EVENTS_VIEW} must hold one row per event_id of ${TABLES.curated.name}: ${JSON.stringify(unique)}`);
  }
  // The platform's saved Athena queries, their SQL text exactly as the Athena construct saves it.
  const named = new Map<string, Row[]>();
  // A query asking for a day gets the run's latest one (the events' own days, not the example's).
  const [latest] = await athena.query(`SELECT max(dt) AS day FROM ${ev}`);
  for (const q of namedQueries(p.catalogDatabase)) {
    const values = (q.parameters ?? []).map((param) => (param === DAY_PARAMETER && typeof latest?.day === 'string' ? latest.day : param.example));
    named.set(q.id, await lakeQuery(`${q.name} (named query ${q.id})`, q.sql, q.description, values));
  }
  const perBatch = await lakeQuery(
    'data-quality rate per batch',
    `WITH rows AS (SELECT source_shard_id AS shard, source_sequence_number AS seq, 1 AS ok FROM ${ev} UNION ALL SELECT source_shard_id, source_sequence_number, 0 FROM ${qu}),
     numbered AS (SELECT shard, ok, (row_number() OVER (PARTITION BY shard ORDER BY length(seq), seq) - 1) // ${p.processor.mapping.batchSize} AS batch FROM rows)
     SELECT shard, batch, avg(ok) AS rate, count(*) AS records FROM numbered GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const predictionsPerVariant = await lakeQuery(
    'predictions per variant (lake)',
    `SELECT variant, model_version, count(*) AS predictions, avg(score) AS mean_score, quantile_cont(latency_ms, 0.5) AS p50_latency_ms FROM ${pr} GROUP BY 1, 2 ORDER BY 1`,
  );
  const quarantineRows = await athena.query(`SELECT raw_data, error_kind, reason FROM ${qu}`);
  athena.close();
  return {
    objectStats,
    counts: counts!,
    eventsPerHour: named.get('events-per-hour') ?? [],
    quarantineReasons: named.get('quarantine-reasons') ?? [],
    perBatch,
    predictionsPerVariant,
    quarantineRows,
    queries,
  };
}

export async function queryWarehouse(aws: StartedStandins, resources: LocalResources): Promise<WarehouseAnswers> {
  const queries: QueryReport[] = [];
  const warehouseQuery = async (name: string, sql: string) => {
    const done = await resources.dataApi.execute(sql, [], Date.now() + 60_000, `local-report`);
    const result = await resources.redshiftData.send(new GetStatementResultCommand({ Id: done.Id }));
    const columns = result.ColumnMetadata?.map((c) => c.name!) ?? [];
    const rows = (result.Records ?? []).map((fields) =>
      Object.fromEntries(fields.map((f, i) => [columns[i], f.isNull ? null : (f.longValue ?? f.doubleValue ?? f.stringValue ?? f.booleanValue)])),
    );
    queries.push({ engine: 'warehouse (PGlite)', name, sql, rowCount: rows.length, rows: rows.slice(0, REPORT_ROWS_PER_QUERY) });
    return rows;
  };
  const events = qualified(WAREHOUSE_SCHEMA, WAREHOUSE_TABLES.curated.name);
  const predictionsTable = qualified(WAREHOUSE_SCHEMA, WAREHOUSE_TABLES.predictions.name);
  const [counts] = await warehouseQuery(
    'warehouse rows',
    `SELECT (SELECT COUNT(*) FROM ${events}) AS events, (SELECT COUNT(DISTINCT "event_id") FROM ${events}) AS distinct_event_ids, (SELECT COUNT(*) FROM ${predictionsTable}) AS predictions, (SELECT COUNT(*) FROM ${qualified(WAREHOUSE_SCHEMA, LOAD_AUDIT_TABLE)}) AS objects_loaded`,
  );
  const predictionsPerVariant = await warehouseQuery(
    'predictions per variant (warehouse)',
    `SELECT "variant", COUNT(*) AS predictions, AVG("score") AS mean_score FROM ${predictionsTable} GROUP BY 1 ORDER BY 1`,
  );
  await warehouseQuery(
    'conversion funnel (warehouse)',
    `SELECT "event_type", COUNT(*) AS events, COUNT(DISTINCT "session_id") AS sessions FROM ${events} GROUP BY 1 ORDER BY 2 DESC`,
  );
  const loaderDeadLetters = Number(
    (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: resources.loaderDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes
      ?.ApproximateNumberOfMessages ?? 0,
  );
  return { counts: counts!, predictionsPerVariant, loaderDeadLetters, queries };
}
