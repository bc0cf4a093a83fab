/**
 * The README's test command runs the local data flow end to end: `npm run local` with 2,000
 * events, as a user runs it (its own stand-ins, the real handlers), then checks the report's
 * invariants. The first run on a fresh machine also installs moto (scripts/toolchain.sh --only
 * moto, about a minute).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { alive, npmRunLocal } from './helpers/run-local';
import type { LocalReport } from '../../local/report/model';

const root = path.resolve(__dirname, '..', '..');
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-local-run-'));
const EVENTS = 2000;

describe('npm run local (2,000 events)', () => {
  let run: ReturnType<typeof npmRunLocal>;
  let report: LocalReport;

  beforeAll(() => {
    run = npmRunLocal(['--events', String(EVENTS), '--predictions', '300', '--replay-share', '0.3', '--seed', '11', '--out', outDir]);
    const file = path.join(outDir, 'report.json');
    if (!fs.existsSync(file)) throw new Error(`no report written (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    report = JSON.parse(fs.readFileSync(file, 'utf8')) as LocalReport;
  }, 10 * 60_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('exits 0 with every invariant holding', () => {
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(report.invariants.map((i) => i.name)).toEqual([
      'nothing lost',
      'every malformed event quarantined with its reason',
      'warehouse rows = curated records, no duplicates',
      'replayed batches do not duplicate output',
      'both variants answered',
      'every prediction recorded in the lake and the warehouse',
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/PASS {2}nothing lost/);
  });

  it('loses nothing: every record sent is curated or quarantined', () => {
    const r = report.records;
    expect(r.sent).toBe(EVENTS);
    expect(r.readFromStream).toBe(EVENTS);
    expect(r.lost).toBe(0);
    expect(r.onFailureDestination).toBe(0);
    expect(r.curated + r.quarantined).toBe(EVENTS);
    expect(r.quarantined).toBe(Math.round(EVENTS * 0.05));
  });

  it('quarantines every malformed event with its reason, and no valid one', () => {
    const q = report.quality;
    expect(q.malformedSent).toBe(report.records.quarantined);
    expect(q.malformedQuarantined).toBe(q.malformedSent);
    expect(q.malformedWithReason).toBe(q.malformedSent);
    expect(q.validQuarantined).toBe(0);
    expect(Object.keys(q.byKind).sort()).toEqual(['bad_timestamp', 'missing_field', 'not_json', 'oversized', 'unknown_event_type', 'wrong_type']);
    expect(q.byKind.not_json).toEqual({ not_json: expect.any(Number) });
    expect(q.byKind.oversized).toEqual({ too_large: expect.any(Number) });
  });

  it('replays batches without duplicating lake or warehouse rows', () => {
    expect(report.records.replayedInvocations).toBeGreaterThan(0);
    expect(report.records.retried).toBeGreaterThanOrEqual(report.records.replayedRecords);
    expect(report.mapping.bisections).toBeGreaterThan(0);
    expect(report.records.duplicateLakeRows).toBe(0);
    expect(report.warehouse.events).toBe(report.records.curated);
    expect(report.warehouse.distinctEventIds).toBe(report.warehouse.events);
    expect(report.warehouse.loaderDeadLetters).toBe(0);
  });

  it('answers from both variants, in line with their weights, and records every prediction', () => {
    const [champion, challenger] = report.predictions.byVariant;
    expect(champion!.answered).toBeGreaterThan(0);
    expect(challenger!.answered).toBeGreaterThan(0);
    expect(champion!.answered).toBeGreaterThan(challenger!.answered);
    expect(report.predictions.answered).toBe(300);
    for (const v of report.predictions.byVariant) {
      expect(v.lakeRows).toBe(v.answered);
      expect(v.warehouseRows).toBe(v.answered);
    }
  });

  it('answers the lake queries with DuckDB and the warehouse queries through the Data API', () => {
    const hours = report.eventsPerHour.reduce((s, h) => s + h.events, 0);
    expect(hours).toBe(report.records.curated);
    expect(report.queries.some((q) => q.engine === 'warehouse (PGlite)' && q.rows.length > 0)).toBe(true);
  });

  it('writes a self-contained HTML report and the handler logs, and leaves no stand-in process behind', () => {
    const html = fs.readFileSync(path.join(outDir, 'report.html'), 'utf8');
    expect(html).toContain('every invariant holds');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(fs.statSync(path.join(outDir, 'logs', 'functions.log')).size).toBeGreaterThan(0);
    for (const s of report.standins) if (s.pid !== undefined) expect(alive(s.pid)).toBe(false);
  });

  it('refuses bad arguments with the usage and exit code 2, before starting anything', () => {
    const bad = npmRunLocal(['--events', 'many']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--events must be an integer from 1 to 1000000, got "many"/);
    expect(bad.stderr).toMatch(/Usage: npm run local/);
  });

  it('stops every stand-in on Ctrl-C (SIGINT) and exits 130', async () => {
    const child = spawn(process.execPath, [path.join(root, 'dist', 'local', 'run.js'), '--events', '50000', '--out', path.join(outDir, 'interrupted')], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once events flow, i.e. every stand-in is up.
    for (let i = 0; i < 600 && !/sent [1-9]/.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
      .split('\n')
      .map(Number)
      .filter((p) => p > 0);
    expect(children.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGINT received, stopping the stand-ins');
    for (const pid of children) expect(alive(pid)).toBe(false);
  }, 120_000);
});
