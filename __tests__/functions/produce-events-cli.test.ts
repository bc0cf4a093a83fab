import { Writable } from 'node:stream';
import { main, parseCli } from '../../scripts/produce-events';

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => chunks.join('') });
}

describe('produce-events CLI', () => {
  it('parses flags with defaults', () => {
    const o = parseCli(['--stream', 's', '--count', '10', '--malformed-share', '0.2'], Date.UTC(2024, 0, 1, 12));
    expect(o).toMatchObject({ stream: 's', count: 10, malformedShare: 0.2, duplicateShare: 0, seed: 1, spanHours: 1, concurrency: 4, dryRun: false });
    expect(o.start).toBe(Date.UTC(2024, 0, 1, 11));
  });

  it.each([
    [['--count', '0', '--stream', 's'], '--count must be an integer between 1 and 5000000, got "0"'],
    [['--count', '1.5', '--stream', 's'], '--count must be an integer'],
    [['--malformed-share', '2', '--stream', 's'], '--malformed-share must be a number between 0 and 1, got "2"'],
    [['--start', 'yesterday', '--stream', 's'], '--start must be an ISO-8601 date-time'],
    [['--count', '5'], '--stream is required'],
    [['--stream', 's', '--malformed-share', '0.7', '--duplicate-share', '0.7'], 'must not exceed 1'],
    [['--nope'], "Unknown option '--nope'"],
  ])('%j -> usage error naming the problem, exit code 2', async (argv, message) => {
    const err = sink();
    expect(await main(argv, sink(), err)).toBe(2);
    expect(err.text()).toContain(message);
    expect(err.text()).toContain('Usage: produce-events');
  });

  it('--help prints usage and exits 0', async () => {
    const out = sink();
    expect(await main(['--help'], out, sink())).toBe(0);
    expect(out.text()).toMatch(/^Usage: produce-events/);
  });

  it('--dry-run prints the same records for the same seed and start', async () => {
    const run = async () => {
      const out = sink();
      expect(await main(['--dry-run', '--count', '50', '--seed', '9', '--start', '2024-03-20T00:00:00Z', '--malformed-share', '0.1'], out, sink())).toBe(0);
      return out.text();
    };
    const a = await run();
    expect(a.trim().split('\n')).toHaveLength(50);
    expect(a.split('\n').filter((l) => l.includes('"kind":"valid"')).length).toBe(45);
    expect(await run()).toBe(a);
  });
});
