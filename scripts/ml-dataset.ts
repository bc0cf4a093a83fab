/**
 * Writes the purchase-propensity training data: labelled events from the project's own
 * generator, turned into feature rows by the shared feature module, exactly as the inference
 * function serialises them (`toCsvRow`). Python (ml/train.py) only reads these files, so the
 * features are computed in one place.
 *
 *   npx ts-node --transpile-only scripts/ml-dataset.ts --out ml/data
 *
 * Output: <out>/{train,validation,test}.csv in the SageMaker built-in XGBoost CSV layout (label
 * in the first column, no header) and <out>/manifest.json (seeds, time ranges, counts,
 * positive rate, feature names). Same arguments, byte-identical files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { featureRow } from '../functions/ml-inference/domain';
import { validateEvent } from '../functions/shared/contract';
import { FEATURE_NAMES } from '../functions/shared/features';
import { generateLabelledDataset, type RawEvent } from '../functions/shared/generator';

const DAY_MS = 24 * 3600 * 1000;

/** One split: its own seed (independent sessions) and time range. */
export interface SplitSpec {
  readonly name: 'train' | 'validation' | 'test';
  readonly seed: number;
  readonly count: number;
  readonly startTime: number;
  readonly spanHours: number;
}

/**
 * Train and validation cover the same two weeks; test is the two weeks after them (out of
 * time) with a third seed, so no session, and no user's history, crosses from training into
 * the figures reported in docs/ml.md.
 */
export const DEFAULT_SPLITS: readonly SplitSpec[] = [
  { name: 'train', seed: 1001, count: 200_000, startTime: Date.UTC(2024, 2, 4), spanHours: 14 * 24 },
  { name: 'validation', seed: 1002, count: 50_000, startTime: Date.UTC(2024, 2, 4), spanHours: 14 * 24 },
  { name: 'test', seed: 1003, count: 50_000, startTime: Date.UTC(2024, 2, 4) + 14 * DAY_MS, spanHours: 14 * 24 },
];

/**
 * The CSV row the endpoint receives for one raw event: the inference function's own
 * validate-then-featurise path. Throws naming the problems if the event is invalid.
 */
export function featureRowOf(event: RawEvent, now = Date.UTC(2100, 0, 1)): string {
  const result = validateEvent(event, { now });
  if (!result.ok) throw new Error(`event failed validation: ${JSON.stringify(result.problems)}`);
  return featureRow(result.event);
}

export interface SplitSummary {
  readonly name: string;
  readonly seed: number;
  readonly rows: number;
  readonly positives: number;
  readonly positiveRate: number;
  readonly from: string;
  readonly to: string;
}

/** Label-first CSV lines of one split, plus its summary. */
export function buildSplit(spec: SplitSpec): { csv: string; summary: SplitSummary } {
  const labelled = generateLabelledDataset({ seed: spec.seed, count: spec.count, startTime: spec.startTime, spanHours: spec.spanHours });
  const lines: string[] = [];
  let positives = 0;
  for (const { event, converted } of labelled) {
    if (converted) positives++;
    lines.push(`${converted ? 1 : 0},${featureRowOf(event)}`);
  }
  return {
    csv: `${lines.join('\n')}\n`,
    summary: {
      name: spec.name,
      seed: spec.seed,
      rows: lines.length,
      positives,
      positiveRate: Number((positives / lines.length).toFixed(6)),
      from: new Date(spec.startTime).toISOString(),
      to: new Date(spec.startTime + spec.spanHours * 3600_000).toISOString(),
    },
  };
}

function main(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, scale: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('Usage: ml-dataset --out <dir> [--scale <0-1>]\n  --scale shrinks every split (quick experiments); the shipped model uses 1.\n');
    return;
  }
  if (!values.out) throw new Error('--out <dir> is required (e.g. ml/data)');
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0 && scale <= 1)) throw new Error(`--scale must be a number in (0, 1], got "${values.scale}"`);
  mkdirSync(values.out, { recursive: true });
  const splits: SplitSummary[] = [];
  for (const spec of DEFAULT_SPLITS) {
    const { csv, summary } = buildSplit({ ...spec, count: Math.max(100, Math.round(spec.count * scale)) });
    writeFileSync(join(values.out, `${spec.name}.csv`), csv);
    splits.push(summary);
    process.stdout.write(`${spec.name}: ${summary.rows} rows, positive rate ${summary.positiveRate}\n`);
  }
  const manifest = {
    generator: 'functions/shared/generator.ts generateLabelledDataset',
    label: 'session converted to a purchase',
    featureNames: FEATURE_NAMES,
    splits,
  };
  writeFileSync(join(values.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`ml-dataset: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
