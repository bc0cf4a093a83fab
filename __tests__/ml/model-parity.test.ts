/**
 * The TypeScript feature pipeline and the shipped models must never drift apart: the rows the
 * inference function sends for the fixture events, scored by each shipped model.tar.gz through
 * the SageMaker XGBoost container's serving path in the container's xgboost (1.7.4, ml/.venv),
 * must give the recorded scores. Re-record with ml/train.sh after an intentional change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePredictRequest } from '../../functions/ml-inference/domain';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../functions/shared/features';
import type { RawEvent } from '../../functions/shared/generator';
import { EVENTS_FIXTURE, PREDICTIONS_FIXTURE } from '../../scripts/ml-parity-fixture';
import { MODEL_DIR, predictWithArchive, shippedModelVersions } from '../../scripts/ml-python';

const NOW = Date.UTC(2030, 0, 1);
const events = (JSON.parse(readFileSync(EVENTS_FIXTURE, 'utf8')) as { events: RawEvent[] }).events;
const fixture = JSON.parse(readFileSync(PREDICTIONS_FIXTURE, 'utf8')) as { featureRows: string[]; predictions: Record<string, { trees: number; scores: number[] }> };

/** The body the function sends to InvokeEndpoint, obtained through its own request parser. */
function rowSentByFunction(event: RawEvent): string {
  const parsed = parsePredictRequest({ body: JSON.stringify(event), headers: { 'content-type': 'application/json' } }, [], NOW);
  if (!parsed.ok) throw new Error(`fixture event rejected: ${JSON.stringify(parsed.problems)}`);
  return parsed.featureRow;
}

const rows = events.map(rowSentByFunction);
const versions = shippedModelVersions();

describe('model parity: TypeScript features x shipped models', () => {
  it('covers every shipped model version, and only those', () => {
    expect(versions.length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(fixture.predictions).sort()).toEqual([...versions].sort());
  });

  it('sends, for every fixture event, the feature row the fixture was recorded with', () => {
    expect(rows).toHaveLength(fixture.featureRows.length);
    const changed = rows.map((row, i) => ({ i, row, recorded: fixture.featureRows[i] })).filter((r) => r.row !== r.recorded);
    // Names the first changed features so a drift is diagnosable from the failure alone.
    const describeChange = changed.slice(0, 3).map(({ i, row, recorded }) => {
      const now = row.split(',');
      const then = (recorded ?? '').split(',');
      const diffs = FEATURE_NAMES.map((name, k) => (now[k] !== then[k] ? `${name}: ${then[k]} -> ${now[k]}` : '')).filter(Boolean);
      return `event ${i}: ${diffs.join(', ')}`;
    });
    expect(describeChange).toEqual([]);
  });

  it.each(versions)('model %s scores the rows exactly as recorded', (version) => {
    const result = predictWithArchive(join(MODEL_DIR, version, 'model.tar.gz'), rows);
    expect(result.numFeatures).toBe(FEATURE_COUNT);
    expect(result.trees).toBe(fixture.predictions[version]!.trees);
    const recorded = fixture.predictions[version]!.scores;
    expect(result.scores).toHaveLength(recorded.length);
    const mismatches = result.scores.map((s, i) => ({ i, s, r: recorded[i]! })).filter(({ s, r }) => Math.abs(s - r) > 1e-6);
    expect(mismatches).toEqual([]);
  });

  it.each(versions)('model %s behaves like a purchase-propensity model on the fixture', (version) => {
    const scores = fixture.predictions[version]!.scores;
    const byType = (type: string) => scores.filter((_, i) => events[i]!.event_type === type);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // A purchase event's session has converted by definition; browsing events rarely do.
    expect(Math.min(...byType('purchase'))).toBeGreaterThan(0.9);
    expect(mean(byType('checkout'))).toBeGreaterThan(mean(byType('add_to_cart')));
    expect(mean(byType('add_to_cart'))).toBeGreaterThan(mean(byType('page_view')));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
  });
});
