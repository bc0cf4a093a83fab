import fc from 'fast-check';
import { decodeEvent, validateEvent } from '../../functions/shared/contract';
import { MALFORMED_KINDS, PARTITION_KEY_FALLBACK_PREFIX, createPrng, generateEvents, generateLabelledDataset } from '../../functions/shared/generator';

const NOW = Date.UTC(2030, 0, 1);

describe('generator', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateEvents({ seed: 11, count: 500, malformedShare: 0.1, duplicateShare: 0.05 });
    const b = generateEvents({ seed: 11, count: 500, malformedShare: 0.1, duplicateShare: 0.05 });
    const c = generateEvents({ seed: 12, count: 500, malformedShare: 0.1, duplicateShare: 0.05 });
    expect(a.map((r) => r.data.toString('base64'))).toEqual(b.map((r) => r.data.toString('base64')));
    expect(a.map((r) => r.partitionKey)).toEqual(b.map((r) => r.partitionKey));
    expect(a.map((r) => r.data.toString('base64'))).not.toEqual(c.map((r) => r.data.toString('base64')));
  });

  it('property: exact malformed and duplicate counts, malformed kinds evenly split, every record classified correctly by the validator', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        (seed, count, malformedShare, duplicateShare) => {
          const recs = generateEvents({ seed, count, malformedShare, duplicateShare });
          expect(recs).toHaveLength(count);
          const malformed = recs.filter((r) => (MALFORMED_KINDS as readonly string[]).includes(r.kind));
          expect(malformed).toHaveLength(Math.round(count * malformedShare));
          const perKind = MALFORMED_KINDS.map((k) => malformed.filter((r) => r.kind === k).length);
          expect(Math.max(...perKind) - Math.min(...perKind)).toBeLessThanOrEqual(1);
          const dups = recs.filter((r) => r.kind === 'duplicate').length;
          // Only a duplicate with no valid record before it is turned back into a valid one.
          expect(dups).toBeLessThanOrEqual(Math.round(count * duplicateShare));
          expect(dups).toBeGreaterThanOrEqual(Math.round(count * duplicateShare) - 1);
          recs.forEach((r, i) => {
            const d = decodeEvent(r.data, { now: NOW });
            expect(d.ok).toBe(r.kind === 'valid' || r.kind === 'duplicate');
            if (r.kind === 'duplicate') {
              expect(recs.slice(0, i).some((p) => p.kind === 'valid' && p.data.equals(r.data))).toBe(true);
            }
            if (d.ok) expect(r.partitionKey).toBe(d.event.user_id);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('each malformed kind fails for the reason its name says', () => {
    const recs = generateEvents({ seed: 3, count: 3000, malformedShare: 0.2 });
    const codes: Record<string, Set<string>> = {};
    for (const r of recs) {
      const d = decodeEvent(r.data, { now: NOW });
      if (!d.ok) (codes[r.kind] ??= new Set()).add(d.problems[0]!.code);
    }
    expect(codes.not_json).toEqual(new Set(['not_json']));
    expect(codes.oversized).toEqual(new Set(['too_large']));
    expect(codes.unknown_event_type).toEqual(new Set(['enum', 'empty']));
    expect(codes.missing_field).toEqual(new Set(['missing']));
    expect([...codes.bad_timestamp!].every((c) => c === 'format')).toBe(true);
    expect([...codes.wrong_type!].every((c) => c === 'type')).toBe(true);
  });

  it('uses user_id as partition key, a fallback prefix for records without one', () => {
    const recs = generateEvents({ seed: 5, count: 2000, malformedShare: 0.3 });
    const fallbacks = recs.filter((r) => r.partitionKey.startsWith(PARTITION_KEY_FALLBACK_PREFIX));
    expect(fallbacks.length).toBeGreaterThan(0);
    for (const r of fallbacks) expect(r.kind).not.toBe('valid');
    expect(new Set(fallbacks.map((r) => r.partitionKey)).size).toBeGreaterThan(fallbacks.length / 2);
  });

  it('produces realistic streams: time-ordered, spread over the hours, purchases labelled converted, ids on the configured share', () => {
    const data = generateLabelledDataset({ seed: 9, count: 5000, spanHours: 6, startTime: Date.UTC(2024, 5, 1) });
    const times = data.map((d) => Date.parse(d.event.timestamp));
    // Some producers format whole seconds, so order holds at second granularity.
    for (let i = 1; i < times.length; i++) expect(Math.floor(times[i]! / 1000)).toBeGreaterThanOrEqual(Math.floor(times[i - 1]! / 1000));
    expect(new Set(data.map((d) => new Date(Date.parse(d.event.timestamp)).getUTCHours())).size).toBeGreaterThanOrEqual(6);
    const purchases = data.filter((d) => d.event.event_type === 'purchase');
    expect(purchases.length).toBeGreaterThan(0);
    for (const p of purchases) expect(p.converted).toBe(true);
    for (const d of data) expect(validateEvent(d.event, { now: NOW }).ok).toBe(true);
    const withId = data.filter((d) => d.event.event_id !== undefined).length / data.length;
    expect(withId).toBeGreaterThan(0.7);
    expect(withId).toBeLessThan(0.9);
  });

  it('PRNG output is in [0, 1) and reproducible', () => {
    const r1 = createPrng(42);
    const r2 = createPrng(42);
    for (let i = 0; i < 1000; i++) {
      const x = r1();
      expect(x).toBe(r2());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('rejects impossible options with a clear message', () => {
    expect(() => generateEvents({ seed: 1, count: 10, malformedShare: 1.5 })).toThrow('malformedShare must be between 0 and 1, got 1.5');
    expect(() => generateEvents({ seed: 1, count: 10, malformedShare: 0.6, duplicateShare: 0.6 })).toThrow(/must not exceed 1/);
    expect(() => generateEvents({ seed: 1, count: -1 })).toThrow(/non-negative integer/);
  });
});
