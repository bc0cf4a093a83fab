import * as path from 'node:path';
import { parseLocalArgs, USAGE, UsageError } from '../../local/cli';

describe('npm run local arguments', () => {
  it('defaults to the issue run: 50,000 events, 5 % malformed, 2 % predicted', () => {
    expect(parseLocalArgs([], '/repo')).toEqual({
      events: 50_000,
      malformedShare: 0.05,
      seed: 1,
      predictions: 1000,
      replayShare: 0.05,
      outDir: path.resolve('/repo', 'local-run'),
    });
  });

  it('reads every option', () => {
    expect(
      parseLocalArgs(['--events', '2000', '--malformed-share', '0.1', '--seed', '7', '--predictions', '300', '--replay-share', '0.3', '--out', 'x'], '/repo'),
    ).toEqual({
      events: 2000,
      malformedShare: 0.1,
      seed: 7,
      predictions: 300,
      replayShare: 0.3,
      outDir: path.resolve('/repo', 'x'),
    });
  });

  it('reads --chaos and --chaos-hang (hangs end in a reset unless held)', () => {
    expect(parseLocalArgs(['--chaos', '42'], '/r')).toMatchObject({ chaos: { seed: 42, hangMode: 'hold' } });
    expect(parseLocalArgs(['--chaos', '0', '--chaos-hang', 'hold'], '/r')).toMatchObject({ chaos: { seed: 0, hangMode: 'hold' } });
    expect(parseLocalArgs([], '/r')).not.toHaveProperty('chaos');
  });

  it('caps the default prediction sample at 2,000 and keeps at least one', () => {
    expect(parseLocalArgs(['--events', '1000000'], '/r')).toMatchObject({ predictions: 2000 });
    expect(parseLocalArgs(['--events', '10'], '/r')).toMatchObject({ predictions: 1 });
  });

  it('answers --help and -h', () => {
    expect(parseLocalArgs(['--help'])).toEqual({ help: true });
    expect(parseLocalArgs(['-h'])).toEqual({ help: true });
    expect(USAGE).toMatch(/--events <n>.*default 50000/);
  });

  it.each([
    [['--events', '0'], /--events must be an integer from 1 to 1000000, got "0"/],
    [['--events', '1.5'], /--events must be an integer/],
    [['--events', ''], /--events must be an integer/],
    [['--malformed-share', '2'], /--malformed-share must be a number from 0 to 1, got "2"/],
    [['--replay-share', '0.9'], /--replay-share must be a number from 0 to 0.5/],
    [['--seed=-1'], /--seed must be an integer from 0/],
    [['--out', ' '], /--out must name a directory/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /Unexpected argument 'extra'/],
    [['--chaos', 'x'], /--chaos must be an integer from 0 to 4294967295, got "x"/],
    [['--chaos=-1'], /--chaos must be an integer from 0/],
    [['--chaos', '1', '--chaos-hang', 'forever'], /--chaos-hang must be hold or reset, got "forever"/],
    [['--chaos-hang', 'hold'], /--chaos-hang needs --chaos <seed>/],
  ])('rejects %j with a message naming the option', (argv, message) => {
    expect(() => parseLocalArgs(argv)).toThrow(UsageError);
    expect(() => parseLocalArgs(argv)).toThrow(message);
  });
});
