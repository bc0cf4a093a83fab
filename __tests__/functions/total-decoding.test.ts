/**
 * Total decoding: no bytes make the decoder, the stream processor's domain code, the aggregator
 * or the inference API's request parsing throw. Deeply nested JSON is the case that used to
 * overflow the stack (the derived event id's canonical JSON and the value preview walked it
 * recursively); the properties cover arbitrary bytes and arbitrary JSON values too.
 */
import fc from 'fast-check';
import { parsePredictRequest } from '../../functions/ml-inference/domain';
import { MAX_EVENT_BYTES, MAX_EVENT_DEPTH, decodeEvent, deriveEventId, previewValue } from '../../functions/shared/contract';
import { canonicalJson, jsonNestingDepth, nestsDeeperThan } from '../../functions/shared/contract/json';
import { handleWindowInvocation, type AggregateStore, type AggregatorDeps } from '../../functions/stream-aggregator/aggregator';
import { classify, planObjects, type StreamRecord } from '../../functions/stream-processor/domain';
import { SAMPLE_EVENT } from '../helpers/sample-event';
import { streamRecords } from './helpers/kinesis';

const NOW = Date.UTC(2024, 2, 20, 12);

/** A valid event carrying one extra property nested `depth` arrays deep (2 bytes per level). */
function eventWithDeepExtra(depth: number, withId = false): Buffer {
  const head = JSON.stringify({ ...SAMPLE_EVENT, ...(withId ? { event_id: 'evt-1' } : {}) }).slice(0, -1);
  return Buffer.from(`${head},"extra":${'['.repeat(depth)}${']'.repeat(depth)}}`);
}

const nested = (open: string, close: string, depth: number, leaf = '1') => Buffer.from(`${open.repeat(depth)}${leaf}${close.repeat(depth)}`);

/** The stack-overflow shapes: deep arrays and objects, bare, inside an invalid event and inside a valid one. */
const DEEP_RECORDS: readonly [string, Buffer][] = [
  ['a valid event with a 3,000-level array', eventWithDeepExtra(3000)],
  ['the same with a producer event_id', eventWithDeepExtra(3000, true)],
  ['an object holding a 3,000-level array', Buffer.from(`{"a":${'['.repeat(3000)}${']'.repeat(3000)}}`)],
  ['a bare array nested to the record size limit', nested('[', ']', MAX_EVENT_BYTES / 2 - 1, '')],
  ['objects nested to the record size limit', nested('{"a":', '}', Math.floor(MAX_EVENT_BYTES / 6))],
];

function record(bytes: Buffer, i = 0): StreamRecord {
  return streamRecords([bytes], { firstIndex: i, arrivalMs: () => NOW })[0]!;
}

/** A store that fails the test if touched: a non-final window under its state budget makes no S3 call. */
const NO_STORE = new Proxy({} as AggregateStore, {
  get: () => () => Promise.reject(new Error('the aggregator touched S3 for a non-final window')),
});
const AGGREGATOR: AggregatorDeps = {
  store: NO_STORE,
  alerts: { publish: () => Promise.reject(new Error('no alerts expected')) },
  rules: { minConversionRate: 0.01, maxTrafficDropRatio: 0.5, minEvents: 50 },
  source: { platform: 'data-analytics-ml-analytics', region: 'us-east-1' },
  now: () => NOW,
};
const WINDOW = { start: new Date(Date.UTC(2024, 2, 20, 11, 59)).toISOString(), end: new Date(NOW).toISOString() };

describe('deeply nested records', () => {
  it.each(DEEP_RECORDS)('%s: decodeEvent reports the depth and the limit', (_name, bytes) => {
    expect(bytes.length).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    const r = decodeEvent(bytes, { now: NOW });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ field: '(record)', code: 'too_deep' });
    expect(r.problems[0]!.value).toMatch(/^nesting depth \d+$/);
    expect(r.problems[0]!.allowed).toBe(`at most ${MAX_EVENT_DEPTH} levels of nested objects and arrays`);
  });

  it.each(DEEP_RECORDS)('%s: the processor quarantines it with the reason, the original bytes kept', (_name, bytes) => {
    const c = classify(record(bytes), NOW);
    expect(c.table).toBe('quarantine');
    if (c.table !== 'quarantine') return;
    expect(c.row.error_kind).toBe('too_deep');
    expect(c.row.reason).toMatch(new RegExp(`^\\(record\\): too_deep, got nesting depth \\d+; allowed: at most ${MAX_EVENT_DEPTH} levels`));
    expect(Buffer.from(c.row.raw_data, 'base64').equals(bytes)).toBe(true);
  });

  it('a deep record among valid ones: the others are curated, it alone is quarantined', () => {
    const valid = Buffer.from(JSON.stringify(SAMPLE_EVENT));
    const recs = streamRecords([valid, eventWithDeepExtra(3000), valid], { arrivalMs: () => NOW });
    const tables = recs.map((r) => classify(r, NOW).table);
    expect(tables).toEqual(['curated', 'quarantine', 'curated']);
  });

  it('the aggregator counts it as invalid and keeps going', async () => {
    const valid = Buffer.from(JSON.stringify({ ...SAMPLE_EVENT, timestamp: '2024-03-20T11:59:30Z' }));
    const recs = [valid, ...DEEP_RECORDS.map(([, b]) => b)].map((b, i) => ({
      sequenceNumber: `4963${String(i).padStart(52, '0')}`,
      data: b.toString('base64'),
    }));
    const r = await handleWindowInvocation(
      { window: WINDOW, shardId: 'shardId-000000000000', state: {}, records: recs, isFinalInvokeForWindow: false },
      AGGREGATOR,
    );
    expect([r.recordsAggregated, r.recordsInvalid]).toEqual([1, DEEP_RECORDS.length]);
  });

  it('the inference API reports it as a bad request', () => {
    for (const [, bytes] of DEEP_RECORDS) {
      const r = parsePredictRequest({ body: bytes.toString('utf8') }, [], NOW);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.problems.map((p) => p.code)).toEqual(['too_deep']);
    }
  });

  it('an event exactly at the depth limit is accepted (the sample is 3 deep; producers may add nested fields)', () => {
    const depth = MAX_EVENT_DEPTH - 1; // the event object itself is the first level
    const r = decodeEvent(eventWithDeepExtra(depth), { now: NOW });
    expect(r.ok).toBe(true);
    expect(decodeEvent(eventWithDeepExtra(depth + 1), { now: NOW })).toMatchObject({
      ok: false,
      problems: [{ code: 'too_deep', value: `nesting depth ${MAX_EVENT_DEPTH + 1}` }],
    });
  });

  it('brackets and quotes inside strings do not count as nesting', () => {
    const r = decodeEvent(Buffer.from(JSON.stringify({ ...SAMPLE_EVENT, note: `\\"${'[{'.repeat(5000)}` })), { now: NOW });
    expect(r.ok).toBe(true);
  });
});

describe('invalid UTF-8', () => {
  it('is reported as not UTF-8 JSON instead of being curated with replacement characters', () => {
    const json = Buffer.from(JSON.stringify(SAMPLE_EVENT));
    const at = json.indexOf('San Francisco');
    const bytes = Buffer.concat([json.subarray(0, at), Buffer.from([0xc3, 0x28]), json.subarray(at)]);
    const r = decodeEvent(bytes, { now: NOW });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]).toMatchObject({ field: '(record)', code: 'not_json', allowed: `UTF-8 JSON (byte ${at} is not valid UTF-8)` });
  });
});

/** The recursive definition canonicalJson had, as the oracle that derived event ids did not change. */
function canonicalReference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalReference).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalReference(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

describe('the JSON walkers', () => {
  it('property: canonicalJson encodes exactly as before, so derived event ids are unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalReference(v));
      }),
      { numRuns: 300 },
    );
    // Ids derived before the walk became iterative, pinned: a replayed record keeps its id.
    expect(deriveEventId(SAMPLE_EVENT)).toBe('b570a9f0b18ec0357e76373bac1e16a7');
    expect(deriveEventId({ ...SAMPLE_EVENT, extra: [1, { b: null, a: 'é' }] })).toBe('f77438e79b26a84eec13c20065c4abc4');
  });

  it('property: previewValue is the JSON encoding cut to its limit, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 2, max: 200 }), (v, max) => {
        const full = JSON.stringify(v);
        const expected = full.length > max ? `${full.slice(0, max - 1)}…` : full;
        expect(previewValue(v, max)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('property: the nesting depth read from the bytes is the depth of the parsed value; the quick check agrees', () => {
    const depthOf = (v: unknown): number =>
      Array.isArray(v) ? 1 + Math.max(0, ...v.map(depthOf)) : isObject(v) ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
    fc.assert(
      fc.property(fc.jsonValue({ depthSize: 'large' }), fc.integer({ min: 0, max: 12 }), (v, max) => {
        const bytes = Buffer.from(JSON.stringify(v));
        expect(jsonNestingDepth(bytes)).toBe(depthOf(v));
        expect(nestsDeeperThan(bytes, max)).toBe(depthOf(v) > max);
      }),
      { numRuns: 300 },
    );
  });

  it('canonicalJson and previewValue walk 100,000 levels without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { k: deep };
    // 50,000 arrays ('[' ']') and 50,000 objects ('{"k":' '}') around the 1.
    expect(canonicalJson(deep)).toHaveLength(50_000 * 2 + 50_000 * 6 + 1);
    expect(previewValue(deep)).toBe(`${'[{"k":'.repeat(14).slice(0, 79)}…`);
  });
});

/** Valid events, each with one hostile property added. */
const hostileEvent = (extra: fc.Arbitrary<unknown>) => extra.map((x) => Buffer.from(JSON.stringify({ ...SAMPLE_EVENT, extra: x })));

/** Nesting of any depth up to the record size limit, as text (no JS value of that depth is built). */
const deepText = fc.record({ depth: fc.integer({ min: 1, max: MAX_EVENT_BYTES / 2 }), kind: fc.constantFrom('[', '{"a":', 'mix') }).map(({ depth, kind }) => {
  const opens = Array.from({ length: depth }, (_, i) => (kind === 'mix' ? (i % 2 ? '[' : '{"a":') : kind));
  const text = `${opens.join('')}0${opens
    .reverse()
    .map((o) => (o === '[' ? ']' : '}'))
    .join('')}`;
  return Buffer.from(text.length > MAX_EVENT_BYTES ? text.slice(0, MAX_EVENT_BYTES) : text);
});

/** Valid UTF-8 JSON with invalid sequences spliced in at random places. */
const invalidUtf8 = fc
  .tuple(
    fc.jsonValue(),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80])), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([v, cuts]) => {
    let b = Buffer.from(JSON.stringify({ ...SAMPLE_EVENT, extra: v }));
    for (const [at, bad] of cuts) {
      const i = at % (b.length + 1);
      b = Buffer.concat([b.subarray(0, i), Buffer.from(bad), b.subarray(i)]);
    }
    return b;
  });

const ANY_RECORD: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((u) => Buffer.from(u)),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  hostileEvent(fc.jsonValue({ depthSize: 'large' })),
  deepText,
  hostileEvent(fc.dictionary(fc.string({ maxLength: 8 }), fc.constant(0), { minKeys: 500, maxKeys: 3000 })),
  hostileEvent(fc.string({ minLength: 1000, maxLength: MAX_EVENT_BYTES * 2 })),
  invalidUtf8,
  fc.constant(Buffer.from(JSON.stringify(SAMPLE_EVENT))),
);

describe('property: total decoding over arbitrary input', () => {
  it('invalid UTF-8 anywhere is quarantined as not UTF-8 JSON, never decoded with replacement characters', () => {
    fc.assert(
      fc.property(invalidUtf8, (bytes) => {
        const r = decodeEvent(bytes, { now: NOW });
        expect(!r.ok && r.problems[0]!.code).toBe(bytes.length > MAX_EVENT_BYTES ? 'too_large' : 'not_json');
        if (!r.ok && r.problems[0]!.code === 'not_json') expect(r.problems[0]!.allowed).toMatch(/^UTF-8 JSON \(byte \d+ is not valid UTF-8\)$/);
      }),
      { numRuns: 200 },
    );
  });

  it('decodeEvent never throws, and reports a reason whenever it rejects', () => {
    fc.assert(
      fc.property(ANY_RECORD, (bytes) => {
        const r = decodeEvent(bytes, { now: NOW });
        if (!r.ok) {
          expect(r.problems.length).toBeGreaterThan(0);
          for (const p of r.problems) expect(p.value.length).toBeLessThanOrEqual(80);
        }
      }),
      { numRuns: 250 },
    );
  });

  it('every record of a batch ends in exactly one place: one curated or one quarantine row in one planned object', () => {
    fc.assert(
      fc.property(fc.array(ANY_RECORD, { minLength: 1, maxLength: 8 }), (payloads) => {
        const recs = streamRecords(payloads, { arrivalMs: () => NOW });
        const classified = recs.map((r) => classify(r, NOW));
        const objects = planObjects(classified);
        const placed = objects.flatMap((o) => o.records.map((c) => c.sequenceNumber));
        expect(placed.sort()).toEqual(recs.map((r) => r.sequenceNumber).sort());
        classified.forEach((c, i) => {
          const decoded = decodeEvent(payloads[i]!, { now: NOW });
          expect(c.table).toBe(decoded.ok ? 'curated' : 'quarantine');
        });
      }),
      { numRuns: 60 },
    );
  });

  it('the aggregator and the inference request parser never throw either', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ANY_RECORD, { minLength: 1, maxLength: 6 }), async (payloads) => {
        const recs = payloads.map((b, i) => ({ sequenceNumber: `4963${String(i).padStart(52, '0')}`, data: b.toString('base64') }));
        const r = await handleWindowInvocation(
          { window: WINDOW, shardId: 'shardId-000000000000', state: {}, records: recs, isFinalInvokeForWindow: false },
          AGGREGATOR,
        );
        expect(r.recordsAggregated + r.recordsInvalid).toBe(payloads.length);
        for (const b of payloads) {
          parsePredictRequest({ body: b.toString('base64'), isBase64Encoded: true }, ['champion'], NOW);
          parsePredictRequest({ body: b.toString('latin1') }, ['champion'], NOW);
        }
      }),
      { numRuns: 40 },
    );
  });
});
