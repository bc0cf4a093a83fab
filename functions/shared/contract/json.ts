/** Reading untrusted JSON values: object checks, short previews for error messages, key-order-free encoding. */

const VALUE_PREVIEW_CHARS = 80;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value JSON-encoded and cut to 80 characters, for a problem report ('(absent)' when undefined). */
export function previewValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > VALUE_PREVIEW_CHARS ? `${s.slice(0, VALUE_PREVIEW_CHARS - 1)}…` : s;
}

/** JSON with object keys sorted and undefined properties dropped, so equal values encode equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
