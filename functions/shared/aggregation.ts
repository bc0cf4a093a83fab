/**
 * Windowed aggregates of the clickstream, pure and mergeable.
 *
 * A `WindowAggregate` holds, for one tumbling window (a minute or an hour), one group per
 * (dimension, value) with: events, purchases, and two HyperLogLog sketches (distinct users and
 * distinct purchasing users). Conversion rate is purchasing users / distinct users, both
 * estimated, so it stays in [0, 1] and survives merging (a ratio of sums of events would not
 * count users, and a ratio of ratios would not merge).
 *
 * Merging is per group: counts add, sketches take the register-wise maximum. Both are
 * associative and commutative, so partial windows built on any partition of the input (one
 * per Lambda invocation, one per shard) merge in any order into the same result as a single
 * pass. Counts are not idempotent, so replays are made harmless one level up: an hour roll-up
 * records the id of every segment it merged and ignores a segment it already holds.
 */
import { deviceClass, normaliseCountry, previewValue, type AggregateRow, type ValidEvent } from './contract';
import { hashString, HyperLogLog, HLL_PRECISION, HLL_RELATIVE_STANDARD_ERROR } from './hyperloglog';

export { HLL_PRECISION, HLL_RELATIVE_STANDARD_ERROR };

export const AGGREGATE_DIMENSIONS = ['all', 'event_type', 'category', 'country', 'city', 'device_class'] as const;
export type AggregateDimension = (typeof AGGREGATE_DIMENSIONS)[number];

export const GRANULARITIES = ['minute', 'hour'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export const GRANULARITY_MS: Readonly<Record<Granularity, number>> = { minute: 60_000, hour: 3_600_000 };

/** Value of the 'all' dimension's single group. */
export const ALL_VALUE = '*';
/** Category of events that carry none. */
export const NO_CATEGORY = '(none)';
/** City of events that carry none (the city value is `<country>/<city>`). */
export const UNKNOWN_CITY = '(unknown)';
/** Where values of a free-text dimension go once it holds MAX_VALUES_PER_FREE_TEXT_DIMENSION others. */
export const OVERFLOW_VALUE = '(other)';
/**
 * Free-text dimensions (category, city) are client-controlled, so one producer bug (say a session
 * id sent as the city) could otherwise create a group per event and exhaust memory. Below this
 * many distinct values per window merges are exactly order-independent; beyond it, new values
 * are counted under OVERFLOW_VALUE (which values got their own group then depends on arrival
 * order; the 'all' group and the bounded dimensions are unaffected).
 */
export const MAX_VALUES_PER_FREE_TEXT_DIMENSION = 1000;
const FREE_TEXT_DIMENSIONS: ReadonlySet<AggregateDimension> = new Set(['category', 'city']);

/** The fields of a validated event that aggregation reads. */
export interface AggregatableEvent {
  readonly userId: string;
  readonly eventType: string;
  readonly category: string | null;
  readonly countryCode: string;
  readonly city: string | null;
  readonly deviceClass: string;
}

export function aggregatableOf(event: ValidEvent): AggregatableEvent {
  return {
    userId: event.user_id,
    eventType: event.event_type,
    category: event.category,
    countryCode: normaliseCountry(event.country),
    city: event.city,
    deviceClass: deviceClass(event.device_type),
  };
}

/** The (dimension, value) pairs one event counts towards, in AGGREGATE_DIMENSIONS order. */
export function dimensionValues(e: AggregatableEvent): [AggregateDimension, string][] {
  return [
    ['all', ALL_VALUE],
    ['event_type', e.eventType],
    ['category', e.category?.trim().toLowerCase() || NO_CATEGORY],
    ['country', e.countryCode],
    ['city', `${e.countryCode}/${e.city?.trim() || UNKNOWN_CITY}`],
    ['device_class', e.deviceClass],
  ];
}

export interface GroupTotals {
  events: number;
  purchases: number;
  readonly users: HyperLogLog;
  readonly purchasers: HyperLogLog;
}

export interface GroupSummary {
  readonly dimension: AggregateDimension;
  readonly value: string;
  readonly events: number;
  readonly purchases: number;
  /** HyperLogLog estimates, rounded. */
  readonly distinctUsers: number;
  readonly purchasingUsers: number;
  /** purchasingUsers / distinctUsers (0 without users), clamped to [0, 1]. */
  readonly conversionRate: number;
}

const SEP = '\u001f'; // category and city cannot contain control characters (event contract)

function groupKey(dimension: AggregateDimension, value: string): string {
  return `${dimension}${SEP}${value}`;
}

function splitKey(key: string): [AggregateDimension, string] {
  const i = key.indexOf(SEP);
  return [key.slice(0, i) as AggregateDimension, key.slice(i + 1)];
}

/** Start (epoch ms, UTC) of the window of `granularity` containing `epochMs`. */
export function windowStartOf(epochMs: number, granularity: Granularity): number {
  const size = GRANULARITY_MS[granularity];
  return Math.floor(epochMs / size) * size;
}

export class WindowAggregate {
  readonly groups = new Map<string, GroupTotals>();
  private readonly freeTextCounts = new Map<AggregateDimension, number>();

  constructor(
    readonly granularity: Granularity,
    readonly windowStart: number,
  ) {
    if (!GRANULARITIES.includes(granularity))
      throw new RangeError(`granularity must be one of ${GRANULARITIES.join(', ')}, got ${JSON.stringify(granularity)}`);
    if (!Number.isFinite(windowStart) || windowStartOf(windowStart, granularity) !== windowStart) {
      throw new RangeError(`windowStart of a ${granularity} window must be a whole ${granularity} in epoch ms, got ${windowStart}`);
    }
  }

  get windowEnd(): number {
    return this.windowStart + GRANULARITY_MS[this.granularity];
  }

  /** Events counted (the 'all' group). */
  get events(): number {
    return this.groups.get(groupKey('all', ALL_VALUE))?.events ?? 0;
  }

  private group(dimension: AggregateDimension, value: string): GroupTotals {
    let key = groupKey(dimension, value);
    let g = this.groups.get(key);
    if (g) return g;
    if (FREE_TEXT_DIMENSIONS.has(dimension)) {
      const n = this.freeTextCounts.get(dimension) ?? 0;
      if (n >= MAX_VALUES_PER_FREE_TEXT_DIMENSION && value !== OVERFLOW_VALUE) {
        key = groupKey(dimension, OVERFLOW_VALUE);
        g = this.groups.get(key);
        if (g) return g;
      }
      this.freeTextCounts.set(dimension, n + 1);
    }
    g = { events: 0, purchases: 0, users: new HyperLogLog(), purchasers: new HyperLogLog() };
    this.groups.set(key, g);
    return g;
  }

  /** Counts one event in every dimension. */
  add(event: AggregatableEvent): this {
    const userHash = hashString(event.userId);
    const purchase = event.eventType === 'purchase';
    for (const [dimension, value] of dimensionValues(event)) {
      const g = this.group(dimension, value);
      g.events++;
      g.users.addHash(userHash);
      if (purchase) {
        g.purchases++;
        g.purchasers.addHash(userHash);
      }
    }
    return this;
  }

  /** Adds `other`'s groups into this one (same window only). */
  merge(other: WindowAggregate): this {
    if (other.granularity !== this.granularity || other.windowStart !== this.windowStart) {
      throw new RangeError(
        `cannot merge the ${other.granularity} window ${new Date(other.windowStart).toISOString()} into the ${this.granularity} window ${new Date(this.windowStart).toISOString()}; roll it up first`,
      );
    }
    for (const [key, g] of other.groups) this.mergeGroup(key, g);
    return this;
  }

  private mergeGroup(key: string, g: GroupTotals): void {
    const [dimension, value] = splitKey(key);
    const target = this.group(dimension, value);
    target.events += g.events;
    target.purchases += g.purchases;
    target.users.merge(g.users);
    target.purchasers.merge(g.purchasers);
  }

  /** This window's groups re-keyed to the coarser window containing it (a copy; this one is unchanged). */
  rollUp(granularity: Granularity): WindowAggregate {
    if (GRANULARITY_MS[granularity] < GRANULARITY_MS[this.granularity])
      throw new RangeError(`cannot roll a ${this.granularity} window up to a ${granularity} window`);
    const out = new WindowAggregate(granularity, windowStartOf(this.windowStart, granularity));
    for (const [key, g] of this.groups) out.mergeGroup(key, g);
    return out;
  }

  clone(): WindowAggregate {
    const out = new WindowAggregate(this.granularity, this.windowStart);
    for (const [key, g] of this.groups) out.mergeGroup(key, g);
    return out;
  }

  /** Groups sorted by dimension (AGGREGATE_DIMENSIONS order), then value. */
  summaries(): GroupSummary[] {
    return [...this.groups.entries()]
      .map(([key, g]) => {
        const [dimension, value] = splitKey(key);
        return summarise(dimension, value, g);
      })
      .sort(compareSummaries);
  }

  summary(dimension: AggregateDimension, value: string): GroupSummary | undefined {
    const g = this.groups.get(groupKey(dimension, value));
    return g ? summarise(dimension, value, g) : undefined;
  }

  /** Canonical JSON-safe form: equal aggregates serialise identically. */
  serialize(): SerializedAggregate {
    const groups: SerializedGroup[] = [...this.groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, g]) => {
        const [dimension, value] = splitKey(key);
        return [dimension, value, g.events, g.purchases, g.users.serialize(), g.purchasers.isEmpty() ? '' : g.purchasers.serialize()];
      });
    return { v: SERIALIZED_VERSION, granularity: this.granularity, windowStart: new Date(this.windowStart).toISOString(), groups };
  }

  static deserialize(input: unknown, what = 'aggregate'): WindowAggregate {
    const fail = (field: string, value: unknown, allowed: string): never => {
      throw new Error(`invalid ${what}: ${field} is ${previewValue(value)}; expected ${allowed}`);
    };
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('(root)', input, 'an object');
    const o = input as Record<string, unknown>;
    if (o.v !== SERIALIZED_VERSION) fail('v', o.v, `${SERIALIZED_VERSION}`);
    if (!GRANULARITIES.includes(o.granularity as Granularity)) fail('granularity', o.granularity, GRANULARITIES.join(' or '));
    const start = typeof o.windowStart === 'string' ? Date.parse(o.windowStart) : NaN;
    if (Number.isNaN(start) || windowStartOf(start, o.granularity as Granularity) !== start)
      fail('windowStart', o.windowStart, `an ISO timestamp at the start of a ${String(o.granularity)}`);
    if (!Array.isArray(o.groups)) fail('groups', o.groups, 'an array');
    const agg = new WindowAggregate(o.granularity as Granularity, start);
    (o.groups as unknown[]).forEach((g, i) => {
      if (!Array.isArray(g) || g.length !== 6) return fail(`groups[${i}]`, g, '[dimension, value, events, purchases, usersSketch, purchasersSketch]');
      const [dimension, value, events, purchases, users, purchasers] = g as unknown[];
      if (!AGGREGATE_DIMENSIONS.includes(dimension as AggregateDimension)) fail(`groups[${i}][0]`, dimension, `one of ${AGGREGATE_DIMENSIONS.join(', ')}`);
      if (typeof value !== 'string' || value === '') fail(`groups[${i}][1]`, value, 'a non-empty string');
      for (const [j, n] of [
        [2, events],
        [3, purchases],
      ] as const)
        if (!Number.isSafeInteger(n) || (n as number) < 0) fail(`groups[${i}][${j}]`, n, 'a non-negative integer');
      if (typeof users !== 'string' || typeof purchasers !== 'string') fail(`groups[${i}][4..5]`, [users, purchasers], 'base64 sketches');
      agg.mergeGroup(groupKey(dimension as AggregateDimension, value as string), {
        events: events as number,
        purchases: purchases as number,
        users: HyperLogLog.deserialize(users as string),
        purchasers: purchasers === '' ? new HyperLogLog() : HyperLogLog.deserialize(purchasers as string),
      });
    });
    return agg;
  }
}

const SERIALIZED_VERSION = 1;
export type SerializedGroup = [dimension: AggregateDimension, value: string, events: number, purchases: number, users: string, purchasers: string];
export interface SerializedAggregate {
  readonly v: number;
  readonly granularity: Granularity;
  readonly windowStart: string;
  readonly groups: SerializedGroup[];
}

function summarise(dimension: AggregateDimension, value: string, g: GroupTotals): GroupSummary {
  const distinctUsers = Math.round(g.users.estimate());
  // The purchasers are a subset of the users; independent estimates could still cross.
  const purchasingUsers = Math.min(distinctUsers, Math.round(g.purchasers.estimate()));
  return {
    dimension,
    value,
    events: g.events,
    purchases: g.purchases,
    distinctUsers,
    purchasingUsers,
    conversionRate: distinctUsers === 0 ? 0 : purchasingUsers / distinctUsers,
  };
}

const DIMENSION_ORDER = new Map(AGGREGATE_DIMENSIONS.map((d, i) => [d, i]));
function compareSummaries(a: GroupSummary, b: GroupSummary): number {
  return DIMENSION_ORDER.get(a.dimension)! - DIMENSION_ORDER.get(b.dimension)! || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

/** Merges any number of aggregates of one window into a new one (the inputs are unchanged). */
export function mergeAll(aggregates: readonly WindowAggregate[]): WindowAggregate {
  if (aggregates.length === 0) throw new RangeError('mergeAll needs at least one aggregate');
  const out = aggregates[0]!.clone();
  for (const a of aggregates.slice(1)) out.merge(a);
  return out;
}

// ---------------------------------------------------------------------------
// Hour roll-up with replay protection
// ---------------------------------------------------------------------------

/**
 * One shard's hour so far: the merge of every finished minute segment, plus the id of each
 * segment merged. A segment is what one final (or state-size spill) invocation emits for one
 * shard and window: its id is `<window start ISO>/<first sequence number>`, which a retry or a
 * replay of the same records reproduces exactly.
 */
export class HourRollup {
  private constructor(
    readonly shardId: string,
    readonly aggregate: WindowAggregate,
    private readonly segmentIds: Set<string>,
  ) {}

  static empty(shardId: string, hourStart: number): HourRollup {
    return new HourRollup(shardId, new WindowAggregate('hour', hourStart), new Set());
  }

  get hourStart(): number {
    return this.aggregate.windowStart;
  }

  get segments(): string[] {
    return [...this.segmentIds].sort();
  }

  has(segmentId: string): boolean {
    return this.segmentIds.has(segmentId);
  }

  /**
   * Merges a finished segment unless it is already in: applying the same segment again (a
   * retried final invocation, a replayed window) leaves the totals unchanged. Returns whether
   * it changed anything.
   */
  apply(segmentId: string, segment: WindowAggregate): boolean {
    if (windowStartOf(segment.windowStart, 'hour') !== this.hourStart) {
      throw new RangeError(
        `segment ${segmentId} (${new Date(segment.windowStart).toISOString()}) is not in the hour ${new Date(this.hourStart).toISOString()}`,
      );
    }
    if (this.segmentIds.has(segmentId)) return false;
    this.aggregate.merge(segment.granularity === 'hour' ? segment : segment.rollUp('hour'));
    this.segmentIds.add(segmentId);
    return true;
  }

  serialize(): SerializedHourRollup {
    return { shardId: this.shardId, segments: this.segments, aggregate: this.aggregate.serialize() };
  }

  static deserialize(input: unknown, what = 'hour roll-up'): HourRollup {
    if (typeof input !== 'object' || input === null) throw new Error(`invalid ${what}: expected an object, got ${previewValue(input)}`);
    const o = input as Record<string, unknown>;
    if (typeof o.shardId !== 'string' || o.shardId === '') throw new Error(`invalid ${what}: shardId is ${previewValue(o.shardId)}; expected a shard id`);
    if (!Array.isArray(o.segments) || !o.segments.every((s) => typeof s === 'string'))
      throw new Error(`invalid ${what}: segments is ${previewValue(o.segments)}; expected an array of segment ids`);
    const aggregate = WindowAggregate.deserialize(o.aggregate, `${what} aggregate`);
    if (aggregate.granularity !== 'hour') throw new Error(`invalid ${what}: aggregate granularity is ${aggregate.granularity}; expected hour`);
    return new HourRollup(o.shardId, aggregate, new Set(o.segments as string[]));
  }
}

export interface SerializedHourRollup {
  readonly shardId: string;
  readonly segments: string[];
  readonly aggregate: SerializedAggregate;
}

/** Id of the segment starting at `firstSequenceNumber` in the window starting at `windowStart`. */
export function segmentId(windowStart: number, firstSequenceNumber: string): string {
  return `${new Date(windowStart).toISOString()}/${firstSequenceNumber}`;
}

// ---------------------------------------------------------------------------
// Lake rows (TABLES.aggregates)
// ---------------------------------------------------------------------------

/** The aggregate as rows of the aggregates table, one per group. */
export function aggregateRows(aggregate: WindowAggregate, shardId: string, computedAt: Date): AggregateRow[] {
  const windowStart = new Date(aggregate.windowStart);
  const windowEnd = new Date(aggregate.windowEnd);
  return aggregate.summaries().map((s) => ({
    granularity: aggregate.granularity,
    window_start: windowStart,
    window_end: windowEnd,
    shard_id: shardId,
    dimension: s.dimension,
    dimension_value: s.value,
    event_count: s.events,
    purchases: s.purchases,
    distinct_users: s.distinctUsers,
    purchasing_users: s.purchasingUsers,
    conversion_rate: s.conversionRate,
    computed_at: computedAt,
  }));
}
