import fc from 'fast-check';
import { SAMPLE_EVENT } from '../helpers/sample-event';
import { DEVICE_CLASSES, EVENT_TYPES, validateEvent, type ValidEvent } from '../../functions/shared/contract';
import { FEATURE_CATEGORIES, FEATURE_COUNT, FEATURE_NAMES, REGIONS, featureVector, formatFeature, pageDepth, toCsvRow } from '../../functions/shared/features';
import { generateLabelledDataset } from '../../functions/shared/generator';

const SAMPLE = SAMPLE_EVENT;

function valid(raw: unknown): ValidEvent {
  const r = validateEvent(raw, { now: Date.UTC(2030, 0, 1) });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.event;
}

const eventArb = fc.record({
  event_type: fc.constantFrom(...EVENT_TYPES),
  category: fc.option(fc.oneof(fc.constantFrom(...FEATURE_CATEGORIES), fc.string({ minLength: 1, maxLength: 64 })), { nil: null }),
  device_type: fc.string({ minLength: 1, maxLength: 32 }),
  country: fc.stringMatching(/^[A-Za-z]{2}$/),
  page_url: fc.oneof(fc.webUrl(), fc.constant('/'), fc.constant('https://x.test/a/b/c/d/e/f/g/h/i/j/k/l')),
  product_id: fc.option(fc.constant('p1'), { nil: null }),
  city: fc.option(fc.constant('Paris'), { nil: null }),
  event_time: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
});

describe('feature vector', () => {
  it('names every slot once', () => {
    expect(FEATURE_NAMES).toHaveLength(FEATURE_COUNT);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_COUNT);
    expect(FEATURE_COUNT).toBe(EVENT_TYPES.length + FEATURE_CATEGORIES.length + 1 + DEVICE_CLASSES.length + 2 + 1 + REGIONS.length + 4);
  });

  it('encodes the documented sample event as a known row', () => {
    // page_view | electronics | mobile | 10:00 UTC -> angle 150 deg | Wednesday | north_america | depth 1 | product | city | stage 0
    expect(toCsvRow(featureVector(valid(SAMPLE)))).toBe(
      ['1,0,0,0,0,0,0', '1,0,0,0,0,0,0,0,0', '1,0,0,0', '0.5,-0.866025', '0', '1,0,0,0,0', '0.1', '1', '1', '0'].join(','),
    );
  });

  it('property: fixed length, finite values, exactly one hot per one-hot group (category: at most one)', () => {
    fc.assert(
      fc.property(eventArb, (e) => {
        const v = featureVector(e);
        expect(v).toHaveLength(FEATURE_COUNT);
        for (const x of v) expect(Number.isFinite(x)).toBe(true);
        const group = (prefix: string) => FEATURE_NAMES.reduce((s, n, i) => (n.startsWith(prefix) ? s + v[i]! : s), 0);
        expect(group('event_type_')).toBe(1);
        expect(group('device_')).toBe(1);
        expect(group('region_')).toBe(1);
        expect(group('category_')).toBe(e.category === null ? 0 : 1);
        const sin = v[FEATURE_NAMES.indexOf('hour_sin')]!;
        const cos = v[FEATURE_NAMES.indexOf('hour_cos')]!;
        expect(sin * sin + cos * cos).toBeCloseTo(1, 9);
        const depth = v[FEATURE_NAMES.indexOf('page_depth')]!;
        expect(depth).toBeGreaterThanOrEqual(0);
        expect(depth).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('property: the CSV row is deterministic, has one plain decimal per feature and round-trips within 1e-6', () => {
    fc.assert(
      fc.property(eventArb, (e) => {
        const v = featureVector(e);
        const row = toCsvRow(v);
        expect(toCsvRow(featureVector({ ...e }))).toBe(row);
        const cells = row.split(',');
        expect(cells).toHaveLength(FEATURE_COUNT);
        cells.forEach((c, i) => {
          expect(c).toMatch(/^-?(0|[1-9]\d*)(\.\d{1,6})?$/);
          expect(Math.abs(Number(c) - v[i]!)).toBeLessThanOrEqual(5e-7);
        });
      }),
    );
  });

  it('property: any finite number formats as a plain decimal equal to the value rounded to 6 decimals', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -1e12, max: 1e12, noNaN: true }),
          fc.double({ min: -1, max: 1, noNaN: true }),
          fc.integer({ min: -1e6, max: 1e6 }).map((k) => k / 1e6),
        ),
        (x) => {
          const s = formatFeature(x);
          expect(s).toMatch(/^-?(0|[1-9]\d*)(\.\d{0,5}[1-9])?$/);
          expect(Number(s)).toBe(Math.round(x * 1e6) / 1e6 || 0);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('formats numbers without exponents or negative zero, and refuses non-finite values', () => {
    expect([1e-7, -1e-7, 0.1 + 0.2, -0.5, 1, 1234.5678915].map(formatFeature)).toEqual(['0', '0', '0.3', '-0.5', '1', '1234.567892']);
    expect(() => formatFeature(NaN)).toThrow(RangeError);
    expect(() => toCsvRow([1, 2])).toThrow(/must have/);
  });

  it('counts page depth from the path only', () => {
    expect(['https://a.test', 'https://a.test/', '/x/y', 'https://a.test/p/q?r=/s/t#/u', 'https://a.test//a//b/'].map(pageDepth)).toEqual([0, 0, 2, 2, 2]);
  });

  it('separates converting from non-converting events on generated data (the model has signal to learn)', () => {
    const data = generateLabelledDataset({ seed: 7, count: 20_000 });
    const idx = FEATURE_NAMES.indexOf('device_desktop');
    const rate = (want: number) => {
      const sel = data.filter((d) => featureVector(valid(d.event))[idx] === want);
      return sel.filter((d) => d.converted).length / sel.length;
    };
    // Desktop sessions convert markedly more often than the rest in the generator's model.
    expect(rate(1)).toBeGreaterThan(rate(0) * 1.3);
  });
});
