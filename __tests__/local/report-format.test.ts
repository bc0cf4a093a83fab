import fc from 'fast-check';
import { cellText, MAX_RESULT_COLUMNS, qualityAxisFloor, renderHtml } from '../../local/report/html';
import { columnChart, niceAxis, niceStep } from '../../local/report/svg';
import { report, wideReport } from './helpers/report-fixture';

const isNice = (step: number) => {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6);
};

describe('chart axes', () => {
  it('put ticks on round numbers that cover the data, at most five intervals', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0.01, max: 1e6, noNaN: true }), (min, span) => {
        const { lo, hi, ticks } = niceAxis(min, min + span);
        const step = niceStep(min + span - min);
        expect(isNice(step)).toBe(true);
        expect(lo).toBeLessThanOrEqual(min + step * 1e-6);
        expect(hi).toBeGreaterThanOrEqual(min + span);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length - 1).toBeLessThanOrEqual(6);
        ticks.slice(1).forEach((t, i) => expect(t - ticks[i]!).toBeCloseTo(step, 6));
      }),
      { numRuns: 500 },
    );
  });

  it('give 0, 500, ..., 2,500 for a largest bar of 2,500 (not 625 / 1,250 / 1,875)', () => {
    expect(niceAxis(0, 2500).ticks).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(columnChart([{ label: 'a', value: 2500 }], { title: 't' })).not.toMatch(/>625<|>1,250<|>1,875</);
  });

  it('start the data-quality axis below the lowest rate and the threshold, on a multiple of 5', () => {
    expect(qualityAxisFloor([93.1, 95.4, 96], 98)).toBe(90);
    expect(qualityAxisFloor([99.5], 98)).toBe(95);
    expect(qualityAxisFloor([0.5], 98)).toBe(0);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { maxLength: 50 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (rates, threshold) => {
          const floor = qualityAxisFloor(rates, threshold);
          expect(floor % 5).toBe(0);
          expect(floor).toBeLessThan(Math.max(1, Math.min(threshold, ...rates)));
        },
      ),
    );
  });
});

describe('query results in the report', () => {
  it('round fractions to four significant digits and separate thousands', () => {
    expect(cellText(0.08719851576994433)).toBe('0.0872');
    expect(cellText('0.1134920634920635')).toBe('0.1135');
    expect(cellText(1234.5678)).toBe('1,234.57');
    expect(cellText(50000)).toBe('50,000');
    expect(cellText(BigInt(7))).toBe('7');
    expect(cellText(null)).toBe('');
    expect(cellText('2024-03-20 01:00')).toBe('2024-03-20 01:00');
  });

  it('show results wider than the page transposed, one column per row', () => {
    const html = renderHtml(wideReport());
    expect(html).toContain('24 columns, shown one per row');
    expect(html).toMatch(/<th>column<\/th><th>row 1<\/th>/);
    expect(MAX_RESULT_COLUMNS).toBeLessThan(24);
    expect(renderHtml(report())).not.toContain('shown one per row');
  });

  it('say how a saved query reads time, from its description', () => {
    const html = renderHtml({
      ...report(),
      queries: [
        {
          engine: 'athena (DuckDB)',
          name: 'Data-quality rate per hour',
          description: 'Valid vs quarantined records per hour (curated by event time, quarantine by arrival time)',
          sql: 'SELECT 1',
          rowCount: 0,
          rows: [],
        },
      ],
    });
    expect(html).toContain('quarantine by arrival time');
  });

  it('forbid every fetch in the page itself (Content-Security-Policy)', () => {
    expect(renderHtml(report())).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  });
});
