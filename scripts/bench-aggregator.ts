/**
 * npm run bench:aggregator — throughput of the stream aggregator on a generated 10,000-record
 * batch (2 % malformed, 1 % re-sent), with S3 and SNS answered in memory so the figures are the
 * function's own CPU cost, no network.
 *
 * Printed (median of --iterations runs, after two warm-up runs):
 *   decode floor      base64 + JSON.parse + contract validation of every record (what any consumer pays)
 *   aggregate only    WindowAggregate.add of the already-decoded events (6 groups, 2 sketches each)
 *   one invocation    handleWindowInvocation on all records, not final: decode, aggregate, state out
 *   whole window      the same records as 10 invocations threading the state through JSON, then the
 *                     final invocation: minute and hour Parquet rows, roll-up state, hour judging
 * and the window state's size after the batch and after a full shard-minute (60,000 records).
 *
 * Options: --records <n> (default 10000), --iterations <n> (default 9), --json (machine output).
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { aggregatableOf, WindowAggregate, type AggregatableEvent } from '../functions/shared/aggregation';
import { decodeEvent } from '../functions/shared/contract';
import { generateEvents } from '../functions/shared/generator';
import { handleWindowInvocation, type AggregateStore, type AggregatorDeps, type StreamRecordInput } from '../functions/stream-aggregator/aggregator';
import { commandLineOrExit, integerOption, parseCommandLine } from './lib/cli-args';

export const USAGE = `Usage: npm run bench:aggregator -- [--records <n>] [--iterations <n>] [--json]

  --records <n>      records in the batch (default 10000)
  --iterations <n>   timed runs, after two warm-ups (default 9)
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
    iterations: integerOption(values.iterations, 'iterations', 9),
    json: values.json ?? false,
  };
}

// Imported (by a test), the module runs nothing: the defaults stand in for the command line.
const OPTIONS: BenchOptions = commandLineOrExit('bench-aggregator', USAGE, () => parseBenchArgs(require.main === module ? process.argv.slice(2) : []));
const RECORDS = OPTIONS.records;
const ITERATIONS = OPTIONS.iterations;
const JSON_OUT = OPTIONS.json;
const WINDOW_START = Date.UTC(2024, 2, 20, 10, 5);
const NOW = Date.UTC(2024, 2, 21);

class MemoryStore implements AggregateStore {
  readonly objects = new Map<string, Uint8Array | string>();
  async putObject(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, body);
  }
  async getText(key: string): Promise<string | undefined> {
    const b = this.objects.get(key);
    return b === undefined ? undefined : typeof b === 'string' ? b : Buffer.from(b).toString('utf8');
  }
  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }
  async listKeys(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix));
  }
  async createIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, body);
    return true;
  }
  async deleteObject(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

function deps(store: AggregateStore): AggregatorDeps {
  return {
    store,
    alerts: { publish: async () => undefined },
    rules: { minConversionRate: 0.01, maxTrafficDropRatio: 0.5, minEvents: 100 },
    source: { platform: 'bench', region: 'us-east-1' },
    now: () => NOW,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(fn: () => unknown): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

function toRecords(count: number, seed: number): StreamRecordInput[] {
  return generateEvents({ seed, count, malformedShare: 0.02, duplicateShare: 0.01, spanHours: 1 }).map((g, i) => ({
    sequenceNumber: `4963${String(i).padStart(52, '0')}`,
    data: g.data.toString('base64'),
  }));
}

const window = { start: new Date(WINDOW_START).toISOString(), end: new Date(WINDOW_START + 60_000).toISOString() };

async function main(): Promise<void> {
  const records = toRecords(RECORDS, 42);
  const decoded: AggregatableEvent[] = records.flatMap((r) => {
    const d = decodeEvent(Buffer.from(r.data, 'base64'), { now: NOW });
    return d.ok ? [aggregatableOf(d.event)] : [];
  });

  const decodeMs = await timeIt(() => {
    for (const r of records) decodeEvent(Buffer.from(r.data, 'base64'), { now: NOW });
  });
  const aggregateMs = await timeIt(() => {
    const agg = new WindowAggregate('minute', WINDOW_START);
    for (const e of decoded) agg.add(e);
  });
  let stateBytes = 0;
  const invocationMs = await timeIt(async () => {
    const r = await handleWindowInvocation(
      { window, shardId: 'shardId-000000000000', state: {}, records, isFinalInvokeForWindow: false },
      deps(new MemoryStore()),
    );
    stateBytes = r.stateBytes;
  });
  const batch = Math.ceil(records.length / 10);
  const windowMs = await timeIt(async () => {
    const d = deps(new MemoryStore());
    let state: unknown = {};
    for (let i = 0; i < records.length; i += batch) {
      // Lambda hands the state back as parsed JSON: round-trip it the same way.
      const r = await handleWindowInvocation(
        { window, shardId: 'shardId-000000000000', state, records: records.slice(i, i + batch), isFinalInvokeForWindow: false },
        d,
      );
      state = JSON.parse(JSON.stringify(r.state));
    }
    await handleWindowInvocation({ window, shardId: 'shardId-000000000000', state, records: [], isFinalInvokeForWindow: true }, d);
  });
  // A provisioned shard takes at most 1,000 records/s: 60,000 is the busiest possible minute.
  const busy = await handleWindowInvocation(
    { window, shardId: 'shardId-000000000000', state: {}, records: toRecords(60_000, 7), isFinalInvokeForWindow: false },
    deps(new MemoryStore()),
  );

  const perSecond = (ms: number) => Math.round((records.length / ms) * 1000);
  const result = {
    records: records.length,
    validRecords: decoded.length,
    iterations: ITERATIONS,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage1m: +os.loadavg()[0]!.toFixed(2),
    decodeFloor: { ms: +decodeMs.toFixed(1), recordsPerSecond: perSecond(decodeMs) },
    aggregateOnly: { ms: +aggregateMs.toFixed(1), recordsPerSecond: perSecond(aggregateMs) },
    oneInvocation: { ms: +invocationMs.toFixed(1), recordsPerSecond: perSecond(invocationMs) },
    wholeWindow: { ms: +windowMs.toFixed(1), recordsPerSecond: perSecond(windowMs), invocations: Math.ceil(records.length / batch) + 1 },
    stateBytesAfterBatch: stateBytes,
    stateBytesAfterShardMinute: busy.stateBytes,
  };
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const row = (label: string, r: { ms: number; recordsPerSecond: number }) =>
    `${label.padEnd(16)} ${r.ms.toFixed(1).padStart(8)} ms ${r.recordsPerSecond.toLocaleString('en-US').padStart(12)} records/s`;
  process.stdout.write(
    [
      `stream aggregator, ${result.records} records (${result.validRecords} valid), median of ${ITERATIONS}, node ${process.version}, ${result.cpus} CPUs, load average ${result.loadAverage1m}`,
      row('decode floor', result.decodeFloor),
      row('aggregate only', result.aggregateOnly),
      row('one invocation', result.oneInvocation),
      row(`whole window`, result.wholeWindow) + ` (${result.wholeWindow.invocations} invocations)`,
      `window state: ${(stateBytes / 1024).toFixed(1)} KiB after the batch, ${(busy.stateBytes / 1024).toFixed(1)} KiB after 60,000 records (Lambda limit 1,024 KiB)`,
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`bench-aggregator: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
