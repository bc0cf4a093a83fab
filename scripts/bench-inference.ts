/**
 * Inference handler overhead benchmark (npm run bench:inference).
 *
 * Runs the real handler in-process (real SageMakerRuntimeClient, real prediction log with a
 * real S3Client) against the SageMaker runtime stand-in on 127.0.0.1 that `npm run local` uses
 * (local/standins/sagemaker-runtime.ts: real HTTP, SigV4, keep-alive; each variant scores with its
 * shipped XGBoost model), and in the same run a bare SDK InvokeEndpoint call to the same server
 * with the same body, so model evaluation is on both sides and cancels out of the overhead. The difference is what the handler adds: request parsing and validation, features,
 * response building, metrics and logging, and the prediction log (its S3 writes go to a second
 * local server). Both are measured sequentially, as one Lambda execution environment serves one
 * request at a time, in interleaved rounds so drift hits both alike.
 *
 *   npm run bench:inference -- [--requests 4000] [--warmup 400] [--rounds 8] [--json]
 */
import { S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_FLUSH_POLICY,
  DEFAULT_INVOKE_BUDGET,
  DEFAULT_READINESS,
  sagemakerClientOptions,
  type InferenceSettings,
} from '../functions/ml-inference/config';
import { featureRow } from '../functions/ml-inference/domain';
import { createHandler } from '../functions/ml-inference/handler';
import { INFERENCE_SERVICE } from '../functions/ml-inference/metric-names';
import { createPowertools } from '../functions/shared/powertools';
import { PredictionLog } from '../functions/ml-inference/prediction-log';
import { validateEvent } from '../functions/shared/contract';
import { generateLabelledDataset } from '../functions/shared/generator';
import { SageMakerRuntimeStandin } from '../local/standins/sagemaker-runtime';
import { loadModelArchive } from '../local/standins/xgboost';
import { commandLineOrExit, integerOption, parseCommandLine } from './lib/cli-args';

const CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };
const ENDPOINT_NAME = 'bench-inference-use1';
/** The platform's default endpoint: champion on the first shipped model, challenger on the second, 90/10. */
const VARIANTS = [
  { name: 'champion', weight: 90, modelVersion: 'v1' },
  { name: 'challenger', weight: 10, modelVersion: 'v2' },
] as const;
const MODEL_DIR = path.resolve(__dirname, '..', 'ml', 'model');

function percentile(sorted: readonly number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
}

function summarise(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** A PUT-accepting S3 stand-in, so prediction-log writes cross a real socket too. */
async function startFakeS3(): Promise<{ url: string; puts: () => number; close: () => Promise<void> }> {
  let puts = 0;
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      if (req.method === 'PUT') puts++;
      res.writeHead(200, { etag: '"bench"', 'x-amz-request-id': `bench-${puts}` }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    puts: () => puts,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function apiEvent(body: string, i: number): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /predict',
    rawPath: '/predict',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method: 'POST', path: '/predict', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: `bench-${i}`,
      routeKey: 'POST /predict',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

export const USAGE = `Usage: npm run bench:inference -- [--requests <n>] [--warmup <n>] [--rounds <n>] [--json]

  --requests <n>   timed requests per side (default 4000)
  --warmup <n>     warm-up requests per side, not timed (default 400)
  --rounds <n>     interleaved rounds the requests are split into (default 8)
  --json           print the figures as JSON
  -h, --help       show this help`;

export interface InferenceBenchOptions {
  readonly requests: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly json: boolean;
}

/** Reads the command line (pure); throws UsageError naming a bad argument. */
export function parseInferenceBenchArgs(argv: readonly string[]): InferenceBenchOptions | { help: true } {
  const { values } = parseCommandLine(argv, {
    requests: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return { help: true };
  return {
    requests: integerOption(values.requests, 'requests', 4000),
    warmup: integerOption(values.warmup, 'warmup', 400),
    rounds: integerOption(values.rounds, 'rounds', 8),
    json: values.json ?? false,
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const values = commandLineOrExit('bench:inference', USAGE, () => parseInferenceBenchArgs(argv));
  const { requests, warmup, rounds } = values;

  const endpoint = await SageMakerRuntimeStandin.start({
    endpointName: ENDPOINT_NAME,
    variants: VARIANTS.map((v) => ({ ...v, model: loadModelArchive(fs.readFileSync(path.join(MODEL_DIR, v.modelVersion, 'model.tar.gz'))) })),
  });
  const s3Server = await startFakeS3();
  const sagemaker = new SageMakerRuntimeClient({
    region: 'us-east-1',
    endpoint: endpoint.endpoint,
    credentials: CREDENTIALS,
    ...sagemakerClientOptions(DEFAULT_INVOKE_BUDGET),
  });
  const bare = new SageMakerRuntimeClient({
    region: 'us-east-1',
    endpoint: endpoint.endpoint,
    credentials: CREDENTIALS,
    ...sagemakerClientOptions(DEFAULT_INVOKE_BUDGET),
  });
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: s3Server.url,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
  const settings: InferenceSettings = {
    endpointName: ENDPOINT_NAME,
    variantModelVersions: Object.fromEntries(VARIANTS.map((v) => [v.name, v.modelVersion])),
    predictionsBucket: 'bench-lake',
    invoke: DEFAULT_INVOKE_BUDGET,
    flush: DEFAULT_FLUSH_POLICY,
    deadlineReserveMs: 500,
    // The benchmark measures /predict; /ready is not wired (no control-plane stand-ins).
    readiness: { streamName: 'bench-events', ...DEFAULT_READINESS },
  };
  const predictionLog = new PredictionLog({ s3, bucket: settings.predictionsBucket, policy: settings.flush });
  // The function's own Powertools set-up, with the names it has when deployed (no environment overrides).
  const { logger, metrics } = createPowertools(INFERENCE_SERVICE, {});
  const handler = createHandler({ sagemaker, predictionLog, settings, logger, metrics });
  const context = { getRemainingTimeInMillis: () => 29_000, awsRequestId: 'bench' };

  // Distinct realistic events: the same bodies for both sides.
  const events = generateLabelledDataset({ seed: 77, count: Math.min(requests + warmup, 5_000), startTime: Date.UTC(2024, 3, 1) }).map((l) => l.event);
  const bodies = events.map((e) => JSON.stringify(e));
  const rows = events.map((e) => {
    const v = validateEvent(e);
    if (!v.ok) throw new Error('generated event invalid');
    return featureRow(v.event);
  });

  // Lambda ships stdout (logs, EMF) to CloudWatch; here it goes to /dev/null through the same write path.
  const devNull = fs.openSync(os.devNull, 'w');
  const realWrite = process.stdout.write.bind(process.stdout);
  let emittedBytes = 0;
  const toDevNull = (chunk: string | Uint8Array): boolean => {
    emittedBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (typeof chunk === 'string') fs.writeSync(devNull, chunk);
    else fs.writeSync(devNull, chunk);
    return true;
  };
  process.stdout.write = toDevNull as unknown as typeof process.stdout.write;

  const handlerMs: number[] = [];
  const bareMs: number[] = [];
  let failures = 0;
  const runHandler = async (i: number, record: boolean) => {
    const t0 = performance.now();
    const res = await handler(apiEvent(bodies[i % bodies.length]!, i), context);
    const dt = performance.now() - t0;
    if (res.statusCode !== 200) failures++;
    if (record) handlerMs.push(dt);
  };
  const runBare = async (i: number, record: boolean) => {
    const t0 = performance.now();
    const out = await bare.send(
      new InvokeEndpointCommand({ EndpointName: ENDPOINT_NAME, Body: Buffer.from(rows[i % rows.length]!), ContentType: 'text/csv', Accept: 'text/csv' }),
    );
    const dt = performance.now() - t0;
    if (!out.Body) failures++;
    if (record) bareMs.push(dt);
  };

  try {
    for (let i = 0; i < warmup; i++) {
      await runHandler(i, false);
      await runBare(i, false);
    }
    const perRound = Math.ceil(requests / rounds);
    let i = warmup;
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first, so neither always runs on a freshly warmed socket.
      const order = r % 2 === 0 ? [runHandler, runBare] : [runBare, runHandler];
      for (const run of order) for (let k = 0; k < perRound; k++) await run(i + k, true);
      i += perRound;
    }
    await predictionLog.settle(2_000);
  } finally {
    process.stdout.write = realWrite;
    fs.closeSync(devNull);
  }

  const h = summarise(handlerMs);
  const b = summarise(bareMs);
  const result = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)), node: process.version },
    requestsPerSide: h.n,
    warmup,
    rounds,
    handlerMs: h,
    bareSdkMs: b,
    overheadMs: { p50: h.p50 - b.p50, p90: h.p90 - b.p90, p99: h.p99 - b.p99, mean: h.mean - b.mean },
    endpointInvocations: endpoint.received,
    predictionObjectsWritten: s3Server.puts(),
    stdoutBytesPerRequest: Math.round(emittedBytes / (h.n + warmup)),
    failures,
  };
  await endpoint.stop();
  await s3Server.close();

  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const f = (x: number) => x.toFixed(3).padStart(8);
  const line = (name: string, s: { p50: number; p90: number; p99: number; mean: number }) => `${name.padEnd(26)}${f(s.p50)}${f(s.p90)}${f(s.p99)}${f(s.mean)}`;
  process.stdout.write(
    [
      `bench:inference  node ${result.machine.node}, ${result.machine.cpus} x ${result.machine.cpuModel}, load ${result.machine.loadAverage1m}`,
      `${requests} requests per side after ${warmup} warm-up, ${rounds} interleaved rounds, sequential (one execution environment)`,
      '',
      `${'latency (ms)'.padEnd(26)}${'p50'.padStart(8)}${'p90'.padStart(8)}${'p99'.padStart(8)}${'mean'.padStart(8)}`,
      line('handler (in-process)', h),
      line('bare SDK InvokeEndpoint', b),
      line('handler overhead', result.overheadMs),
      '',
      `endpoint invocations ${result.endpointInvocations}, prediction objects written ${result.predictionObjectsWritten}, stdout ${result.stdoutBytesPerRequest} B/request, failures ${failures}`,
      '',
    ].join('\n'),
  );
  if (failures > 0) process.exitCode = 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`bench:inference: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
