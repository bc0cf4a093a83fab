import * as fc from 'fast-check';
import { cronMinutesOfWeek, isProductionEnvironment, MINUTES_PER_WEEK, pauseWindows } from '../../stacks/config/pause-schedule';
import { ConfigValidationError, formatProblem, validateConfig } from '../../stacks/config/validate';

function problemsOf(file: unknown, env: Record<string, string> = {}): string[] {
  try {
    validateConfig({ env, file });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

const schedule = (fields: Record<string, unknown>) => ({ redshift: { schedule: { enabled: true, ...fields } } });

describe('pause schedule expressions', () => {
  it('reads the fire times of a weekly cron expression (0 = Sunday 00:00 UTC)', () => {
    expect(cronMinutesOfWeek('cron(0 20 ? * MON-FRI *)')).toEqual([1, 2, 3, 4, 5].map((d) => d * 1440 + 20 * 60));
    expect(cronMinutesOfWeek('cron(30 7 ? * 1,SAT *)')).toEqual([7 * 60 + 30, 6 * 1440 + 7 * 60 + 30]);
    expect(cronMinutesOfWeek('cron(5 0 ? * * *)')).toHaveLength(7);
  });

  it.each([
    'rate(1 hour)',
    'cron(0 20 * * MON-FRI *)',
    'cron(60 20 ? * MON *)',
    'cron(0 24 ? * MON *)',
    'cron(0 20 ? * FRI-MON *)',
    'cron(0 20 ? * FUN *)',
    'cron(0 20 ? * MON)',
    '0 20 * * 1-5',
  ])('rejects %s', (expression) => expect(cronMinutesOfWeek(expression)).toBeUndefined());

  it('prices the default schedule: paused 108 h a week, 60 h at most (Friday 20:00 to Monday 08:00)', () => {
    expect(pauseWindows('cron(0 20 ? * MON-FRI *)', 'cron(0 8 ? * MON-FRI *)')).toEqual({ pausedMinutesPerWeek: 108 * 60, longestPauseMinutes: 60 * 60 });
  });

  it('paused time is never negative, never more than the week, and the longest pause is at most the total', () => {
    const day = fc.constantFrom('SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT');
    const expression = fc
      .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), fc.uniqueArray(day, { minLength: 1, maxLength: 7 }))
      .map(([m, h, days]) => `cron(${m} ${h} ? * ${days.join(',')} *)`);
    fc.assert(
      fc.property(expression, expression, (pause, resume) => {
        const windows = pauseWindows(pause, resume);
        const clash = cronMinutesOfWeek(pause)!.some((m) => cronMinutesOfWeek(resume)!.includes(m));
        if (clash) return expect(windows).toBeUndefined();
        expect(windows!.pausedMinutesPerWeek).toBeGreaterThan(0);
        expect(windows!.pausedMinutesPerWeek).toBeLessThan(MINUTES_PER_WEEK);
        expect(windows!.longestPauseMinutes).toBeLessThanOrEqual(windows!.pausedMinutesPerWeek);
        // Swapping the two expressions swaps paused and running time.
        expect(pauseWindows(resume, pause)!.pausedMinutesPerWeek).toBe(MINUTES_PER_WEEK - windows!.pausedMinutesPerWeek);
      }),
    );
  });
});

describe('cost control configuration', () => {
  it('defaults: schedule off, anomaly detection on at 100 USD daily, tags activated', () => {
    const config = validateConfig({ env: {}, file: undefined });
    expect(config.redshift.schedule).toEqual({
      enabled: false,
      pauseCron: 'cron(0 20 ? * MON-FRI *)',
      resumeCron: 'cron(0 8 ? * MON-FRI *)',
      allowInProduction: false,
    });
    expect(config.observability.costAnomaly).toEqual({ enabled: true, thresholdUsd: 100, frequency: 'DAILY' });
    expect(config.observability.activateCostAllocationTags).toBe(true);
  });

  it('accepts the schedule in a non-production environment', () => {
    expect(problemsOf(schedule({}), { ENVIRONMENT: 'staging' })).toEqual([]);
  });

  it('names a bad cron expression, its value and the accepted form', () => {
    expect(problemsOf(schedule({ pauseCron: 'cron(0 20 * * MON-FRI *)' }))).toEqual([
      'config error: redshift.schedule.pauseCron = "cron(0 20 * * MON-FRI *)": must be a Redshift scheduler expression cron(<minute> <hour> ? * <days> *) in UTC, e.g. "cron(0 20 ? * MON-FRI *)": minute 0-59, hour 0-23, days * or SUN-SAT (or 1-7) as names, ranges and lists',
    ]);
    expect(problemsOf({ redshift: { schedule: { resumeCron: 'at(2026-12-24T08:00:00)' } } })[0]).toMatch(
      /^config error: redshift\.schedule\.resumeCron = "at\(2026-12-24T08:00:00\)": must be a Redshift scheduler expression/,
    );
  });

  it('refuses a pause and a resume at the same minute', () => {
    expect(problemsOf(schedule({ resumeCron: 'cron(0 20 ? * FRI *)' }))).toEqual([
      'config error: redshift.schedule.resumeCron = "cron(0 20 ? * FRI *)": must never fire at the same minute as redshift.schedule.pauseCron (cron(0 20 ? * MON-FRI *))',
    ]);
  });

  it.each([
    ['a protected environment', { protected: true }, {}],
    ['an environment named prod', {}, { ENVIRONMENT: 'prod' }],
    ['an environment named production', {}, { ENVIRONMENT: 'production' }],
  ])('refuses the schedule in %s without allowInProduction, and accepts it with', (_label, file, env) => {
    const environment = (env as Record<string, string>).ENVIRONMENT ?? 'analytics';
    expect(problemsOf({ ...file, ...schedule({}) }, env)).toEqual([
      `config error: redshift.schedule.enabled = true: environment "${environment}" is production (protected, or named prod/production): pausing its warehouse needs redshift.schedule.allowInProduction: true`,
    ]);
    expect(problemsOf({ ...file, ...schedule({ allowInProduction: true }) }, env)).toEqual([]);
    expect(problemsOf(file, env)).toEqual([]);
  });

  it('treats protected or prod/production as production, nothing else', () => {
    expect(isProductionEnvironment({ protected: false, environment: 'analytics' })).toBe(false);
    expect(isProductionEnvironment({ protected: false, environment: 'prod-eu' })).toBe(false);
    expect(isProductionEnvironment({ protected: true, environment: 'analytics' })).toBe(true);
  });

  it('refuses a pause longer than the loader queue rides out', () => {
    expect(problemsOf(schedule({ pauseCron: 'cron(0 18 ? * FRI *)', resumeCron: 'cron(0 8 ? * TUE *)' }))).toEqual([
      'config error: redshift.schedule = "longest pause 86 h": the longest pause from pauseCron to the next resumeCron must be at most 72 h: the loader\'s queue keeps waiting messages 4 days',
    ]);
  });

  it('refuses a schedule without a warehouse', () => {
    expect(problemsOf({ redshift: { enabled: false, schedule: { enabled: true } } })).toEqual([
      'config error: redshift.schedule.enabled = true: a pause schedule needs the warehouse: set redshift.enabled to true, or leave the schedule off',
    ]);
  });

  it('names a bad anomaly threshold or frequency, and too many subscribers', () => {
    expect(problemsOf({ observability: { costAnomaly: { thresholdUsd: 0 } } })).toEqual([
      'config error: observability.costAnomaly.thresholdUsd = 0: must be a number from 1 to 1000000 (USD of total anomaly impact)',
    ]);
    expect(problemsOf({ observability: { costAnomaly: { frequency: 'IMMEDIATE' } } })).toEqual([
      'config error: observability.costAnomaly.frequency = "IMMEDIATE": must be one of "DAILY", "WEEKLY" (e-mail subscribers get summaries; IMMEDIATE needs an SNS subscriber)',
    ]);
    const emails = Array.from({ length: 11 }, (_, i) => `oncall${i}@example.com`);
    expect(problemsOf({ observability: { alertEmails: emails } })).toEqual([
      'config error: observability.alertEmails = 11: at most 10 addresses while observability.costAnomaly.enabled (a Cost Anomaly Detection subscription takes 10 subscribers)',
    ]);
    expect(problemsOf({ observability: { alertEmails: emails, costAnomaly: { enabled: false } } })).toEqual([]);
  });
});
