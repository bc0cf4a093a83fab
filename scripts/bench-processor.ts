/**
 * npm run bench:processor — throughput of the stream-processor handler on one 10,000-record
 * Kinesis batch (5 % malformed), with S3 answered in-process: the SDK runs its whole
 * middleware stack (serialisation, SigV4 signing, checksums) and only the HTTP send is
 * replaced by an immediate 200, so the figure is the handler's own cost, no network.
 *
 * Printed in the same run: bare base64-decode + JSON.parse of the same batch (the floor any
 * processor pays) and the ratio; Parquet vs gzip NDJSON encoding of the batch's curated rows
 * (time, bytes, bundle cost); each function bundle's size and its cold `require` time in a
 * fresh Node process next to a bare `node -e 0`, and the stream processor built with the
 * AWS SDK left external for comparison.
 *
 * Options: --records <n> (default 10000), --iterations <n> (default 15), --json (machine output).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import type * as Esbuild from 'esbuild';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { generateEvents } from '../functions/shared/generator';
import { encodeParquet } from '../functions/shared/parquet';
import { classify } from '../functions/stream-processor/domain';
import { ENV as PROCESSOR_ENV } from '../functions/stream-processor/config';
import { commandLineOrExit, integerOption, parseCommandLine } from './lib/cli-args';

const ROOT = path.resolve(__dirname, '..');
const BENCH_DIR = path.join(ROOT, 'dist', 'bench');

export const USAGE = `Usage: npm run bench:processor -- [--records <n>] [--iterations <n>] [--json]

  --records <n>      records in the batch (default 10000)
  --iterations <n>   timed runs, after two warm-ups (default 15)
  --json             print the figures as JSON
  -h, --help         show this help`;

export interface BenchOptions {
  readonly records: number;
  readonly iterations: number;
  readonly json: boolean;
}

/** Reads the command line (pure); throws UsageError naming a bad argument. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | { help: true } {
  const { values } = parseCommandLine(argv, { records: { type: 'string' }, iterations: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return { help: true };
  return {
    records: integerOption(values.records, 'records', 10_000),
    iterations: integerOption(values.iterations, 'iterations', 15),
    json: values.json ?? false,
  };
}

// Imported (by a test), the module runs nothing: the defaults stand in for the command line.
const OPTIONS: BenchOptions = commandLineOrExit('bench-processor', USAGE, () => parseBenchArgs(require.main === module ? process.argv.slice(2) : []));
const RECORDS = OPTIONS.records;
const ITERATIONS = OPTIONS.iterations;
const JSON_OUT = OPTIONS.json;

/** Median and minimum: on a shared machine the minimum is the run least disturbed by other processes. */
interface Timing {
  median: number;
  min: number;
}

function summarise(xs: number[]): Timing {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]! };
}

function timeIt(iterations: number, fn: () => unknown): Timing {
  for (let i = 0; i < 2; i++) fn(); // warm-up: JIT and lazy module loads
  const t: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return summarise(t);
}

async function timeAsync(iterations: number, fn: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < 2; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  return summarise(t);
}

/** Replaces the SDK's HTTP send with an immediate 200: everything above the socket still runs. */
function answerS3InProcess(): { puts: () => number; bytes: () => number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeHttpHandler } = require('@smithy/node-http-handler') as {
    NodeHttpHandler: { prototype: { handle: (req: { body?: unknown; method: string }) => Promise<unknown> } };
  };
  let puts = 0;
  let bytes = 0;
  NodeHttpHandler.prototype.handle = async (req) => {
    if (req.method === 'PUT') {
      puts++;
      const b = req.body as Uint8Array | undefined;
      bytes += b?.byteLength ?? 0;
    }
    return { response: { statusCode: 200, headers: { etag: '"0"', 'x-amz-request-id': 'bench' }, body: Readable.from([]) } };
  };
  return { puts: () => puts, bytes: () => bytes };
}

function kinesisEvent(n: number): KinesisStreamEvent {
  const gen = generateEvents({ seed: 42, count: n, malformedShare: 0.05, startTime: Date.now() - 3600_000, spanHours: 1 });
  return {
    Records: gen.map((g, i) => {
      const seq = `4963${String(i).padStart(52, '0')}`;
      return {
        awsRegion: 'us-east-1',
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/bench',
        eventVersion: '1.0',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/bench',
        kinesis: {
          approximateArrivalTimestamp: Date.now() / 1000,
          data: g.data.toString('base64'),
          kinesisSchemaVersion: '1.0',
          partitionKey: g.partitionKey,
          sequenceNumber: seq,
        },
      };
    }),
  };
}

function context(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
    memoryLimitInMB: '1024',
    awsRequestId: 'bench',
    logGroupName: 'bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 120_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Wall time of `node <args>` over `runs` fresh processes, ms. */
function coldNode(args: string[], cwd: string, runs = 15): Timing {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = spawnSync(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', [PROCESSOR_ENV.lakeBucket]: 'bench-bucket', NODE_NO_WARNINGS: '1' },
      stdio: 'ignore',
    });
    t.push(performance.now() - s);
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status} in ${cwd}`);
  }
  return summarise(t);
}

function extractIndex(zipPath: string, dir: string): void {
  // Our zips hold one deflated entry (scripts/bundle-functions.js): read it through the local header.
  const zip = fs.readFileSync(zipPath);
  const csize = zip.readUInt32LE(18);
  const start = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.js'), zlib.inflateRawSync(zip.subarray(start, start + csize)));
}

function bundleBytes(entry: string): number {
  const esbuild = require('esbuild') as typeof Esbuild; // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only when measuring bundles
  const out = esbuild.buildSync({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.contents.length;
}

async function main(): Promise<void> {
  Object.assign(process.env, {
    [PROCESSOR_ENV.lakeBucket]: 'bench-bucket',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
    AWS_SECRET_ACCESS_KEY: 'benchmark-secret',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    // Metrics are still computed and serialised; only the stdout write is skipped.
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const s3 = answerS3InProcess();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require('../functions/stream-processor/index') as { handler: (e: KinesisStreamEvent, c: Context) => Promise<KinesisStreamBatchResponse> };

  const event = kinesisEvent(RECORDS);
  const ctx = context();
  let failures = 0;
  const handlerMs = await timeAsync(ITERATIONS, async () => {
    const r = await handler(event, ctx);
    failures += r.batchItemFailures.length;
  });
  if (failures > 0) throw new Error('the handler reported failures against the in-process S3; the benchmark is invalid');
  const putsPerBatch = s3.puts() / (ITERATIONS + 2);
  const bytesPerBatch = s3.bytes() / (ITERATIONS + 2);

  const datas = event.Records.map((r) => r.kinesis.data);
  const bareMs = timeIt(ITERATIONS, () => {
    let n = 0;
    for (const d of datas) {
      try {
        if (JSON.parse(Buffer.from(d, 'base64').toString('utf8'))) n++;
      } catch {
        // malformed records count as parsed work too
      }
    }
    return n;
  });

  // Format choice: the batch's curated rows as Parquet (Snappy) vs gzip NDJSON.
  const rows = event.Records.map((r) =>
    classify(
      {
        shardId: 'shardId-000000000000',
        sequenceNumber: r.kinesis.sequenceNumber,
        data: r.kinesis.data,
        arrivalMs: r.kinesis.approximateArrivalTimestamp * 1000,
      },
      Date.now(),
    ),
  )
    .filter((c) => c.table === 'curated')
    .map((c) => c.row as unknown as Record<string, unknown>);
  const rawBytes = datas.reduce((s, d) => s + Buffer.from(d, 'base64').length, 0);
  let parquetSize = 0;
  const parquetMs = timeIt(ITERATIONS, () => (parquetSize = encodeParquet('curated', rows).byteLength));
  let ndjsonSize = 0;
  const ndjsonMs = timeIt(ITERATIONS, () => (ndjsonSize = zlib.gzipSync(rows.map((r) => JSON.stringify(r)).join('\n')).byteLength));
  const hyparquetBundle = bundleBytes("import { parquetWriteBuffer } from 'hyparquet-writer'; console.log(parquetWriteBuffer);");

  // Bundles: size and cold require in a fresh process.
  fs.rmSync(BENCH_DIR, { recursive: true, force: true });
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const bare = coldNode(['-e', '0'], BENCH_DIR);
  const functionsDir = path.join(ROOT, 'dist', 'functions');
  const bundles: { name: string; zipBytes: number; jsBytes: number; coldRequireMs: Timing }[] = [];
  for (const f of fs
    .readdirSync(functionsDir)
    .filter((n) => n.endsWith('.zip'))
    .sort()) {
    const name = f.replace(/\.zip$/, '');
    const dir = path.join(BENCH_DIR, name);
    extractIndex(path.join(functionsDir, f), dir);
    // A function that insists on its own environment may throw after loading: the load is what is timed.
    const coldRequireMs = coldNode(['-e', 'try { require("./index.js") } catch {}'], dir);
    bundles.push({ name, zipBytes: fs.statSync(path.join(functionsDir, f)).size, jsBytes: fs.statSync(path.join(dir, 'index.js')).size, coldRequireMs });
  }
  // The stream processor with the SDK left to node_modules (as the Lambda runtime's copy would be).
  const extOut = path.join(BENCH_DIR, 'sdk-external-zip');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle-functions.js'), '--out', extOut, 'stream-processor'], {
    env: { ...process.env, BUNDLE_SDK_EXTERNAL: '1' },
    stdio: 'ignore',
  });
  const extDir = path.join(BENCH_DIR, 'stream-processor-sdk-external');
  extractIndex(path.join(extOut, 'stream-processor.zip'), extDir);
  const external = {
    zipBytes: fs.statSync(path.join(extOut, 'stream-processor.zip')).size,
    jsBytes: fs.statSync(path.join(extDir, 'index.js')).size,
    coldRequireMs: coldNode(['-e', 'require("./index.js")'], extDir),
  };

  const result = {
    node: process.version,
    records: RECORDS,
    malformedShare: 0.05,
    iterations: ITERATIONS,
    handler: {
      msPerBatch: handlerMs,
      recordsPerSecond: Math.round((RECORDS / handlerMs.median) * 1000),
      putsPerBatch,
      bytesPerBatch: Math.round(bytesPerBatch),
    },
    bareDecodeParse: { msPerBatch: bareMs, recordsPerSecond: Math.round((RECORDS / bareMs.median) * 1000) },
    handlerToBareRatio: handlerMs.median / bareMs.median,
    format: {
      curatedRows: rows.length,
      rawJsonBytes: rawBytes,
      parquet: { ms: parquetMs, bytes: parquetSize, rowsPerSecond: Math.round((rows.length / parquetMs.median) * 1000), bundleBytes: hyparquetBundle },
      gzipNdjson: { ms: ndjsonMs, bytes: ndjsonSize, rowsPerSecond: Math.round((rows.length / ndjsonMs.median) * 1000), bundleBytes: 0 },
    },
    bareNodeMs: bare,
    bundles,
    streamProcessorSdkExternal: external,
  };
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const f1 = (x: number) => x.toFixed(1);
  const mm = (t: Timing) => `${f1(t.median)} (min ${f1(t.min)})`;
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  const lines = [
    `Node ${result.node}; ${RECORDS} records (5 % malformed), median (and minimum) of ${ITERATIONS} runs after 2 warm-ups`,
    '',
    '| what | ms per batch | records/s (median) |',
    '|---|---:|---:|',
    `| full handler (decode, validate, enrich, features, Parquet, ${putsPerBatch.toFixed(0)} PutObjects, metrics) | ${mm(handlerMs)} | ${result.handler.recordsPerSecond.toLocaleString('en-US')} |`,
    `| bare base64 decode + JSON.parse | ${mm(bareMs)} | ${result.bareDecodeParse.recordsPerSecond.toLocaleString('en-US')} |`,
    `| ratio handler / bare (medians) | ${result.handlerToBareRatio.toFixed(1)}x | |`,
    '',
    `Curated rows of the batch (${rows.length}; raw JSON ${kb(rawBytes)}):`,
    '',
    '| format | encode ms | rows/s | bytes | added to bundle |',
    '|---|---:|---:|---:|---:|',
    `| Parquet (hyparquet-writer, Snappy) | ${mm(parquetMs)} | ${result.format.parquet.rowsPerSecond.toLocaleString('en-US')} | ${kb(parquetSize)} | ${kb(hyparquetBundle)} |`,
    `| gzip NDJSON (zlib) | ${mm(ndjsonMs)} | ${result.format.gzipNdjson.rowsPerSecond.toLocaleString('en-US')} | ${kb(ndjsonSize)} | 0 |`,
    '',
    `Cold start: bare \`node -e 0\` ${mm(bare)} ms`,
    '',
    '| bundle | zip | index.js | fresh process + require, ms | over bare node (mins), ms |',
    '|---|---:|---:|---:|---:|',
    ...bundles.map((b) => `| ${b.name} | ${kb(b.zipBytes)} | ${kb(b.jsBytes)} | ${mm(b.coldRequireMs)} | ${f1(b.coldRequireMs.min - bare.min)} |`),
    `| stream-processor, SDK external (node_modules) | ${kb(external.zipBytes)} | ${kb(external.jsBytes)} | ${mm(external.coldRequireMs)} | ${f1(external.coldRequireMs.min - bare.min)} |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`bench-processor: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
