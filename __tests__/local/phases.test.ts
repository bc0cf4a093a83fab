import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseLocalArgs } from '../../local/cli';
import { generateTraffic, withProgress } from '../../local/phases/flow';
import { beginRun, type RunUi } from '../../local/phases/run-context';

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-phases-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

function quietRun(statuses: string[] = []) {
  const ui: RunUi = { status: (line) => statuses.push(line), note: () => undefined };
  const options = parseLocalArgs(['--events', '40', '--out', outDir]);
  if ('help' in options) throw new Error('unexpected --help');
  return beginRun(options, ui);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local run phases', () => {
  it('times each named phase in the order started, creating the log directory', async () => {
    const run = quietRun();
    run.timer.start('first');
    await sleep(20);
    run.timer.start('second');
    run.timer.end();
    run.timer.end();
    expect(run.timer.phases.map((p) => p.name)).toEqual(['first', 'second']);
    expect(run.timer.phases[0]!.seconds).toBeGreaterThanOrEqual(0.01);
    expect(fs.existsSync(path.join(outDir, 'logs'))).toBe(true);
  });

  it("generates the run's events with empty counters", () => {
    const traffic = generateTraffic(quietRun());
    expect(traffic.generated).toHaveLength(40);
    expect(traffic.rawBytes).toBe(traffic.generated.reduce((s, r) => s + r.data.byteLength, 0));
    expect([traffic.sent, traffic.processed, traffic.objectsLoaded, traffic.replayedInvocations]).toEqual([0, 0, 0, 0]);
  });

  it.each([
    ['resolves', () => sleep(600).then(() => 'done')],
    ['rejects', () => sleep(600).then(() => Promise.reject(new Error('stand-ins stopped')))],
  ])('shows progress while the flow runs and stops when it %s', async (_, work) => {
    const statuses: string[] = [];
    const run = quietRun(statuses);
    const traffic = generateTraffic(run);
    traffic.sent = 12;
    await withProgress(run, traffic, work).catch(() => undefined);
    const shown = statuses.length;
    expect(shown).toBeGreaterThan(0);
    expect(statuses[0]).toBe('sent 12/40 · processed 0 · warehouse loads 0');
    await sleep(600);
    expect(statuses).toHaveLength(shown);
  });
});
