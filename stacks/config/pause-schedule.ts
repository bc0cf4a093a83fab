/**
 * The warehouse's pause and resume schedule as the Redshift scheduler reads it: two recurring
 * `cron(...)` expressions in UTC. Only the weekly shape the platform needs is accepted (a minute, an
 * hour, and days of the week), so the paused hours per week and the longest pause can be computed
 * exactly: validation bounds the longest pause by what the loader's queue keeps, the loader's queue
 * sizes its redeliveries by it, and docs/cost.md prices the schedule with it.
 */
import type { PlatformConfig } from './types';

export const MINUTES_PER_WEEK = 7 * 24 * 60;
/** Scheduler day names in week order; Redshift also accepts 1-7 for SUN-SAT. */
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
/** The days-of-week field: `*`, or a list of days and day ranges (names or 1-7). */
const DAY_FIELD = /^(\*|(([A-Z]{3}|[1-7])(-([A-Z]{3}|[1-7]))?)(,([A-Z]{3}|[1-7])(-([A-Z]{3}|[1-7]))?)*)$/;
const CRON = /^cron\((\d{1,2}) (\d{1,2}) \? \* (\S+) \*\)$/;

export const PAUSE_CRON_ALLOWED =
  'a Redshift scheduler expression cron(<minute> <hour> ? * <days> *) in UTC, e.g. "cron(0 20 ? * MON-FRI *)": minute 0-59, hour 0-23, days * or SUN-SAT (or 1-7) as names, ranges and lists';

/** Longest pause the loader's queue rides out: it keeps messages 4 days, and a day is left as margin. */
export const MAX_PAUSE_HOURS = 72;

function dayIndex(token: string): number | undefined {
  if (/^[1-7]$/.test(token)) return Number(token) - 1;
  const index = (DAYS as readonly string[]).indexOf(token);
  return index < 0 ? undefined : index;
}

/** Days of the week (0 = Sunday) a days field names, or undefined when it is not one. */
function parseDays(field: string): number[] | undefined {
  if (!DAY_FIELD.test(field)) return undefined;
  if (field === '*') return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of field.split(',')) {
    const [from, to] = part.split('-').map(dayIndex);
    if (from === undefined || (part.includes('-') && to === undefined)) return undefined;
    const last = to ?? from;
    if (last < from) return undefined;
    for (let d = from; d <= last; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

/**
 * Minutes of the week (0 = Sunday 00:00 UTC) at which an expression fires, or undefined when it is
 * not a weekly cron expression of the accepted form.
 */
export function cronMinutesOfWeek(expression: string): number[] | undefined {
  const match = CRON.exec(expression);
  if (!match) return undefined;
  const minute = Number(match[1]);
  const hour = Number(match[2]);
  const days = parseDays(match[3]);
  if (minute > 59 || hour > 23 || !days) return undefined;
  return days.map((day) => day * 24 * 60 + hour * 60 + minute);
}

export interface PauseWindows {
  /** Minutes per week the cluster is paused. */
  readonly pausedMinutesPerWeek: number;
  /** The longest stretch, in minutes, from a pause to the next resume (the week wraps around). */
  readonly longestPauseMinutes: number;
}

/**
 * The paused time of a pause and resume schedule, or undefined when either expression is not
 * accepted, or when both fire at the same minute (which one wins would be up to the scheduler).
 */
export function pauseWindows(pauseExpression: string, resumeExpression: string): PauseWindows | undefined {
  const pauses = cronMinutesOfWeek(pauseExpression);
  const resumes = cronMinutesOfWeek(resumeExpression);
  if (!pauses || !resumes || pauses.some((m) => resumes.includes(m))) return undefined;
  const events = [...pauses.map((minute) => ({ minute, paused: true })), ...resumes.map((minute) => ({ minute, paused: false }))].sort(
    (a, b) => a.minute - b.minute,
  );
  // Each event sets the state until the next one; the last event's state runs into next week's first event.
  const intervals = events.map((event, i) => {
    const next = events[(i + 1) % events.length];
    return { paused: event.paused, minutes: (next.minute - event.minute + MINUTES_PER_WEEK) % MINUTES_PER_WEEK };
  });
  const pausedMinutesPerWeek = intervals.filter((i) => i.paused).reduce((sum, i) => sum + i.minutes, 0);
  // Runs of paused intervals (a second pause while paused extends the stretch); walk the week twice for the wrap.
  let longestPauseMinutes = 0;
  let run = 0;
  for (const interval of [...intervals, ...intervals]) {
    run = interval.paused ? run + interval.minutes : 0;
    longestPauseMinutes = Math.max(longestPauseMinutes, Math.min(run, MINUTES_PER_WEEK));
  }
  return { pausedMinutesPerWeek, longestPauseMinutes };
}

/**
 * Whether an environment counts as production: it is protected (destroy.sh refuses it) or named
 * "prod" or "production". The pause schedule stays off there unless explicitly allowed.
 */
export function isProductionEnvironment(config: Pick<PlatformConfig, 'protected' | 'environment'>): boolean {
  return config.protected || config.environment === 'prod' || config.environment === 'production';
}
