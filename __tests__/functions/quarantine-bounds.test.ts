/**
 * Quarantine rows fit their columns: the reason states a record's true size, raw_data keeps as
 * many whole base64 groups as its column holds (flagged, with the original byte count), and every
 * string stays within its column's characters and UTF-8 bytes (Redshift VARCHAR counts bytes).
 */
import fc from 'fast-check';
import {
  MAX_EVENT_BYTES,
  MAX_STRING_COLUMN_BYTES,
  QUARANTINE_COLUMNS,
  fitToColumn,
  fitsColumn,
  glueColumns,
  parquetSchema,
  redshiftColumns,
  stringColumnBytes,
  type ColumnSpec,
} from '../../functions/shared/contract';
import { classify } from '../../functions/stream-processor/domain';
import { SAMPLE_EVENT } from '../helpers/sample-event';
import { streamRecords } from './helpers/kinesis';

const NOW = Date.UTC(2024, 2, 20, 12);
const COLUMNS = QUARANTINE_COLUMNS as readonly ColumnSpec[];
const RAW_DATA = COLUMNS.find((c) => c.name === 'raw_data')!;
const STRING_COLUMNS = COLUMNS.filter((c) => c.type === 'string');

function quarantined(bytes: Buffer) {
  const c = classify(streamRecords([bytes], { arrivalMs: () => NOW })[0]!, NOW);
  if (c.table !== 'quarantine') throw new Error(`expected quarantine, got ${c.table}`);
  return c.row;
}

/** Every string value of the row fits its column's characters and bytes. */
function expectFits(row: Record<string, unknown>): void {
  for (const c of STRING_COLUMNS) {
    const v = row[c.name];
    if (v === null) continue;
    expect(typeof v).toBe('string');
    expect({ column: c.name, fits: fitsColumn(v as string, c) }).toEqual({ column: c.name, fits: true });
    expect(Buffer.byteLength(v as string, 'utf8')).toBeLessThanOrEqual(stringColumnBytes(c));
  }
}

describe('oversized records', () => {
  it('property: any size: the reason states it, raw_data is the record or its first bytes, flagged, with the byte count', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_EVENT_BYTES - 4, max: 1_100_000 }), fc.integer({ min: 0, max: 255 }), (size, fill) => {
        const raw = Buffer.alloc(size, fill);
        const row = quarantined(raw);
        expectFits(row);
        if (size > MAX_EVENT_BYTES) expect(row.reason).toBe(`(record): too_large, got ${size} bytes; allowed: at most ${MAX_EVENT_BYTES} bytes`);
        expect(row.raw_byte_count).toBe(size);
        const whole = raw.toString('base64');
        expect(row.raw_data_truncated).toBe(whole.length > RAW_DATA.maxLength!);
        const kept = Buffer.from(row.raw_data, 'base64');
        expect(kept.equals(raw.subarray(0, kept.length))).toBe(true);
        // As much as fits: no further whole base64 group would.
        if (row.raw_data_truncated) expect(row.raw_data.length + 4).toBeGreaterThan(Math.min(RAW_DATA.maxLength!, stringColumnBytes(RAW_DATA)));
        else expect(row.raw_data).toBe(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('a record that fits keeps raw_data whole and unflagged', () => {
    const raw = Buffer.from('not json at all');
    expect(quarantined(raw)).toMatchObject({ raw_data: raw.toString('base64'), raw_data_truncated: false, raw_byte_count: raw.length });
  });
});

describe('multi-byte values', () => {
  const wide = fc.array(fc.constantFrom('€', '𝄞', 'é', 'a', '\ud800'), { minLength: 1, maxLength: 6000 }).map((cs) => cs.join(''));
  it('property: reason, problems, event_id and user_id stay within their columns in characters and UTF-8 bytes', () => {
    fc.assert(
      fc.property(wide, wide, wide, (userId, eventId, city) => {
        // The event type is never valid, so every event is quarantined however short the values are;
        // the wide values then reach the reason and the problems as well as their own columns.
        const event = {
          ...SAMPLE_EVENT,
          event_id: eventId,
          user_id: userId,
          event_type: `${city}!`,
          data: { ...SAMPLE_EVENT.data, category: city, device_type: city, location: { country: city, city } },
        };
        expectFits(quarantined(Buffer.from(JSON.stringify(event))));
      }),
      { numRuns: 40 },
    );
  });
});

describe('fitToColumn', () => {
  const column = (maxLength: number): ColumnSpec => ({ name: 'c', type: 'string', maxLength, nullable: false, description: 'c' });
  it('property: the value when it fits, else its longest fitting prefix (never half a surrogate pair) with an ellipsis', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 2, max: 300 }), (value, width) => {
        const c = column(width);
        const out = fitToColumn(value, c);
        expect(fitsColumn(out, c)).toBe(true);
        if (fitsColumn(value, c)) return expect(out).toBe(value);
        expect(out.endsWith('…')).toBe(true);
        const prefix = out.slice(0, -1);
        expect(value.startsWith(prefix)).toBe(true);
        const next = value.codePointAt(prefix.length)!;
        expect(fitsColumn(`${prefix}${String.fromCodePoint(next)}…`, c)).toBe(false);
      }),
    );
  });

  it('counts bytes where the Redshift cap is below 4 bytes a character', () => {
    const c = column(40_000);
    expect(stringColumnBytes(c)).toBe(MAX_STRING_COLUMN_BYTES);
    const out = fitToColumn('€'.repeat(30_000), c);
    expect(out.length).toBeLessThan(30_000);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_STRING_COLUMN_BYTES);
  });
});

describe('the quarantine table definition', () => {
  it('every mapping carries the truncation flag and the byte count, appended after the existing columns', () => {
    const names = COLUMNS.map((c) => c.name);
    expect(names.slice(-2)).toEqual(['raw_data_truncated', 'raw_byte_count']);
    expect(redshiftColumns('quarantine').slice(-2)).toEqual([
      { name: 'raw_data_truncated', type: 'BOOLEAN', nullable: false },
      { name: 'raw_byte_count', type: 'INTEGER', nullable: false },
    ]);
    expect(redshiftColumns('quarantine').find((c) => c.name === 'raw_data')!.type).toBe('VARCHAR(65535)');
    expect(
      glueColumns('quarantine')
        .slice(-2)
        .map((c) => [c.name, c.type]),
    ).toEqual([
      ['raw_data_truncated', 'boolean'],
      ['raw_byte_count', 'int'],
    ]);
    expect(parquetSchema('quarantine').slice(-2)).toEqual([
      { name: 'raw_data_truncated', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
      { name: 'raw_byte_count', type: 'INT32', repetition_type: 'REQUIRED' },
    ]);
  });
});
