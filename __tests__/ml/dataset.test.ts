/** The training data comes from the project's generator through the inference function's feature path. */
import { parsePredictRequest } from '../../functions/ml-inference/domain';
import { FEATURE_COUNT } from '../../functions/shared/features';
import { generateLabelledDataset } from '../../functions/shared/generator';
import { buildSplit, DEFAULT_SPLITS, featureRowOf } from '../../scripts/ml-dataset';

describe('ml dataset', () => {
  const spec = { name: 'train' as const, seed: 5, count: 400, startTime: Date.UTC(2024, 2, 4), spanHours: 48 };

  it('writes label-first rows: the session outcome, then the 32 features', () => {
    const { csv, summary } = buildSplit(spec);
    const lines = csv.trimEnd().split('\n');
    expect(lines).toHaveLength(400);
    const labelled = generateLabelledDataset({ seed: 5, count: 400, startTime: spec.startTime, spanHours: 48 });
    lines.forEach((line, i) => {
      const [label, ...features] = line.split(',');
      expect(label).toBe(labelled[i]!.converted ? '1' : '0');
      expect(features).toHaveLength(FEATURE_COUNT);
    });
    expect(summary.positives).toBe(labelled.filter((l) => l.converted).length);
  });

  it('features are exactly the line the inference function sends for the same event', () => {
    const labelled = generateLabelledDataset({ seed: 9, count: 100 });
    for (const { event } of labelled) {
      const parsed = parsePredictRequest({ body: JSON.stringify(event) }, [], Date.UTC(2100, 0, 1));
      expect(parsed.ok && parsed.featureRow).toBe(featureRowOf(event));
    }
  });

  it('is deterministic, and the splits use distinct seeds with test after training in time', () => {
    expect(buildSplit(spec).csv).toBe(buildSplit(spec).csv);
    expect(new Set(DEFAULT_SPLITS.map((s) => s.seed)).size).toBe(DEFAULT_SPLITS.length);
    const train = DEFAULT_SPLITS.find((s) => s.name === 'train')!;
    const test = DEFAULT_SPLITS.find((s) => s.name === 'test')!;
    expect(test.startTime).toBeGreaterThanOrEqual(train.startTime + train.spanHours * 3600_000);
  });

  it('refuses an event the contract rejects, naming the problem', () => {
    const [{ event }] = generateLabelledDataset({ seed: 1, count: 1 });
    expect(() => featureRowOf({ ...event!, user_id: '' })).toThrow(/user_id/);
  });
});
