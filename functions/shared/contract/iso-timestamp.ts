/**
 * The platform's ISO-8601 reader for event times. Stricter than Date.parse: a zone is required
 * (a zone-less time would be read in the reader's local zone) and every component must be in
 * range (Date.parse rolls 2024-02-30 over into March).
 */

/** The shape parseIsoTimestamp reads (component ranges are checked after it). */
export const ISO_TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](\d{2}):(\d{2}))$/;

/** What parseIsoTimestamp accepts, for error messages. */
export const ISO_TIMESTAMP_ALLOWED = 'ISO-8601 date-time with zone, e.g. 2024-03-20T10:00:00Z';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Parses an ISO-8601 timestamp with an explicit zone; NaN unless every component is in range. */
export function parseIsoTimestamp(s: string): number {
  const m = ISO_TIMESTAMP_PATTERN.exec(s);
  if (!m) return NaN;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return NaN;
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return NaN;
    offsetMin = (oh * 60 + om) * (m[8]!.startsWith('-') ? -1 : 1);
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
}
