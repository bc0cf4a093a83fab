/** The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched. */
import { recordCountRows, type LocalReport } from './model';
import { barChart, color, columnChart, escapeXml, groupedColumns } from './svg';

const n = (x: number) => (Number.isFinite(x) ? x.toLocaleString('en-US') : '–');
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const mib = (b: number) => `${(b / 1048576).toFixed(2)} MiB`;

function kv(rows: readonly (readonly [string, string])[]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>`;
}

const NUMERIC = /^[-+]?[\d,.]+( ?(ms|%|MiB))?$|^–$/;

function grid(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<div class="table"><table class="grid"><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i > 0 && NUMERIC.test(c) ? ' class="num"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

/** Query results wider than this many columns are shown transposed (one row per column), so they fit the page. */
export const MAX_RESULT_COLUMNS = 8;
/** Rows of a transposed result shown (each one a column of the table). */
const TRANSPOSED_ROWS = 4;

/** A query cell as text: fractions rounded to four significant digits, counts with thousands separators. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint') return value.toLocaleString('en-US');
  if (typeof value === 'number')
    return Number.isInteger(value)
      ? value.toLocaleString('en-US')
      : Math.abs(value) >= 1
        ? value.toLocaleString('en-US', { maximumFractionDigits: 2 })
        : String(Number(value.toPrecision(4)));
  const text = String(value);
  // The warehouse returns DECIMAL / NUMERIC values as strings.
  return /^-?\d+\.\d{5,}$/.test(text) ? cellText(Number(text)) : text;
}

function queryResult(q: LocalReport['queries'][number]): string {
  const cols = q.rows.length ? Object.keys(q.rows[0]!) : [];
  if (!cols.length) return '<p>(no rows)</p>';
  const transposed = cols.length > MAX_RESULT_COLUMNS;
  const shown = q.rows.slice(0, transposed ? TRANSPOSED_ROWS : 25);
  const table = transposed
    ? grid(
        ['column', ...shown.map((_, i) => `row ${i + 1}`)],
        cols.map((c) => [c, ...shown.map((row) => cellText(row[c]))]),
      )
    : grid(
        cols,
        shown.map((row) => cols.map((c) => cellText(row[c]))),
      );
  const more =
    q.rowCount > shown.length
      ? `${n(shown.length)} of ${n(q.rowCount)} rows shown${q.rowCount > q.rows.length ? ` (report.json keeps ${n(q.rows.length)})` : ''}`
      : '';
  const note = [transposed ? `${n(cols.length)} columns, shown one per row` : '', more].filter(Boolean).join('; ');
  return `${table}${note ? `<p class="note">${escapeXml(note)}</p>` : ''}`;
}

/** The y axis of the data-quality chart: from a round value below the lowest rate or the threshold, to 100 %. */
export function qualityAxisFloor(ratesPercent: readonly number[], thresholdPercent: number): number {
  const lowest = Math.min(thresholdPercent, ...ratesPercent);
  return Math.max(0, Math.floor((lowest - 1) / 5) * 5);
}

export function renderHtml(r: LocalReport): string {
  const rec = r.records;
  const allOk = r.invariants.every((i) => i.ok);
  const threshold = r.quality.alarmThreshold;
  const perBatch = r.quality.perBatch.map((b) => ({
    label: `shard ${Number(b.shard.replace('shardId-', ''))} #${b.batch}`,
    value: b.rate * 100,
    color: b.rate < threshold ? '#dc2626' : color(2),
  }));
  const sections = [
    `<section><h2>Records</h2>${kv([
      ...recordCountRows(rec, n),
      ['replayed invocations (injected lost responses)', `${n(rec.replayedInvocations)} (${n(rec.replayedRecords)} records)`],
      [
        'bytes raw → curated Parquet',
        `${mib(r.bytes.raw)} → ${mib(r.bytes.curatedParquet)} (${n(r.bytes.curatedObjects)} objects); quarantine ${mib(r.bytes.quarantineParquet)} (${n(r.bytes.quarantineObjects)} objects)`,
      ],
      ['warehouse rows', `${n(r.warehouse.events)} events (${n(r.warehouse.distinctEventIds)} distinct event ids), ${n(r.warehouse.predictions)} predictions`],
      [
        'stream processor',
        `${n(r.mapping.invocations)} invocations (batch size ${n(r.mapping.batchSize)}), ${n(r.mapping.partialFailures)} partial failures, ${n(r.mapping.functionErrors)} function errors, ${n(r.mapping.bisections)} bisections`,
      ],
      [
        'warehouse loader',
        `${n(r.warehouse.loaderInvocations)} invocations, ${n(r.warehouse.objectsLoaded)} objects loaded, ${n(r.warehouse.loaderFailedMessages)} messages retried, ${n(r.warehouse.loaderDeadLetters)} dead letters`,
      ],
    ])}</section>`,
    `<section><h2>Invariants</h2><ul class="inv">${r.invariants.map((i) => `<li class="${i.ok ? 'ok' : 'fail'}"><b>${i.ok ? 'PASS' : 'FAIL'}</b> ${escapeXml(i.name)}<br><span>${escapeXml(i.detail)}</span></li>`).join('')}</ul></section>`,
    ...(r.chaos
      ? [
          `<section><h2>Faults injected</h2><p>Chaos seed ${r.chaos.seed} (same seed, same schedule); S3 hangs: ${escapeXml(r.chaos.hangMode)}. Calls seen: ${escapeXml(
            Object.entries(r.chaos.calls)
              .map(([k, v]) => `${k} ${n(v)}`)
              .join(', '),
          )}.</p>${grid(
            ['kind', 'injected', 'what'],
            r.chaos.faults.map((f) => [f.kind, n(f.injected), f.description]),
          )}</section>`,
        ]
      : []),
    `<section><h2>Events per hour (event time, curated)</h2>${columnChart(
      r.eventsPerHour.map((e) => ({ label: e.hour.slice(5), value: e.events })),
      { title: 'Curated events per event-time hour', yLabel: 'events' },
    )}</section>`,
    `<section><h2>Data quality</h2><p>${pct(r.quality.rate)} of the records were curated; ${n(r.quality.malformedSent)} malformed records were sent and ${n(r.quality.malformedQuarantined)} quarantined, ${n(r.quality.malformedWithReason)} with a reason. Rate per delivered batch (red: below the data-quality alarm threshold, ${pct(threshold)}):</p>${columnChart(
      perBatch,
      {
        title: 'Data-quality rate per batch',
        yLabel: '% curated',
        unit: ' %',
        yMin: qualityAxisFloor(
          perBatch.map((b) => b.value),
          threshold * 100,
        ),
        yMax: 100,
        reference: { value: threshold * 100, label: `alarm threshold ${pct(threshold)}` },
      },
    )}${grid(
      ['generator corruption', 'quarantine error_kind → records'],
      Object.entries(r.quality.byKind).map(([kind, m]) => [
        kind,
        Object.entries(m)
          .map(([k, c]) => `${k}: ${n(c)}`)
          .join(', '),
      ]),
    )}</section>`,
    `<section><h2>Quarantine reasons</h2>${barChart(
      r.quarantineReasons.map((q) => ({ label: q.errorKind, value: q.records })),
      { title: 'Quarantined records by error kind' },
    )}${grid(
      ['error_kind', 'records', 'example reason'],
      r.quarantineReasons.map((q) => [q.errorKind, n(q.records), q.example.slice(0, 160)]),
    )}</section>`,
    `<section><h2>Predictions per variant</h2><p>${n(r.predictions.answered)} of ${n(r.predictions.requested)} requests answered, ${n(r.predictions.errors)} errors; ${n(r.predictions.bufferedAtEnd)} rows were still buffered in the function when the run ended (then drained).</p>${barChart(
      r.predictions.byVariant.map((v, i) => ({ label: `${v.variant} (${v.modelVersion}, weight ${v.weight})`, value: v.answered, color: color(i) })),
      { title: 'Predictions answered per production variant' },
    )}${grid(
      ['variant', 'weight', 'model', 'answered', 'lake rows', 'warehouse rows', 'mean score'],
      r.predictions.byVariant.map((v) => [
        v.variant,
        String(v.weight),
        v.modelVersion,
        n(v.answered),
        n(v.lakeRows),
        n(v.warehouseRows),
        v.meanScore === null ? '–' : v.meanScore.toFixed(4),
      ]),
    )}</section>`,
    `<section><h2>Latency percentiles</h2>${groupedColumns(
      r.latency.map((l) => ({ label: l.name, values: [l.p50, l.p95, l.p99] })),
      ['p50', 'p95', 'p99'],
      { title: 'Latency percentiles (ms)', unit: 'ms' },
    )}${grid(
      ['', 'count', 'p50', 'p95', 'p99', 'max'],
      r.latency.map((l) => [l.name, n(l.count), ...[l.p50, l.p95, l.p99, l.max].map((v) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : '–'))]),
    )}<p class="note">Measured on this machine against local stand-ins: a correctness run, not a load test of AWS.</p></section>`,
    `<section><h2>Queries</h2>${r.queries
      .map(
        (q) =>
          `<h3>${escapeXml(q.name)} <small>${escapeXml(q.engine)}</small></h3>${q.description ? `<p class="note">${escapeXml(q.description)}</p>` : ''}<pre>${escapeXml(q.sql.replace(/\s+/g, ' ').trim())}</pre>${queryResult(q)}`,
      )
      .join('')}</section>`,
    `<section><h2>Stand-ins and phases</h2>${grid(
      ['stand-in', 'replaces', 'start-up'],
      r.standins.map((s) => [s.name, s.replaces, `${n(s.startMs)} ms`]),
    )}${grid(
      ['phase', 'seconds'],
      r.phases.map((p) => [p.name, p.seconds.toFixed(2)]),
    )}</section>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Local run report: ${escapeXml(n(r.options.events))} events</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0;background:#f9fafb}
header{background:${allOk ? '#065f46' : '#991b1b'};color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
main{max-width:920px;margin:0 auto;padding:8px 20px 40px}section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:2px 0 10px}h3{font-size:14px;margin:16px 0 4px}h3 small{color:#6b7280;font-weight:normal}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #f3f4f6;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.table{overflow-x:auto;max-width:100%}
.kv th{width:38%;color:#374151;font-weight:600}.grid th{background:#f3f4f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.inv{list-style:none;padding:0;margin:0}.inv li{padding:6px 10px;margin:4px 0;border-radius:6px}.inv .ok{background:#ecfdf5}.inv .fail{background:#fef2f2}.inv span{color:#4b5563}
pre{background:#f3f4f6;padding:6px 8px;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}.note{color:#6b7280}
svg .tick{font-size:10px;fill:#4b5563}svg .label{font-size:12px;fill:#111827}svg .value{font-size:11px;fill:#374151}
</style></head><body>
<header><h1>Local run: ${allOk ? 'every invariant holds' : 'INVARIANT FAILED'}</h1><div>${escapeXml(n(r.options.events))} events, seed ${r.options.seed}, ${pct(r.options.malformedShare)} malformed,${r.chaos ? ` chaos seed ${r.chaos.seed},` : ''} ${escapeXml(r.startedAt)}, ${r.wallSeconds.toFixed(1)} s wall time</div></header>
<main>${sections.join('\n')}</main></body></html>
`;
}
