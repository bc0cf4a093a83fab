/**
 * Parsing of the S3 event notifications the loader's queue receives (pure). Anything unexpected
 * is reported field by field (field, value, what is allowed) instead of being loaded or dropped.
 */
import { PARTITION_KEYS, TABLES, previewValue } from '../shared/contract';
import { type LoadableTable, WAREHOUSE_TABLES } from './sql';

/** One lake object to load, as announced by S3. */
export interface LakeObject {
  readonly bucket: string;
  /** Decoded object key. */
  readonly key: string;
  readonly etag: string;
  readonly bytes: number;
  readonly table: LoadableTable;
}

export interface EventProblem {
  readonly field: string;
  readonly value: string;
  readonly allowed: string;
}

export type ParsedMessage =
  | { readonly kind: 'test-event' }
  | { readonly kind: 'objects'; readonly objects: LakeObject[] }
  | { readonly kind: 'invalid'; readonly problems: EventProblem[] };

const ETAG = /^[0-9a-f]{32}(-\d{1,5})?$/;
const MAX_KEY_BYTES = 1024;
// The stream processor writes `<table prefix>dt=YYYY-MM-DD/hour=HH/<file>.parquet` (partitionPrefix in the contract).
const FILE_NAME = '[^/\\u0000-\\u001f\\u007f]+\\.parquet';
const KEY_PATTERNS: readonly { table: LoadableTable; pattern: RegExp }[] = (Object.keys(WAREHOUSE_TABLES) as LoadableTable[]).map((table) => ({
  table,
  pattern: new RegExp(`^${escapeRegExp(TABLES[table].prefix)}${PARTITION_KEYS[0].name}=\\d{4}-\\d{2}-\\d{2}/${PARTITION_KEYS[1].name}=\\d{2}/${FILE_NAME}$`),
}));
const KEY_ALLOWED = `a Parquet object under ${KEY_PATTERNS.map((p) => `${TABLES[p.table].prefix}dt=YYYY-MM-DD/hour=HH/<name>.parquet`).join(' or ')}`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const PREVIEW_CHARS = 120;

function preview(value: unknown): string {
  return previewValue(value, PREVIEW_CHARS);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** S3 URL-encodes keys in notifications (space as '+'). */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** Which warehouse table a lake key belongs to, or undefined when it is not a loadable Parquet object. */
export function tableOfKey(key: string): LoadableTable | undefined {
  return KEY_PATTERNS.find((p) => p.pattern.test(key))?.table;
}

/**
 * Parses one SQS message body holding an S3 event notification. `expectedBucket` is the lake the
 * loader serves; objects of any other bucket are refused (a misrouted notification).
 */
export function parseS3Notification(body: string, expectedBucket: string): ParsedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'invalid', problems: [{ field: 'body', value: preview(body), allowed: 'JSON of an S3 event notification' }] };
  }
  if (isObject(parsed) && parsed.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (!isObject(parsed) || !Array.isArray(parsed.Records) || parsed.Records.length === 0) {
    return {
      kind: 'invalid',
      problems: [{ field: 'Records', value: preview(isObject(parsed) ? parsed.Records : parsed), allowed: 'a non-empty array of S3 event records' }],
    };
  }

  const problems: EventProblem[] = [];
  const objects: LakeObject[] = [];
  parsed.Records.forEach((record: unknown, i: number) => {
    const at = (field: string) => `Records[${i}].${field}`;
    const s3 = isObject(record) && isObject(record.s3) ? record.s3 : undefined;
    const bucket = s3 && isObject(s3.bucket) ? s3.bucket.name : undefined;
    const object = s3 && isObject(s3.object) ? s3.object : undefined;
    const eventName = isObject(record) ? record.eventName : undefined;
    const before = problems.length;

    if (typeof eventName !== 'string' || !eventName.startsWith('ObjectCreated:')) {
      problems.push({ field: at('eventName'), value: preview(eventName), allowed: 'an ObjectCreated:* event' });
    }
    if (bucket !== expectedBucket) problems.push({ field: at('s3.bucket.name'), value: preview(bucket), allowed: `the lake bucket ${expectedBucket}` });

    let key: string | undefined;
    const rawKey = object?.key;
    if (typeof rawKey !== 'string') {
      problems.push({ field: at('s3.object.key'), value: preview(rawKey), allowed: KEY_ALLOWED });
    } else {
      try {
        key = decodeS3Key(rawKey);
      } catch {
        problems.push({ field: at('s3.object.key'), value: preview(rawKey), allowed: 'a URL-encoded object key' });
      }
    }
    const table = key === undefined ? undefined : tableOfKey(key);
    if (key !== undefined && (table === undefined || Buffer.byteLength(key) > MAX_KEY_BYTES)) {
      problems.push({ field: at('s3.object.key'), value: preview(key), allowed: `${KEY_ALLOWED}, at most ${MAX_KEY_BYTES} bytes` });
    }

    const etag = typeof object?.eTag === 'string' ? object.eTag.replace(/"/g, '').toLowerCase() : undefined;
    if (etag === undefined || !ETAG.test(etag)) {
      problems.push({ field: at('s3.object.eTag'), value: preview(object?.eTag), allowed: '32 hex digits, optionally followed by -<part count>' });
    }
    const bytes = object?.size;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0) {
      problems.push({ field: at('s3.object.size'), value: preview(bytes), allowed: 'a positive integer byte count (COPY needs it in the manifest)' });
    }

    if (problems.length === before) objects.push({ bucket: bucket as string, key: key!, etag: etag!, bytes: bytes as number, table: table! });
  });
  return problems.length > 0 ? { kind: 'invalid', problems } : { kind: 'objects', objects };
}
