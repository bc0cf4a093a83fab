/**
 * Threshold rules over hourly aggregates (pure). The aggregator evaluates an hour once every
 * shard has moved past it (or a bounded wait has passed), on the merge of all shards' roll-ups,
 * and sends what breaches to the alert topic.
 */
import { GRANULARITY_MS, type WindowAggregate } from '../shared/aggregation';

export interface AggregateRuleConfig {
  /** Alert when the hour's conversion rate (purchasing users / distinct users) is below this (0-1). */
  readonly minConversionRate: number;
  /** Alert when a country's events drop by more than this share against the previous hour (0-1). */
  readonly maxTrafficDropRatio: number;
  /** Groups with fewer events than this (this hour for conversion, the previous hour for drops) are not judged. */
  readonly minEvents: number;
}

export const RULE_IDS = ['min_conversion_rate', 'max_traffic_drop'] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface RuleAlert {
  readonly rule: RuleId;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly dimension: string;
  readonly value: string;
  /** The measured figure the rule compares (a ratio, 0-1). */
  readonly figure: number;
  readonly threshold: number;
  /** One sentence with the counts behind the figure. */
  readonly detail: string;
}

const HOUR_MS = GRANULARITY_MS.hour;

function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

/**
 * Evaluates the rules on `current` (one hour, all shards merged) against `previous` (the hour
 * before, or undefined when nothing was recorded then). Alerts are sorted by rule, then value.
 */
export function evaluateHourRules(current: WindowAggregate, previous: WindowAggregate | undefined, config: AggregateRuleConfig): RuleAlert[] {
  if (current.granularity !== 'hour') throw new RangeError(`rules evaluate hour windows, got a ${current.granularity} window`);
  if (previous && (previous.granularity !== 'hour' || previous.windowStart !== current.windowStart - HOUR_MS)) {
    throw new RangeError(
      `previous must be the hour before ${new Date(current.windowStart).toISOString()}, got the ${previous.granularity} window ${new Date(previous.windowStart).toISOString()}`,
    );
  }
  const windowStart = current.windowStart;
  const windowEnd = current.windowEnd;
  const alerts: RuleAlert[] = [];

  const all = current.summary('all', '*');
  if (all && all.events >= config.minEvents && all.conversionRate < config.minConversionRate) {
    alerts.push({
      rule: 'min_conversion_rate',
      windowStart,
      windowEnd,
      dimension: 'all',
      value: '*',
      figure: all.conversionRate,
      threshold: config.minConversionRate,
      detail: `conversion rate ${pct(all.conversionRate)} is below ${pct(config.minConversionRate)} (${all.purchasingUsers} purchasing of ${all.distinctUsers} distinct users, ${all.events} events)`,
    });
  }

  if (previous) {
    for (const before of previous.summaries()) {
      if (before.dimension !== 'country' || before.events < config.minEvents) continue;
      const now = current.summary('country', before.value)?.events ?? 0;
      const drop = (before.events - now) / before.events;
      if (drop > config.maxTrafficDropRatio) {
        alerts.push({
          rule: 'max_traffic_drop',
          windowStart,
          windowEnd,
          dimension: 'country',
          value: before.value,
          figure: drop,
          threshold: config.maxTrafficDropRatio,
          detail: `traffic from ${before.value} dropped by ${pct(drop)}, more than ${pct(config.maxTrafficDropRatio)} (${now} events vs ${before.events} the hour before)`,
        });
      }
    }
  }
  return alerts.sort((a, b) => RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * How long after an hour ends the aggregator waits for lagging shards before judging the hour
 * with what it has. Shards that have moved into the next hour are complete for the hour sooner.
 */
export const EVALUATION_MAX_WAIT_MS = 15 * 60_000;

export interface ReadinessInput {
  /** Start of the hour to judge. */
  readonly hourStart: number;
  /** Start of the window that just finished (the aggregator's clock: Kinesis arrival time). */
  readonly windowStart: number;
  /** Shards with a roll-up for the hour. */
  readonly shardsInHour: readonly string[];
  /** Shards with a roll-up for the hour after it (they have moved on). */
  readonly shardsInNextHour: readonly string[];
  /** @default EVALUATION_MAX_WAIT_MS */
  readonly maxWaitMs?: number;
}

/** Whether an hour can be judged: it is over, and every shard that had data in it has moved on or the wait is over. */
export function isHourReady(input: ReadinessInput): boolean {
  const hourEnd = input.hourStart + HOUR_MS;
  if (input.windowStart < hourEnd) return false;
  if (input.windowStart >= hourEnd + (input.maxWaitMs ?? EVALUATION_MAX_WAIT_MS)) return true;
  const movedOn = new Set(input.shardsInNextHour);
  return input.shardsInHour.every((s) => movedOn.has(s));
}

/** The hour a finished window judges: the one before the window's own hour. */
export function hourToJudge(windowStart: number): number {
  return Math.floor(windowStart / HOUR_MS) * HOUR_MS - HOUR_MS;
}

export interface AlertMessage {
  /** SNS subjects: ASCII, at most 100 characters. */
  readonly subject: string;
  readonly message: string;
}

const SUBJECT_MAX = 100;

/** One message per judged hour, naming each rule, the window and the figure. */
export function formatAlertMessage(alerts: readonly RuleAlert[], source: { readonly platform: string; readonly region: string }): AlertMessage {
  if (alerts.length === 0) throw new RangeError('formatAlertMessage needs at least one alert');
  const start = new Date(alerts[0]!.windowStart).toISOString();
  const end = new Date(alerts[0]!.windowEnd).toISOString();
  const subject =
    `${source.platform} ${source.region}: ${alerts.length} aggregate rule breach${alerts.length === 1 ? '' : 'es'}, hour ${start.slice(0, 13)}:00Z`
      .replace(/[^\x20-\x7e]/g, '?')
      .slice(0, SUBJECT_MAX);
  const lines = [
    `Aggregate rules breached in ${source.platform} (${source.region}) for the window ${start} to ${end}:`,
    '',
    ...alerts.map((a) => `- ${a.rule} [${a.dimension}=${a.value}]: figure ${a.figure.toFixed(4)}, threshold ${a.threshold}; ${a.detail}.`),
    '',
    "Figures are from the stream aggregator's hourly roll-up (all shards, Kinesis arrival time); the rows are in the event_aggregates table.",
  ];
  return { subject, message: lines.join('\n') };
}
