/** A report of a small healthy run, for the renderings' tests; `wide` adds what a real run's report holds. */
import { checkInvariants, type InvariantInputs, type LocalReport } from '../../../local/report/model';

export const healthy: InvariantInputs = {
  records: {
    generated: 100,
    sent: 100,
    producerFailed: 0,
    readFromStream: 100,
    curated: 90,
    quarantined: 8,
    onFailureDestination: 2,
    retried: 10,
    lost: 0,
    duplicateLakeRows: 0,
    replayedInvocations: 1,
    replayedRecords: 10,
  },
  quality: { malformedSent: 8, malformedQuarantined: 8, malformedWithReason: 8, validQuarantined: 0 },
  warehouse: { events: 90, distinctEventIds: 90, predictions: 5 },
  predictions: {
    requested: 5,
    answered: 5,
    lakeRows: 5,
    byVariant: [
      { variant: 'champion', modelVersion: 'v1', weight: 90, answered: 4, lakeRows: 4, warehouseRows: 4, meanScore: 0.2 },
      { variant: 'challenger', modelVersion: 'v2', weight: 10, answered: 1, lakeRows: 1, warehouseRows: 1, meanScore: 0.1 },
    ],
  },
  replayShare: 0.05,
};

export function report(): LocalReport {
  return {
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    wallSeconds: 12.3,
    options: { events: 100, malformedShare: 0.08, seed: 1, predictions: 5, replayShare: 0.05, chaosSeed: null },
    chaos: null,
    standins: [{ name: 'moto', replaces: 'Kinesis, S3, SQS', startMs: 800, pid: 1 }],
    phases: [{ name: 'send', seconds: 1 }],
    milestones: { streamDrainedSeconds: 1, warehouseLoadedSeconds: 2 },
    records: healthy.records,
    mapping: { invocations: 3, partialFailures: 0, functionErrors: 1, bisections: 1, batchSize: 1000 },
    bytes: { raw: 1048576, curatedParquet: 300000, quarantineParquet: 1000, curatedObjects: 5, quarantineObjects: 1 },
    quality: {
      ...healthy.quality,
      rate: 0.92,
      alarmThreshold: 0.98,
      byKind: { not_json: { not_json: 8 } },
      perBatch: [{ shard: 'shardId-000000000000', batch: 0, rate: 0.92, records: 98 }],
    },
    eventsPerHour: [
      { hour: '2024-03-20 00:00', events: 40 },
      { hour: '2024-03-20 01:00', events: 50 },
    ],
    quarantineReasons: [{ errorKind: 'not_json', records: 8, example: '(record): not_json, got "<script>"' }],
    warehouse: {
      ...healthy.warehouse,
      objectsLoaded: 5,
      loaderInvocations: 2,
      loaderFailedMessages: 0,
      loaderDeadLetters: 0,
      statements: 40,
      rowsCopied: 95,
      sqlSeconds: 1.5,
      copySeconds: 1,
    },
    predictions: { ...healthy.predictions, errors: 0, clientRetries: 0, bufferedAtEnd: 0 },
    latency: [{ name: 'inference request (handler)', count: 5, p50: 10, p95: 20, p99: 30, max: 31 }],
    queries: [{ engine: 'athena (DuckDB)', name: 'events per hour', sql: 'SELECT 1', rowCount: 1, rows: [{ hour: '00', events: 40 }] }],
    invariants: checkInvariants(healthy),
    outDir: '/tmp/x',
  };
}

/**
 * The shapes a real run's report has that the small one lacks: a 24-column query result with a long
 * feature line, unrounded averages, thousands of events per hour, per-batch rates close together
 * under the threshold, and every stand-in.
 */
export function wideReport(): LocalReport {
  const base = report();
  const eventColumns = [
    'event_id',
    'event_time',
    'user_id',
    'event_type',
    'page_url',
    'product_id',
    'category',
    'session_id',
    'device_type',
    'country',
    'city',
    'event_id_source',
    'event_date',
    'event_hour',
    'device_class',
    'country_code',
    'features',
    'ingested_at',
    'processed_at',
    'source_shard_id',
    'source_sequence_number',
    'dt',
    'hour',
    'copy',
  ];
  const eventRow = (i: number) =>
    Object.fromEntries(
      eventColumns.map((c) => [
        c,
        c === 'features'
          ? Array.from({ length: 40 }, (_, k) => ((k * 7919 + i) % 1000) / 1000).join(',')
          : c === 'page_url'
            ? `https://shop.example.com/products/${'very-long-product-slug-'.repeat(4)}${i}?utm_source=newsletter&utm_campaign=winter`
            : c === 'source_sequence_number'
              ? `4963${'0'.repeat(40)}${i}`
              : `${c}-value-${i}`,
      ]),
    );
  return {
    ...base,
    standins: [
      { name: 'moto (Kinesis, S3, SQS)', replaces: 'Kinesis Data Streams, S3, SQS', startMs: 741, pid: 1 },
      { name: 'fault-injecting S3 proxy (chaos run)', replaces: "faults on the functions' S3 requests (seed 42)", startMs: 3 },
      { name: 'Redshift Data API stand-in (PGlite)', replaces: 'Redshift (SQL) and the Redshift Data API', startMs: 1897 },
      { name: 'SageMaker runtime stand-in (XGBoost in TypeScript)', replaces: 'SageMaker runtime (InvokeEndpoint, built-in XGBoost container)', startMs: 57 },
      { name: 'Athena stand-in (DuckDB)', replaces: "Athena and the Glue catalog's tables and views (SQL over the lake's Parquet objects)", startMs: 40 },
    ],
    eventsPerHour: Array.from({ length: 48 }, (_, h) => ({
      hour: `2024-03-${20 + Math.floor(h / 24)} ${String(h % 24).padStart(2, '0')}:00`,
      events: 1200 + ((h * 37) % 700),
    })),
    quality: {
      ...base.quality,
      perBatch: Array.from({ length: 60 }, (_, b) => ({
        shard: `shardId-00000000000${b % 2}`,
        batch: Math.floor(b / 2),
        rate: 0.93 + ((b * 13) % 30) / 1000,
        records: 1000,
      })),
    },
    queries: [
      ...base.queries,
      {
        engine: 'athena (DuckDB)',
        name: 'Deduplicated events (last day) (named query deduplicated-events)',
        sql: 'SELECT * FROM events_unique',
        rowCount: 50000,
        rows: Array.from({ length: 25 }, (_, i) => eventRow(i)),
      },
      {
        engine: 'warehouse (PGlite)',
        name: 'predictions per variant (warehouse)',
        sql: 'SELECT 1',
        rowCount: 2,
        rows: [
          { variant: 'champion', predictions: 903, mean_score: 0.08719851576994433 },
          { variant: 'challenger', predictions: 97, mean_score: '0.1134920634920635' },
        ],
      },
    ],
  };
}
