/**
 * Reading untrusted JSON values: object checks, short previews for error messages, key-order-free
 * encoding and the nesting depth of a serialised value. Nothing here recurses: a record of a few
 * kilobytes can nest thousands of levels deep, which overflows the stack of any recursive walk
 * (JSON.stringify and Array.prototype.join included).
 */

const VALUE_PREVIEW_CHARS = 80;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Punctuation queued between the values of an iterative walk. */
class Token {
  constructor(readonly text: string) {}
}
const CLOSE_ARRAY = new Token(']');
const CLOSE_OBJECT = new Token('}');
const COMMA = new Token(',');

/** JSON of a value that is neither an array nor a plain object (what JSON.stringify gives, or 'null'). */
function scalarJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return String(v); // a BigInt
  }
}

/**
 * Walks `v` depth-first with an explicit stack, handing each piece of its JSON text to `emit`
 * until `emit` returns false. `sortKeys` orders object keys (canonical form); properties whose
 * value is undefined are dropped and undefined array items become null, as JSON.stringify does.
 * `cut` bounds how much of a long string is encoded when only a prefix is wanted.
 */
function walkJson(v: unknown, sortKeys: boolean, emit: (text: string) => boolean, cut = Infinity): void {
  const todo: unknown[] = [v];
  while (todo.length > 0) {
    let x = todo.pop();
    if (x instanceof Token) {
      if (!emit(x.text)) return;
      continue;
    }
    if (!sortKeys && typeof (x as { toJSON?: unknown } | null)?.toJSON === 'function') x = (x as { toJSON(): unknown }).toJSON();
    if (Array.isArray(x)) {
      if (!emit('[')) return;
      todo.push(CLOSE_ARRAY);
      for (let i = x.length - 1; i >= 0; i--) {
        todo.push(x[i] === undefined ? null : x[i]);
        if (i > 0) todo.push(COMMA);
      }
    } else if (isPlainObject(x)) {
      if (!emit('{')) return;
      todo.push(CLOSE_OBJECT);
      const keys = Object.keys(x).filter((k) => x[k] !== undefined);
      if (sortKeys) keys.sort();
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push(x[keys[i]!]);
        todo.push(new Token(`${JSON.stringify(keys[i])}:`));
        if (i > 0) todo.push(COMMA);
      }
    } else if (typeof x === 'string' && x.length > cut) {
      if (!emit(JSON.stringify(x.slice(0, cut)))) return;
    } else if (!emit(scalarJson(x))) return;
  }
}

/** The value JSON-encoded and cut to `maxChars` characters, for a problem report ('(absent)' when undefined). */
export function previewValue(value: unknown, maxChars = VALUE_PREVIEW_CHARS): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  let s = '';
  // One character past the limit is enough to know the text must be cut.
  walkJson(value, false, (text) => (s += text).length <= maxChars, maxChars + 1);
  return s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s;
}

/** JSON with object keys sorted and undefined properties dropped, so equal values encode equally. */
export function canonicalJson(v: unknown): string {
  const parts: string[] = [];
  walkJson(v, true, (text) => parts.push(text) > 0);
  return parts.join('');
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The deepest nesting of arrays and objects in serialised JSON (0 for a scalar, 1 for `{}`),
 * read from the bytes in one pass. Exact for valid JSON; brackets inside strings do not count.
 * UTF-8 continuation bytes never equal these ASCII bytes, so no decoding is needed.
 */
export function jsonNestingDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACKET || b === OPEN_BRACE) max = Math.max(max, ++depth);
    else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) depth--;
  }
  return max;
}

/**
 * Whether serialised JSON nests deeper than `max`. A text with at most `max` opening brackets
 * and braces in all cannot, and counting them with the native indexOf settles nearly every
 * record without the byte-by-byte scan.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let openers = 0;
  for (const opener of [OPEN_BRACKET, OPEN_BRACE]) {
    for (let i = bytes.indexOf(opener); i >= 0 && openers <= max; i = bytes.indexOf(opener, i + 1)) openers++;
  }
  return openers > max && jsonNestingDepth(bytes) > max;
}

/**
 * Offset of the first byte that is not part of a well-formed UTF-8 sequence (overlong forms,
 * surrogates and code points past U+10FFFF included), or -1 when all of them are.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}
