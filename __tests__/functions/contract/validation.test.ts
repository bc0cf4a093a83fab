import fc from 'fast-check';
import { SAMPLE_EVENT } from '../../helpers/sample-event';
import {
  EVENT_FIELDS,
  EVENT_TYPES,
  MAX_EVENT_BYTES,
  decodeEvent,
  deriveEventId,
  describeProblems,
  validateEvent,
  type Problem,
} from '../../../functions/shared/contract';

const SAMPLE = SAMPLE_EVENT;
const NOW = Date.UTC(2024, 2, 21);

function fields(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.field).sort();
}

describe('validateEvent', () => {
  it('accepts the documented sample event and derives an event_id', () => {
    const r = validateEvent(SAMPLE, { now: NOW });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({
      event_time: Date.UTC(2024, 2, 20, 10),
      user_id: 'user123',
      event_type: 'page_view',
      page_url: 'https://example.com/products',
      product_id: 'prod456',
      category: 'electronics',
      session_id: 'sess789',
      device_type: 'mobile',
      country: 'US',
      city: 'San Francisco',
      event_id_source: 'derived',
    });
    expect(r.event.event_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps a producer event_id', () => {
    const r = validateEvent({ ...SAMPLE, event_id: 'evt-1' }, { now: NOW });
    expect(r.ok && r.event.event_id).toBe('evt-1');
    expect(r.ok && r.event.event_id_source).toBe('producer');
  });

  it('derives the same id whatever the key order, and a different id for a different payload', () => {
    const reordered = {
      data: { ...SAMPLE.data, location: { city: 'San Francisco', country: 'US' } },
      event_type: 'page_view',
      user_id: 'user123',
      timestamp: SAMPLE.timestamp,
    };
    expect(deriveEventId(reordered)).toBe(deriveEventId(SAMPLE));
    expect(deriveEventId({ ...SAMPLE, user_id: 'user124' })).not.toBe(deriveEventId(SAMPLE));
  });

  it('treats optional fields as optional and null as absent', () => {
    const { product_id: _p, category: _c, ...data } = SAMPLE.data;
    const r = validateEvent({ ...SAMPLE, data: { ...data, location: { country: 'us', city: null } } }, { now: NOW });
    expect(r.ok).toBe(true);
    if (r.ok) expect([r.event.product_id, r.event.category, r.event.city]).toEqual([null, null, null]);
  });

  it('reports every problem with field, value and what is allowed', () => {
    const bad = {
      timestamp: '2024-03-20 10:00',
      user_id: 42,
      event_type: 'click',
      data: { page_url: 'not a url', session_id: '', device_type: 'mobile', location: { country: 'USA' } },
    };
    const r = validateEvent(bad, { now: NOW });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(fields(r.problems)).toEqual(['data.location.country', 'data.page_url', 'data.session_id', 'event_type', 'timestamp', 'user_id']);
    const byField = Object.fromEntries(r.problems.map((p) => [p.field, p]));
    expect(byField.user_id).toEqual({ field: 'user_id', code: 'type', value: '42', allowed: 'a string' });
    expect(byField.event_type).toMatchObject({ code: 'enum', value: '"click"' });
    expect(byField.event_type!.allowed).toContain(EVENT_TYPES.join(', '));
    expect(byField.timestamp).toMatchObject({ code: 'format', value: '"2024-03-20 10:00"' });
    expect(byField['data.location.country']).toMatchObject({ code: 'max_length', value: '"USA"' });
    expect(byField['data.session_id']).toMatchObject({ code: 'empty' });
    expect(describeProblems(r.problems)).toContain('user_id: type, got 42; allowed: a string');
  });

  it('reports a missing or mistyped container once instead of each field under it', () => {
    const r = validateEvent({ timestamp: SAMPLE.timestamp, user_id: 'u', event_type: 'purchase', data: 'oops' }, { now: NOW });
    expect(!r.ok && r.problems).toEqual([expect.objectContaining({ field: 'data', code: 'type', value: '"oops"' })]);
    const r2 = validateEvent({ ...SAMPLE, data: { ...SAMPLE.data, location: undefined } }, { now: NOW });
    expect(!r2.ok && r2.problems).toEqual([expect.objectContaining({ field: 'data.location', code: 'missing' })]);
  });

  it('rejects timestamps out of range: before 2000 or more than 24 h ahead of processing time', () => {
    for (const ts of ['1970-01-01T00:00:00Z', '2024-03-22T00:00:01Z']) {
      const r = validateEvent({ ...SAMPLE, timestamp: ts }, { now: NOW });
      expect(!r.ok && r.problems[0]).toMatchObject({ field: 'timestamp', code: 'range' });
    }
    expect(validateEvent({ ...SAMPLE, timestamp: '2024-03-21T23:59:59Z' }, { now: NOW }).ok).toBe(true);
  });

  it('rejects non-objects at the top level', () => {
    for (const v of [null, 1, 'x', [], [SAMPLE]]) {
      const r = validateEvent(v, { now: NOW });
      expect(!r.ok && r.problems).toEqual([expect.objectContaining({ field: '(record)', code: 'not_object' })]);
    }
  });

  it('property: never throws on arbitrary JSON and reports at least one problem whenever it rejects', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ timestamp: fc.jsonValue(), user_id: fc.jsonValue(), event_type: fc.jsonValue(), data: fc.jsonValue() })),
        (v) => {
          const r = validateEvent(v, { now: NOW });
          if (!r.ok) {
            expect(r.problems.length).toBeGreaterThan(0);
            for (const p of r.problems) {
              expect(typeof p.field).toBe('string');
              expect(p.allowed.length).toBeGreaterThan(0);
              expect(p.value.length).toBeLessThanOrEqual(80);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: breaking any subset of fields yields exactly one problem per broken field', () => {
    const leafFields = EVENT_FIELDS.filter((f) => f.column !== 'event_id');
    fc.assert(
      fc.property(
        fc.subarray(
          leafFields.map((f) => f.path.join('.')),
          { minLength: 1 },
        ),
        fc.constantFrom(123, true, [], {}),
        (broken, badValue) => {
          const e = JSON.parse(JSON.stringify(SAMPLE)) as Record<string, unknown>;
          for (const path of broken) {
            const parts = path.split('.');
            let node = e;
            for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
            node[parts[parts.length - 1]!] = badValue;
          }
          const r = validateEvent(e, { now: NOW });
          expect(r.ok).toBe(false);
          if (!r.ok) expect(fields(r.problems)).toEqual([...broken].sort());
        },
      ),
    );
  });
});

describe('decodeEvent', () => {
  it('rejects oversized records before parsing, and non-JSON with the parser message', () => {
    const big = decodeEvent(Buffer.alloc(MAX_EVENT_BYTES + 1, 0x20));
    expect(!big.ok && big.problems[0]).toMatchObject({ field: '(record)', code: 'too_large' });
    const nj = decodeEvent(Buffer.from('{"user_id": "u"'));
    expect(!nj.ok && nj.problems[0]).toMatchObject({ field: '(record)', code: 'not_json' });
    expect(!nj.ok && nj.problems[0]!.allowed).toMatch(/^UTF-8 JSON \(/);
  });

  it('returns the parsed value alongside the problems so the quarantine can keep its ids', () => {
    const r = decodeEvent(Buffer.from(JSON.stringify({ ...SAMPLE, event_type: 'x' })), { now: NOW });
    expect(!r.ok && (r.parsed as { user_id: string }).user_id).toBe('user123');
  });
});
