import fc from 'fast-check';
import {
  AGGREGATE_DIMENSIONS,
  aggregatableOf,
  aggregateRows,
  dimensionValues,
  HourRollup,
  MAX_VALUES_PER_FREE_TEXT_DIMENSION,
  mergeAll,
  OVERFLOW_VALUE,
  segmentId,
  WindowAggregate,
  windowStartOf,
  type AggregatableEvent,
} from '../../functions/shared/aggregation';
import { decodeEvent, EVENT_TYPES, glueColumns, parquetSchema, TABLES } from '../../functions/shared/contract';
import { generateEvents } from '../../functions/shared/generator';
import { hashString, HLL_RELATIVE_STANDARD_ERROR, HyperLogLog, murmur3 } from '../../functions/shared/hyperloglog';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 2, 20, 10, 0);

const eventArb: fc.Arbitrary<AggregatableEvent> = fc.record({
  userId: fc.integer({ min: 0, max: 300 }).map((i) => `user${i}`),
  eventType: fc.constantFrom(...EVENT_TYPES),
  category: fc.option(fc.constantFrom('books', 'Books ', 'electronics', 'toys'), { nil: null }),
  countryCode: fc.constantFrom('US', 'GB', 'DE', 'JP'),
  city: fc.option(fc.constantFrom('London', 'Berlin', 'Tokyo', ' Austin'), { nil: null }),
  deviceClass: fc.constantFrom('mobile', 'tablet', 'desktop', 'other'),
});

function build(events: readonly AggregatableEvent[], start = T0, granularity: 'minute' | 'hour' = 'minute'): WindowAggregate {
  const agg = new WindowAggregate(granularity, start);
  for (const e of events) agg.add(e);
  return agg;
}

/** Splits `items` at the given cut points (any partitioning, including empty parts). */
function partition<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const parts: T[][] = [];
  let from = 0;
  for (const p of points) {
    parts.push(items.slice(from, p));
    from = p;
  }
  parts.push(items.slice(from));
  return parts;
}

function ids(prefix: string, n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + offset}`);
}

describe('HyperLogLog', () => {
  it('hashes with MurmurHash3 x86_32 (reference vectors)', () => {
    expect(murmur3(Buffer.from(''))).toBe(0);
    expect(murmur3(Buffer.from('hello'))).toBe(0x248bfa47);
    expect(murmur3(Buffer.from('abc'))).toBe(0xb3dd93fa);
    expect(murmur3(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    // The ASCII fast path and the UTF-8 path agree, and non-ASCII strings hash their UTF-8 bytes.
    expect(hashString('user000123')).toBe(murmur3(Buffer.from('user000123')));
    expect(hashString('São Paulo')).toBe(murmur3(Buffer.from('São Paulo', 'utf8')));
  });

  it('is near-exact for small sets (linear counting)', () => {
    for (const n of [0, 1, 10, 100, 1000]) {
      const h = new HyperLogLog();
      for (const id of ids('u', n)) h.add(id).add(id); // adding twice changes nothing
      expect(Math.abs(h.estimate() - n)).toBeLessThanOrEqual(Math.max(1, n * 0.02));
    }
  });

  it(`has the stated relative standard error (${(HLL_RELATIVE_STANDARD_ERROR * 100).toFixed(2)} %) and no bias, including where raw HyperLogLog is biased (2.5-5 x m)`, () => {
    expect(HLL_RELATIVE_STANDARD_ERROR).toBeCloseTo(0.01625, 4);
    for (const n of [12_000, 50_000]) {
      const trials = 30;
      const errors: number[] = [];
      for (let t = 0; t < trials; t++) {
        const h = new HyperLogLog();
        for (let i = 0; i < n; i++) h.add(`n${n}-trial${t}-user${i}`);
        errors.push(h.estimate() / n - 1);
      }
      const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / trials);
      const bias = errors.reduce((s, e) => s + e, 0) / trials;
      // 30 trials estimate the RMS error to within about ±13 %: 1.63 % measures as 1.0-2.2 %.
      expect(rms).toBeGreaterThan(0.008);
      expect(rms).toBeLessThan(0.022);
      expect(Math.abs(bias)).toBeLessThan(0.008);
      expect(Math.max(...errors.map(Math.abs))).toBeLessThan(4.5 * HLL_RELATIVE_STANDARD_ERROR);
    }
    // Millions of distinct values stay within the error too.
    const big = new HyperLogLog();
    for (let i = 0; i < 3_000_000; i++) big.add(`big-${i}`);
    expect(Math.abs(big.estimate() / 3_000_000 - 1)).toBeLessThan(4 * HLL_RELATIVE_STANDARD_ERROR);
    expect(new HyperLogLog().estimate()).toBe(0);
  });

  it('merging sketches gives the sketch of the union, in any order, any number of times', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 200 }), fc.array(fc.string(), { maxLength: 200 }), (a, b) => {
        const sa = new HyperLogLog();
        a.forEach((x) => sa.add(x));
        const sb = new HyperLogLog();
        b.forEach((x) => sb.add(x));
        const union = new HyperLogLog();
        [...a, ...b].forEach((x) => union.add(x));
        expect(sa.clone().merge(sb).equals(union)).toBe(true);
        expect(sb.clone().merge(sa).equals(union)).toBe(true);
        expect(sa.clone().merge(sb).merge(sb).merge(sa).equals(union)).toBe(true);
      }),
    );
  });

  it('serializes sparse and dense sketches losslessly, sparse while it is smaller', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer(), (n, salt) => {
        const h = new HyperLogLog();
        for (const id of ids(`s${salt}-`, n)) h.add(id);
        const text = h.serialize();
        expect(HyperLogLog.deserialize(text).equals(h)).toBe(true);
        expect(Buffer.from(text, 'base64').length).toBeLessThanOrEqual(2 + 2560);
      }),
      { numRuns: 40 },
    );
    const tiny = new HyperLogLog().add('one');
    expect(Buffer.from(tiny.serialize(), 'base64').length).toBe(5); // header + one 3-byte entry
  });

  it('rejects what it did not serialize, saying why', () => {
    expect(() => HyperLogLog.deserialize('')).toThrow(/shorter than its 2-byte header/);
    expect(() => HyperLogLog.deserialize(Buffer.from([1, 14]).toString('base64'))).toThrow(/precision 14, expected 12/);
    expect(() => HyperLogLog.deserialize(Buffer.from([9, 12]).toString('base64'))).toThrow(/unknown format byte 9/);
    expect(() => HyperLogLog.deserialize(Buffer.from([1, 12, 0, 0]).toString('base64'))).toThrow(/whole number of entries/);
    expect(() => HyperLogLog.deserialize(Buffer.from([2, 12, 0]).toString('base64'))).toThrow(/dense body has 1 bytes, expected 2560/);
    expect(() => new HyperLogLog(new Uint8Array(10))).toThrow(/length 4096/);
  });
});

describe('WindowAggregate', () => {
  it('counts every event once in each dimension, with purchases, users and a conversion rate in [0, 1]', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 300 }), (events) => {
        const agg = build(events);
        const summaries = agg.summaries();
        for (const d of AGGREGATE_DIMENSIONS) {
          const ofDim = summaries.filter((s) => s.dimension === d);
          expect(ofDim.reduce((n, s) => n + s.events, 0)).toBe(events.length);
          expect(ofDim.reduce((n, s) => n + s.purchases, 0)).toBe(events.filter((e) => e.eventType === 'purchase').length);
        }
        const all = agg.summary('all', '*');
        expect(all?.events ?? 0).toBe(events.length);
        const users = new Set(events.map((e) => e.userId)).size;
        const buyers = new Set(events.filter((e) => e.eventType === 'purchase').map((e) => e.userId)).size;
        // At most 301 users in 4096 registers: linear counting is within a couple of users.
        expect(Math.abs((all?.distinctUsers ?? 0) - users)).toBeLessThanOrEqual(Math.max(2, users * 0.03));
        expect(Math.abs((all?.purchasingUsers ?? 0) - buyers)).toBeLessThanOrEqual(Math.max(2, buyers * 0.03));
        for (const s of summaries) {
          expect(s.conversionRate).toBeGreaterThanOrEqual(0);
          expect(s.conversionRate).toBeLessThanOrEqual(1);
          expect(s.purchases).toBeLessThanOrEqual(s.events);
        }
      }),
    );
  });

  it('merging partial windows in any order and partitioning gives the single-pass result', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer(),
        (events, cuts, otherCuts, seed) => {
          const whole = build(events).serialize();
          const parts = partition(events, cuts).map((p) => build(p));
          const shuffled = fc.sample(fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length }), { seed, numRuns: 1 })[0]!;
          expect(mergeAll(shuffled).serialize()).toEqual(whole);
          // Another partitioning, merged pairwise from the right: same result.
          const other = partition(events, otherCuts).map((p) => build(p));
          const fromRight = other.reduceRight((acc, p) => p.clone().merge(acc));
          expect(fromRight.serialize()).toEqual(whole);
        },
      ),
    );
  });

  it('merge is associative and commutative and leaves its argument unchanged', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), fc.array(eventArb, { maxLength: 60 }), fc.array(eventArb, { maxLength: 60 }), (a, b, c) => {
        const [A, B, C] = [build(a), build(b), build(c)];
        const bBefore = B.serialize();
        const left = A.clone().merge(B).merge(C).serialize();
        const right = A.clone().merge(B.clone().merge(C)).serialize();
        expect(left).toEqual(right);
        expect(B.clone().merge(A).serialize()).toEqual(A.clone().merge(B).serialize());
        expect(B.serialize()).toEqual(bBefore);
      }),
    );
  });

  it('minute windows rolled up into the hour equal the hour built directly', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 59 })), { maxLength: 200 }), (timed) => {
        const hour = build(
          timed.map(([e]) => e),
          T0,
          'hour',
        );
        const minutes = new Map<number, AggregatableEvent[]>();
        for (const [e, m] of timed) minutes.set(m, [...(minutes.get(m) ?? []), e]);
        const rolled = [...minutes.entries()].map(([m, es]) => build(es, T0 + m * MINUTE).rollUp('hour'));
        const merged = rolled.length > 0 ? mergeAll(rolled) : new WindowAggregate('hour', T0);
        expect(merged.serialize()).toEqual(hour.serialize());
      }),
    );
  });

  it('round-trips through its serialized form', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 200 }), (events) => {
        const agg = build(events);
        const json = JSON.parse(JSON.stringify(agg.serialize()));
        expect(WindowAggregate.deserialize(json).serialize()).toEqual(agg.serialize());
      }),
    );
  });

  it('normalises dimension values: trimmed lower-case categories, country/city pairs, placeholders', () => {
    expect(dimensionValues({ userId: 'u', eventType: 'search', category: ' Books ', countryCode: 'GB', city: null, deviceClass: 'mobile' })).toEqual([
      ['all', '*'],
      ['event_type', 'search'],
      ['category', 'books'],
      ['country', 'GB'],
      ['city', 'GB/(unknown)'],
      ['device_class', 'mobile'],
    ]);
    const decoded = decodeEvent(generateEvents({ seed: 3, count: 1 })[0]!.data);
    if (!decoded.ok) throw new Error('generated event should be valid');
    const e = aggregatableOf(decoded.event);
    expect(e.countryCode).toMatch(/^[A-Z]{2}$/);
    expect(['mobile', 'tablet', 'desktop', 'other']).toContain(e.deviceClass);
  });

  it('caps free-text dimensions per window, folding new values into (other) without losing counts', () => {
    const agg = new WindowAggregate('minute', T0);
    const n = MAX_VALUES_PER_FREE_TEXT_DIMENSION + 250;
    for (let i = 0; i < n; i++)
      agg.add({ userId: `u${i}`, eventType: 'page_view', category: `cat-${i}`, countryCode: 'US', city: `City ${i}`, deviceClass: 'mobile' });
    const cats = agg.summaries().filter((s) => s.dimension === 'category');
    expect(cats).toHaveLength(MAX_VALUES_PER_FREE_TEXT_DIMENSION + 1);
    expect(cats.find((s) => s.value === OVERFLOW_VALUE)?.events).toBe(250);
    expect(cats.reduce((s, c) => s + c.events, 0)).toBe(n);
    expect(
      agg
        .summaries()
        .filter((s) => s.dimension === 'city')
        .reduce((s, c) => s + c.events, 0),
    ).toBe(n);
    // Bounded dimensions are never folded.
    expect(agg.summary('country', 'US')?.events).toBe(n);
  });

  it('refuses windows that are not aligned and merges across windows, naming both', () => {
    expect(() => new WindowAggregate('minute', T0 + 1)).toThrow(/whole minute/);
    expect(() => new WindowAggregate('hour', T0 + MINUTE)).toThrow(/whole hour/);
    expect(() => build([], T0).merge(build([], T0 + MINUTE))).toThrow(
      /cannot merge the minute window 2024-03-20T10:01:00.000Z into the minute window 2024-03-20T10:00:00.000Z/,
    );
    expect(() => build([], T0, 'hour').rollUp('minute')).toThrow(/cannot roll a hour window up to a minute window/);
  });

  it('rejects a malformed serialized aggregate, naming the field, the value and what is allowed', () => {
    const good = build([{ userId: 'u', eventType: 'purchase', category: null, countryCode: 'US', city: null, deviceClass: 'mobile' }]).serialize();
    expect(() => WindowAggregate.deserialize({ ...good, v: 2 })).toThrow(/v is 2; expected 1/);
    expect(() => WindowAggregate.deserialize({ ...good, windowStart: '2024-03-20T10:00:30Z' })).toThrow(
      /windowStart is "2024-03-20T10:00:30Z"; expected an ISO timestamp at the start of a minute/,
    );
    expect(() => WindowAggregate.deserialize({ ...good, groups: [['region', 'x', 1, 0, '', '']] })).toThrow(
      /groups\[0\]\[0\] is "region"; expected one of all, event_type/,
    );
    expect(() => WindowAggregate.deserialize({ ...good, groups: [['all', '*', -1, 0, '', '']] })).toThrow(
      /groups\[0\]\[2\] is -1; expected a non-negative integer/,
    );
    expect(() => WindowAggregate.deserialize('nope')).toThrow(/\(root\) is "nope"; expected an object/);
  });
});

describe('HourRollup', () => {
  const segmentArb = fc.tuple(fc.integer({ min: 0, max: 59 }), fc.array(eventArb, { maxLength: 40 }));

  it('a replayed segment does not change stored totals, whatever the order of arrival', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(segmentArb, { selector: ([m]) => m, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer(),
        (segments, replays, seed) => {
          const built = segments.map(([m, es]) => ({ id: segmentId(T0 + m * MINUTE, `4959${m}`), agg: build(es, T0 + m * MINUTE) }));
          const once = HourRollup.empty('shardId-000000000000', T0);
          for (const s of built) expect(once.apply(s.id, s.agg)).toBe(true);

          // Deliveries: every segment at least once, some again (retries and replays), shuffled.
          const deliveries = [...built, ...replays.filter(() => built.length > 0).map((r) => built[r % built.length]!)];
          const order = fc.sample(fc.shuffledSubarray(deliveries, { minLength: deliveries.length, maxLength: deliveries.length }), { seed, numRuns: 1 })[0]!;
          const replayed = HourRollup.empty('shardId-000000000000', T0);
          let applied = 0;
          for (const s of order) if (replayed.apply(s.id, s.agg)) applied++;
          expect(applied).toBe(built.length);
          expect(replayed.serialize()).toEqual(once.serialize());

          // ... and after a round trip through storage, a replay is still recognised.
          const restored = HourRollup.deserialize(JSON.parse(JSON.stringify(once.serialize())));
          for (const s of built) expect(restored.apply(s.id, s.agg)).toBe(false);
          expect(restored.serialize()).toEqual(once.serialize());
        },
      ),
    );
  });

  it('only accepts segments of its hour and names the mismatch', () => {
    const r = HourRollup.empty('shardId-000000000001', T0);
    expect(() => r.apply('x', build([], T0 + HOUR))).toThrow(/is not in the hour 2024-03-20T10:00:00.000Z/);
    expect(() => HourRollup.deserialize({ shardId: '', segments: [], aggregate: {} })).toThrow(/shardId is ""/);
  });
});

describe('lake rows', () => {
  it('produces one row per group with every aggregates-table column, in the contract', () => {
    const events = generateEvents({ seed: 11, count: 400 })
      .map((r) => decodeEvent(r.data, { now: Date.UTC(2024, 2, 21) }))
      .flatMap((d) => (d.ok ? [aggregatableOf(d.event)] : []));
    const agg = build(events, windowStartOf(T0, 'minute'));
    const rows = aggregateRows(agg, 'shardId-000000000000', new Date(T0 + 2 * MINUTE));
    expect(rows).toHaveLength(agg.groups.size);
    const columns = TABLES.aggregates.columns.map((c) => c.name);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual([...columns].sort());
    expect(rows.find((r) => r.dimension === 'all')).toMatchObject({
      granularity: 'minute',
      dimension_value: '*',
      event_count: events.length,
      window_end: new Date(T0 + MINUTE),
    });
    expect(glueColumns('aggregates').map((c) => c.name)).toEqual(columns);
    expect(parquetSchema('aggregates')).toHaveLength(columns.length + 1);
  });
});
