/**
 * How `npm run query` prints a result (table, CSV or JSON) and its cost line. Values arrive as
 * Athena gives them (text, typed by the column's Athena type) or as DuckDB gives them (numbers,
 * booleans, text); both print the same.
 */
import { ATHENA_PRICING, billedBytes, formatBytes, queryCostUsd } from '../functions/shared/athena-runner';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface PrintableResult {
  readonly columns: readonly { readonly name: string; readonly type?: string }[];
  readonly rows: readonly (readonly unknown[])[];
}

const NUMERIC = /^(tinyint|smallint|integer|int|bigint|double|float|real|decimal.*)$/i;

/** A cell as JSON: numbers and booleans typed by the column's Athena type, text as text, NULL as null. */
function jsonValue(value: unknown, type: string | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || type === undefined) return value;
  if (NUMERIC.test(type) && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (/^boolean$/i.test(type) && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function csvCell(value: unknown): string {
  const s = text(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The result as text in `format`, ending with a newline. */
export function formatResult(result: PrintableResult, format: OutputFormat): string {
  const { columns, rows } = result;
  if (format === 'json') {
    const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, jsonValue(r[i], c.type)])));
    return `${JSON.stringify(objects, null, 2)}\n`;
  }
  if (format === 'csv')
    return [columns.map((c) => csvCell(c.name)).join(','), ...rows.map((r) => columns.map((_, i) => csvCell(r[i])).join(','))].map((l) => `${l}\r\n`).join('');
  const cells = rows.map((r) => columns.map((_, i) => (r[i] === null || r[i] === undefined ? 'NULL' : text(r[i]).replace(/\s+/g, ' '))));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...cells.map((r) => r[i]!.length)));
  // Athena names each column's type; DuckDB's values carry theirs.
  const numeric = columns.map((c, i) =>
    c.type !== undefined
      ? NUMERIC.test(c.type)
      : rows.some((r) => typeof r[i] === 'number') && rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number'),
  );
  const line = (values: readonly string[], header: boolean) =>
    values
      .map((v, i) => (numeric[i] && !header ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  return `${[
    line(
      columns.map((c) => c.name),
      true,
    ),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map((r) => line(r, false)),
  ].join('\n')}\n`;
}

/** "3 rows; scanned 12.0 MB (billed 12.0 MB): $0.000057 at $5 per TB" (Athena's list price). */
export function costLine(rowCount: number, truncated: boolean, bytesScanned: number, engineMs: number): string {
  const rowsText = `${rowCount} row${rowCount === 1 ? '' : 's'}${truncated ? ' (more not read: raise --max-rows)' : ''}`;
  const cost = queryCostUsd(bytesScanned);
  return `${rowsText}; scanned ${formatBytes(bytesScanned)} (billed ${formatBytes(billedBytes(bytesScanned))}) in ${(engineMs / 1000).toFixed(1)} s: $${cost.toFixed(6)} at $${ATHENA_PRICING.usdPerTerabyte} per TB`;
}
