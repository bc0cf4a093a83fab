/**
 * One tumbling-window invocation, with the AWS calls behind two small ports so the whole flow
 * runs in tests against in-memory fakes.
 *
 * Lambda groups each shard's records into one-minute windows by arrival time and invokes the
 * function repeatedly per window, passing back the `state` the previous invocation returned;
 * the last invocation has isFinalInvokeForWindow. Here:
 *   1. every invocation folds its records into the window's partial aggregate (the state);
 *   2. the final invocation (or an earlier one whose state outgrew STATE_BUDGET_BYTES) finishes
 *      a segment: its rows go to a key fixed by (window, shard, first sequence number), and it
 *      is merged into the shard's hour roll-up unless the roll-up already holds that segment;
 *   3. a finished segment in hour H+1 judges hour H once every shard has moved on (or the wait
 *      is over): the rules run on the merge of all shards' roll-ups, and an If-None-Match claim
 *      makes sure only one shard sends the alert.
 * Lambda retries a failed invocation with the state it had before, so a retry never counts a
 * record twice in the state; the fixed keys and the segment ids cover retries of step 2.
 */
import {
  aggregatableOf,
  aggregateRows,
  GRANULARITY_MS,
  HourRollup,
  mergeAll,
  segmentId as makeSegmentId,
  WindowAggregate,
  windowStartOf,
  type SerializedAggregate,
} from '../shared/aggregation';
import { decodeBase64Event } from '../shared/contract';
import { encodeParquet, PARQUET_CONTENT_TYPE } from '../shared/parquet';
import { alertClaimKey, hourRollupKey, minuteSegmentKey, rollupStateKey, rollupStatePrefix, shardOfRollupStateKey } from './keys';
import { evaluateHourRules, formatAlertMessage, hourToJudge, isHourReady, type AggregateRuleConfig, type AlertMessage, type RuleAlert } from './rules';

/** The S3 operations the aggregator needs (S3AggregateStore implements them). */
export interface AggregateStore {
  putObject(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** The object's text, or undefined when there is none. */
  getText(key: string): Promise<string | undefined>;
  exists(key: string): Promise<boolean>;
  listKeys(prefix: string): Promise<string[]>;
  /** Creates the object only if the key is free; false when it already exists. */
  createIfAbsent(key: string, body: string, contentType: string): Promise<boolean>;
  deleteObject(key: string): Promise<void>;
}

export interface AlertPublisher {
  publish(message: AlertMessage): Promise<void>;
}

export interface StreamRecordInput {
  readonly sequenceNumber: string;
  /** Base64 record data, as Lambda delivers it. */
  readonly data: string;
}

export interface WindowInvocation {
  readonly window: { readonly start: string; readonly end: string };
  readonly shardId: string;
  readonly state: unknown;
  readonly records: readonly StreamRecordInput[];
  readonly isFinalInvokeForWindow: boolean;
  readonly isWindowTerminatedEarly?: boolean;
}

export interface AggregatorDeps {
  readonly store: AggregateStore;
  readonly alerts: AlertPublisher;
  readonly rules: AggregateRuleConfig;
  /** Names the platform and region in alert messages. */
  readonly source: { readonly platform: string; readonly region: string };
  readonly now: () => number;
  /** @default STATE_BUDGET_BYTES */
  readonly stateBudgetBytes?: number;
}

/**
 * Lambda keeps at most 1 MB of state per shard and ends the window early beyond it. The
 * aggregator finishes a segment itself well before that, so an early end (whose boundaries would
 * depend on Lambda's batching) never happens. At the shard write limit of 60,000 records per
 * minute the generated stream's minute state measures far below this (docs/performance.md).
 */
export const STATE_BUDGET_BYTES = 768 * 1024;

/** Tumbling window the event source mapping must use: the minute windows the roll-up assumes. */
export const WINDOW_SECONDS = GRANULARITY_MS.minute / 1000;

const STATE_VERSION = 1;
const JSON_CONTENT_TYPE = 'application/json';

/** The window state as returned to Lambda (JSON). */
export type WindowState = {
  readonly v: number;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
  readonly records: number;
  readonly invalid: number;
  readonly aggregate: SerializedAggregate;
};

export interface FinishedSegment {
  readonly id: string;
  readonly key: string;
  readonly aggregate: WindowAggregate;
  /** Written before the window ended, because the state outgrew its budget. */
  readonly spilled: boolean;
  /** The hour roll-up already held this segment (a retry or replay): nothing was added. */
  readonly replayed: boolean;
}

export interface JudgedHour {
  readonly hourStart: number;
  readonly alerts: readonly RuleAlert[];
  /** False when another shard had already judged the hour. */
  readonly claimed: boolean;
}

export interface InvocationResult {
  /** What to return to Lambda as `state`. */
  readonly state: WindowState | Record<string, never>;
  readonly recordsAggregated: number;
  readonly recordsInvalid: number;
  readonly stateBytes: number;
  readonly segment?: FinishedSegment;
  readonly judged?: JudgedHour;
}

function parseWindow(window: WindowInvocation['window']): number {
  const start = Date.parse(window?.start);
  const end = Date.parse(window?.end);
  if (Number.isNaN(start) || Number.isNaN(end)) throw new Error(`window ${JSON.stringify(window)} is invalid: expected ISO start and end timestamps`);
  if (end - start !== GRANULARITY_MS.minute || windowStartOf(start, 'minute') !== start) {
    throw new Error(
      `window ${window.start} to ${window.end} is invalid: the event source mapping must use tumbling_window_in_seconds = ${WINDOW_SECONDS} (minute windows aligned to the minute), which the hour roll-up depends on`,
    );
  }
  return start;
}

interface LiveState {
  firstSequenceNumber: string | undefined;
  lastSequenceNumber: string | undefined;
  records: number;
  invalid: number;
  aggregate: WindowAggregate;
}

function isEmptyState(state: unknown): boolean {
  return state === undefined || state === null || (typeof state === 'object' && Object.keys(state as object).length === 0);
}

/** Reads the state Lambda handed back; a fresh one when empty. */
export function decodeState(state: unknown, windowStart: number): LiveState {
  if (isEmptyState(state))
    return { firstSequenceNumber: undefined, lastSequenceNumber: undefined, records: 0, invalid: 0, aggregate: new WindowAggregate('minute', windowStart) };
  const s = state as Partial<WindowState>;
  if (
    s.v !== STATE_VERSION ||
    typeof s.firstSequenceNumber !== 'string' ||
    typeof s.lastSequenceNumber !== 'string' ||
    !Number.isSafeInteger(s.records) ||
    !Number.isSafeInteger(s.invalid)
  ) {
    throw new Error(
      `window state is not one this function wrote (v ${STATE_VERSION} with sequence numbers and counts): ${JSON.stringify(state).slice(0, 200)}`,
    );
  }
  const aggregate = WindowAggregate.deserialize(s.aggregate, 'window state aggregate');
  if (aggregate.granularity !== 'minute' || aggregate.windowStart !== windowStart) {
    throw new Error(
      `window state belongs to the ${aggregate.granularity} window ${new Date(aggregate.windowStart).toISOString()}, not the minute window ${new Date(windowStart).toISOString()}`,
    );
  }
  return { firstSequenceNumber: s.firstSequenceNumber, lastSequenceNumber: s.lastSequenceNumber, records: s.records!, invalid: s.invalid!, aggregate };
}

export function encodeState(s: LiveState): WindowState | Record<string, never> {
  if (s.firstSequenceNumber === undefined || s.lastSequenceNumber === undefined) return {};
  return {
    v: STATE_VERSION,
    firstSequenceNumber: s.firstSequenceNumber,
    lastSequenceNumber: s.lastSequenceNumber,
    records: s.records,
    invalid: s.invalid,
    aggregate: s.aggregate.serialize(),
  };
}

export async function handleWindowInvocation(input: WindowInvocation, deps: AggregatorDeps): Promise<InvocationResult> {
  const windowStart = parseWindow(input.window);
  const live = decodeState(input.state, windowStart);
  const now = deps.now();
  let aggregated = 0;
  let invalid = 0;
  for (const r of input.records) {
    live.firstSequenceNumber ??= r.sequenceNumber;
    live.lastSequenceNumber = r.sequenceNumber;
    live.records++;
    const decoded = decodeBase64Event(r.data, { now });
    if (decoded.ok) {
      live.aggregate.add(aggregatableOf(decoded.event));
      aggregated++;
    } else {
      live.invalid++;
      invalid++;
    }
  }

  const encoded = encodeState(live);
  const stateBytes = Buffer.byteLength(JSON.stringify(encoded));
  const budget = deps.stateBudgetBytes ?? STATE_BUDGET_BYTES;
  const finish = live.firstSequenceNumber !== undefined && (input.isFinalInvokeForWindow || stateBytes > budget);
  if (!finish) return { state: encoded, recordsAggregated: aggregated, recordsInvalid: invalid, stateBytes };

  const segment = await finishSegment(input.shardId, live, !input.isFinalInvokeForWindow, deps);
  const judged = input.isFinalInvokeForWindow ? await judgePreviousHour(windowStart, deps) : undefined;
  return { state: {}, recordsAggregated: aggregated, recordsInvalid: invalid, stateBytes, segment, judged };
}

async function finishSegment(shardId: string, live: LiveState, spilled: boolean, deps: AggregatorDeps): Promise<FinishedSegment> {
  const { store } = deps;
  const agg = live.aggregate;
  const firstSeq = live.firstSequenceNumber!;
  const id = makeSegmentId(agg.windowStart, firstSeq);
  const computedAt = new Date(deps.now());
  const key = minuteSegmentKey(agg.windowStart, shardId, firstSeq);
  // Only windows with valid events have groups; an all-invalid segment still enters the roll-up's id set.
  if (agg.groups.size > 0) await store.putObject(key, encodeParquet('aggregates', aggregateRows(agg, shardId, computedAt)), PARQUET_CONTENT_TYPE);

  const hourStart = windowStartOf(agg.windowStart, 'hour');
  const stateKey = rollupStateKey(hourStart, shardId);
  const stored = await store.getText(stateKey);
  const rollup = stored === undefined ? HourRollup.empty(shardId, hourStart) : HourRollup.deserialize(JSON.parse(stored), `roll-up ${stateKey}`);
  const changed = rollup.apply(id, agg);
  // Rewritten even for a replayed segment: an earlier attempt may have stored the roll-up state and failed before this.
  if (rollup.aggregate.groups.size > 0) {
    await store.putObject(
      hourRollupKey(hourStart, shardId),
      encodeParquet('aggregates', aggregateRows(rollup.aggregate, shardId, computedAt)),
      PARQUET_CONTENT_TYPE,
    );
  }
  if (changed) await store.putObject(stateKey, JSON.stringify(rollup.serialize()), JSON_CONTENT_TYPE);
  return { id, key, aggregate: agg, spilled, replayed: !changed };
}

async function loadHour(store: AggregateStore, hourStart: number): Promise<{ shards: string[]; merged?: WindowAggregate }> {
  const keys = await store.listKeys(rollupStatePrefix(hourStart));
  const shards: string[] = [];
  const aggregates: WindowAggregate[] = [];
  for (const key of keys) {
    const shard = shardOfRollupStateKey(key, hourStart);
    if (shard === undefined) continue;
    const text = await store.getText(key);
    if (text === undefined) continue; // deleted between list and get
    shards.push(shard);
    aggregates.push(HourRollup.deserialize(JSON.parse(text), `roll-up ${key}`).aggregate);
  }
  return { shards: shards.sort(), merged: aggregates.length > 0 ? mergeAll(aggregates) : undefined };
}

async function listShards(store: AggregateStore, hourStart: number): Promise<string[]> {
  return (await store.listKeys(rollupStatePrefix(hourStart))).map((k) => shardOfRollupStateKey(k, hourStart)).filter((s): s is string => s !== undefined);
}

async function judgePreviousHour(windowStart: number, deps: AggregatorDeps): Promise<JudgedHour | undefined> {
  const { store } = deps;
  const hourStart = hourToJudge(windowStart);
  const claimKey = alertClaimKey(hourStart);
  if (await store.exists(claimKey)) return undefined;
  const shardsInHour = await listShards(store, hourStart);
  const shardsInNextHour = await listShards(store, hourStart + GRANULARITY_MS.hour);
  if (!isHourReady({ hourStart, windowStart, shardsInHour, shardsInNextHour })) return undefined;

  const current = (await loadHour(store, hourStart)).merged ?? new WindowAggregate('hour', hourStart);
  const previous = (await loadHour(store, hourStart - GRANULARITY_MS.hour)).merged;
  const alerts = evaluateHourRules(current, previous, deps.rules);
  const claim = JSON.stringify({ hourStart: new Date(hourStart).toISOString(), judgedAt: new Date(deps.now()).toISOString(), shards: shardsInHour, alerts });
  if (!(await store.createIfAbsent(claimKey, claim, JSON_CONTENT_TYPE))) return { hourStart, alerts, claimed: false };
  if (alerts.length > 0) {
    try {
      await deps.alerts.publish(formatAlertMessage(alerts, deps.source));
    } catch (e) {
      // Give the claim back so the retried invocation (or another shard) sends the alert.
      await store.deleteObject(claimKey);
      throw e;
    }
  }
  return { hourStart, alerts, claimed: true };
}
