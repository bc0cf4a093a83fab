/**
 * X-Ray traces of the functions: inside Lambda (AWS_EXECUTION_ENV and a trace header set), each
 * invocation is a `## handler` subsegment annotated with ColdStart and Service, and every AWS SDK
 * call is a subsegment of it naming the service and operation. The X-Ray daemon is a UDP
 * socket here and S3 an HTTP server that accepts every PUT, so the SDK clients are the real ones.
 * Outside Lambda the tracer stays out of the way: no subsegments, the handler unchanged.
 */
jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { generateEvents } from '../../functions/shared/generator';
import { createPowertools } from '../../functions/shared/powertools';
import { kinesisEvent, streamRecords } from './helpers/kinesis';
import { localAwsEnvironment, runningContext } from './helpers/silent-server';

type Handler = (e: KinesisStreamEvent, c?: Context) => Promise<KinesisStreamBatchResponse>;

interface Subsegment {
  readonly name: string;
  readonly namespace?: string;
  readonly annotations?: Record<string, unknown>;
  readonly aws?: { operation?: string };
  readonly http?: { response?: { status?: number } };
  readonly subsegments?: Subsegment[];
  readonly parent_id?: string;
  readonly trace_id?: string;
}

const TRACE_ROOT = '1-67891233-abcdef012345678912345678';
const PARENT = '53995c3f42cd8ad8';

let daemon: dgram.Socket;
let s3: http.Server;
const datagrams: Subsegment[] = [];
const s3Requests: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  daemon = dgram.createSocket('udp4');
  // Each datagram is a header line, then one (sub)segment document.
  daemon.on('message', (msg) => datagrams.push(JSON.parse(msg.toString('utf8').split('\n')[1]!) as Subsegment));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  s3 = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      s3Requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { ETag: '"9b2cf535f27731c974343645a3985328"' }).end();
    });
  });
  await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  process.env = savedEnv;
  daemon.close();
  await new Promise((resolve) => s3.close(resolve));
});

afterEach(() => {
  process.env = { ...savedEnv };
  datagrams.length = 0;
});

/** Sets the variables Lambda sets when X-Ray active tracing is on. */
function insideLambda(): void {
  const { port } = daemon.address() as AddressInfo;
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Parent=${PARENT};Sampled=1`,
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  });
}

function loadProcessor(): Handler {
  const endpoint = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
  Object.assign(process.env, localAwsEnvironment(endpoint), { LAKE_BUCKET: 'lake-bucket' });
  let handler!: Handler;
  jest.isolateModules(() => {
    handler = (jest.requireActual('../../functions/stream-processor/index') as { handler: Handler }).handler;
  });
  return handler;
}

/** Every subsegment of the documents received, nested ones included. */
function allSubsegments(): Subsegment[] {
  const out: Subsegment[] = [];
  const walk = (s: Subsegment) => {
    out.push(s);
    for (const child of s.subsegments ?? []) walk(child);
  };
  datagrams.forEach(walk);
  return out;
}

async function until(predicate: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

const batch = () => {
  const events = generateEvents({ seed: 11, count: 40, malformedShare: 0.1, spanHours: 2, startTime: Date.UTC(2024, 2, 20, 10) });
  return kinesisEvent(streamRecords(events.map((e) => e.data)));
};

describe('tracing inside Lambda', () => {
  it('the stream processor traces its invocation and each S3 PUT below it, under the Lambda trace', async () => {
    insideLambda();
    const handler = loadProcessor();
    const puts = s3Requests.length;
    const result = await handler(batch(), runningContext(30_000, 'processor') as Context);
    expect(result.batchItemFailures).toEqual([]);
    const written = s3Requests.length - puts;
    expect(written).toBeGreaterThan(0);

    await until(() => allSubsegments().some((s) => s.name === '## handler'));
    const invocation = allSubsegments().find((s) => s.name === '## handler')!;
    expect(invocation.trace_id).toBe(TRACE_ROOT);
    expect(invocation.parent_id).toBe(PARENT);
    expect(invocation.annotations).toEqual({ ColdStart: true, Service: 'stream-processor' });
    // Lambda mode streams each closed subsegment on its own: the SDK calls point at the handler's.
    await until(() => allSubsegments().filter((s) => s.namespace === 'aws').length >= written);
    const calls = allSubsegments().filter((s) => s.namespace === 'aws');
    expect(calls).toHaveLength(written);
    for (const call of calls) {
      expect(call.parent_id).toBe((invocation as Subsegment & { id: string }).id);
      expect(call.trace_id).toBe(TRACE_ROOT);
      expect(call.name).toBe('S3');
      expect(call.aws?.operation).toBe('PutObject');
      expect(call.http?.response?.status).toBe(200);
    }
  });

  it('the second invocation of an execution environment is not a cold start', async () => {
    insideLambda();
    const handler = loadProcessor();
    await handler(batch(), runningContext(30_000, 'processor') as Context);
    await handler(batch(), runningContext(30_000, 'processor') as Context);
    await until(() => allSubsegments().filter((s) => s.name === '## handler').length === 2);
    expect(
      allSubsegments()
        .filter((s) => s.name === '## handler')
        .map((s) => s.annotations?.ColdStart),
    ).toEqual([true, false]);
  });

  it('an error thrown by the handler is recorded on its subsegment and rethrown unchanged', async () => {
    insideLambda();
    const { traceHandler } = createPowertools({ serviceName: 'failing', metricsNamespace: 'Test' });
    const failure = new Error('warehouse unreachable');
    await expect(traceHandler(async () => Promise.reject(failure))()).rejects.toBe(failure);
    await until(() => allSubsegments().some((s) => s.name === '## handler'));
    const invocation = allSubsegments().find((s) => s.name === '## handler') as Subsegment & {
      fault?: boolean;
      cause?: { exceptions?: { message: string }[] };
    };
    expect(invocation.fault).toBe(true);
    expect(invocation.cause?.exceptions?.[0]?.message).toBe('warehouse unreachable');
  });
});

describe('tracing outside Lambda', () => {
  it('hands back the same handler and client, and sends nothing', async () => {
    delete process.env.AWS_EXECUTION_ENV;
    const { traceHandler, traceClient, tracer } = createPowertools({ serviceName: 'local', metricsNamespace: 'Test' });
    const handler = async () => 'done';
    const client = { send: async () => 'sent' };
    expect(tracer.isTracingEnabled()).toBe(false);
    expect(traceHandler(handler)).toBe(handler);
    expect(traceClient(client)).toBe(client);
    await new Promise((r) => setTimeout(r, 50));
    expect(datagrams).toEqual([]);
  });
});

describe('every function is traced', () => {
  const root = path.join(__dirname, '..', '..', 'functions');
  const entries = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'index.ts')));

  it.each(entries)('%s: its handler goes through traceHandler and each SDK client through traceClient', (name) => {
    const source = fs.readFileSync(path.join(root, name, 'index.ts'), 'utf8');
    expect(source).toMatch(/export const handler = traceHandler\(/);
    const clients = source.match(/new \w+Client\(/g) ?? [];
    expect(clients.length).toBeGreaterThan(0);
    expect(source.match(/traceClient\(new \w+Client\(/g) ?? []).toHaveLength(clients.length);
  });
});
