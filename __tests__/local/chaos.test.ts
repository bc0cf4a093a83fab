/**
 * The README's test command runs a short chaos run: `npm run local -- --chaos 7` with 2,000
 * events, as a user runs it, and checks that faults of every kind were injected and every
 * invariant of the report still held (nothing lost, warehouse rows = curated records with no
 * duplicates, every malformed event quarantined with its reason, every prediction recorded).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAULT_KINDS } from '../../local/chaos/schedule';
import type { LocalReport } from '../../local/report/model';
import { alive, npmRunLocal } from './helpers/run-local';

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-chaos-run-'));
const EVENTS = 2000;
const PREDICTIONS = 200;
const SEED = 7;

describe(`npm run local -- --chaos ${SEED} (2,000 events)`, () => {
  let run: ReturnType<typeof npmRunLocal>;
  let report: LocalReport;

  beforeAll(() => {
    run = npmRunLocal(['--events', String(EVENTS), '--predictions', String(PREDICTIONS), '--chaos', String(SEED), '--out', outDir]);
    const file = path.join(outDir, 'report.json');
    if (!fs.existsSync(file)) throw new Error(`no report written (exit ${run.status}):\n${String(run.stdout)}\n${String(run.stderr)}`);
    report = JSON.parse(fs.readFileSync(file, 'utf8')) as LocalReport;
  }, 10 * 60_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('injects faults of every kind, on the schedule of its seed', () => {
    expect(report.chaos).toMatchObject({ seed: SEED, hangMode: 'hold' });
    const injected = Object.fromEntries(report.chaos!.faults.map((f) => [f.kind, f.injected]));
    expect(Object.keys(injected).sort()).toEqual(Object.keys(FAULT_KINDS).sort());
    for (const [kind, count] of Object.entries(injected)) expect([kind, count > 0]).toEqual([kind, true]);
    expect(String(run.stdout)).toMatch(/Faults injected \(chaos seed 7/);
    expect(fs.readFileSync(path.join(outDir, 'report.html'), 'utf8')).toContain('<h2>Faults injected</h2>');
  });

  it('exits 0 with every invariant holding', () => {
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(report.invariants).toHaveLength(6);
    expect(run.status).toBe(0);
  });

  it('loses nothing and duplicates nothing', () => {
    const r = report.records;
    expect(r.sent).toBe(EVENTS);
    expect(r.lost).toBe(0);
    expect(r.curated + r.quarantined + r.onFailureDestination).toBe(EVENTS);
    expect(r.duplicateLakeRows).toBe(0);
    expect(report.warehouse.events).toBe(r.curated);
    expect(report.warehouse.distinctEventIds).toBe(report.warehouse.events);
    expect(report.quality.malformedWithReason).toBe(report.quality.malformedSent);
    expect(report.predictions.answered).toBe(PREDICTIONS);
    expect(report.warehouse.predictions).toBe(PREDICTIONS);
  });

  it('made the event source mappings redeliver: crashed processor batches and stopped or failed loads', () => {
    expect(report.mapping.functionErrors).toBeGreaterThanOrEqual(report.chaos!.faults.find((f) => f.kind === 'processor-crash-mid-batch')!.injected);
    expect(report.mapping.bisections).toBeGreaterThan(0);
    expect(report.warehouse.loaderFailedMessages).toBeGreaterThan(0);
    const log = fs.readFileSync(path.join(outDir, 'logs', 'functions.log'), 'utf8');
    expect(log).toMatch(/injected crash after writing \d of the batch's objects/);
  });

  it('leaves no stand-in process behind', () => {
    for (const s of report.standins) if (s.pid !== undefined) expect(alive(s.pid)).toBe(false);
  });
});
