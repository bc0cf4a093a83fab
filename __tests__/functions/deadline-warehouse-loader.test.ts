/**
 * The warehouse loader against connections that accept a request and never answer: the Data API
 * (submitting or polling a statement) and S3 (the COPY manifest). Each time the message is
 * reported for retry at the invocation's deadline, long before the function timeout.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { localAwsEnvironment, runningContext, startSilentServer, type SilentServer } from './helpers/silent-server';

type Handler = (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;

/** The deployed function's timeout (warehouse-loader construct default). */
const FUNCTION_TIMEOUT_MS = 300_000;
const REMAINING_MS = 2_000;
const RESERVE_MS = 1_000;
const LAKE = 'daml-analytics-lake-123456789012-use1';

/** A Data API that submits every statement, and either finishes it at once or never answers a poll. */
async function startDataApi(describe: 'finished' | 'hang') {
  const targets: string[] = [];
  const server = http.createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '').replace('RedshiftData.', '');
    req.resume();
    req.on('end', () => {
      targets.push(target);
      const answer = (body: object) => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      if (target === 'ExecuteStatement' || target === 'BatchExecuteStatement') answer({ Id: `stmt-${targets.length}` });
      else if (target === 'CancelStatement') answer({ Status: true });
      else if (describe === 'finished') answer({ Id: 'stmt', Status: 'FINISHED', ResultRows: 0 });
      // else: never answered
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function sqsEvent(count: number): SQSEvent {
  const body = (i: number) =>
    JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: LAKE }, object: { key: `curated/dt%3D2024-03-20/hour%3D10/part-000${i}.parquet`, size: 4096, eTag: `${i}`.padStart(32, 'a') } },
        },
      ],
    });
  return {
    Records: Array.from({ length: count }, (_, i) => ({ messageId: `m${i + 1}`, body: body(i), attributes: { ApproximateReceiveCount: '1' } })),
  } as unknown as SQSEvent;
}

let silent: SilentServer;
const dataApis: Awaited<ReturnType<typeof startDataApi>>[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  silent = await startSilentServer();
});
afterAll(async () => {
  process.env = savedEnv;
  await silent.close();
  await Promise.all(dataApis.map((d) => d.close()));
});

/** A cold start with the Data API and S3 at the given endpoints; left set, as the SDK resolves them when sending. */
function loadHandler(endpoints: { redshiftData: string; s3: string }): Handler {
  Object.assign(process.env, localAwsEnvironment(silent.endpoint), {
    AWS_ENDPOINT_URL_REDSHIFT_DATA: endpoints.redshiftData,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    CLUSTER_IDENTIFIER: 'daml-analytics-warehouse-use1',
    DATABASE_NAME: 'analytics',
    DB_USER: 'warehouse_loader',
    LAKE_BUCKET: LAKE,
    MANIFEST_BUCKET: 'daml-analytics-loader-manifests-123456789012-use1',
    TIME_RESERVE_MS: String(RESERVE_MS),
    MIN_MILLIS_PER_MESSAGE: '200',
  });
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (jest.requireActual('../../functions/warehouse-loader/index') as { handler: Handler }).handler;
  });
  return handler!;
}

async function timed(handler: Handler, messages: number) {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const started = Date.now();
  const response = await handler(sqsEvent(messages), runningContext(REMAINING_MS, 'loader') as Context);
  return { response, elapsed: Date.now() - started };
}

afterEach(() => jest.restoreAllMocks());

describe('warehouse loader with a hung connection', () => {
  it('a Data API that never answers the statement: the message and the deferred ones are reported for retry at the deadline', async () => {
    const handler = loadHandler({ redshiftData: silent.endpoint, s3: silent.endpoint });
    const before = silent.requests.length;
    const { response, elapsed } = await timed(handler, 2);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(silent.requests.slice(before).map((r) => r.target)).toEqual(['RedshiftData.ExecuteStatement']);
    expect(elapsed).toBeGreaterThanOrEqual(REMAINING_MS - RESERVE_MS - 50);
    expect(elapsed).toBeLessThan(REMAINING_MS + 1_000);
    expect(elapsed).toBeLessThan(FUNCTION_TIMEOUT_MS / 100);
  }, 10_000);

  it('S3 never answers (the object look-up before the manifest): the message is reported for retry at the deadline and no COPY is submitted', async () => {
    const dataApi = await startDataApi('finished');
    dataApis.push(dataApi);
    const handler = loadHandler({ redshiftData: dataApi.endpoint, s3: silent.endpoint });
    const before = silent.requests.length;
    const { response, elapsed } = await timed(handler, 1);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(silent.requests.slice(before).map((r) => `${r.method} ${r.url.split('/')[1]}`)).toEqual([`HEAD ${LAKE}`]);
    expect(dataApi.targets).toEqual(['ExecuteStatement', 'DescribeStatement']);
    expect(elapsed).toBeLessThan(REMAINING_MS + 1_000);
  }, 10_000);

  it('a poll that is never answered: the statement is cancelled and the message reported for retry, inside the function time', async () => {
    const dataApi = await startDataApi('hang');
    dataApis.push(dataApi);
    const handler = loadHandler({ redshiftData: dataApi.endpoint, s3: silent.endpoint });
    const { response, elapsed } = await timed(handler, 1);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(dataApi.targets).toEqual(['ExecuteStatement', 'DescribeStatement', 'CancelStatement']);
    expect(elapsed).toBeLessThan(REMAINING_MS);
  }, 10_000);
});
