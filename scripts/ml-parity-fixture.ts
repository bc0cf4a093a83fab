/**
 * Records the model parity fixture (__tests__/fixtures/ml/): a set of events, the feature rows
 * the inference function sends for them, and each shipped model's scores for those rows as the
 * SageMaker XGBoost container computes them (ml/predict.py, pinned xgboost). Re-run after
 * retraining or after an intentional feature change (ml/train.sh does):
 *
 *   npx ts-node --transpile-only scripts/ml-parity-fixture.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateLabelledDataset, type RawEvent } from '../functions/shared/generator';
import { featureRowOf } from './ml-dataset';
import { commandLineOrExit, parseCommandLine } from './lib/cli-args';
import { MODEL_DIR, REPO_ROOT, predictWithArchive, shippedModelVersions } from './ml-python';

export const FIXTURE_DIR = join(REPO_ROOT, '__tests__', 'fixtures', 'ml');
export const EVENTS_FIXTURE = join(FIXTURE_DIR, 'parity-events.json');
export const PREDICTIONS_FIXTURE = join(FIXTURE_DIR, 'parity-predictions.json');

const base: RawEvent = {
  event_id: 'evt-parity-edge',
  timestamp: '2024-04-06T23:59:30Z',
  user_id: 'user-edge',
  event_type: 'checkout',
  data: {
    page_url: 'https://shop.example.com/checkout/payment/details',
    product_id: 'prod0042',
    category: 'books',
    session_id: 'sess-edge',
    device_type: 'desktop',
    location: { country: 'US', city: 'Austin' },
  },
};

/** Inputs the generator rarely or never produces, each exercising one normalisation rule. */
export const EDGE_CASES: readonly { readonly name: string; readonly event: RawEvent }[] = [
  { name: 'no category (all category slots zero)', event: { ...base, event_id: 'evt-edge-01', data: { ...base.data, category: undefined } } },
  { name: 'category outside the known list (other)', event: { ...base, event_id: 'evt-edge-02', data: { ...base.data, category: 'Garden Furniture' } } },
  { name: 'category with case and spaces', event: { ...base, event_id: 'evt-edge-03', data: { ...base.data, category: '  GROCERY ' } } },
  { name: 'unknown device (other)', event: { ...base, event_id: 'evt-edge-04', data: { ...base.data, device_type: 'smart-fridge' } } },
  { name: 'UK mapped to GB, lower case', event: { ...base, event_id: 'evt-edge-05', data: { ...base.data, location: { country: 'uk' } } } },
  {
    name: 'country outside the region table',
    event: { ...base, event_id: 'evt-edge-06', data: { ...base.data, location: { country: 'KE', city: 'Nairobi' } } },
  },
  { name: 'local time with offset across midnight UTC', event: { ...base, event_id: 'evt-edge-07', timestamp: '2024-04-06T20:30:00-05:00' } },
  {
    name: 'fractional seconds',
    event: { ...base, event_id: 'evt-edge-08', timestamp: '2024-04-03T12:34:56.789Z', event_type: 'page_view', data: { ...base.data, product_id: undefined } },
  },
  { name: 'path deeper than the cap', event: { ...base, event_id: 'evt-edge-09', data: { ...base.data, page_url: '/a/b/c/d/e/f/g/h/i/j/k/l?x=1#frag' } } },
  {
    name: 'relative path, query only',
    event: { ...base, event_id: 'evt-edge-10', event_type: 'search', data: { ...base.data, page_url: '/?q=lamp', product_id: undefined } },
  },
  {
    name: 'purchase on a tablet, weekend',
    event: { ...base, event_id: 'evt-edge-11', event_type: 'purchase', timestamp: '2024-04-07T19:00:00Z', data: { ...base.data, device_type: 'iPad' } },
  },
  { name: 'remove_from_cart without event_id (derived)', event: { ...base, event_id: undefined, event_type: 'remove_from_cart' } },
];

/** Generated events: a seed and time range used neither for training nor for the test split. */
export function parityEvents(): RawEvent[] {
  const generated = generateLabelledDataset({ seed: 4242, count: 200, startTime: Date.UTC(2024, 3, 1), spanHours: 7 * 24 }).map((l) => l.event);
  return [...generated, ...EDGE_CASES.map((c) => JSON.parse(JSON.stringify(c.event)) as RawEvent)];
}

function main(): void {
  const events = parityEvents();
  const rows = events.map((e) => featureRowOf(e));
  const versions = shippedModelVersions();
  const predictions: Record<string, { trees: number; scores: number[] }> = {};
  for (const version of versions) {
    const p = predictWithArchive(join(MODEL_DIR, version, 'model.tar.gz'), rows);
    predictions[version] = { trees: p.trees, scores: p.scores };
  }
  writeFileSync(
    EVENTS_FIXTURE,
    `${JSON.stringify({ description: 'Raw events for the model parity test (200 generated, seed 4242, then the edge cases)', edgeCases: EDGE_CASES.map((c) => c.name), events }, null, 1)}\n`,
  );
  writeFileSync(
    PREDICTIONS_FIXTURE,
    `${JSON.stringify({ description: "Feature rows (toCsvRow) of parity-events.json and each shipped model's scores for them, from the sagemaker-xgboost 1.7-1 serving path in xgboost 1.7.4", featureRows: rows, predictions }, null, 1)}\n`,
  );
  process.stdout.write(`recorded ${events.length} events, models ${versions.join(', ')}\n`);
}

export const USAGE = `Usage: ml-parity-fixture

Records __tests__/fixtures/ml/parity-{events,predictions}.json: the parity events, their feature rows
and every shipped model's scores for them (needs ml/.venv from \`bash ml/setup.sh\`, or ML_PYTHON).
  -h, --help   show this help`;

if (require.main === module) {
  commandLineOrExit('ml-parity-fixture', USAGE, () => (parseCommandLine(process.argv.slice(2), {}).values.help ? { help: true } : {}));
  main();
}
