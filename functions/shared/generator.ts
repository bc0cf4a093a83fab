/**
 * Deterministic synthetic clickstream in the contract's raw format.
 *
 * Users browse in sessions that walk the shopping funnel (page_view/search ->
 * product_view -> add_to_cart -> checkout -> purchase). The chance of moving one step
 * further depends on device, category, hour of day, weekend and region, so whether a
 * session converts is genuinely predictable from the event's features (the model is
 * trained on the labelled mode). A configurable share of records is malformed, split
 * evenly over MALFORMED_KINDS, and a share can be duplicated (a producer re-send).
 * Same options (including seed) => byte-identical output.
 */
import { MAX_EVENT_BYTES, type EventType } from './contract';
import { FEATURE_CATEGORIES } from './features';

export const MALFORMED_KINDS = ['missing_field', 'bad_timestamp', 'unknown_event_type', 'wrong_type', 'oversized', 'not_json'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];
export type RecordKind = 'valid' | 'duplicate' | MalformedKind;

/** The raw event as producers send it (the sample event's format). */
export interface RawEvent {
  event_id?: string;
  timestamp: string;
  user_id: string;
  event_type: EventType;
  data: {
    page_url: string;
    product_id?: string;
    category?: string;
    session_id: string;
    device_type: string;
    location: { country: string; city?: string };
  };
}

export interface GeneratedRecord {
  /** The bytes to put on the stream. */
  readonly data: Buffer;
  /** Kinesis partition key: the event's user_id, or PartitionKeyFallback for malformed records without one. */
  readonly partitionKey: string;
  readonly kind: RecordKind;
  /** The event before it was corrupted (for malformed records) or as sent. */
  readonly event: RawEvent;
  /** Whether the event's session reached a purchase. */
  readonly sessionConverted: boolean;
}

export interface GeneratorOptions {
  readonly seed: number;
  readonly count: number;
  /** Epoch ms of the earliest session start. Default 2024-03-20T00:00:00Z. */
  readonly startTime?: number;
  /** Hours over which session starts are spread. Default 24. */
  readonly spanHours?: number;
  /** Distinct users. Default max(20, count / 25). */
  readonly users?: number;
  /** Share of records (0-1) made malformed, split evenly over MALFORMED_KINDS. Default 0. */
  readonly malformedShare?: number;
  /** Share of records (0-1) replaced by a byte-identical copy of a recent valid record. Default 0. */
  readonly duplicateShare?: number;
  /** Share of valid events carrying a producer event_id (the rest get a derived one). Default 0.8. */
  readonly eventIdShare?: number;
}

/**
 * Partition key for a malformed record that has no usable user_id: a fixed prefix plus a
 * hash-like suffix from the PRNG, so such records still spread over shards instead of
 * piling onto one.
 */
export const PARTITION_KEY_FALLBACK_PREFIX = 'no-user-';

/** mulberry32: tiny, fast, good enough for synthetic data, and identical on every platform. */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rng() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

function hex(rng: Rng, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += Math.floor(rng() * 16).toString(16);
  return s;
}

const PLACES: readonly (readonly [readonly [string, readonly string[]], number])[] = [
  [['US', ['San Francisco', 'New York', 'Chicago', 'Austin', 'Seattle']], 34],
  [['CA', ['Toronto', 'Vancouver']], 5],
  [['GB', ['London', 'Manchester']], 10],
  [['DE', ['Berlin', 'Munich', 'Hamburg']], 9],
  [['FR', ['Paris', 'Lyon']], 7],
  [['ES', ['Madrid', 'Barcelona']], 4],
  [['JP', ['Tokyo', 'Osaka']], 7],
  [['IN', ['Bengaluru', 'Mumbai', 'Delhi']], 8],
  [['AU', ['Sydney', 'Melbourne']], 4],
  [['BR', ['São Paulo', 'Rio de Janeiro']], 6],
  [['MX', ['Mexico City']], 3],
  [['ZA', ['Cape Town', 'Johannesburg']], 2],
  [['NG', ['Lagos']], 1],
];

/** Raw device strings as clients report them, with their class's weight. */
const DEVICES: readonly (readonly [string, number])[] = [
  ['mobile', 30],
  ['iPhone', 12],
  ['android', 12],
  ['desktop', 22],
  ['Windows', 6],
  ['mac', 4],
  ['tablet', 5],
  ['iPad', 4],
  ['smart-tv', 2],
  ['bot', 1],
];

const DEVICE_FACTOR: Readonly<Record<string, number>> = {
  mobile: 0.8,
  iphone: 0.85,
  android: 0.75,
  desktop: 1.3,
  windows: 1.25,
  mac: 1.35,
  tablet: 1.05,
  ipad: 1.1,
  'smart-tv': 0.4,
  bot: 0.1,
};

const CATEGORY_FACTOR: Readonly<Record<string, number>> = {
  electronics: 0.75,
  clothing: 1.0,
  home: 0.9,
  books: 1.3,
  beauty: 1.15,
  sports: 0.95,
  toys: 1.05,
  grocery: 1.45,
  garden: 0.9,
  automotive: 0.6,
};
/** Includes categories outside FEATURE_CATEGORIES so the model's 'other' bucket is exercised. */
const CATEGORIES = [...FEATURE_CATEGORIES, 'garden', 'automotive'] as const;

const REGION_FACTOR: Readonly<Record<string, number>> = {
  US: 1.1,
  CA: 1.1,
  GB: 1.05,
  DE: 1.0,
  FR: 0.95,
  ES: 0.9,
  JP: 1.0,
  IN: 0.8,
  AU: 1.0,
  BR: 0.85,
  MX: 0.85,
  ZA: 0.7,
  NG: 0.6,
};

function hourFactor(hourUtc: number): number {
  if (hourUtc >= 18 && hourUtc <= 22) return 1.3;
  if (hourUtc <= 5) return 0.7;
  return 1.0;
}

interface User {
  id: string;
  country: string;
  city: string;
  device: string;
  favouriteCategory: string;
}

interface SessionEvent {
  time: number;
  event: RawEvent;
  sessionIndex: number;
}

const HOST = 'https://shop.example.com';
const MAX_SESSION_EVENTS = 30;

function makeUsers(rng: Rng, n: number): User[] {
  const users: User[] = [];
  for (let i = 0; i < n; i++) {
    const [country, cities] = weighted(rng, PLACES);
    users.push({
      id: `user${String(i).padStart(6, '0')}`,
      country,
      city: pick(rng, cities),
      device: weighted(rng, DEVICES),
      favouriteCategory: pick(rng, CATEGORIES),
    });
  }
  return users;
}

function formatTimestamp(rng: Rng, t: number): string {
  const r = rng();
  const iso = new Date(t).toISOString();
  if (r < 0.6) return `${iso.slice(0, 19)}Z`;
  if (r < 0.9) return iso;
  // Some producers send local time with an offset; the processor normalises to UTC.
  const offsetH = pick(rng, [1, 2, -5, -8, 9]);
  const local = new Date(t + offsetH * 3600_000).toISOString().slice(0, 19);
  const sign = offsetH < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.abs(offsetH)).padStart(2, '0')}:00`;
}

/** Simulates one session; returns its events and whether it reached a purchase. */
function simulateSession(rng: Rng, user: User, start: number, sessionIndex: number, eventIdShare: number): { events: SessionEvent[]; converted: boolean } {
  const sessionId = `sess-${hex(rng, 12)}`;
  const hour = new Date(start).getUTCHours();
  const dow = new Date(start).getUTCDay();
  const category = rng() < 0.6 ? user.favouriteCategory : pick(rng, CATEGORIES);
  const deviceKey = user.device.toLowerCase();
  const m =
    (DEVICE_FACTOR[deviceKey] ?? 1) *
    (CATEGORY_FACTOR[category] ?? 1) *
    hourFactor(hour) *
    (dow === 0 || dow === 6 ? 1.15 : 1) *
    (REGION_FACTOR[user.country] ?? 0.8);
  const p = (base: number) => Math.min(0.95, base * m);

  const events: SessionEvent[] = [];
  let t = start;
  let type: EventType = rng() < 0.3 ? 'search' : 'page_view';
  let productId: string | undefined;
  let converted = false;
  while (events.length < MAX_SESSION_EVENTS) {
    const withProduct = type !== 'page_view' && type !== 'search';
    if (type === 'product_view' || (withProduct && productId === undefined)) productId = `prod${String(Math.floor(rng() * 5000)).padStart(4, '0')}`;
    const pageUrl =
      type === 'page_view'
        ? pick(rng, [`${HOST}/`, `${HOST}/category/${category}`, `${HOST}/deals`])
        : type === 'search'
          ? `${HOST}/search?q=${category}`
          : type === 'product_view'
            ? `${HOST}/products/${category}/${productId}`
            : type === 'add_to_cart' || type === 'remove_from_cart'
              ? `${HOST}/cart`
              : type === 'checkout'
                ? `${HOST}/checkout/payment/details`
                : `${HOST}/checkout/order/confirmation/thank-you`;
    const event: RawEvent = {
      timestamp: formatTimestamp(rng, t),
      user_id: user.id,
      event_type: type,
      data: {
        page_url: pageUrl,
        ...(withProduct && productId ? { product_id: productId } : {}),
        ...(withProduct || pageUrl.includes('/category/') || rng() < 0.3 ? { category } : {}),
        session_id: sessionId,
        device_type: user.device,
        location: {
          // A few producers send lower-case or non-ISO codes; normalisation handles them.
          country: user.country === 'GB' && rng() < 0.2 ? 'UK' : rng() < 0.05 ? user.country.toLowerCase() : user.country,
          ...(rng() < 0.95 ? { city: user.city } : {}),
        },
      },
    };
    if (rng() < eventIdShare) event.event_id = `evt-${hex(rng, 24)}`;
    events.push({ time: t, event, sessionIndex });
    if (type === 'purchase') {
      converted = true;
      break;
    }
    const r = rng();
    let next: EventType | null = null;
    switch (type) {
      case 'page_view':
      case 'search':
        next = r < 0.25 ? pick(rng, ['page_view', 'search'] as const) : r < 0.25 + p(0.5) * 0.75 ? 'product_view' : null;
        break;
      case 'product_view':
        next = r < 0.3 ? 'product_view' : r < 0.3 + p(0.28) ? 'add_to_cart' : r < 0.75 ? 'page_view' : null;
        break;
      case 'add_to_cart':
        next = r < 0.1 ? 'remove_from_cart' : r < 0.1 + p(0.45) ? 'checkout' : r < 0.8 ? 'product_view' : null;
        break;
      case 'remove_from_cart':
        next = r < 0.4 ? 'product_view' : null;
        break;
      case 'checkout':
        next = r < p(0.65) ? 'purchase' : null;
        break;
    }
    if (next === null) break;
    type = next;
    t += 5_000 + Math.floor(rng() * 115_000);
  }
  return { events, converted };
}

interface Simulated {
  events: RawEvent[];
  converted: boolean[];
}

function simulate(rng: Rng, opts: GeneratorOptions, needed: number): Simulated {
  const start = opts.startTime ?? Date.UTC(2024, 2, 20);
  const spanMs = (opts.spanHours ?? 24) * 3600_000;
  const users = makeUsers(rng, opts.users ?? Math.max(20, Math.floor(opts.count / 25)));
  const eventIdShare = opts.eventIdShare ?? 0.8;
  const all: SessionEvent[] = [];
  const sessionConverted: boolean[] = [];
  while (all.length < needed) {
    const s = simulateSession(rng, pick(rng, users), start + Math.floor(rng() * spanMs), sessionConverted.length, eventIdShare);
    sessionConverted.push(s.converted);
    for (const e of s.events) all.push(e);
  }
  // Stream order is event-time order; sessionIndex breaks ties so the sort is total.
  all.sort((a, b) => a.time - b.time || a.sessionIndex - b.sessionIndex);
  all.length = needed;
  return { events: all.map((e) => e.event), converted: all.map((e) => sessionConverted[e.sessionIndex]!) };
}

function clone(e: RawEvent): Record<string, unknown> {
  return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
}

const REQUIRED_PATHS: readonly (readonly string[])[] = [
  ['timestamp'],
  ['user_id'],
  ['event_type'],
  ['data', 'page_url'],
  ['data', 'session_id'],
  ['data', 'device_type'],
  ['data', 'location', 'country'],
];

function deletePath(o: Record<string, unknown>, path: readonly string[]): void {
  let node = o;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string, unknown>;
  delete node[path[path.length - 1]!];
}

/** Serialises `event` corrupted in the way `kind` names. */
function corrupt(rng: Rng, event: RawEvent, kind: MalformedKind): Buffer {
  const o = clone(event);
  const data = o.data as Record<string, unknown>;
  switch (kind) {
    case 'missing_field':
      deletePath(o, pick(rng, REQUIRED_PATHS));
      break;
    case 'bad_timestamp':
      o.timestamp = pick(rng, ['20/03/2024 10:00', '2024-03-20 10:00:00', '2024-02-30T10:00:00Z', 'yesterday', '2024-03-20T25:61:00Z']);
      break;
    case 'unknown_event_type':
      o.event_type = pick(rng, ['click', 'PageView', 'view_item', 'refund', '']);
      break;
    case 'wrong_type': {
      const variant = Math.floor(rng() * 4);
      if (variant === 0) o.timestamp = Date.parse(event.timestamp) || 0;
      else if (variant === 1) o.user_id = Number.parseInt(event.user_id.replace(/\D/g, ''), 10) || 0;
      else if (variant === 2) data.location = `${event.data.location.city ?? ''}, ${event.data.location.country}`;
      else data.session_id = [event.data.session_id];
      break;
    }
    case 'oversized':
      data.debug_blob = 'x'.repeat(MAX_EVENT_BYTES);
      break;
    case 'not_json': {
      const s = JSON.stringify(o);
      return Buffer.from(rng() < 0.5 ? s.slice(0, Math.floor(s.length / 2)) : `user_id=${event.user_id}&event=${event.event_type}`, 'utf8');
    }
  }
  return Buffer.from(JSON.stringify(o), 'utf8');
}

/** Picks `k` distinct indices from [0, n) with a partial Fisher-Yates shuffle. */
function sampleIndices(rng: Rng, n: number, k: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const pool: number[] = [];
  for (let i = 0; i < n; i++) if (!exclude.has(i)) pool.push(i);
  const take = Math.min(k, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, take);
}

function shareToCount(share: number | undefined, count: number, name: string): number {
  const s = share ?? 0;
  if (!(s >= 0 && s <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${share}`);
  return Math.round(s * count);
}

/**
 * Generates exactly `count` records: round(count * malformedShare) malformed (kinds in
 * equal shares), round(count * duplicateShare) duplicates of a valid record at most 20
 * positions earlier (so most fall in the same batch), the rest valid.
 */
export function generateEvents(opts: GeneratorOptions): GeneratedRecord[] {
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new RangeError(`count must be a non-negative integer, got ${opts.count}`);
  const malformed = shareToCount(opts.malformedShare, opts.count, 'malformedShare');
  const duplicates = shareToCount(opts.duplicateShare, opts.count, 'duplicateShare');
  if (malformed + duplicates > opts.count) throw new RangeError('malformedShare + duplicateShare must not exceed 1');
  const rng = createPrng(opts.seed);
  const sim = simulate(rng, opts, opts.count);

  const kinds: RecordKind[] = new Array<RecordKind>(opts.count).fill('valid');
  const malformedIdx = sampleIndices(rng, opts.count, malformed);
  malformedIdx.forEach((idx, j) => (kinds[idx] = MALFORMED_KINDS[j % MALFORMED_KINDS.length]!));
  // A duplicate needs an earlier valid record, so index 0 can never be one.
  const dupIdx = sampleIndices(rng, opts.count, duplicates, new Set([0, ...malformedIdx]));
  for (const i of dupIdx) kinds[i] = 'duplicate';

  const out: GeneratedRecord[] = [];
  for (let i = 0; i < opts.count; i++) {
    const kind = kinds[i]!;
    if (kind === 'duplicate') {
      let src = -1;
      for (let back = 1 + Math.floor(rng() * 20); back <= i && src < 0; back++) if (kinds[i - back] === 'valid') src = i - back;
      for (let j = i - 1; j >= 0 && src < 0; j--) if (kinds[j] === 'valid') src = j;
      if (src >= 0) {
        out.push({ ...out[src]!, kind: 'duplicate' });
        continue;
      }
      kinds[i] = 'valid'; // no valid record before it: cannot be a duplicate
    }
    const event = sim.events[i]!;
    const k = kinds[i]!;
    const data = k === 'valid' ? Buffer.from(JSON.stringify(event), 'utf8') : corrupt(rng, event, k as MalformedKind);
    const partitionKey = k === 'valid' ? event.user_id : partitionKeyFor(data, () => hex(rng, 8));
    out.push({ data, partitionKey, kind: k, event, sessionConverted: sim.converted[i]! });
  }
  return out;
}

/**
 * The producer's partition key for serialised bytes: `user_id` when the record is JSON
 * with a non-empty string user_id, else PARTITION_KEY_FALLBACK_PREFIX + a suffix from `fallback`.
 */
export function partitionKeyFor(data: Buffer, fallback: () => string): string {
  try {
    const o = JSON.parse(data.toString('utf8')) as { user_id?: unknown };
    if (typeof o?.user_id === 'string' && o.user_id.length > 0 && o.user_id.length <= 256) return o.user_id;
  } catch {
    // not JSON: fall through
  }
  return `${PARTITION_KEY_FALLBACK_PREFIX}${fallback()}`;
}

export interface LabelledEvent {
  readonly event: RawEvent;
  /** Label for the purchase-propensity model: did this event's session reach a purchase? */
  readonly converted: boolean;
}

/** Training mode: `count` valid events, each labelled with its session's outcome. */
export function generateLabelledDataset(opts: Omit<GeneratorOptions, 'malformedShare' | 'duplicateShare'>): LabelledEvent[] {
  const rng = createPrng(opts.seed);
  const sim = simulate(rng, opts, opts.count);
  return sim.events.map((event, i) => ({ event, converted: sim.converted[i]! }));
}
