/** The report as terminal text. */
import { recordCountRows, type LocalReport } from './model';

const n = (x: number) => (Number.isFinite(x) ? x.toLocaleString('en-US') : '-');
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 0)} ms` : '-');
const mib = (b: number) => `${(b / 1048576).toFixed(2)} MiB`;

function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

export function renderText(r: LocalReport): string {
  const rec = r.records;
  const lines: string[] = [];
  lines.push(`Local run: ${n(r.options.events)} events (seed ${r.options.seed}, ${pct(r.options.malformedShare)} malformed) in ${r.wallSeconds.toFixed(1)} s`);
  lines.push('');
  lines.push('Records');
  lines.push(table([...recordCountRows(rec, n), ['replayed invocations', `${n(rec.replayedInvocations)} (${n(rec.replayedRecords)} records)`]]));
  lines.push('');
  lines.push(
    `Stream processor: ${n(r.mapping.invocations)} invocations of up to ${n(r.mapping.batchSize)} records, ${n(r.mapping.partialFailures)} partial failures, ${n(r.mapping.functionErrors)} function errors, ${n(r.mapping.bisections)} bisections`,
  );
  lines.push(
    `Bytes: raw ${mib(r.bytes.raw)} -> curated Parquet ${mib(r.bytes.curatedParquet)} in ${n(r.bytes.curatedObjects)} objects (${((r.bytes.curatedParquet / Math.max(1, r.bytes.raw)) * 100).toFixed(1)} % of raw), quarantine ${mib(r.bytes.quarantineParquet)} in ${n(r.bytes.quarantineObjects)} objects`,
  );
  lines.push(
    `Data quality: ${pct(r.quality.rate)} curated; malformed ${n(r.quality.malformedSent)} sent, ${n(r.quality.malformedQuarantined)} quarantined (${n(r.quality.malformedWithReason)} with a reason)`,
  );
  lines.push('');
  lines.push('Quarantine reasons');
  lines.push(table([['error_kind', 'records'], ...r.quarantineReasons.map((q) => [q.errorKind, n(q.records)])]));
  lines.push('');
  lines.push(
    `Flow: stream drained after ${r.milestones.streamDrainedSeconds.toFixed(1)} s, warehouse loaded after ${r.milestones.warehouseLoadedSeconds.toFixed(1)} s (SQL stand-in busy ${r.warehouse.sqlSeconds.toFixed(1)} s, COPY ${r.warehouse.copySeconds.toFixed(1)} s)`,
  );
  lines.push(
    `Warehouse: ${n(r.warehouse.events)} event rows (${n(r.warehouse.distinctEventIds)} distinct event ids), ${n(r.warehouse.predictions)} prediction rows, ${n(r.warehouse.objectsLoaded)} objects loaded by ${n(r.warehouse.loaderInvocations)} loader invocations; ${n(r.warehouse.loaderDeadLetters)} dead letters`,
  );
  lines.push('');
  lines.push(
    `Predictions: ${n(r.predictions.answered)} of ${n(r.predictions.requested)} answered (${n(r.predictions.clientRetries)} client retries), ${n(r.predictions.errors)} errors, ${n(r.predictions.bufferedAtEnd)} still buffered at the end (then drained)`,
  );
  lines.push(
    table([
      ['variant', 'weight', 'model', 'answered', 'lake', 'warehouse', 'mean score'],
      ...r.predictions.byVariant.map((v) => [
        v.variant,
        String(v.weight),
        v.modelVersion,
        n(v.answered),
        n(v.lakeRows),
        n(v.warehouseRows),
        v.meanScore === null ? '-' : v.meanScore.toFixed(4),
      ]),
    ]),
  );
  lines.push('');
  lines.push('Latency');
  lines.push(table([['', 'count', 'p50', 'p95', 'p99', 'max'], ...r.latency.map((l) => [l.name, n(l.count), ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max)])]));
  lines.push('');
  if (r.chaos) {
    const c = r.chaos;
    lines.push(
      `Faults injected (chaos seed ${c.seed}, S3 hangs: ${c.hangMode}; calls seen: ${Object.entries(c.calls)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')})`,
    );
    const width = Math.max(...c.faults.map((f) => f.kind.length));
    for (const f of c.faults) lines.push(`  ${f.kind.padEnd(width)}  ${n(f.injected).padStart(5)}  ${f.description}`);
    lines.push('');
  }
  lines.push('Invariants');
  for (const i of r.invariants) lines.push(`  ${i.ok ? 'PASS' : 'FAIL'}  ${i.name}: ${i.detail}`);
  lines.push('');
  lines.push(`Phases: ${r.phases.map((p) => `${p.name} ${p.seconds.toFixed(1)} s`).join(', ')}`);
  return lines.join('\n');
}
