/**
 * The feature vector for the purchase-propensity model: computed from one validated
 * event, identically by the stream processor (stored in the curated `features` column,
 * which is what training reads) and by the inference function (sent to the endpoint).
 *
 * Layout (FEATURE_NAMES, 32 values, all finite):
 *  - event_type one-hot, in EVENT_TYPES order                       (7)
 *  - category one-hot over FEATURE_CATEGORIES, last slot 'other'    (9)  absent category = all zeros
 *  - device_class one-hot, in DEVICE_CLASSES order                  (4)
 *  - hour_sin, hour_cos: UTC hour of day on the unit circle         (2)  23h and 0h are neighbours
 *  - is_weekend: Saturday/Sunday in UTC                             (1)
 *  - region one-hot over REGIONS (country_code bucket)              (5)
 *  - page_depth: path segments of page_url, capped at 10, / 10      (1)
 *  - has_product: product_id present                                (1)
 *  - has_city: city present                                         (1)
 *  - funnel_stage: ordinal position of event_type in the funnel / 4 (1)
 *
 * Changing the layout invalidates the shipped model: retrain (ml/) in the same change.
 */
import { DEVICE_CLASSES, EVENT_TYPES, deviceClass, normaliseCountry, type EventType, type ValidEvent } from './contract';

export const FEATURE_CATEGORIES = ['electronics', 'clothing', 'home', 'books', 'beauty', 'sports', 'toys', 'grocery'] as const;

export const REGIONS = ['north_america', 'europe', 'asia_pacific', 'latin_america', 'other'] as const;
export type Region = (typeof REGIONS)[number];

const REGION_OF_COUNTRY: Readonly<Record<string, Region>> = {
  US: 'north_america',
  CA: 'north_america',
  GB: 'europe',
  DE: 'europe',
  FR: 'europe',
  ES: 'europe',
  IT: 'europe',
  NL: 'europe',
  SE: 'europe',
  PL: 'europe',
  IE: 'europe',
  JP: 'asia_pacific',
  IN: 'asia_pacific',
  AU: 'asia_pacific',
  SG: 'asia_pacific',
  KR: 'asia_pacific',
  CN: 'asia_pacific',
  NZ: 'asia_pacific',
  BR: 'latin_america',
  MX: 'latin_america',
  AR: 'latin_america',
  CL: 'latin_america',
  CO: 'latin_america',
};

export function regionOf(countryCode: string): Region {
  const code = normaliseCountry(countryCode);
  return Object.hasOwn(REGION_OF_COUNTRY, code) ? REGION_OF_COUNTRY[code]! : 'other';
}

/** Funnel position; remove_from_cart sits with product_view (interest, no intent yet). The catalog's sessions view uses it too. */
export const FUNNEL_STAGE: Readonly<Record<EventType, number>> = {
  page_view: 0,
  search: 0,
  product_view: 1,
  remove_from_cart: 1,
  add_to_cart: 2,
  checkout: 3,
  purchase: 4,
};

const MAX_PAGE_DEPTH = 10;

export const FEATURE_NAMES: readonly string[] = [
  ...EVENT_TYPES.map((t) => `event_type_${t}`),
  ...FEATURE_CATEGORIES.map((c) => `category_${c}`),
  'category_other',
  ...DEVICE_CLASSES.map((d) => `device_${d}`),
  'hour_sin',
  'hour_cos',
  'is_weekend',
  ...REGIONS.map((r) => `region_${r}`),
  'page_depth',
  'has_product',
  'has_city',
  'funnel_stage',
];

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Number of '/'-separated path segments of a URL or absolute path (query and fragment ignored). */
export function pageDepth(pageUrl: string): number {
  const withoutOrigin = pageUrl.replace(/^https?:\/\/[^/]*/, '');
  const path = withoutOrigin.split(/[?#]/, 1)[0] ?? '';
  let n = 0;
  for (const seg of path.split('/')) if (seg.length > 0) n++;
  return n;
}

type FeatureInput = Pick<ValidEvent, 'event_type' | 'category' | 'device_type' | 'country' | 'page_url' | 'product_id' | 'city' | 'event_time'>;

export function featureVector(e: FeatureInput): number[] {
  const v: number[] = [];
  for (const t of EVENT_TYPES) v.push(e.event_type === t ? 1 : 0);
  const category = e.category?.trim().toLowerCase() ?? null;
  const catIdx = category === null ? -2 : (FEATURE_CATEGORIES as readonly string[]).indexOf(category);
  for (let i = 0; i < FEATURE_CATEGORIES.length; i++) v.push(catIdx === i ? 1 : 0);
  v.push(catIdx === -1 ? 1 : 0);
  const dc = deviceClass(e.device_type);
  for (const d of DEVICE_CLASSES) v.push(dc === d ? 1 : 0);
  const t = new Date(e.event_time);
  const hourFraction = (t.getUTCHours() + t.getUTCMinutes() / 60) / 24;
  v.push(Math.sin(2 * Math.PI * hourFraction), Math.cos(2 * Math.PI * hourFraction));
  const dow = t.getUTCDay();
  v.push(dow === 0 || dow === 6 ? 1 : 0);
  const region = regionOf(e.country);
  for (const r of REGIONS) v.push(region === r ? 1 : 0);
  v.push(Math.min(pageDepth(e.page_url), MAX_PAGE_DEPTH) / MAX_PAGE_DEPTH);
  v.push(e.product_id ? 1 : 0);
  v.push(e.city ? 1 : 0);
  v.push(FUNNEL_STAGE[e.event_type] / 4);
  return v;
}

/**
 * Formats one number for the CSV row: at most 6 decimals, no exponent, no trailing zeros,
 * no negative zero. Six decimals keep the sin/cos features well inside float32 precision
 * that XGBoost uses, so rounding never changes a tree split compared to the full value.
 */
export function formatFeature(x: number): string {
  // One-hot slots are most of the vector: skip the decimal formatting for them.
  if (x === 0) return '0';
  if (x === 1) return '1';
  if (!Number.isFinite(x)) throw new RangeError(`feature value must be finite, got ${x}`);
  const r = Math.round(x * 1e6) / 1e6;
  if (r === 0) return '0';
  if (Math.abs(r) >= 1e21) throw new RangeError(`feature value out of range: ${x}`);
  // Below 1e9 a value with at most 6 decimals has at most 15 significant digits, so the
  // shortest round-trip form (String) is exactly those digits: no exponent (|r| >= 1e-6), no
  // trailing zeros, and 5x cheaper than toFixed plus trimming.
  if (Math.abs(r) < 1e9) return String(r);
  let s = r.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** The exact text/csv body line (no header, no label, no newline) the inference function sends to the XGBoost endpoint. */
export function toCsvRow(vector: readonly number[]): string {
  if (vector.length !== FEATURE_COUNT) throw new RangeError(`feature vector must have ${FEATURE_COUNT} values, got ${vector.length}`);
  return vector.map(formatFeature).join(',');
}
