import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { EVENT_FIELDS, EVENT_TYPES, validateEvent } from '../../../functions/shared/contract';
import { eventJsonSchema } from '../../../functions/shared/contract/json-schema';
import { SAMPLE_EVENT } from '../../helpers/sample-event';

const NOW = Date.UTC(2031, 0, 1);
const acceptsSchema = new Ajv2020({ strict: true, allErrors: false }).compile(eventJsonSchema());

// Characters that every field's pattern treats differently: id characters, URL characters, whitespace, control characters, non-ASCII.
const UNIT = fc.constantFrom('a', 'Z', '0', '.', '_', ':', '@', '-', '/', 'h', 't', 'p', 's', ' ', '\n', '\u0007', '\u007f', 'é', '€');
const text = fc.oneof(
  fc.string({ unit: UNIT, maxLength: 12 }),
  fc.constantFrom('https://example.com/a', '/checkout', 'US', 'gb', 'USA', 'u1'),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'a'.repeat(n)),
);
// In-range event times only: calendar validity and the range are the validator's alone (json-schema.ts).
const timestamp = fc
  .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2030, 11, 31)), noInvalidDate: true })
  .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().replace(/\.\d{3}Z$/, 'Z'), d.toISOString().replace('T', ' ')));
const value = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom(0, 7, true, [], ['a'], {}, ''),
  fc.constantFrom(...EVENT_TYPES, 'PAGE_VIEW'),
  text,
  timestamp,
);

type Json = Record<string, unknown>;

/** SAMPLE_EVENT with some leaves or containers replaced (undefined: removed). */
const event = fc
  .array(fc.tuple(fc.constantFrom(...EVENT_FIELDS.map((f) => f.path as readonly string[]), ['data'], ['data', 'location'], ['extra']), value), { maxLength: 4 })
  .map((mutations) => {
    const e: unknown = structuredClone(SAMPLE_EVENT);
    for (const [path, v] of mutations) {
      if (path.length === 0) continue;
      let node = e as Json;
      let reachable = true;
      for (const p of path.slice(0, -1)) {
        const next = node[p];
        if (typeof next !== 'object' || next === null || Array.isArray(next)) {
          reachable = false;
          break;
        }
        node = next as Json;
      }
      if (!reachable) continue;
      const leaf = path[path.length - 1]!;
      if (v === undefined) delete node[leaf];
      else node[leaf] = structuredClone(v);
    }
    return e;
  });

describe('the JSON Schema export', () => {
  it('is draft 2020-12 and compiles under strict mode', () => {
    expect(eventJsonSchema().$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(acceptsSchema(SAMPLE_EVENT)).toBe(true);
  });

  it('accepts exactly what the validator accepts, on the sample event and on mutations of it', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect({ schema: acceptsSchema(e), event: e }).toEqual({ schema: validateEvent(e, { now: NOW }).ok, event: e });
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects what is not an object, as the validator does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.constant(undefined)), (v) => {
        fc.pre(typeof v !== 'object' || v === null || Array.isArray(v));
        expect(acceptsSchema(v)).toBe(false);
        expect(validateEvent(v, { now: NOW }).ok).toBe(false);
      }),
    );
  });
});
