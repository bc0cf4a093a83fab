/**
 * The stream processor against an S3 endpoint that reads each PUT and never answers: the batch
 * ends at the invocation's deadline with its partial failure reported, long before the function
 * timeout, instead of the handler waiting until Lambda kills it and redelivers the whole batch.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { generateEvents } from '../../functions/shared/generator';
import { kinesisEvent, streamRecords } from './helpers/kinesis';
import { localAwsEnvironment, runningContext, startSilentServer, type SilentServer } from './helpers/silent-server';

type Handler = (e: KinesisStreamEvent, c?: Context) => Promise<KinesisStreamBatchResponse>;

/** The deployed function's timeout (stream-processor construct default). */
const FUNCTION_TIMEOUT_MS = 120_000;
const REMAINING_MS = 1_500;
const RESERVE_MS = 500;

let server: SilentServer;
let handler: Handler;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = await startSilentServer();
  // Left set for the file: the SDK resolves endpoint, region and credentials when a command is sent.
  Object.assign(process.env, localAwsEnvironment(server.endpoint), { LAKE_BUCKET: 'lake-bucket', TIME_RESERVE_MS: String(RESERVE_MS) });
  jest.isolateModules(() => {
    handler = (jest.requireActual('../../functions/stream-processor/index') as { handler: Handler }).handler;
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await server.close();
});

describe('stream processor with a hung S3 connection', () => {
  const events = generateEvents({ seed: 5, count: 60, malformedShare: 0.1, spanHours: 3, startTime: Date.UTC(2024, 2, 20, 10) });
  const records = streamRecords(events.map((e) => e.data));

  it('reports the batch from its first record for redelivery at the deadline, well before the function timeout', async () => {
    const started = Date.now();
    const result = await handler(kinesisEvent(records), runningContext(REMAINING_MS, 'processor') as Context);
    const elapsed = Date.now() - started;

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.sequenceNumber }]);
    // The PUTs reached the server and were cut off at the deadline, not refused up front.
    expect(server.requests.filter((r) => r.method === 'PUT' && r.url.startsWith('/lake-bucket/')).length).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(REMAINING_MS - RESERVE_MS - 50);
    expect(elapsed).toBeLessThan(REMAINING_MS + 1_000);
    expect(elapsed).toBeLessThan(FUNCTION_TIMEOUT_MS / 10);
  }, 10_000);
});
