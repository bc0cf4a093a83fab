/**
 * Validation rules of the cost controls: the warehouse's pause schedule and Cost Anomaly
 * Detection. validate.ts applies them with the others; each names the field, the value and what
 * is allowed.
 */
import { cronMinutesOfWeek, isProductionEnvironment, MAX_PAUSE_HOURS, PAUSE_CRON_ALLOWED, pauseWindows } from './pause-schedule';
import type { PlatformConfig } from './types';

export interface CostRule {
  readonly field: string;
  readonly value: unknown;
  readonly ok: boolean;
  readonly allowed: string;
}

/** Subscribers a Cost Anomaly Detection subscription takes. */
export const MAX_ANOMALY_SUBSCRIBERS = 10;

export function costControlRules(c: PlatformConfig): CostRule[] {
  const schedule = c.redshift.schedule;
  const anomaly = c.observability.costAnomaly;
  const pauseParsed = cronMinutesOfWeek(schedule.pauseCron) !== undefined;
  const resumeParsed = cronMinutesOfWeek(schedule.resumeCron) !== undefined;
  const windows = pauseWindows(schedule.pauseCron, schedule.resumeCron);
  const production = isProductionEnvironment(c);
  return [
    { field: 'redshift.schedule.pauseCron', value: schedule.pauseCron, ok: pauseParsed, allowed: `must be ${PAUSE_CRON_ALLOWED}` },
    { field: 'redshift.schedule.resumeCron', value: schedule.resumeCron, ok: resumeParsed, allowed: `must be ${PAUSE_CRON_ALLOWED}` },
    {
      field: 'redshift.schedule.resumeCron',
      value: schedule.resumeCron,
      ok: !pauseParsed || !resumeParsed || windows !== undefined,
      allowed: `must never fire at the same minute as redshift.schedule.pauseCron (${schedule.pauseCron})`,
    },
    {
      field: 'redshift.schedule',
      value: windows ? `longest pause ${windows.longestPauseMinutes / 60} h` : schedule,
      ok: !schedule.enabled || !windows || windows.longestPauseMinutes <= MAX_PAUSE_HOURS * 60,
      allowed: `the longest pause from pauseCron to the next resumeCron must be at most ${MAX_PAUSE_HOURS} h: the loader's queue keeps waiting messages 4 days`,
    },
    {
      field: 'redshift.schedule.enabled',
      value: schedule.enabled,
      ok: !schedule.enabled || c.redshift.enabled,
      allowed: 'a pause schedule needs the warehouse: set redshift.enabled to true, or leave the schedule off',
    },
    {
      field: 'redshift.schedule.enabled',
      value: schedule.enabled,
      ok: !schedule.enabled || !production || schedule.allowInProduction,
      allowed: `environment "${c.environment}" is production (protected, or named prod/production): pausing its warehouse needs redshift.schedule.allowInProduction: true`,
    },
    {
      field: 'observability.costAnomaly.thresholdUsd',
      value: anomaly.thresholdUsd,
      ok: anomaly.thresholdUsd >= 1 && anomaly.thresholdUsd <= 1_000_000,
      allowed: 'must be a number from 1 to 1000000 (USD of total anomaly impact)',
    },
    {
      field: 'observability.costAnomaly.frequency',
      value: anomaly.frequency,
      ok: anomaly.frequency === 'DAILY' || anomaly.frequency === 'WEEKLY',
      allowed: 'must be one of "DAILY", "WEEKLY" (e-mail subscribers get summaries; IMMEDIATE needs an SNS subscriber)',
    },
    {
      field: 'observability.alertEmails',
      value: c.observability.alertEmails.length,
      ok: !anomaly.enabled || c.observability.alertEmails.length <= MAX_ANOMALY_SUBSCRIBERS,
      allowed: `at most ${MAX_ANOMALY_SUBSCRIBERS} addresses while observability.costAnomaly.enabled (a Cost Anomaly Detection subscription takes ${MAX_ANOMALY_SUBSCRIBERS} subscribers)`,
    },
  ];
}
