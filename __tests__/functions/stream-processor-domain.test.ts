import fc from 'fast-check';
import { MAX_EVENT_BYTES, decodeEvent } from '../../functions/shared/contract';
import { FEATURE_COUNT } from '../../functions/shared/features';
import { generateEvents } from '../../functions/shared/generator';
import { DuplicateTracker, classify, compareSequence, measureQuality, percentile, planObjects, shardIdOf } from '../../functions/stream-processor/domain';
import { SHARD, streamRecords } from './helpers/kinesis';

const PROCESSED_AT = Date.UTC(2024, 2, 20, 12, 5);

describe('classify', () => {
  it('enriches a valid event: UTC date and hour from event time, device class, country code, features, source position', () => {
    const raw = {
      timestamp: '2024-03-20T23:30:00-02:00',
      user_id: 'u1',
      event_type: 'add_to_cart',
      data: { page_url: '/cart', product_id: 'p1', category: 'Books', session_id: 's1', device_type: 'iPad', location: { country: 'uk' } },
    };
    const [rec] = streamRecords([Buffer.from(JSON.stringify(raw))], { arrivalMs: () => Date.UTC(2024, 2, 21, 1, 31) });
    const c = classify(rec!, PROCESSED_AT);
    expect(c.table).toBe('curated');
    if (c.table !== 'curated') return;
    expect(c.partitionMs).toBe(Date.UTC(2024, 2, 21, 1, 30));
    expect(c.row).toMatchObject({
      event_time: new Date(Date.UTC(2024, 2, 21, 1, 30)),
      event_date: new Date(Date.UTC(2024, 2, 21)),
      event_hour: 1,
      device_class: 'tablet',
      country: 'uk',
      country_code: 'GB',
      city: null,
      event_id_source: 'derived',
      ingested_at: new Date(Date.UTC(2024, 2, 21, 1, 31)),
      processed_at: new Date(PROCESSED_AT),
      source_shard_id: SHARD,
      source_sequence_number: rec!.sequenceNumber,
    });
    expect(c.row.features.split(',')).toHaveLength(FEATURE_COUNT);
  });

  it('quarantines with every problem, the original bytes and the arrival-time partition', () => {
    const raw = Buffer.from(
      JSON.stringify({
        timestamp: 'noon',
        user_id: 'u9',
        event_type: 'click',
        data: { page_url: '/', session_id: 's', device_type: 'mobile', location: { country: 'US' } },
      }),
    );
    const [rec] = streamRecords([raw], { arrivalMs: () => Date.UTC(2024, 2, 20, 7, 59) });
    const c = classify(rec!, PROCESSED_AT);
    expect(c.table).toBe('quarantine');
    if (c.table !== 'quarantine') return;
    expect(c.partitionMs).toBe(Date.UTC(2024, 2, 20, 7, 59));
    expect(c.row.error_kind).toBe('format');
    expect(c.row.reason).toContain('timestamp: format, got "noon"');
    expect(c.row.reason).toContain('event_type: enum, got "click"');
    expect(JSON.parse(c.row.problems)).toHaveLength(2);
    expect(Buffer.from(c.row.raw_data, 'base64').equals(raw)).toBe(true);
    expect(c.row.user_id).toBe('u9');
    expect(c.row.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(c.complete).toBe(true);
  });

  it('counts a record with a missing required field as incomplete, and non-JSON as incomplete', () => {
    const [a, b] = streamRecords([Buffer.from('{"user_id":"u"}'), Buffer.from('garbage')]);
    const ca = classify(a!, PROCESSED_AT);
    const cb = classify(b!, PROCESSED_AT);
    expect(ca.table === 'quarantine' && ca.complete).toBe(false);
    expect(cb.table === 'quarantine' && [cb.complete, cb.row.error_kind, cb.row.event_id]).toEqual([false, 'not_json', null]);
  });

  it('counts a record nested too deep as incomplete, though it parsed as an object with every field', () => {
    const complete = { event_id: 'e1', user_id: 'u', event_type: 'page_view', timestamp: new Date(PROCESSED_AT).toISOString() };
    const deep = JSON.stringify({ ...complete, extra: JSON.parse('['.repeat(40) + ']'.repeat(40)) });
    const [record] = streamRecords([Buffer.from(deep)]);
    const c = classify(record!, PROCESSED_AT);
    expect(c.table === 'quarantine' && [c.complete, c.row.error_kind]).toEqual([false, 'too_deep']);
  });

  it('judges the 24-hour future limit against arrival time, so a redelivered record is classified the same later', () => {
    const raw = Buffer.from(
      JSON.stringify({
        timestamp: '2024-03-21T13:00:00Z',
        user_id: 'u',
        event_type: 'search',
        data: { page_url: '/', session_id: 's', device_type: 'mobile', location: { country: 'US' } },
      }),
    );
    const [rec] = streamRecords([raw], { arrivalMs: () => Date.UTC(2024, 2, 20, 12) });
    expect(classify(rec!, Date.UTC(2024, 2, 20, 12)).table).toBe('quarantine');
    expect(classify(rec!, Date.UTC(2024, 2, 25)).table).toBe('quarantine');
  });

  it('rejects an oversized payload stating its true size, and keeps as much of it as raw_data holds', () => {
    const raw = Buffer.alloc(921_600, 0x41);
    const [rec] = streamRecords([raw]);
    const c = classify(rec!, PROCESSED_AT);
    expect(c.table).toBe('quarantine');
    if (c.table !== 'quarantine') return;
    expect(c.row.error_kind).toBe('too_large');
    expect(c.row.reason).toBe(`(record): too_large, got 921600 bytes; allowed: at most ${MAX_EVENT_BYTES} bytes`);
    expect([c.row.raw_data_truncated, c.row.raw_byte_count]).toEqual([true, 921_600]);
    expect(c.row.raw_data.length).toBeLessThanOrEqual(65_535);
    const kept = Buffer.from(c.row.raw_data, 'base64');
    expect(kept.length).toBe(Math.floor(65_535 / 4) * 3);
    expect(kept.equals(raw.subarray(0, kept.length))).toBe(true);
  });

  it('property: the table is exactly what the validator decides, for generated mixes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const recs = generateEvents({ seed, count: 60, malformedShare: 0.3, duplicateShare: 0.1 });
        const srs = streamRecords(recs.map((r) => r.data));
        srs.forEach((sr, i) => {
          const expected = decodeEvent(recs[i]!.data, { now: sr.arrivalMs }).ok ? 'curated' : 'quarantine';
          expect(classify(sr, PROCESSED_AT).table).toBe(expected);
        });
      }),
      { numRuns: 40 },
    );
  });
});

describe('planObjects', () => {
  it('one object per table and partition, keyed by shard and the first sequence number, records in order', () => {
    const recs = generateEvents({ seed: 4, count: 300, malformedShare: 0.1, spanHours: 3, startTime: Date.UTC(2024, 2, 20, 22) });
    const classified = streamRecords(recs.map((r) => r.data)).map((r) => classify(r, PROCESSED_AT));
    const objects = planObjects(classified);
    expect(objects.reduce((s, o) => s + o.records.length, 0)).toBe(300);
    const keys = objects.map((o) => o.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects) {
      expect(o.key).toMatch(new RegExp(`^(curated|quarantine)/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/${SHARD}-${o.firstSequence}\\.parquet$`));
      expect(o.key.startsWith(o.table)).toBe(true);
      expect(o.firstSequence).toBe(o.records[0]!.sequenceNumber);
      for (let i = 1; i < o.records.length; i++) expect(compareSequence(o.records[i - 1]!.sequenceNumber, o.records[i]!.sequenceNumber)).toBeLessThan(0);
      for (const r of o.records) expect(r.table).toBe(o.table);
    }
    // Events from 22:00 to 01:00 cross midnight: partitions on both dates.
    expect(new Set(objects.filter((o) => o.table === 'curated').map((o) => o.key.slice(0, 'curated/dt=2024-03-20'.length)))).toEqual(
      new Set(['curated/dt=2024-03-20', 'curated/dt=2024-03-21']),
    );
  });

  it('property: a suffix of a batch keeps the keys of every object whose first record is in the suffix (retries overwrite)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 120 }), fc.nat(), (seed, n, cutSeed) => {
        const recs = generateEvents({ seed, count: n, malformedShare: 0.2, duplicateShare: 0.05, spanHours: 2 });
        const srs = streamRecords(recs.map((r) => r.data));
        const full = planObjects(srs.map((r) => classify(r, PROCESSED_AT)));
        const cut = cutSeed % n;
        const suffix = planObjects(srs.slice(cut).map((r) => classify(r, PROCESSED_AT + 1000)));
        const suffixKeys = new Set(suffix.map((o) => o.key));
        for (const o of full) if (compareSequence(o.firstSequence, srs[cut]!.sequenceNumber) >= 0) expect(suffixKeys.has(o.key)).toBe(true);
      }),
    );
  });
});

describe('helpers', () => {
  it('property: sequence comparison agrees with BigInt', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 60n }), fc.bigInt({ min: 0n, max: 10n ** 60n }), (a, b) => {
        expect(Math.sign(compareSequence(a.toString(), b.toString()))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  it('extracts the shard id from a Lambda eventID', () => {
    expect(shardIdOf('shardId-000000000007:49590338271490256608559692538361571095921575989136588898')).toBe('shardId-000000000007');
  });

  it('percentile by nearest rank', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([5], 99)).toBe(5);
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 99), percentile(xs, 100)]).toEqual([50, 99, 100]);
  });

  it('duplicate tracker: repeated id at another position is a duplicate, the same position is a redelivery, capacity is bounded', () => {
    const t = new DuplicateTracker(3);
    expect(t.isDuplicate('a', 's:1')).toBe(false);
    expect(t.isDuplicate('a', 's:1')).toBe(false);
    expect(t.isDuplicate('a', 's:2')).toBe(true);
    t.isDuplicate('b', 's:3');
    t.isDuplicate('c', 's:4');
    t.isDuplicate('d', 's:5');
    expect(t.size).toBe(3);
    expect(t.isDuplicate('a', 's:9')).toBe(false); // evicted: forgotten
  });

  it('measures quality: completeness, validity, duplicates, freshness', () => {
    const recs = generateEvents({ seed: 8, count: 200, malformedShare: 0.1, duplicateShare: 0.05, startTime: Date.UTC(2024, 2, 20, 11), spanHours: 1 });
    const classified = streamRecords(recs.map((r) => r.data)).map((r) => classify(r, PROCESSED_AT));
    const q = measureQuality(classified, PROCESSED_AT, new DuplicateTracker());
    expect(q.recordsIn).toBe(200);
    expect(q.valid).toBe(recs.filter((r) => r.kind === 'valid' || r.kind === 'duplicate').length);
    expect(q.quarantined).toBe(20);
    expect(q.duplicates).toBe(recs.filter((r) => r.kind === 'duplicate').length);
    expect(q.complete).toBeGreaterThanOrEqual(q.valid);
    expect(q.complete).toBeLessThan(200);
    expect(Object.values(q.quarantineByKind).reduce((a, b) => a + b, 0)).toBe(20);
    expect(q.freshnessP50Ms).toBeGreaterThan(0);
    expect(q.freshnessP99Ms).toBeGreaterThanOrEqual(q.freshnessP50Ms);
  });
});
