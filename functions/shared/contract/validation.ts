/**
 * Validation of raw events against the event fields: never throws, and reports every problem
 * (each with the field, the offending value and what is allowed), not just the first one.
 * Whatever bytes arrive, decoding ends in a result: size, UTF-8 and nesting depth are checked
 * before anything walks the parsed value.
 */
import { isUtf8 } from 'node:buffer';
import type { EventFieldSpec } from './columns';
import { deriveEventId } from './event-id';
import { EVENT_FIELDS, MAX_EVENT_BYTES, MAX_EVENT_DEPTH, MAX_FUTURE_SKEW_MS, MIN_EVENT_TIME_MS, type ValidEvent } from './event-fields';
import { ISO_TIMESTAMP_ALLOWED, parseIsoTimestamp } from './iso-timestamp';
import { firstInvalidUtf8, isPlainObject, jsonNestingDepth, nestsDeeperThan, previewValue } from './json';

/** Every problem code, in the order checks run; a quarantine row's error_kind is one of them. */
export const PROBLEM_CODES = [
  'not_json',
  'too_large',
  'too_deep',
  'not_object',
  'missing',
  'empty',
  'type',
  'format',
  'enum',
  'max_length',
  'range',
  'duplicate',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface Problem {
  /** Dotted path in the raw event ('(record)' for the whole record). */
  readonly field: string;
  readonly code: ProblemCode;
  /** The offending value, JSON-encoded and truncated to 80 characters ('(absent)' when missing). */
  readonly value: string;
  /** What would have been accepted. */
  readonly allowed: string;
}

export type ValidationResult<E = ValidEvent> = { ok: true; event: E } | { ok: false; problems: Problem[] };

export interface ValidateOptions {
  /** Processing time in epoch ms, for the future-skew check. @default Date.now() */
  readonly now?: number;
}

/** Validates one parsed event; see compileEventValidator. */
export type EventValidator<E = Record<string, unknown>> = (raw: unknown, options?: ValidateOptions) => ValidationResult<E>;

/** Timestamps longer than this are rejected before the parser sees them. */
const DEFAULT_TIMESTAMP_MAX_CHARS = 40;

/** A compiled per-field check: appends problems, returns the normalised value (or undefined). */
type FieldCheck = (event: Record<string, unknown>, problems: Problem[], now: number) => unknown;

function compileField(f: EventFieldSpec): { column: string; check: FieldCheck } {
  const fieldName = f.path.join('.');
  const parents = f.path.slice(0, -1);
  const leaf = f.path[f.path.length - 1]!;
  const typeAllowed = f.kind === 'timestamp' ? `a string: ${ISO_TIMESTAMP_ALLOWED}` : f.kind === 'enum' ? `one of ${f.allowed!.join(', ')}` : 'a string';

  const check: FieldCheck = (event, problems, now) => {
    let node: unknown = event;
    for (const p of parents) {
      node = (node as Record<string, unknown>)[p];
      // A missing or malformed parent object is reported once, by the container check.
      if (!isPlainObject(node)) return undefined;
    }
    const value = (node as Record<string, unknown>)[leaf];
    if (value === undefined || value === null) {
      if (f.required) problems.push({ field: fieldName, code: 'missing', value: previewValue(value), allowed: typeAllowed });
      return null;
    }
    if (typeof value !== 'string') {
      problems.push({ field: fieldName, code: 'type', value: previewValue(value), allowed: typeAllowed });
      return undefined;
    }
    if (value.length === 0) {
      problems.push({ field: fieldName, code: 'empty', value: '""', allowed: `a non-empty string${f.required ? '' : ' (or omit the field)'}` });
      return undefined;
    }
    switch (f.kind) {
      case 'enum':
        if (!f.allowed!.includes(value)) {
          problems.push({ field: fieldName, code: 'enum', value: previewValue(value), allowed: typeAllowed });
          return undefined;
        }
        return value;
      case 'timestamp': {
        const t = value.length <= (f.maxLength ?? DEFAULT_TIMESTAMP_MAX_CHARS) ? parseIsoTimestamp(value) : NaN;
        if (Number.isNaN(t)) {
          problems.push({ field: fieldName, code: 'format', value: previewValue(value), allowed: ISO_TIMESTAMP_ALLOWED });
          return undefined;
        }
        if (t < MIN_EVENT_TIME_MS || t > now + MAX_FUTURE_SKEW_MS) {
          problems.push({
            field: fieldName,
            code: 'range',
            value: previewValue(value),
            allowed: `between ${new Date(MIN_EVENT_TIME_MS).toISOString()} and 24 h after processing time (${new Date(now + MAX_FUTURE_SKEW_MS).toISOString()})`,
          });
          return undefined;
        }
        return t;
      }
      case 'string': {
        let ok = true;
        if (f.maxLength !== undefined && value.length > f.maxLength) {
          problems.push({
            field: fieldName,
            code: 'max_length',
            value: previewValue(value),
            allowed: `at most ${f.maxLength} characters (got ${value.length})`,
          });
          ok = false;
        }
        if (f.pattern && ok && !f.pattern.test(value)) {
          problems.push({ field: fieldName, code: 'format', value: previewValue(value), allowed: f.patternAllowed ?? String(f.pattern) });
          ok = false;
        }
        return ok ? value : undefined;
      }
    }
  };
  return { column: f.column, check };
}

/** Object-valued parents of nested fields ('data', 'data.location'), derived from the field paths. */
function containersOf(fields: readonly EventFieldSpec[]): { path: readonly string[]; name: string }[] {
  const seen = new Map<string, readonly string[]>();
  for (const f of fields) {
    for (let i = 1; i < f.path.length; i++) {
      const p = f.path.slice(0, i);
      seen.set(p.join('.'), p);
    }
  }
  return [...seen.entries()].map(([name, path]) => ({ name, path }));
}

/**
 * Builds the validator of an event made of `fields`: every field and every object that holds
 * fields is checked, and an absent event_id is derived from the payload.
 */
export function compileEventValidator(fields: readonly EventFieldSpec[]): EventValidator {
  const compiled = fields.map(compileField);
  const containers = containersOf(fields);
  return (raw, options = {}) => {
    const now = options.now ?? Date.now();
    if (!isPlainObject(raw)) {
      return { ok: false, problems: [{ field: '(record)', code: 'not_object', value: previewValue(raw), allowed: 'a JSON object' }] };
    }
    const problems: Problem[] = [];
    for (const c of containers) {
      let node: unknown = raw;
      let parentOk = true;
      for (let i = 0; i < c.path.length - 1; i++) {
        node = (node as Record<string, unknown>)[c.path[i]!];
        if (!isPlainObject(node)) {
          parentOk = false;
          break;
        }
      }
      if (!parentOk) continue; // reported at the outer container
      const v = (node as Record<string, unknown>)[c.path[c.path.length - 1]!];
      if (!isPlainObject(v)) {
        problems.push({
          field: c.name,
          code: v === undefined || v === null ? 'missing' : 'type',
          value: previewValue(v),
          allowed: `an object with ${fields
            .filter((f) => f.path.join('.').startsWith(`${c.name}.`))
            .map((f) => f.path.slice(c.path.length).join('.'))
            .join(', ')}`,
        });
      }
    }
    const out: Record<string, unknown> = {};
    for (const { column, check } of compiled) out[column] = check(raw, problems, now);
    if (problems.length > 0) return { ok: false, problems };
    if (out.event_id === null) {
      out.event_id = deriveEventId(raw);
      out.event_id_source = 'derived';
    } else {
      out.event_id_source = 'producer';
    }
    return { ok: true, event: out };
  };
}

const validateContractEvent = compileEventValidator(EVENT_FIELDS);

/** Validates a parsed event against EVENT_FIELDS (see compileEventValidator). */
export function validateEvent(raw: unknown, options: ValidateOptions = {}): ValidationResult {
  return validateContractEvent(raw, options) as ValidationResult;
}

export type DecodeResult = { ok: true; event: ValidEvent } | { ok: false; problems: Problem[]; parsed: unknown };

function recordProblem(code: ProblemCode, value: string, allowed: string, parsed?: unknown): DecodeResult {
  return { ok: false, parsed, problems: [{ field: '(record)', code, value, allowed }] };
}

function tooLarge(byteCount: number): DecodeResult {
  return recordProblem('too_large', `${byteCount} bytes`, `at most ${MAX_EVENT_BYTES} bytes`);
}

/** Size-checks, parses and validates one serialised record (the bytes a producer sent). */
export function decodeEvent(bytes: Buffer, options: ValidateOptions = {}): DecodeResult {
  if (bytes.length > MAX_EVENT_BYTES) return tooLarge(bytes.length);
  // Decoding would replace bad sequences with U+FFFD and curate text the producer never sent.
  if (!isUtf8(bytes)) {
    return recordProblem('not_json', previewValue(bytes.toString('utf8')), `UTF-8 JSON (byte ${firstInvalidUtf8(bytes)} is not valid UTF-8)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return recordProblem('not_json', previewValue(bytes.toString('utf8')), `UTF-8 JSON (${(e as Error).message})`);
  }
  if (nestsDeeperThan(bytes, MAX_EVENT_DEPTH)) {
    // The parsed value is returned for the caller's ids only; the field checks never see it.
    return recordProblem('too_deep', `nesting depth ${jsonNestingDepth(bytes)}`, `at most ${MAX_EVENT_DEPTH} levels of nested objects and arrays`, parsed);
  }
  const r = validateEvent(parsed, options);
  return r.ok ? r : { ok: false, problems: r.problems, parsed };
}

/**
 * decodeEvent for a base64 payload as Kinesis delivers it. A payload too large to be an event
 * is refused from its encoded length, so a 1 MiB record is never decoded, and the reason still
 * states its true size.
 */
export function decodeBase64Event(data: string, options: ValidateOptions = {}): DecodeResult {
  // base64 inflates by 4/3; anything longer than this cannot decode within the limit.
  if (data.length > Math.ceil(MAX_EVENT_BYTES / 3) * 4 + 4) return tooLarge(Buffer.byteLength(data, 'base64'));
  return decodeEvent(Buffer.from(data, 'base64'), options);
}

/** One line naming every problem: "field: code, got value; allowed: ...". */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.field}: ${p.code}, got ${p.value}; allowed: ${p.allowed}`).join(' | ');
}
