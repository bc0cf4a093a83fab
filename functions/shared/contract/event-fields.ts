/**
 * The raw clickstream event: its fields, the values it may hold and the limits the validator
 * enforces. `ValidEvent` is what a record becomes once validation.ts accepts it.
 *
 * Raw format (the documented sample event, plus an optional `event_id`):
 * { "timestamp": "2024-03-20T10:00:00Z", "user_id": "user123", "event_type": "page_view",
 *   "data": { "page_url": "...", "product_id": "prod456", "category": "electronics",
 *             "session_id": "sess789", "device_type": "mobile",
 *             "location": { "country": "US", "city": "San Francisco" } } }
 */
import type { DERIVED_ID_COLUMN, EventFieldSpec } from './columns';

export const EVENT_TYPES = ['page_view', 'search', 'product_view', 'add_to_cart', 'remove_from_cart', 'checkout', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Kinesis partition key producers must use: keeps a user's events ordered on one shard. */
export const PRODUCER_PARTITION_KEY_FIELD = 'user_id';

/**
 * Upper bound for one serialised event. Kinesis allows 1 MiB, but a legitimate event is
 * well under 4 KiB; anything this large is a producer bug, and quarantining it keeps
 * one record from inflating a Parquet page or the warehouse load.
 */
export const MAX_EVENT_BYTES = 32 * 1024;

/**
 * Deepest nesting of objects and arrays a record may have (the event object itself is level 1;
 * the documented event reaches 3 with data.location). Generous for producer extensions, and it
 * bounds every walk over a parsed record: a few kilobytes of brackets would otherwise nest
 * thousands of levels deep.
 */
export const MAX_EVENT_DEPTH = 32;

/** Events further in the future than this (relative to processing time) are rejected. */
export const MAX_FUTURE_SKEW_MS = 24 * 3600 * 1000;
/** Events before this instant are rejected (a zero / epoch timestamp is a producer bug). */
export const MIN_EVENT_TIME_MS = Date.UTC(2000, 0, 1);

const ID_PATTERN = /^[A-Za-z0-9._:@-]+$/;
const ID_ALLOWED = 'letters, digits and . _ : @ -';
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]+$/;
const NO_CONTROL_ALLOWED = 'text without control characters';

/**
 * The raw event's fields. `column` is the curated column name; `path` the location in
 * the raw JSON. Unknown extra properties are ignored (producers may add fields before
 * the contract does), but they count towards MAX_EVENT_BYTES.
 */
export const EVENT_FIELDS = [
  {
    column: 'event_id',
    path: ['event_id'],
    kind: 'string',
    required: false,
    maxLength: 64,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description:
      'Producer-supplied unique id; when absent, the first 32 hex digits of sha256 over the canonical JSON of the event, so a re-sent payload gets the same id',
  },
  {
    column: 'event_time',
    path: ['timestamp'],
    kind: 'timestamp',
    required: true,
    maxLength: 40,
    description: 'When the event happened: ISO-8601 with a zone (Z or ±hh:mm), stored in UTC',
  },
  {
    column: 'user_id',
    path: ['user_id'],
    kind: 'string',
    required: true,
    maxLength: 128,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description: 'Pseudonymous user id; also the Kinesis partition key',
  },
  {
    column: 'event_type',
    path: ['event_type'],
    kind: 'enum',
    required: true,
    allowed: EVENT_TYPES,
    description: 'Interaction type, one step of the shopping funnel',
  },
  {
    column: 'page_url',
    path: ['data', 'page_url'],
    kind: 'string',
    required: true,
    maxLength: 2048,
    pattern: /^(https?:\/\/[^\s/]+)?\/?[^\s]*$/,
    patternAllowed: 'an http(s) URL or an absolute path, without whitespace',
    description: 'Page the event happened on',
  },
  {
    column: 'product_id',
    path: ['data', 'product_id'],
    kind: 'string',
    required: false,
    maxLength: 128,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description: 'Product concerned, when the page shows one',
  },
  {
    column: 'category',
    path: ['data', 'category'],
    kind: 'string',
    required: false,
    maxLength: 64,
    pattern: NO_CONTROL_CHARS,
    patternAllowed: NO_CONTROL_ALLOWED,
    description: 'Product category (free text; the feature module buckets it)',
  },
  {
    column: 'session_id',
    path: ['data', 'session_id'],
    kind: 'string',
    required: true,
    maxLength: 128,
    pattern: ID_PATTERN,
    patternAllowed: ID_ALLOWED,
    description: 'Browsing session id',
  },
  {
    column: 'device_type',
    path: ['data', 'device_type'],
    kind: 'string',
    required: true,
    maxLength: 32,
    pattern: NO_CONTROL_CHARS,
    patternAllowed: NO_CONTROL_ALLOWED,
    description: 'Device as reported by the client (normalised into device_class)',
  },
  {
    column: 'country',
    path: ['data', 'location', 'country'],
    kind: 'string',
    required: true,
    maxLength: 2,
    pattern: /^[A-Za-z]{2}$/,
    patternAllowed: 'an ISO 3166-1 alpha-2 code such as US (any case)',
    description: 'Country as reported (normalised into country_code)',
  },
  {
    column: 'city',
    path: ['data', 'location', 'city'],
    kind: 'string',
    required: false,
    maxLength: 128,
    pattern: NO_CONTROL_CHARS,
    patternAllowed: NO_CONTROL_ALLOWED,
    description: 'City as reported',
  },
] as const satisfies readonly EventFieldSpec[];

type FieldValue<F extends EventFieldSpec> = F['kind'] extends 'timestamp' ? number : F['kind'] extends 'enum' ? EventType : string;

/** A validated event: one property per EVENT_FIELDS row; event_time as epoch milliseconds (UTC). */
export type ValidEvent = {
  -readonly [F in (typeof EVENT_FIELDS)[number] as F['column']]: F['required'] extends true
    ? FieldValue<F>
    : F['column'] extends typeof DERIVED_ID_COLUMN
      ? string
      : FieldValue<F> | null;
} & { event_id_source: 'producer' | 'derived' };
