/** Arguments of `npm run local` (pure, tested in __tests__/local/cli.test.ts). */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { HangMode } from './chaos/s3-proxy';

export const USAGE = `Usage: npm run local -- [options]

Runs the whole data flow on this machine, without an AWS account: Kinesis, S3 and SQS (moto),
the Redshift Data API (PGlite), the SageMaker runtime (the shipped XGBoost models) and Athena
(DuckDB) stand-ins on 127.0.0.1, the real stream-processor, warehouse-loader and inference
handlers, then prints a report and writes it as HTML.

Options:
  --events <n>             events to send (default 50000, 1-1000000)
  --malformed-share <0-1>  share of malformed records (default 0.05)
  --seed <int>             generator seed; same seed, same events (default 1)
  --predictions <n>        events sent to the inference handler (default: 2 % of the events, at most 2000)
  --replay-share <0-0.5>   share of stream-processor invocations whose response is lost after the
                           handler ran, so the batch is delivered again; when above 0, the first
                           invocation always is (default 0.05; 0 turns replays off)
  --out <dir>              where report.html, report.json and the logs go (default local-run/)
  --chaos <seed>           inject faults into the stand-ins on a schedule drawn from this seed
                           (S3 errors, resets and hangs, Data API statement failures, SageMaker
                           throttling and 5xx, a processor crash mid-batch, the loader stopped
                           between COPY and merge); same seed, same schedule
  --chaos-hang <mode>      how an injected S3 hang ends: hold (default: never answered, only the
                           client's timeout and the invocation's deadline end it) or reset (the
                           connection is reset after 1.5 s)
  -h, --help               show this help

Exit codes: 0 report written and every invariant holds, 1 an invariant failed (see the report),
2 bad arguments, 3 a stand-in or handler failed to start or run.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface LocalRunOptions {
  readonly events: number;
  readonly malformedShare: number;
  readonly seed: number;
  readonly predictions: number;
  readonly replayShare: number;
  readonly outDir: string;
  /** Fault injection (`--chaos`); undefined for a run without faults. */
  readonly chaos?: { readonly seed: number; readonly hangMode: HangMode };
}

function number(value: string | undefined, name: string, dflt: number, min: number, max: number, integer: boolean): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** Parses argv; `{ help: true }` when help was asked for. Throws UsageError naming the bad option. */
export function parseLocalArgs(argv: readonly string[], cwd: string = process.cwd()): LocalRunOptions | { help: true } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        events: { type: 'string' },
        'malformed-share': { type: 'string' },
        seed: { type: 'string' },
        predictions: { type: 'string' },
        'replay-share': { type: 'string' },
        out: { type: 'string' },
        chaos: { type: 'string' },
        'chaos-hang': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  const events = number(v.events, 'events', 50_000, 1, 1_000_000, true);
  const defaultPredictions = Math.max(1, Math.min(2000, Math.round(events * 0.02)));
  const out = v.out ?? 'local-run';
  if (out.trim() === '') throw new UsageError('--out must name a directory, got ""');
  const hang = v['chaos-hang'];
  if (hang !== undefined && v.chaos === undefined) throw new UsageError('--chaos-hang needs --chaos <seed>');
  if (hang !== undefined && hang !== 'hold' && hang !== 'reset') throw new UsageError(`--chaos-hang must be hold or reset, got "${hang}"`);
  const chaos = v.chaos === undefined ? undefined : { seed: number(v.chaos, 'chaos', 0, 0, 2 ** 32 - 1, true), hangMode: (hang ?? 'hold') as HangMode };
  return {
    events,
    malformedShare: number(v['malformed-share'], 'malformed-share', 0.05, 0, 1, false),
    seed: number(v.seed, 'seed', 1, 0, 2 ** 32 - 1, true),
    predictions: number(v.predictions, 'predictions', defaultPredictions, 0, 100_000, true),
    replayShare: number(v['replay-share'], 'replay-share', 0.05, 0, 0.5, false),
    outDir: path.resolve(cwd, out),
    ...(chaos ? { chaos } : {}),
  };
}
