import fc from 'fast-check';
import { parseIsoTimestamp } from '../../../functions/shared/contract';

describe('parseIsoTimestamp', () => {
  it('property: agrees with Date for every instant in its canonical and offset forms', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -12, max: 14 }),
        (d, offsetH) => {
          expect(parseIsoTimestamp(d.toISOString())).toBe(d.getTime());
          const local = new Date(d.getTime() + offsetH * 3600_000).toISOString().slice(0, 23);
          const zone = `${offsetH < 0 ? '-' : '+'}${String(Math.abs(offsetH)).padStart(2, '0')}:00`;
          expect(parseIsoTimestamp(`${local}${zone}`)).toBe(d.getTime());
        },
      ),
    );
  });

  it('rejects impossible dates and missing zones', () => {
    for (const s of [
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-03-20T24:00:00Z',
      '2024-03-20T10:00:00',
      '2024-3-20T10:00:00Z',
      '2024-03-20T10:00:00+25:00',
    ]) {
      expect(parseIsoTimestamp(s)).toBeNaN();
    }
    expect(parseIsoTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });
});
