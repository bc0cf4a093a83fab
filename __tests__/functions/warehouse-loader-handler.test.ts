import { BatchExecuteStatementCommand, DescribeStatementCommand, ExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { readConfig } from '../../functions/warehouse-loader/config';
import type * as LoaderModule from '../../functions/warehouse-loader/index';

const ENV = {
  CLUSTER_IDENTIFIER: 'daml-analytics-warehouse-use1',
  DATABASE_NAME: 'analytics',
  DB_USER: 'warehouse_loader',
  LAKE_BUCKET: 'daml-analytics-lake-123456789012-use1',
  MANIFEST_BUCKET: 'daml-analytics-loader-manifests-123456789012-use1',
  POWERTOOLS_METRICS_NAMESPACE: 'test',
};
Object.assign(process.env, ENV);

// Imported after the environment is set: the module reads it once, as in Lambda.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../functions/warehouse-loader/index') as typeof LoaderModule;

const redshiftData = mockClient(RedshiftDataClient);
const s3 = mockClient(S3Client);
const KEY = 'curated/dt=2024-03-20/hour=10/part-0001.parquet';
const ETAG = '9b2cf535f27731c974343645a3985328';

function sqsEvent(...bodies: string[]): SQSEvent {
  return { Records: bodies.map((body, i) => ({ messageId: `m${i + 1}`, body, attributes: { ApproximateReceiveCount: '1' } })) } as unknown as SQSEvent;
}

const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;
const objectCreated = JSON.stringify({
  Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: ENV.LAKE_BUCKET }, object: { key: KEY.replace(/=/g, '%3D'), size: 4096, eTag: ETAG } } }],
});

/** The Data API answers: the audit table does not list the object, and the load batch merges 42 rows. */
function dataApiLoadsOnce(): void {
  redshiftData.on(ExecuteStatementCommand).resolves({ Id: 'check-1' });
  redshiftData.on(BatchExecuteStatementCommand).resolves({ Id: 'load-1' });
  redshiftData
    .on(DescribeStatementCommand, { Id: 'check-1' })
    .resolves({ Id: 'check-1', Status: 'FINISHED', ResultRows: 0 })
    .on(DescribeStatementCommand, { Id: 'load-1' })
    .resolves({
      Id: 'load-1',
      Status: 'FINISHED',
      SubStatements: [0, 0, 0, 0, 42, 1].map((rows, i) => ({ Id: `load-1:${i + 1}`, Status: 'FINISHED', ResultRows: rows })),
    });
}

beforeEach(() => {
  redshiftData.reset();
  s3.reset();
  // S3 holds the very version each notification names, at the size the notification states.
  s3.on(HeadObjectCommand).resolves({ ContentLength: 4096, ETag: `"${ETAG}"` });
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => jest.restoreAllMocks());

describe('warehouse loader handler', () => {
  it('checks the audit table, writes the manifest and runs the load batch, all keyed by parameters', async () => {
    dataApiLoadsOnce();
    s3.on(PutObjectCommand).resolves({});

    const response = await handler(sqsEvent(objectCreated), context);

    expect(response).toEqual({ batchItemFailures: [] });
    const check = redshiftData.commandCalls(ExecuteStatementCommand)[0]!.args[0].input;
    expect(check).toMatchObject({ ClusterIdentifier: ENV.CLUSTER_IDENTIFIER, Database: 'analytics', DbUser: 'warehouse_loader' });
    expect(check).not.toHaveProperty('SecretArn');
    expect(check.Parameters).toEqual([
      { name: 'object_key', value: KEY },
      { name: 'etag', value: ETAG },
    ]);
    const manifest = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(manifest.Bucket).toBe(ENV.MANIFEST_BUCKET);
    expect(manifest.Key).toMatch(/^events\/[0-9a-f]{64}\.manifest$/);
    expect(JSON.parse(manifest.Body as string).entries[0]).toEqual({ url: `s3://${ENV.LAKE_BUCKET}/${KEY}`, mandatory: true, meta: { content_length: 4096 } });
    const load = redshiftData.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input;
    expect(load.Sqls![1]).toBe(`COPY "stage_events" FROM 's3://${ENV.MANIFEST_BUCKET}/${manifest.Key}' IAM_ROLE default FORMAT AS PARQUET MANIFEST`);
    expect(load.Parameters).toContainEqual({ name: 'object_key', value: KEY });
    expect(load.Sqls!.join('\n')).not.toContain(KEY);
  });

  it('skips an object the audit table already lists, with no COPY', async () => {
    redshiftData.on(ExecuteStatementCommand).resolves({ Id: 'check-1' });
    redshiftData.on(DescribeStatementCommand).resolves({ Id: 'check-1', Status: 'FINISHED', ResultRows: 1 });

    await expect(handler(sqsEvent(objectCreated), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(redshiftData.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('reports only the message whose load failed, and logs the Data API error with the statement id', async () => {
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
    }
    redshiftData.on(ExecuteStatementCommand).resolves({ Id: 'check' });
    redshiftData.on(BatchExecuteStatementCommand).resolves({ Id: 'load-f' });
    redshiftData
      .on(DescribeStatementCommand, { Id: 'check' })
      .resolves({ Id: 'check', Status: 'FINISHED', ResultRows: 0 })
      .on(DescribeStatementCommand, { Id: 'load-f' })
      .resolves({
        Id: 'load-f',
        Status: 'FAILED',
        SubStatements: [
          { Id: 'load-f:1', Status: 'FINISHED' },
          { Id: 'load-f:2', Status: 'FAILED', Error: 'ERROR: S3ServiceException: Access Denied' },
        ],
      });
    s3.on(PutObjectCommand).resolves({});
    const testEvent = JSON.stringify({ Event: 's3:TestEvent' });

    const response = await handler(sqsEvent(testEvent, objectCreated), context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    const failure = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((l) => l.level === 'ERROR');
    expect(failure).toMatchObject({
      message: 'load failed; the message will be redelivered',
      messageId: 'm2',
      objectKey: KEY,
      statementId: 'load-f',
      failedStatement: 1,
    });
    expect(failure.error).toContain('Access Denied');
  });

  it('names every missing environment variable', () => {
    expect(() => readConfig({ CLUSTER_IDENTIFIER: 'c' })).toThrow('environment variable(s) DATABASE_NAME, DB_USER, LAKE_BUCKET, MANIFEST_BUCKET must be set');
  });
  it('asks S3 for the notified version (If-Match on its ETag) and COPYs with the size S3 answers', async () => {
    dataApiLoadsOnce();
    s3.on(HeadObjectCommand).resolves({ ContentLength: 5000 });
    s3.on(PutObjectCommand).resolves({});

    await expect(handler(sqsEvent(objectCreated), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({ Bucket: ENV.LAKE_BUCKET, Key: KEY, IfMatch: `"${ETAG}"` });
    const manifest = JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body));
    expect(manifest.entries[0].meta.content_length).toBe(5000);
  });

  it.each([
    [412, 'PreconditionFailed'],
    [404, 'NotFound'],
  ])('acknowledges a notification S3 answers %i for, without writing a manifest or running COPY', async (httpStatusCode, name) => {
    redshiftData.on(ExecuteStatementCommand).resolves({ Id: 'check-1' });
    redshiftData.on(DescribeStatementCommand, { Id: 'check-1' }).resolves({ Id: 'check-1', Status: 'FINISHED', ResultRows: 0 });
    s3.on(HeadObjectCommand).rejects(new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode } }));

    await expect(handler(sqsEvent(objectCreated), context)).resolves.toEqual({ batchItemFailures: [] });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(redshiftData.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });

  it('retries the message when S3 cannot say which version it holds', async () => {
    redshiftData.on(ExecuteStatementCommand).resolves({ Id: 'check-1' });
    redshiftData.on(DescribeStatementCommand, { Id: 'check-1' }).resolves({ Id: 'check-1', Status: 'FINISHED', ResultRows: 0 });
    s3.on(HeadObjectCommand).rejects(new S3ServiceException({ name: 'Forbidden', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

    await expect(handler(sqsEvent(objectCreated), context)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(redshiftData.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });
});
