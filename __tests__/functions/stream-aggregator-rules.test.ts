import fc from 'fast-check';
import { WindowAggregate, type AggregatableEvent } from '../../functions/shared/aggregation';
import {
  EVALUATION_MAX_WAIT_MS,
  evaluateHourRules,
  formatAlertMessage,
  hourToJudge,
  isHourReady,
  type AggregateRuleConfig,
} from '../../functions/stream-aggregator/rules';

const HOUR = 3_600_000;
const H = Date.UTC(2024, 2, 20, 10);
const RULES: AggregateRuleConfig = { minConversionRate: 0.05, maxTrafficDropRatio: 0.5, minEvents: 100 };

/** An hour with `users` users in `country`, `buyers` of whom purchase; each user sends `perUser` events. */
function hour(start: number, groups: readonly { country: string; users: number; buyers: number; perUser?: number }[]): WindowAggregate {
  const agg = new WindowAggregate('hour', start);
  for (const g of groups) {
    for (let u = 0; u < g.users; u++) {
      const base: AggregatableEvent = {
        userId: `${g.country}-u${u}`,
        eventType: 'page_view',
        category: null,
        countryCode: g.country,
        city: null,
        deviceClass: 'mobile',
      };
      for (let i = 0; i < (g.perUser ?? 2); i++) agg.add(base);
      if (u < g.buyers) agg.add({ ...base, eventType: 'purchase' });
    }
  }
  return agg;
}

describe('evaluateHourRules', () => {
  it('alerts on a conversion rate below the threshold with the window, the figure and the counts', () => {
    const alerts = evaluateHourRules(hour(H, [{ country: 'US', users: 400, buyers: 8 }]), undefined, RULES);
    expect(alerts).toHaveLength(1);
    const a = alerts[0]!;
    expect(a).toMatchObject({ rule: 'min_conversion_rate', windowStart: H, windowEnd: H + HOUR, dimension: 'all', value: '*', threshold: 0.05 });
    expect(a.figure).toBeCloseTo(8 / 400, 2);
    expect(a.detail).toMatch(/conversion rate 2\.\d\d % is below 5\.00 % \(\d+ purchasing of \d+ distinct users, 808 events\)/);
  });

  it('stays quiet at or above the threshold and below the minimum volume', () => {
    expect(evaluateHourRules(hour(H, [{ country: 'US', users: 400, buyers: 40 }]), undefined, RULES)).toEqual([]);
    // 30 users x 3 events = 90 events < minEvents: too little to judge.
    expect(evaluateHourRules(hour(H, [{ country: 'US', users: 30, buyers: 0 }]), undefined, RULES)).toEqual([]);
  });

  it("alerts when a country's traffic drops by more than the ratio against the previous hour, including to zero", () => {
    const previous = hour(H - HOUR, [
      { country: 'US', users: 200, buyers: 20 },
      { country: 'DE', users: 100, buyers: 10 },
      { country: 'JP', users: 100, buyers: 10 },
      { country: 'NG', users: 10, buyers: 1 },
    ]);
    const current = hour(H, [
      { country: 'US', users: 190, buyers: 20 },
      { country: 'DE', users: 30, buyers: 3 },
      { country: 'BR', users: 100, buyers: 10 },
    ]);
    const alerts = evaluateHourRules(current, previous, RULES);
    expect(alerts.map((a) => [a.rule, a.value])).toEqual([
      ['max_traffic_drop', 'DE'],
      ['max_traffic_drop', 'JP'],
    ]);
    expect(alerts[0]!.figure).toBeCloseTo(1 - 63 / 210, 6);
    expect(alerts[0]!.detail).toBe('traffic from DE dropped by 70.00 %, more than 50.00 % (63 events vs 210 the hour before)');
    expect(alerts[1]!.figure).toBe(1);
    // NG had 21 events: under minEvents, so its disappearance is not judged.
  });

  it('never alerts with thresholds that cannot be breached, always alerts a vanished country with ratio 0', () => {
    const groupArb = fc.record({ country: fc.constantFrom('US', 'GB', 'DE'), users: fc.integer({ min: 0, max: 80 }), buyers: fc.integer({ min: 0, max: 80 }) });
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 4 }), fc.array(groupArb, { maxLength: 4 }), (prev, cur) => {
        const before = hour(H - HOUR, prev);
        const now = hour(H, cur);
        expect(evaluateHourRules(now, before, { minConversionRate: 0, maxTrafficDropRatio: 1, minEvents: 1 })).toEqual([]);
        const strict = evaluateHourRules(new WindowAggregate('hour', H), before, { minConversionRate: 0, maxTrafficDropRatio: 0, minEvents: 1 });
        const countries = before
          .summaries()
          .filter((s) => s.dimension === 'country')
          .map((s) => s.value);
        expect(strict.map((a) => a.value)).toEqual(countries);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects windows that are not an hour and its predecessor', () => {
    expect(() => evaluateHourRules(new WindowAggregate('minute', H), undefined, RULES)).toThrow(/rules evaluate hour windows, got a minute window/);
    expect(() => evaluateHourRules(new WindowAggregate('hour', H), new WindowAggregate('hour', H - 2 * HOUR), RULES)).toThrow(
      /previous must be the hour before 2024-03-20T10:00:00.000Z/,
    );
  });
});

describe('when an hour is judged', () => {
  it('judges the hour before the finished window', () => {
    expect(hourToJudge(H + HOUR + 5 * 60_000)).toBe(H);
    expect(hourToJudge(H + HOUR)).toBe(H);
  });

  it('waits until every shard that had data in the hour has moved on, or the wait is over', () => {
    const base = { hourStart: H, shardsInHour: ['s0', 's1'] };
    expect(isHourReady({ ...base, windowStart: H + 59 * 60_000, shardsInNextHour: ['s0', 's1'] })).toBe(false);
    expect(isHourReady({ ...base, windowStart: H + HOUR, shardsInNextHour: ['s0'] })).toBe(false);
    expect(isHourReady({ ...base, windowStart: H + HOUR, shardsInNextHour: ['s0', 's1'] })).toBe(true);
    expect(isHourReady({ ...base, windowStart: H + HOUR + EVALUATION_MAX_WAIT_MS - 60_000, shardsInNextHour: ['s0'] })).toBe(false);
    expect(isHourReady({ ...base, windowStart: H + HOUR + EVALUATION_MAX_WAIT_MS, shardsInNextHour: ['s0'] })).toBe(true);
    // An hour nobody wrote is ready as soon as it is over (silence is what the drop rule is for).
    expect(isHourReady({ hourStart: H, shardsInHour: [], windowStart: H + HOUR, shardsInNextHour: ['s0'] })).toBe(true);
  });
});

describe('formatAlertMessage', () => {
  it('names each rule, the window and the figure, in an SNS-safe subject', () => {
    const alerts = evaluateHourRules(hour(H, [{ country: 'US', users: 400, buyers: 4 }]), hour(H - HOUR, [{ country: 'FR', users: 100, buyers: 10 }]), RULES);
    const m = formatAlertMessage(alerts, { platform: 'data-analytics-ml-analytics', region: 'us-east-1' });
    expect(m.subject).toBe('data-analytics-ml-analytics us-east-1: 2 aggregate rule breaches, hour 2024-03-20T10:00Z');
    expect(m.subject.length).toBeLessThanOrEqual(100);
    expect(m.message).toContain('window 2024-03-20T10:00:00.000Z to 2024-03-20T11:00:00.000Z');
    expect(m.message).toMatch(/- min_conversion_rate \[all=\*\]: figure 0\.0\d{3}, threshold 0\.05; conversion rate/);
    expect(m.message).toContain('- max_traffic_drop [country=FR]: figure 1.0000, threshold 0.5; traffic from FR dropped by 100.00 %');
    const long = formatAlertMessage(alerts, { platform: 'x'.repeat(120), region: 'eu-west-1' });
    expect(long.subject.length).toBe(100);
    expect(() => formatAlertMessage([], { platform: 'p', region: 'r' })).toThrow(/at least one alert/);
  });
});
