/**
 * `npm run local`: the whole data flow on this machine. Stand-ins start on 127.0.0.1, the
 * platform's resources are created from the same definitions the stacks use (platform.ts), and
 * the real handlers run: events -> Kinesis -> stream processor -> lake (S3) -> S3 notification ->
 * SQS -> warehouse loader -> COPY through the Data API; a sample of events -> inference handler ->
 * SageMaker runtime -> prediction log -> lake -> warehouse. Then the lake is queried with DuckDB
 * and the warehouse through the Data API, and every record is accounted for.
 */
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { GetStatementResultCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TABLES } from '../functions/shared/contract';
import { createPrng, generateEvents, MALFORMED_KINDS, type GeneratedRecord } from '../functions/shared/generator';
import { sendRecords } from '../functions/shared/producer';
import { DataApi } from '../functions/warehouse-loader/data-api';
import { namedQueries } from '../stacks/athena-queries';
import { schemaStatements, WAREHOUSE_SCHEMA, WAREHOUSE_TABLES, LOAD_AUDIT_TABLE, qualified } from '../functions/warehouse-loader/sql';
import type { LocalRunOptions } from './cli';
import type { InvocationOutcome } from './event-source-mapping';
import { consumeStream } from './kinesis-source';
import { functionArn, invokeLocal, type LocalFunction } from './lambda-runtime';
import { localPlatform, type LocalPlatform } from './platform';
import { checkInvariants, summarizeLatency, type LocalReport, type VariantReport } from './report/model';
import { settleAll } from './settle-all';
import { consumeQueue, type SqsSourceStats } from './sqs-source';
import { AthenaStandin } from './standins/athena';
import type { StandinSet } from './standins/lifecycle';
import { startMoto } from './standins/moto';
import { RedshiftDataStandin } from './standins/redshift-data';
import { SageMakerRuntimeStandin } from './standins/sagemaker-runtime';
import { loadModelArchive } from './standins/xgboost';

export interface RunUi {
  /** A short status line (the progress line). */
  status(line: string): void;
  /** A line that stays (phase changes, notes). */
  note(line: string): void;
}

type KinesisHandler = (event: KinesisStreamEvent, context?: Context) => Promise<unknown>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;
type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
interface PredictionLogLike {
  readonly stats: { buffered: number; queuedBatches: number; dropped: number };
  flush(): Promise<{ written: number; failed: number }>;
}

/** The repository root (holds package.json, ml/ and scripts/), from sources or from dist/. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'scripts', 'toolchain.sh'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${from}`);
    dir = parent;
  }
}

const HOUR_MS = 3_600_000;
/** Rows of each query result kept in the report (a query such as deduplicated-events returns every event). */
const REPORT_ROWS_PER_QUERY = 50;
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

/** Environment every handler module sees when it is loaded: local endpoints and credentials only. */
function setAwsEnvironment(p: LocalPlatform, endpoints: { moto: string; redshiftData: string; sagemaker: string }): void {
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN']) {
    delete process.env[name];
  }
  Object.assign(process.env, LOCAL_CREDENTIALS, {
    AWS_REGION: p.region,
    AWS_DEFAULT_REGION: p.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_KINESIS: endpoints.moto,
    AWS_ENDPOINT_URL_S3: endpoints.moto,
    AWS_ENDPOINT_URL_SQS: endpoints.moto,
    AWS_ENDPOINT_URL_REDSHIFT_DATA: endpoints.redshiftData,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: endpoints.sagemaker,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
  });
}

/**
 * Loads a handler module with its function's environment variables set, as Lambda starts an
 * execution environment. The handlers read their settings when loaded, so the variables are
 * removed again afterwards: no function sees another's.
 */
function loadWithEnvironment<T>(variables: Readonly<Record<string, string>>, load: () => T): T {
  const before = new Map(Object.keys(variables).map((k) => [k, process.env[k]]));
  Object.assign(process.env, variables);
  try {
    return load();
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function phaseTimer() {
  const phases: { name: string; seconds: number }[] = [];
  let current: { name: string; started: number } | undefined;
  return {
    phases,
    start(name: string) {
      this.end();
      current = { name, started: performance.now() };
    },
    end() {
      if (current) phases.push({ name: current.name, seconds: Math.round((performance.now() - current.started) / 10) / 100 });
      current = undefined;
    },
  };
}

async function readAll(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToByteArray();
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

/** hyparquet (ESM-only; Node's require(esm) loads it) decoding a file into rows in column order. */
async function decodeParquet(file: Uint8Array): Promise<{ columns: string[]; rows: unknown[][] }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hyparquet = require('hyparquet') as {
    parquetMetadata(buffer: ArrayBuffer): { schema: { name: string }[] };
    parquetReadObjects(options: { file: ArrayBuffer }): Promise<Record<string, unknown>[]>;
  };
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const columns = hyparquet.parquetMetadata(buffer).schema.slice(1).map((s) => s.name);
  const objects = await hyparquet.parquetReadObjects({ file: buffer });
  return { columns, rows: objects.map((o) => columns.map((c) => o[c])) };
}

function apiEvent(body: string, accountId: string): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'POST /predict',
    rawPath: '/predict',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'localhost' },
    requestContext: {
      accountId,
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/predict', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'npm-run-local' },
      requestId: randomUUID(),
      routeKey: 'POST /predict',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

export async function runLocal(options: LocalRunOptions, standins: StandinSet, ui: RunUi): Promise<LocalReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const root = repoRoot();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const timer = phaseTimer();
  const p = localPlatform();
  fs.mkdirSync(path.join(options.outDir, 'logs'), { recursive: true });
  const standinInfo: LocalReport['standins'][number][] = [];

  // ---------------------------------------------------------------- stand-ins
  timer.start('start stand-ins');
  let t = performance.now();
  ui.note('starting moto (Kinesis, S3, SQS) on 127.0.0.1');
  const moto = await startMoto(standins, { repoRoot: root, logFile: path.join(options.outDir, 'logs', 'moto.log'), onStatus: ui.note });
  standinInfo.push({ name: moto.name, replaces: 'Kinesis Data Streams, S3, SQS', startMs: Math.round(performance.now() - t), pid: moto.pid });

  const clientConfig = { region: p.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: moto.endpoint };
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  // HTTP/1.1: the SDK's Kinesis default is HTTP/2, which the service speaks over TLS and moto does not speak at all.
  const kinesis = new KinesisClient({ ...clientConfig, requestHandler: new NodeHttpHandler() });
  const sqs = new SQSClient(clientConfig);

  t = performance.now();
  const redshift = standins.add(
    await RedshiftDataStandin.start({
      clusterIdentifier: p.loader.clusterIdentifier,
      database: p.loader.database,
      readObject: (bucket, key) => readAll(s3, bucket, key),
      decodeParquet,
      cacheDir: path.join(process.env.DAML_TOOLCHAIN_DIR ?? path.join(os.homedir(), '.cache', 'data-analytics-ml', 'toolchain'), 'pglite'),
    }),
  );
  standinInfo.push({ name: redshift.name, replaces: 'Redshift (SQL) and the Redshift Data API', startMs: Math.round(performance.now() - t) });

  // ---------------------------------------------------------------- resources
  timer.start('create resources');
  const streamArn = `arn:aws:kinesis:${p.region}:${p.accountId}:stream/${p.streamName}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: p.streamName, ShardCount: p.shardCount }));
  for (const bucket of [p.lakeBucket, p.manifestBucket]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const queueUrl = async (name: string, attributes: Record<string, string> = {}) => (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const queueArn = (name: string) => `arn:aws:sqs:${p.region}:${p.accountId}:${name}`;
  const processorDlqUrl = await queueUrl(p.processor.onFailureQueue, { MessageRetentionPeriod: '1209600' });
  const loaderDlqUrl = await queueUrl(p.loader.deadLetterQueue, { MessageRetentionPeriod: '1209600' });
  const loaderQueueUrl = await queueUrl(p.loader.queue, {
    VisibilityTimeout: String(p.loader.timeoutSeconds * 6),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(p.loader.deadLetterQueue), maxReceiveCount: p.loader.maxReceiveCount }),
  });
  // The warehouse loader hears about every Parquet object of the tables it loads.
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: p.lakeBucket,
      NotificationConfiguration: {
        QueueConfigurations: Object.values(WAREHOUSE_TABLES).map((spec) => ({
          Id: `load-${spec.name}`,
          QueueArn: queueArn(p.loader.queue),
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: TABLES[spec.tableId].prefix }, { Name: 'suffix', Value: '.parquet' }] } },
        })),
      },
    }),
  );
  const secretArn = p.secretArn;
  // The stack uploads each variant's shipped archive to the lake; SageMaker loads it from there.
  for (const v of p.inference.variants) {
    await s3.send(new PutObjectCommand({ Bucket: p.lakeBucket, Key: v.artifactKey, Body: fs.readFileSync(v.archivePath) }));
  }
  t = performance.now();
  const variants = [];
  for (const v of p.inference.variants) variants.push({ ...v, model: loadModelArchive(await readAll(s3, p.lakeBucket, v.artifactKey)) });
  const sagemaker = standins.add(await SageMakerRuntimeStandin.start({ endpointName: p.inference.endpointName, accountId: p.accountId, region: p.region, seed: options.seed, variants }));
  standinInfo.push({ name: sagemaker.name, replaces: 'SageMaker runtime (InvokeEndpoint, built-in XGBoost container)', startMs: Math.round(performance.now() - t) });
  setAwsEnvironment(p, { moto: moto.endpoint, redshiftData: redshift.endpoint, sagemaker: sagemaker.endpoint });
  // The schema goes in as the deployment applies it: each statement through the Data API.
  const redshiftData = new RedshiftDataClient({ region: p.region, credentials: clientConfig.credentials, endpoint: redshift.endpoint });
  const dataApi = new DataApi(redshiftData, { clusterIdentifier: p.loader.clusterIdentifier, database: p.loader.database, secretArn });
  for (const statement of schemaStatements()) await dataApi.execute(statement.sql, [], Date.now() + 60_000, `schema-${statement.name}`);

  // ---------------------------------------------------------------- handlers
  const processorFn: LocalFunction = { functionName: p.processor.functionName, timeoutSeconds: p.processor.timeoutSeconds, region: p.region, accountId: p.accountId };
  const loaderFn: LocalFunction = { functionName: p.loader.functionName, timeoutSeconds: p.loader.timeoutSeconds, region: p.region, accountId: p.accountId };
  const inferenceFn: LocalFunction = { functionName: p.inference.functionName, timeoutSeconds: p.inference.timeoutSeconds, region: p.region, accountId: p.accountId };
  const processorHandler = loadWithEnvironment(p.processor.environment, () =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../functions/stream-processor/index') as { handler: KinesisHandler }).handler,
  );
  const loaderHandler = loadWithEnvironment(
    p.loader.environment,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => (require('../functions/warehouse-loader/index') as { handler: SqsHandler }).handler,
  );
  const inference = loadWithEnvironment(
    p.inference.environment,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require('./inference-environment') as { handler: ApiHandler; predictionLog: PredictionLogLike },
  );

  // ---------------------------------------------------------------- produce + consume
  timer.start('send, process and load');
  // Event times over the last 24 hours, as a live producer's would be: the saved queries look at recent partitions.
  const startTime = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * HOUR_MS;
  const generated: GeneratedRecord[] = generateEvents({ seed: options.seed, count: options.events, malformedShare: options.malformedShare, startTime, spanHours: 24 });
  const rawBytes = generated.reduce((s, r) => s + r.data.byteLength, 0);
  let producerDone = false;
  let sent = 0;
  let processed = 0;
  let objectsLoaded = 0;
  const processorLatency: number[] = [];
  const loaderLatency: number[] = [];
  let replayedInvocations = 0;
  let replayedRecords = 0;
  let onFailureRecords = 0;
  const replayRandom = createPrng(options.seed ^ 0x5eed);
  const progress = setInterval(() => ui.status(`sent ${sent.toLocaleString('en-US')}/${options.events.toLocaleString('en-US')} · processed ${processed.toLocaleString('en-US')} · warehouse loads ${objectsLoaded}`), 250);

  const invokeProcessor = async (event: KinesisStreamEvent): Promise<InvocationOutcome> => {
    const { outcome, durationMs } = await invokeLocal(processorFn, processorHandler, event);
    processorLatency.push(durationMs);
    // Fault injection: the handler ran (and wrote), but its response never reached the event
    // source mapping, as after a timeout at the very end: Lambda delivers the batch again.
    // The first successful invocation is always replayed (when replays are on), so even a short run proves idempotency.
    if (outcome.kind === 'response' && options.replayShare > 0 && (replayedInvocations === 0 || replayRandom() < options.replayShare)) {
      replayedInvocations++;
      replayedRecords += event.Records.length;
      return { kind: 'error', error: new Error('injected: response lost after the handler ran') };
    }
    return outcome;
  };

  const flowStarted = performance.now();
  let streamDrainedSeconds = 0;
  let warehouseLoadedSeconds = 0;
  // The producer helper with its defaults (4 PutRecords calls in flight, retries of failed entries), as a real producer runs it.
  const producer = sendRecords(kinesis, generated, { stream: p.streamName, onProgress: (s) => (sent = s.sent) }).finally(() => (producerDone = true));
  let streamDone = false;
  const stream = consumeStream({
    client: kinesis,
    streamName: p.streamName,
    streamArn,
    region: p.region,
    functionArn: functionArn(processorFn),
    mapping: p.processor.mapping,
    invoke: (event) => invokeProcessor(event),
    onFailure: async (message, records) => {
      onFailureRecords += records.length;
      await sqs.send(new SendMessageCommand({ QueueUrl: processorDlqUrl, MessageBody: JSON.stringify(message) }));
    },
    producerDone: () => producerDone,
    onProgress: (n) => (processed += n),
  }).finally(() => {
    streamDone = true;
    streamDrainedSeconds = Math.round(performance.now() - flowStarted) / 1000;
  });
  const loaderStats: SqsSourceStats[] = [];
  const invokeLoader = async (event: SQSEvent) => {
    const { outcome, durationMs } = await invokeLocal(loaderFn, loaderHandler, event);
    loaderLatency.push(durationMs);
    return outcome;
  };
  const loaderOptions = {
    client: sqs,
    queueUrl: loaderQueueUrl,
    queueArn: queueArn(p.loader.queue),
    region: p.region,
    batchSize: p.loader.batchSize,
    maxConcurrency: p.loader.maxConcurrency,
    invoke: invokeLoader,
    onBatch: (messages: number, failed: number) => (objectsLoaded += messages - failed),
  };
  const loading = consumeQueue({ ...loaderOptions, upstreamDone: () => streamDone }).finally(() => {
    warehouseLoadedSeconds = Math.round(performance.now() - flowStarted) / 1000;
  });
  let flow;
  try {
    flow = await settleAll([producer, stream, loading] as const);
  } finally {
    clearInterval(progress);
  }
  const [summary, streamResult, loaded] = flow;
  loaderStats.push(loaded);
  ui.note(
    `stream drained after ${streamDrainedSeconds.toFixed(1)} s (${streamResult.recordsRead.toLocaleString('en-US')} records, ${streamResult.stats.invocations} invocations, ${replayedInvocations} replayed); warehouse loaded after ${warehouseLoadedSeconds.toFixed(1)} s`,
  );

  // ---------------------------------------------------------------- inference
  timer.start('inference');
  const validRecords = generated.filter((r) => r.kind === 'valid');
  const sampleSize = Math.min(options.predictions, validRecords.length);
  const stride = validRecords.length / Math.max(1, sampleSize);
  const sample = Array.from({ length: sampleSize }, (_, i) => validRecords[Math.floor(i * stride)]!);
  const inferenceLatency: number[] = [];
  const answeredBy = new Map<string, number>();
  let inferenceErrors = 0;
  let cursor = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, sample.length) }, async () => {
      while (cursor < sample.length) {
        const record = sample[cursor++]!;
        const { outcome, durationMs } = await invokeLocal(inferenceFn, inference.handler, apiEvent(record.data.toString('utf8'), p.accountId));
        inferenceLatency.push(durationMs);
        const response = outcome.kind === 'response' ? (outcome.response as APIGatewayProxyStructuredResultV2) : undefined;
        if (response?.statusCode === 200) {
          const body = JSON.parse(String(response.body)) as { variant: string };
          answeredBy.set(body.variant, (answeredBy.get(body.variant) ?? 0) + 1);
        } else {
          inferenceErrors++;
          if (inferenceErrors <= 3) ui.note(`inference request failed: ${outcome.kind === 'error' ? String(outcome.error) : `${response?.statusCode} ${response?.body}`}`);
        }
        ui.status(`inference ${inferenceLatency.length}/${sample.length}`);
      }
    }),
  );
  const bufferedAtEnd = inference.predictionLog.stats.buffered + inference.predictionLog.stats.queuedBatches;
  // The execution environment stays warm in the service and flushes on its next requests; here the run ends, so drain it.
  await inference.predictionLog.flush();
  loaderStats.push(await consumeQueue({ ...loaderOptions, upstreamDone: () => true }));

  // ---------------------------------------------------------------- query the lake (Athena stand-in)
  timer.start('query lake and warehouse');
  const lakeDir = path.join(options.outDir, 'lake');
  fs.rmSync(lakeDir, { recursive: true, force: true });
  const objectStats: Record<string, { objects: number; bytes: number }> = {};
  for (const table of [TABLES.curated, TABLES.quarantine, TABLES.predictions]) {
    const objects = await listObjects(s3, p.lakeBucket, table.prefix);
    objectStats[table.id] = { objects: objects.length, bytes: objects.reduce((s, o) => s + o.size, 0) };
    for (const o of objects) {
      const file = path.join(lakeDir, o.key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, await readAll(s3, p.lakeBucket, o.key));
    }
  }
  const athena = await AthenaStandin.open(lakeDir, p.catalogDatabase, ['curated', 'quarantine', 'predictions']);
  const queries: LocalReport['queries'][number][] = [];
  const lakeQuery = async (name: string, sql: string) => {
    const rows = await athena.query(sql);
    queries.push({ engine: 'athena (DuckDB)', name, sql, rowCount: rows.length, rows: rows.slice(0, REPORT_ROWS_PER_QUERY) });
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
  // The platform's saved Athena queries, their SQL text exactly as the Athena construct saves it.
  const named = new Map<string, Record<string, unknown>[]>();
  for (const q of namedQueries(p.catalogDatabase)) named.set(q.id, await lakeQuery(`${q.name} (named query ${q.id})`, q.sql));
  const eventsPerHour = named.get('events-per-hour') ?? [];
  const reasons = named.get('quarantine-reasons') ?? [];
  const perBatch = await lakeQuery(
    'data-quality rate per batch',
    `WITH rows AS (SELECT source_shard_id AS shard, source_sequence_number AS seq, 1 AS ok FROM ${ev} UNION ALL SELECT source_shard_id, source_sequence_number, 0 FROM ${qu}),
     numbered AS (SELECT shard, ok, (row_number() OVER (PARTITION BY shard ORDER BY length(seq), seq) - 1) // ${p.processor.mapping.batchSize} AS batch FROM rows)
     SELECT shard, batch, avg(ok) AS rate, count(*) AS records FROM numbered GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const lakePredictions = await lakeQuery('predictions per variant (lake)', `SELECT variant, model_version, count(*) AS predictions, avg(score) AS mean_score, quantile_cont(latency_ms, 0.5) AS p50_latency_ms FROM ${pr} GROUP BY 1, 2 ORDER BY 1`);
  const quarantineRows = await athena.query(`SELECT raw_data, error_kind, reason FROM ${qu}`);
  athena.close();

  // ---------------------------------------------------------------- query the warehouse (Data API)
  const warehouseQuery = async (name: string, sql: string) => {
    const done = await dataApi.execute(sql, [], Date.now() + 60_000, `local-report`);
    const result = await redshiftData.send(new GetStatementResultCommand({ Id: done.Id }));
    const columns = result.ColumnMetadata?.map((c) => c.name!) ?? [];
    const rows = (result.Records ?? []).map((fields) => Object.fromEntries(fields.map((f, i) => [columns[i], f.isNull ? null : (f.longValue ?? f.doubleValue ?? f.stringValue ?? f.booleanValue)])));
    queries.push({ engine: 'warehouse (PGlite)', name, sql, rowCount: rows.length, rows: rows.slice(0, REPORT_ROWS_PER_QUERY) });
    return rows;
  };
  const events = qualified(WAREHOUSE_SCHEMA, WAREHOUSE_TABLES.curated.name);
  const predictionsTable = qualified(WAREHOUSE_SCHEMA, WAREHOUSE_TABLES.predictions.name);
  const [whCounts] = await warehouseQuery(
    'warehouse rows',
    `SELECT (SELECT COUNT(*) FROM ${events}) AS events, (SELECT COUNT(DISTINCT "event_id") FROM ${events}) AS distinct_event_ids, (SELECT COUNT(*) FROM ${predictionsTable}) AS predictions, (SELECT COUNT(*) FROM ${qualified(WAREHOUSE_SCHEMA, LOAD_AUDIT_TABLE)}) AS objects_loaded`,
  );
  const whVariants = await warehouseQuery('predictions per variant (warehouse)', `SELECT "variant", COUNT(*) AS predictions, AVG("score") AS mean_score FROM ${predictionsTable} GROUP BY 1 ORDER BY 1`);
  await warehouseQuery('conversion funnel (warehouse)', `SELECT "event_type", COUNT(*) AS events, COUNT(DISTINCT "session_id") AS sessions FROM ${events} GROUP BY 1 ORDER BY 2 DESC`);
  const loaderDeadLetters = Number(
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: loaderDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages ?? 0,
  );
  timer.end();

  // ---------------------------------------------------------------- account for every record
  const malformedData = new Map<string, string>();
  for (const r of generated) if ((MALFORMED_KINDS as readonly string[]).includes(r.kind)) malformedData.set(r.data.toString('base64'), r.kind);
  const byKind: Record<string, Record<string, number>> = {};
  let malformedQuarantined = 0;
  let malformedWithReason = 0;
  let validQuarantined = 0;
  for (const row of quarantineRows) {
    const kind = malformedData.get(String(row.raw_data));
    if (kind === undefined) {
      validQuarantined++;
      continue;
    }
    malformedQuarantined++;
    if (typeof row.reason === 'string' && row.reason.trim() !== '') malformedWithReason++;
    const errorKind = String(row.error_kind);
    byKind[kind] ??= {};
    byKind[kind][errorKind] = (byKind[kind][errorKind] ?? 0) + 1;
  }
  const curated = Number(counts!.curated);
  const quarantined = Number(counts!.quarantined);
  const records: LocalReport['records'] = {
    generated: generated.length,
    sent: summary.sent,
    producerFailed: summary.failed.length,
    readFromStream: streamResult.recordsRead,
    curated,
    quarantined,
    onFailureDestination: onFailureRecords,
    retried: streamResult.stats.recordsRetried,
    lost: summary.sent - curated - quarantined - onFailureRecords,
    duplicateLakeRows: Number(counts!.duplicate_rows),
    replayedInvocations,
    replayedRecords,
  };
  const lakeByVariant = new Map(lakePredictions.map((r) => [String(r.variant), r]));
  const whByVariant = new Map(whVariants.map((r) => [String(r.variant), r]));
  const byVariant: VariantReport[] = p.inference.variants.map((v) => ({
    variant: v.name,
    modelVersion: v.modelVersion,
    weight: v.weight,
    answered: answeredBy.get(v.name) ?? 0,
    lakeRows: Number(lakeByVariant.get(v.name)?.predictions ?? 0),
    warehouseRows: Number(whByVariant.get(v.name)?.predictions ?? 0),
    meanScore: lakeByVariant.get(v.name)?.mean_score === undefined ? null : Number(lakeByVariant.get(v.name)!.mean_score),
  }));
  const warehouse: LocalReport['warehouse'] = {
    events: Number(whCounts!.events),
    distinctEventIds: Number(whCounts!.distinct_event_ids),
    predictions: Number(whCounts!.predictions),
    objectsLoaded: Number(whCounts!.objects_loaded),
    loaderInvocations: loaderStats.reduce((s, x) => s + x.invocations, 0),
    loaderFailedMessages: loaderStats.reduce((s, x) => s + x.failedMessages, 0),
    loaderDeadLetters,
    statements: redshift.stats.statements,
    rowsCopied: redshift.stats.rowsCopied,
    sqlSeconds: Math.round(redshift.stats.sqlMs) / 1000,
    copySeconds: Math.round(redshift.stats.copyMs) / 1000,
  };
  const predictions: LocalReport['predictions'] = {
    requested: sample.length,
    answered: [...answeredBy.values()].reduce((s, n) => s + n, 0),
    errors: inferenceErrors,
    lakeRows: lakePredictions.reduce((s, r) => s + Number(r.predictions), 0),
    bufferedAtEnd,
    byVariant,
  };
  const quality: LocalReport['quality'] = {
    rate: curated + quarantined === 0 ? 1 : curated / (curated + quarantined),
    alarmThreshold: p.config.observability.alarms.dataQualityRatio,
    malformedSent: generated.filter((r) => (MALFORMED_KINDS as readonly string[]).includes(r.kind)).length,
    malformedQuarantined,
    malformedWithReason,
    validQuarantined,
    byKind,
    perBatch: perBatch.map((r) => ({ shard: String(r.shard), batch: Number(r.batch), rate: Number(r.rate), records: Number(r.records) })),
  };
  const modelLatencyMs = Object.values(sagemaker.stats).flatMap((s) => s.modelLatencyMicros.map((us) => us / 1000));
  const report: LocalReport = {
    version: 1,
    startedAt,
    wallSeconds: Math.round((performance.now() - started) / 10) / 100,
    options: { events: options.events, malformedShare: options.malformedShare, seed: options.seed, predictions: options.predictions, replayShare: options.replayShare },
    standins: standinInfo,
    phases: timer.phases,
    milestones: { streamDrainedSeconds, warehouseLoadedSeconds },
    records,
    mapping: {
      invocations: streamResult.stats.invocations,
      partialFailures: streamResult.stats.partialFailures,
      functionErrors: streamResult.stats.functionErrors,
      bisections: streamResult.stats.bisections,
      batchSize: p.processor.mapping.batchSize,
    },
    bytes: {
      raw: rawBytes,
      curatedParquet: objectStats.curated!.bytes,
      quarantineParquet: objectStats.quarantine!.bytes,
      curatedObjects: objectStats.curated!.objects,
      quarantineObjects: objectStats.quarantine!.objects,
    },
    quality,
    eventsPerHour: eventsPerHour.map((r) => ({ hour: `${String(r.dt)} ${String(r.hour)}:00`, events: Number(r.events) })),
    quarantineReasons: reasons.map((r) => ({ errorKind: String(r.error_kind), records: Number(r.records), example: String(r.example_reason ?? '') })),
    warehouse,
    predictions,
    latency: [
      summarizeLatency('stream-processor invocation', processorLatency),
      summarizeLatency('warehouse-loader invocation', loaderLatency),
      summarizeLatency('inference request (handler)', inferenceLatency),
      summarizeLatency('model evaluation (endpoint)', modelLatencyMs),
    ],
    queries,
    invariants: [],
    outDir: options.outDir,
  };
  return { ...report, invariants: checkInvariants({ records, quality, warehouse, predictions, replayShare: options.replayShare }) };
}

