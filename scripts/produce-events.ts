/**
 * Synthetic load generator: sends N generated events (a share of them malformed) to a
 * Kinesis stream with the reliable PutRecords sender.
 *
 *   npx ts-node --transpile-only scripts/produce-events.ts --stream <name|arn> [options]
 *   node dist/scripts/produce-events.js --stream <name|arn> [options]     (after npm run build)
 *
 * The endpoint follows the SDK's standard variables (AWS_ENDPOINT_URL_KINESIS /
 * AWS_ENDPOINT_URL), so the same command feeds a local Kinesis emulator.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { parseArgs } from 'node:util';
import { generateEvents } from '../functions/shared/generator';
import { SSMClient } from '@aws-sdk/client-ssm';
import { resolveActiveRegion, sendRecords } from '../functions/shared/producer';

const USAGE = `Usage: produce-events --stream <name|arn> [options]

Sends generated clickstream events to a Kinesis data stream (partition key: user_id).

Options:
  --stream <name|arn>        target stream (required unless --dry-run)
  --count <n>                events to send (default 1000, max 5000000)
  --malformed-share <0-1>    share of malformed records, split evenly over six kinds (default 0.05)
  --duplicate-share <0-1>    share of re-sent duplicates (default 0)
  --seed <int>               generator seed; same seed, same events (default 1)
  --span-hours <h>           hours the event timestamps spread over (default 1)
  --start <ISO-8601>         earliest event time (default: now minus --span-hours)
  --region <region>          AWS region (default: from the environment / profile)
  --follow-active-region <parameter>
                             read the active region from this SSM parameter (output active_region_parameter)
                             in --region, then write to the stream (by name) in the region it names
  --concurrency <n>          PutRecords calls in flight (default 4, max 64)
  --max-attempts <n>         attempts per record before it counts as failed (default 6)
  --dry-run                  print the records as JSON lines instead of sending them
  -h, --help                 show this help

Exit codes: 0 all sent, 1 some records failed after retries, 2 bad arguments, 3 AWS configuration error.`;

class UsageError extends Error {}

function num(value: string | undefined, name: string, dflt: number, { min, max, integer }: { min: number; max: number; integer: boolean }): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got "${value}"`);
  }
  return n;
}

export interface CliOptions {
  stream: string | undefined;
  count: number;
  malformedShare: number;
  duplicateShare: number;
  seed: number;
  spanHours: number;
  start: number;
  region: string | undefined;
  /** SSM parameter naming the active region; the stream is written in that region. */
  followActiveRegion: string | undefined;
  concurrency: number;
  maxAttempts: number;
  dryRun: boolean;
  help: boolean;
}

export function parseCli(argv: readonly string[], now = Date.now()): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stream: { type: 'string' },
        count: { type: 'string' },
        'malformed-share': { type: 'string' },
        'duplicate-share': { type: 'string' },
        seed: { type: 'string' },
        'span-hours': { type: 'string' },
        start: { type: 'string' },
        region: { type: 'string' },
        'follow-active-region': { type: 'string' },
        concurrency: { type: 'string' },
        'max-attempts': { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const spanHours = num(v['span-hours'], 'span-hours', 1, { min: 0.01, max: 24 * 365, integer: false });
  let start = now - spanHours * 3600_000;
  if (v.start !== undefined) {
    start = Date.parse(v.start);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(v.start) || Number.isNaN(start))
      throw new UsageError(`--start must be an ISO-8601 date-time such as 2024-03-20T10:00:00Z, got "${v.start}"`);
  }
  const opts: CliOptions = {
    stream: v.stream,
    count: num(v.count, 'count', 1000, { min: 1, max: 5_000_000, integer: true }),
    malformedShare: num(v['malformed-share'], 'malformed-share', 0.05, { min: 0, max: 1, integer: false }),
    duplicateShare: num(v['duplicate-share'], 'duplicate-share', 0, { min: 0, max: 1, integer: false }),
    seed: num(v.seed, 'seed', 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
    spanHours,
    start,
    region: v.region,
    followActiveRegion: v['follow-active-region'],
    concurrency: num(v.concurrency, 'concurrency', 4, { min: 1, max: 64, integer: true }),
    maxAttempts: num(v['max-attempts'], 'max-attempts', 6, { min: 1, max: 20, integer: true }),
    dryRun: v['dry-run'] ?? false,
    help: v.help ?? false,
  };
  if (opts.malformedShare + opts.duplicateShare > 1) throw new UsageError('--malformed-share plus --duplicate-share must not exceed 1');
  if (!opts.help && !opts.dryRun && !opts.stream) throw new UsageError('--stream is required (or use --dry-run)');
  if (opts.followActiveRegion !== undefined && !/^\/[\w./-]+$/.test(opts.followActiveRegion))
    throw new UsageError(
      `--follow-active-region must be an SSM parameter name such as /data-analytics-ml-analytics/active-region, got "${opts.followActiveRegion}"`,
    );
  if (opts.followActiveRegion !== undefined && opts.stream?.startsWith('arn:'))
    throw new UsageError('--follow-active-region needs --stream as a name: an ARN fixes the region');
  return opts;
}

/**
 * What keeps the SDK from sending at all (no region, no credentials, an endpoint URL that is not
 * one), found before the first call: the sender retries every call-level error per record, so
 * without this check a configuration mistake would surface only as every record failing (exit 1).
 */
export async function awsConfigurationProblem(client: KinesisClient, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  let region: string;
  try {
    region = await client.config.region();
  } catch (e) {
    const message = (e as Error).message;
    if (/region is missing/i.test(message))
      return 'no AWS region: pass --region <region>, export AWS_REGION (or AWS_DEFAULT_REGION), or set region in the AWS profile';
    return `AWS region not usable: ${message}`;
  }
  try {
    client.config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false });
  } catch (e) {
    return `AWS region "${region}" not usable: ${(e as Error).message}`;
  }
  for (const name of ['AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL'] as const) {
    const url = env[name];
    if (url === undefined || url === '') continue;
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      return `${name}="${url}" is not an http(s) URL (for a local emulator: http://127.0.0.1:<port>)`;
    break;
  }
  try {
    await client.config.credentials();
  } catch (e) {
    return `no usable AWS credentials (${(e as Error).name}: ${(e as Error).message}): set AWS_PROFILE or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  return undefined;
}

/**
 * Progress of the send: one rewritten line (\r) on a terminal; on a pipe or a log file, where
 * carriage returns pile up into one unreadable line, a plain line every 10 seconds instead.
 */
export function progressReporter(
  err: NodeJS.WritableStream & { isTTY?: boolean },
  total: number,
  now: () => number = Date.now,
): { update(sent: number): void; done(): void } {
  const tty = err.isTTY === true;
  const interval = tty ? 1_000 : 10_000;
  const started = now();
  let lastPrint: number | undefined;
  return {
    update(sent) {
      const t = now();
      if (tty ? lastPrint !== undefined && t - lastPrint < interval : t - (lastPrint ?? started) < interval) return;
      lastPrint = t;
      err.write(tty ? `\rsent ${sent}/${total}` : `sent ${sent}/${total}\n`);
    },
    done() {
      if (tty && lastPrint !== undefined) err.write('\n');
    },
  };
}

export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`produce-events: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const records = generateEvents({
    seed: opts.seed,
    count: opts.count,
    startTime: opts.start,
    spanHours: opts.spanHours,
    malformedShare: opts.malformedShare,
    duplicateShare: opts.duplicateShare,
  });
  if (opts.dryRun) {
    for (const r of records) out.write(`${JSON.stringify({ partitionKey: r.partitionKey, kind: r.kind, data: r.data.toString('utf8') })}\n`);
    return 0;
  }
  let region = opts.region;
  if (opts.followActiveRegion !== undefined) {
    const ssm = new SSMClient(opts.region ? { region: opts.region } : {});
    try {
      region = await resolveActiveRegion(ssm, opts.followActiveRegion);
    } catch (e) {
      err.write(`produce-events: ${(e as Error).message}\n`);
      return 3;
    } finally {
      ssm.destroy();
    }
  }
  const client = new KinesisClient(region ? { region } : {});
  const started = Date.now();
  const progress = progressReporter(err, records.length);
  try {
    const problem = await awsConfigurationProblem(client);
    if (problem) {
      err.write(`produce-events: ${problem}\n`);
      return 3;
    }
    const summary = await sendRecords(client, records, {
      stream: opts.stream!,
      concurrency: opts.concurrency,
      maxAttempts: opts.maxAttempts,
      onProgress: ({ sent }) => progress.update(sent),
    });
    progress.done();
    const secs = (Date.now() - started) / 1000;
    const malformed = records.filter((r) => r.kind !== 'valid' && r.kind !== 'duplicate').length;
    const duplicates = records.filter((r) => r.kind === 'duplicate').length;
    out.write(
      `${JSON.stringify({ stream: opts.stream, total: summary.total, sent: summary.sent, failed: summary.failed.length, malformed, duplicates, calls: summary.calls, retriedEntries: summary.retriedEntries, seconds: secs, recordsPerSecond: Math.round(summary.sent / Math.max(secs, 1e-3)) })}\n`,
    );
    for (const f of summary.failed.slice(0, 10)) err.write(`failed record #${f.index}: ${f.errorCode}: ${f.errorMessage}\n`);
    return summary.failed.length > 0 ? 1 : 0;
  } catch (e) {
    err.write(`produce-events: ${(e as Error).name}: ${(e as Error).message}\n`);
    return 3;
  } finally {
    client.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`produce-events: unexpected error: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
