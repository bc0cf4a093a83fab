jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { aggregatableOf, HourRollup, WindowAggregate } from '../../functions/shared/aggregation';
import { decodeEvent, TABLES } from '../../functions/shared/contract';
import { generateEvents, type RawEvent } from '../../functions/shared/generator';
import {
  decodeState,
  handleWindowInvocation,
  type AggregateStore,
  type AggregatorDeps,
  type InvocationResult,
  type StreamRecordInput,
  type WindowInvocation,
} from '../../functions/stream-aggregator/aggregator';
import { alertClaimKey, hourRollupKey, minuteSegmentKey, rollupStateKey } from '../../functions/stream-aggregator/keys';
import type { AlertMessage } from '../../functions/stream-aggregator/rules';
import { requireEsm } from './helpers/esm';

const { parquetReadObjects } = requireEsm('hyparquet') as { parquetReadObjects: (o: { file: ArrayBuffer }) => Promise<Record<string, unknown>[]> };

const MINUTE = 60_000;
const HOUR = 3_600_000;
const H = Date.UTC(2024, 2, 20, 10);
const S0 = 'shardId-000000000000';
const S1 = 'shardId-000000000001';
const NOW = Date.UTC(2024, 2, 21);

class MemoryStore implements AggregateStore {
  readonly objects = new Map<string, { body: Uint8Array | string; contentType: string }>();
  failPutsMatching: RegExp | undefined;
  calls: string[] = [];

  async putObject(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    this.calls.push(`put ${key}`);
    if (this.failPutsMatching?.test(key)) throw new Error(`injected failure writing ${key}`);
    this.objects.set(key, { body, contentType });
  }
  async getText(key: string): Promise<string | undefined> {
    const o = this.objects.get(key);
    return o === undefined ? undefined : typeof o.body === 'string' ? o.body : Buffer.from(o.body).toString('utf8');
  }
  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }
  async listKeys(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async createIfAbsent(key: string, body: string, contentType: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, { body, contentType });
    return true;
  }
  async deleteObject(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

class MemoryAlerts {
  readonly sent: AlertMessage[] = [];
  failNext = false;
  async publish(m: AlertMessage): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('SNS unavailable');
    }
    this.sent.push(m);
  }
}

function deps(store: MemoryStore, alerts: MemoryAlerts, extra: Partial<AggregatorDeps> = {}): AggregatorDeps {
  return {
    store,
    alerts,
    rules: { minConversionRate: 0.01, maxTrafficDropRatio: 0.5, minEvents: 50 },
    source: { platform: 'data-analytics-ml-analytics', region: 'us-east-1' },
    now: () => NOW,
    ...extra,
  };
}

let seq = 0;
function records(payloads: readonly Buffer[]): StreamRecordInput[] {
  return payloads.map((p) => ({ sequenceNumber: `4963${String(seq++).padStart(52, '0')}`, data: p.toString('base64') }));
}

function windowOf(start: number): WindowInvocation['window'] {
  return { start: new Date(start).toISOString(), end: new Date(start + MINUTE).toISOString() };
}

/** Runs a whole window the way Lambda does: batches in order, state threaded through, then the final invoke. */
async function runWindow(d: AggregatorDeps, shardId: string, start: number, batches: readonly StreamRecordInput[][]): Promise<InvocationResult[]> {
  const results: InvocationResult[] = [];
  let state: unknown = {};
  for (const batch of batches) {
    const r = await handleWindowInvocation({ window: windowOf(start), shardId, state, records: batch, isFinalInvokeForWindow: false }, d);
    results.push(r);
    state = r.state;
  }
  results.push(await handleWindowInvocation({ window: windowOf(start), shardId, state, records: [], isFinalInvokeForWindow: true }, d));
  return results;
}

function raw(user: string, type: RawEvent['event_type'], country: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      timestamp: '2024-03-20T10:00:00Z',
      user_id: user,
      event_type: type,
      data: { page_url: '/', session_id: `s-${user}`, device_type: 'mobile', location: { country, city: 'X' } },
    }),
  );
}

/** `users` users from `country`, each with `perUser` page views; the first `buyers` also purchase. */
function traffic(country: string, users: number, buyers: number, perUser = 2): Buffer[] {
  const out: Buffer[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < perUser; i++) out.push(raw(`${country}-${u}`, 'page_view', country));
    if (u < buyers) out.push(raw(`${country}-${u}`, 'purchase', country));
  }
  return out;
}

async function readRows(store: MemoryStore, key: string): Promise<Record<string, unknown>[]> {
  const o = store.objects.get(key);
  if (!o) throw new Error(`no object ${key}`);
  const u = o.body as Uint8Array;
  return parquetReadObjects({ file: u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer });
}

const generated = generateEvents({ seed: 5, count: 1500, malformedShare: 0.02 });
const validEvents = generated.map((g) => decodeEvent(g.data, { now: NOW })).flatMap((d) => (d.ok ? [aggregatableOf(d.event)] : []));

describe('a window across invocations', () => {
  it('threads the state through invocations and writes the single-pass totals once the window is final', async () => {
    const store = new MemoryStore();
    const d = deps(store, new MemoryAlerts());
    const recs = records(generated.map((g) => g.data));
    const batches = [recs.slice(0, 400), recs.slice(400, 1100), recs.slice(1100)];
    const results = await runWindow(d, S0, H + 5 * MINUTE, batches);

    expect(results.slice(0, 3).every((r) => r.segment === undefined && Object.keys(r.state).length > 0)).toBe(true);
    expect(results.reduce((n, r) => n + r.recordsAggregated, 0)).toBe(validEvents.length);
    expect(results.reduce((n, r) => n + r.recordsInvalid, 0)).toBe(1500 - validEvents.length);
    const final = results[3]!;
    expect(final.state).toEqual({});
    const key = minuteSegmentKey(H + 5 * MINUTE, S0, recs[0]!.sequenceNumber);
    expect(final.segment).toMatchObject({ key, spilled: false, replayed: false });
    expect(key).toBe(`aggregates/dt=2024-03-20/hour=10/minute-20240320T1005Z-${S0}-${recs[0]!.sequenceNumber}.parquet`);

    const single = new WindowAggregate('minute', H + 5 * MINUTE);
    validEvents.forEach((e) => single.add(e));
    const rows = await readRows(store, key);
    expect(rows).toHaveLength(single.groups.size);
    for (const s of single.summaries()) {
      const row = rows.find((r) => r.dimension === s.dimension && r.dimension_value === s.value)!;
      expect(row).toMatchObject({
        granularity: 'minute',
        shard_id: S0,
        event_count: s.events,
        purchases: s.purchases,
        distinct_users: s.distinctUsers,
        purchasing_users: s.purchasingUsers,
      });
      expect(row.conversion_rate).toBeCloseTo(s.conversionRate, 12);
      expect((row.window_start as Date).getTime()).toBe(H + 5 * MINUTE);
    }
    // The hour roll-up holds the segment, as table rows and as mergeable state.
    const hourRows = await readRows(store, hourRollupKey(H, S0));
    expect(hourRows.find((r) => r.dimension === 'all')).toMatchObject({ granularity: 'hour', event_count: validEvents.length });
    const rollup = HourRollup.deserialize(JSON.parse((await store.getText(rollupStateKey(H, S0)))!));
    expect(rollup.segments).toEqual([final.segment!.id]);
  });

  it('a retried final invocation rewrites the same objects and leaves the stored totals unchanged', async () => {
    const store = new MemoryStore();
    const d = deps(store, new MemoryAlerts());
    const recs = records(traffic('US', 30, 3));
    const first = await handleWindowInvocation({ window: windowOf(H), shardId: S0, state: {}, records: recs, isFinalInvokeForWindow: false }, d);
    const finalInput: WindowInvocation = { window: windowOf(H), shardId: S0, state: first.state, records: [], isFinalInvokeForWindow: true };

    // The first final attempt dies after writing the roll-up state but before reporting success.
    const a = await handleWindowInvocation(finalInput, d);
    const keysAfterFirst = [...store.objects.keys()].sort();
    const stateAfterFirst = await store.getText(rollupStateKey(H, S0));
    const b = await handleWindowInvocation(finalInput, d);
    expect(a.segment!.replayed).toBe(false);
    expect(b.segment!.replayed).toBe(true);
    expect(b.segment!.key).toBe(a.segment!.key);
    expect([...store.objects.keys()].sort()).toEqual(keysAfterFirst);
    expect(await store.getText(rollupStateKey(H, S0))).toBe(stateAfterFirst);
    expect((await readRows(store, hourRollupKey(H, S0))).find((r) => r.dimension === 'all')!.event_count).toBe(recs.length);
  });

  it('a failure between the segment and its roll-up is repaired by the retry without double-counting', async () => {
    const store = new MemoryStore();
    const d = deps(store, new MemoryAlerts());
    const recs = records(traffic('GB', 20, 2));
    const first = await handleWindowInvocation({ window: windowOf(H + MINUTE), shardId: S0, state: {}, records: recs, isFinalInvokeForWindow: false }, d);
    const finalInput: WindowInvocation = { window: windowOf(H + MINUTE), shardId: S0, state: first.state, records: [], isFinalInvokeForWindow: true };
    store.failPutsMatching = /_state\//;
    await expect(handleWindowInvocation(finalInput, d)).rejects.toThrow(/injected failure/);
    store.failPutsMatching = undefined;
    const retry = await handleWindowInvocation(finalInput, d);
    expect(retry.segment!.replayed).toBe(false);
    const rollup = HourRollup.deserialize(JSON.parse((await store.getText(rollupStateKey(H, S0)))!));
    expect(rollup.aggregate.events).toBe(recs.length);
  });

  it('a retried non-final invocation returns the same state (Lambda hands back the state from before the failure)', async () => {
    const d = deps(new MemoryStore(), new MemoryAlerts());
    const recs = records(traffic('DE', 10, 1));
    const input: WindowInvocation = { window: windowOf(H), shardId: S0, state: {}, records: recs, isFinalInvokeForWindow: false };
    const a = await handleWindowInvocation(input, d);
    const b = await handleWindowInvocation(input, d);
    expect(b.state).toEqual(a.state);
    expect(decodeState(a.state, H).aggregate.events).toBe(recs.length);
  });

  it('finishes a segment early when the state outgrows its budget, and the window still adds up', async () => {
    const store = new MemoryStore();
    const d = deps(store, new MemoryAlerts(), { stateBudgetBytes: 4_000 });
    const recs = records(generated.map((g) => g.data));
    const results = await runWindow(d, S1, H + 7 * MINUTE, [recs.slice(0, 500), recs.slice(500, 1000), recs.slice(1000)]);
    const spilled = results.filter((r) => r.segment?.spilled);
    expect(spilled.length).toBeGreaterThan(0);
    for (const r of spilled) expect(r.state).toEqual({});
    const rollup = HourRollup.deserialize(JSON.parse((await store.getText(rollupStateKey(H, S1)))!));
    expect(rollup.aggregate.events).toBe(validEvents.length);
    expect(rollup.segments).toHaveLength(results.filter((r) => r.segment).length);
    const minuteFiles = [...store.objects.keys()].filter((k) => k.includes('/minute-20240320T1007Z-'));
    expect(minuteFiles).toHaveLength(rollup.segments.length);
    let total = 0;
    for (const k of minuteFiles) total += Number((await readRows(store, k)).find((r) => r.dimension === 'all')!.event_count);
    expect(total).toBe(validEvents.length);
  });

  it('keeps the state of a busy minute on one shard far below the 1 MB Lambda limit', async () => {
    // A shard accepts at most 60,000 records a minute; the generated stream's users and places.
    const busy = generateEvents({ seed: 9, count: 60_000, spanHours: 0.02 });
    const d = deps(new MemoryStore(), new MemoryAlerts());
    const r = await handleWindowInvocation(
      { window: windowOf(H), shardId: S0, state: {}, records: records(busy.map((g) => g.data)), isFinalInvokeForWindow: false },
      d,
    );
    expect(r.segment).toBeUndefined();
    expect(r.stateBytes).toBeLessThan(400 * 1024);
  });

  it('rejects a window that is not one aligned minute, and state it did not write', async () => {
    const d = deps(new MemoryStore(), new MemoryAlerts());
    const bad = { shardId: S0, state: {}, records: [], isFinalInvokeForWindow: false };
    await expect(handleWindowInvocation({ ...bad, window: { start: '2024-03-20T10:00:00Z', end: '2024-03-20T10:05:00Z' } }, d)).rejects.toThrow(
      /tumbling_window_in_seconds = 60/,
    );
    await expect(handleWindowInvocation({ ...bad, window: { start: 'x', end: 'y' } }, d)).rejects.toThrow(/expected ISO start and end timestamps/);
    await expect(handleWindowInvocation({ ...bad, window: windowOf(H), state: { count: 3 } }, d)).rejects.toThrow(
      /window state is not one this function wrote/,
    );
    const other = await handleWindowInvocation({ ...bad, window: windowOf(H), records: records(traffic('US', 1, 0)) }, d);
    await expect(handleWindowInvocation({ ...bad, window: windowOf(H + MINUTE), state: other.state }, d)).rejects.toThrow(
      /belongs to the minute window 2024-03-20T10:00:00.000Z, not the minute window 2024-03-20T10:01:00.000Z/,
    );
  });
});

describe('judging hours across shards', () => {
  async function hourOfTraffic(d: AggregatorDeps, start: number, perShard: Record<string, Buffer[]>): Promise<void> {
    for (const [shard, payloads] of Object.entries(perShard)) await runWindow(d, shard, start + 30 * MINUTE, [records(payloads)]);
  }

  it('waits for every shard to move on, then alerts once with the rule, the window and the figure', async () => {
    const store = new MemoryStore();
    const alerts = new MemoryAlerts();
    const d = deps(store, alerts);
    await hourOfTraffic(d, H - HOUR, { [S0]: traffic('US', 100, 10), [S1]: traffic('FR', 100, 10) });
    await hourOfTraffic(d, H, { [S0]: traffic('US', 100, 10), [S1]: traffic('FR', 20, 2) });

    // Shard 0 moves into the next hour; shard 1 has not: hour H is not judged yet.
    const early = await runWindow(d, S0, H + HOUR, [records(traffic('US', 5, 1))]);
    expect(early.at(-1)!.judged).toBeUndefined();
    expect(store.objects.has(alertClaimKey(H))).toBe(false);

    // Shard 1 moves on too: judged now, on both shards' figures.
    const judged = (await runWindow(d, S1, H + HOUR + MINUTE, [records(traffic('FR', 5, 1))])).at(-1)!.judged!;
    expect(judged).toMatchObject({ hourStart: H, claimed: true });
    expect(judged.alerts.map((a) => [a.rule, a.value])).toEqual([['max_traffic_drop', 'FR']]);
    expect(alerts.sent).toHaveLength(1);
    expect(alerts.sent[0]!.message).toContain('window 2024-03-20T10:00:00.000Z to 2024-03-20T11:00:00.000Z');
    expect(alerts.sent[0]!.message).toContain(
      'max_traffic_drop [country=FR]: figure 0.8000, threshold 0.5; traffic from FR dropped by 80.00 %, more than 50.00 % (42 events vs 210 the hour before)',
    );

    // Later windows on either shard do not judge the hour again.
    await runWindow(d, S0, H + HOUR + 2 * MINUTE, [records(traffic('US', 5, 1))]);
    await runWindow(d, S1, H + HOUR + 2 * MINUTE, [records(traffic('FR', 5, 1))]);
    expect(alerts.sent).toHaveLength(1);
    const claim = JSON.parse((await store.getText(alertClaimKey(H)))!);
    expect(claim.shards).toEqual([S0, S1]);
  });

  it('judges with what it has once the wait is over, when a shard went quiet', async () => {
    const store = new MemoryStore();
    const alerts = new MemoryAlerts();
    const d = deps(store, alerts);
    await hourOfTraffic(d, H, { [S0]: traffic('US', 100, 0), [S1]: traffic('JP', 100, 10) });
    expect((await runWindow(d, S0, H + HOUR + 5 * MINUTE, [records(traffic('US', 5, 1))])).at(-1)!.judged).toBeUndefined();
    const judged = (await runWindow(d, S0, H + HOUR + 15 * MINUTE, [records(traffic('US', 5, 1))])).at(-1)!.judged!;
    expect(judged.claimed).toBe(true);
    // 10 of 200 users purchased: 5 % is above the 1 % threshold, and there is no previous hour to compare.
    expect(judged.alerts).toEqual([]);
    expect(alerts.sent).toEqual([]);
    expect(store.objects.has(alertClaimKey(H))).toBe(true);
  });

  it('alerts on a low conversion rate, and gives the claim back when the alert cannot be sent', async () => {
    const store = new MemoryStore();
    const alerts = new MemoryAlerts();
    const d = deps(store, alerts);
    await hourOfTraffic(d, H, { [S0]: traffic('US', 300, 1) });
    alerts.failNext = true;
    const final: WindowInvocation = { window: windowOf(H + HOUR), shardId: S0, state: {}, records: [], isFinalInvokeForWindow: true };
    const first = await handleWindowInvocation({ ...final, records: records(traffic('US', 2, 0)), isFinalInvokeForWindow: false }, d);
    await expect(handleWindowInvocation({ ...final, state: first.state }, d)).rejects.toThrow('SNS unavailable');
    expect(store.objects.has(alertClaimKey(H))).toBe(false);
    const retried = await handleWindowInvocation({ ...final, state: first.state }, d);
    expect(retried.segment!.replayed).toBe(true);
    expect(retried.judged!.alerts.map((a) => a.rule)).toEqual(['min_conversion_rate']);
    expect(alerts.sent).toHaveLength(1);
    expect(alerts.sent[0]!.subject).toBe('data-analytics-ml-analytics us-east-1: 1 aggregate rule breach, hour 2024-03-20T10:00Z');
  });

  it('rows use only the aggregates-table columns', async () => {
    const store = new MemoryStore();
    await runWindow(deps(store, new MemoryAlerts()), S0, H, [records(traffic('US', 3, 1))]);
    const rows = await readRows(store, hourRollupKey(H, S0));
    expect(Object.keys(rows[0]!)).toEqual(TABLES.aggregates.columns.map((c) => c.name));
  });
});
