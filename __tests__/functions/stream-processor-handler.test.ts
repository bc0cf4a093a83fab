jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import type { PutObjectCommand, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { mockClient, AwsStub } from 'aws-sdk-client-mock';
import { CURATED_COLUMNS, QUARANTINE_COLUMNS, decodeEvent } from '../../functions/shared/contract';
import { featureVector, toCsvRow } from '../../functions/shared/features';
import { generateEvents } from '../../functions/shared/generator';
import { PROCESSOR_METRICS } from '../../functions/stream-processor/metric-names';
import { requireEsm } from './helpers/esm';
import { kinesisEvent, streamRecords } from './helpers/kinesis';

const { parquetReadObjects, parquetMetadata } = requireEsm('hyparquet') as {
  parquetReadObjects: (o: { file: ArrayBuffer }) => Promise<Record<string, unknown>[]>;
  parquetMetadata: (b: ArrayBuffer) => { schema: { name: string }[]; num_rows: bigint };
};

// The SDK resolves the region when a command is sent, after loadHandler has restored the environment.
process.env.AWS_REGION = 'us-east-1';
type Handler = (e: KinesisStreamEvent, c?: Context) => Promise<KinesisStreamBatchResponse>;

type S3Stub = AwsStub<any, any, any>;

/**
 * Loads the handler module afresh (it reads its configuration at import, like a cold start)
 * with the S3 client class of that same module registry mocked.
 */
function loadHandler(env: Record<string, string>): { handler: Handler; s3Mock: S3Stub; Put: typeof PutObjectCommand } {
  const saved = { ...process.env };
  Object.assign(process.env, { POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'CRITICAL', ...env });
  let loaded: { handler: Handler; s3Mock: S3Stub; Put: typeof PutObjectCommand } | undefined;
  try {
    jest.isolateModules(() => {
      const sdk = jest.requireActual('@aws-sdk/client-s3') as { S3Client: typeof S3Client; PutObjectCommand: typeof PutObjectCommand };
      const s3Mock = (jest.requireActual('aws-sdk-client-mock') as { mockClient: typeof mockClient }).mockClient(sdk.S3Client);
      const handler = (jest.requireActual('../../functions/stream-processor/index') as { handler: Handler }).handler;
      loaded = { handler, s3Mock, Put: sdk.PutObjectCommand };
    });
  } finally {
    process.env = saved;
  }
  return loaded!;
}

function context(remainingMs = 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'processor',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:processor',
    memoryLimitInMB: '1024',
    awsRequestId: 'req-1',
    logGroupName: '/aws/lambda/processor',
    logStreamName: 's',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

let emf: Record<string, unknown>[] = [];
beforeEach(() => {
  emf = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    if (typeof line === 'string' && line.includes('"_aws"')) emf.push(JSON.parse(line) as Record<string, unknown>);
  });
});
afterEach(() => jest.restoreAllMocks());

describe('stream-processor handler', () => {
  const gen = generateEvents({ seed: 21, count: 400, malformedShare: 0.05, duplicateShare: 0.01, spanHours: 2, startTime: Date.UTC(2024, 2, 20, 10) });
  const records = streamRecords(
    gen.map((g) => g.data),
    { arrivalMs: (i) => Date.UTC(2024, 2, 20, 12, 30) + i },
  );

  it('writes Parquet objects whose rows are the contract columns, and emits the batch metrics', async () => {
    const puts: PutObjectCommandInput[] = [];
    const { handler, s3Mock, Put } = loadHandler({ LAKE_BUCKET: 'lake-bucket', LAKE_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/k1' });
    s3Mock.on(Put).callsFake((input: PutObjectCommandInput) => void puts.push(input));
    const res = await handler(kinesisEvent(records), context());
    expect(res).toEqual({ batchItemFailures: [] });

    let curated = 0;
    let quarantined = 0;
    for (const p of puts) {
      expect(p.Bucket).toBe('lake-bucket');
      expect(p.SSEKMSKeyId).toBe('arn:aws:kms:us-east-1:123456789012:key/k1');
      const file = toArrayBuffer(p.Body as Uint8Array);
      const rows = await parquetReadObjects({ file });
      expect(Number(p.Metadata!['record-count'])).toBe(rows.length);
      const table = p.Key!.startsWith('curated/') ? 'curated' : 'quarantine';
      const names = parquetMetadata(file)
        .schema.slice(1)
        .map((s) => s.name);
      expect(names).toEqual((table === 'curated' ? CURATED_COLUMNS : QUARANTINE_COLUMNS).map((c) => c.name));
      for (const row of rows) {
        const rec = records.find((r) => r.sequenceNumber === row.source_sequence_number)!;
        const decoded = decodeEvent(Buffer.from(rec.data, 'base64'), { now: rec.arrivalMs });
        if (table === 'curated') {
          curated++;
          expect(decoded.ok).toBe(true);
          if (!decoded.ok) continue;
          const hour = String((row.event_time as Date).getUTCHours()).padStart(2, '0');
          expect(p.Key).toContain(`/dt=${(row.event_time as Date).toISOString().slice(0, 10)}/hour=${hour}/`);
          expect(row.event_id).toBe(decoded.event.event_id);
          expect((row.event_time as Date).getTime()).toBe(decoded.event.event_time);
          expect(row.event_hour).toBe(Number(hour));
          expect(row.features).toBe(toCsvRow(featureVector(decoded.event)));
        } else {
          quarantined++;
          expect(decoded.ok).toBe(false);
          expect(row.raw_data).toBe(rec.data);
          expect(String(row.reason).length).toBeGreaterThan(0);
        }
      }
    }
    // The 4 re-sent events are written once each: their later copies are skipped, not lost.
    expect(curated + quarantined).toBe(396);
    expect(quarantined).toBe(20);

    expect(emf).toHaveLength(1);
    const m = emf[0]!;
    expect(m[PROCESSOR_METRICS.recordsIn]).toBe(400);
    expect(m[PROCESSOR_METRICS.recordsValid]).toBe(380);
    expect(m[PROCESSOR_METRICS.recordsQuarantined]).toBe(20);
    expect(m[PROCESSOR_METRICS.recordsFailed]).toBe(0);
    expect(m[PROCESSOR_METRICS.recordsDuplicate]).toBe(4);
    expect(m[PROCESSOR_METRICS.validityRatio]).toBeCloseTo(0.95, 5);
    expect(m[PROCESSOR_METRICS.completenessRatio]).toBeGreaterThanOrEqual(0.95);
    expect(m[PROCESSOR_METRICS.duplicateRatio]).toBeCloseTo(4 / 380, 5);
    expect(m[PROCESSOR_METRICS.freshnessP99]).toBeGreaterThanOrEqual(m[PROCESSOR_METRICS.freshnessP50] as number);
    const directives = (m._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0]!;
    expect(directives.Namespace).toBe('DataAnalyticsMl/StreamProcessor');
    expect(directives.Metrics.map((x) => x.Name)).toEqual(expect.arrayContaining(Object.values(PROCESSOR_METRICS)));
  });

  it('reports the lowest failed sequence number when S3 keeps failing, and counts the records as failed', async () => {
    const { handler, s3Mock, Put } = loadHandler({ LAKE_BUCKET: 'lake-bucket', S3_MAX_ATTEMPTS: '2', S3_BASE_DELAY_MS: '1' });
    s3Mock.on(Put).rejects(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
    const res = await handler(kinesisEvent(records), context());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.sequenceNumber }]);
    expect(emf[0]![PROCESSOR_METRICS.recordsFailed]).toBe(400);
    expect(emf[0]![PROCESSOR_METRICS.s3Retries]).toBeGreaterThan(0);
  });

  it('answers an empty batch without touching S3', async () => {
    const { handler, s3Mock, Put } = loadHandler({ LAKE_BUCKET: 'lake-bucket' });
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(s3Mock.commandCalls(Put)).toHaveLength(0);
  });

  it('refuses to start with a bad configuration, naming the variable and what is allowed', () => {
    expect(() => loadHandler({ LAKE_BUCKET: '' })).toThrow('LAKE_BUCKET="" is invalid: allowed an S3 bucket name');
    expect(() => loadHandler({ LAKE_BUCKET: 'lake-bucket', S3_MAX_ATTEMPTS: '0' })).toThrow('S3_MAX_ATTEMPTS="0" is invalid: allowed an integer from 1 to 10');
    expect(() => loadHandler({ LAKE_BUCKET: 'lake-bucket', LAKE_KMS_KEY_ARN: 'key' })).toThrow('LAKE_KMS_KEY_ARN="key" is invalid');
  });
});
