/**
 * The scripts' command lines: each one, started the way package.json starts it (ts-node
 * --transpile-only for TypeScript, node for JavaScript), prints its usage and exits 0 on --help,
 * and rejects an unknown option or a bad value with exit 2 and one line naming it and what is
 * allowed. The shared parsing (scripts/lib/cli-args.js) is checked directly with generated input.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { integerOption, parseCommandLine, UsageError } from '../../scripts/lib/cli-args';

const ROOT = path.resolve(__dirname, '..', '..');
const TS_NODE = path.join(ROOT, 'node_modules', '.bin', 'ts-node');

interface Cli {
  readonly script: string;
  /** A value the script refuses, and the option the refusal names. */
  readonly badValue?: { readonly args: readonly string[]; readonly names: string };
}

const CLIS: readonly Cli[] = [
  { script: 'scripts/bench-processor.ts', badValue: { args: ['--records', '0'], names: '--records' } },
  { script: 'scripts/bench-aggregator.ts', badValue: { args: ['--iterations', '2.5'], names: '--iterations' } },
  { script: 'scripts/bench-inference.ts', badValue: { args: ['--rounds', 'many'], names: '--rounds' } },
  { script: 'scripts/bench-synth.js', badValue: { args: ['--runs', '21'], names: '--runs' } },
  { script: 'scripts/print-contract.ts', badValue: { args: ['--write=yes'], names: '--write' } },
  { script: 'scripts/ml-parity-fixture.ts', badValue: { args: ['extra'], names: '"extra"' } },
  { script: 'scripts/ml-python.ts' },
  { script: 'scripts/bundle-functions.js', badValue: { args: ['no-such-function'], names: '"no-such-function"' } },
];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(script: string, args: readonly string[]): Promise<Run> {
  const [cmd, pre] = script.endsWith('.ts') ? [TS_NODE, ['--transpile-only']] : [process.execPath, []];
  return new Promise((resolve) => {
    execFile(cmd, [...pre, script, ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env, CHECKPOINT_DISABLE: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** Runs the jobs a few at a time: ts-node start-up is CPU-bound and the machine is small. */
async function pooled<T>(jobs: readonly (() => Promise<T>)[], width = 3): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

const UNKNOWN = '--no-such-option';
type Case = { cli: Cli; kind: 'help' | 'unknown' | 'bad value'; result: Run };
let cases: Case[] = [];

beforeAll(async () => {
  const planned = CLIS.flatMap((cli) => [
    { cli, kind: 'help' as const, args: ['--help'] },
    { cli, kind: 'unknown' as const, args: [UNKNOWN] },
    ...(cli.badValue ? [{ cli, kind: 'bad value' as const, args: cli.badValue.args }] : []),
  ]);
  const results = await pooled(planned.map((p) => () => run(p.cli.script, p.args)));
  cases = planned.map((p, i) => ({ cli: p.cli, kind: p.kind, result: results[i]! }));
}, 240_000);

const resultOf = (cli: Cli, kind: Case['kind']): Run => cases.find((c) => c.cli === cli && c.kind === kind)!.result;
const oneLine = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');

describe.each(CLIS.map((cli) => [cli.script, cli] as const))('%s', (_name, cli) => {
  it('--help prints the usage, with its options, and exits 0', () => {
    const r = resultOf(cli, 'help');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: /);
    expect(r.stdout).toContain('-h, --help');
  });

  it('an unknown option exits 2 with one line naming it and the allowed options', () => {
    const r = resultOf(cli, 'unknown');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(`unknown option ${UNKNOWN}: allowed are `);
    expect(r.stderr).toContain('-h/--help');
  });

  if (cli.badValue) {
    it(`a bad value (${cli.badValue.args.join(' ')}) exits 2 with one line naming it`, () => {
      const r = resultOf(cli, 'bad value');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(oneLine(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain(cli.badValue!.names);
    });
  }
});

describe('scripts/lib/cli-args', () => {
  const options = { records: { type: 'string' }, json: { type: 'boolean' } } as const;
  const optionName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => !['records', 'json', 'help'].includes(n));

  it('rejects any option it was not given, naming it and every allowed option', () => {
    fc.assert(
      fc.property(optionName, (name) => {
        expect(() => parseCommandLine([`--${name}`], options)).toThrow(
          new UsageError(`unknown option --${name}: allowed are --records <value>, --json, -h/--help`),
        );
      }),
    );
  });

  it('reads the options it was given and -h/--help, and positionals only when allowed', () => {
    expect(parseCommandLine(['--records', '5', '--json'], options).values).toEqual({ records: '5', json: true });
    expect(parseCommandLine(['-h'], options).values).toEqual({ help: true });
    expect(parseCommandLine(['a', '--json', 'b'], options, { positionals: true }).positionals).toEqual(['a', 'b']);
    expect(() => parseCommandLine(['a'], options)).toThrow(UsageError);
    expect(() => parseCommandLine(['--records'], options)).toThrow(new UsageError('--records needs a value'));
    expect(() => parseCommandLine(['--json=1'], options)).toThrow(new UsageError('--json is a flag and takes no value'));
  });

  it('integerOption accepts exactly the integers in range and names the option otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -50, max: 150 }).map(String), fc.double().map(String), fc.string()), (value) => {
        const n = Number(value);
        const ok = value.trim() !== '' && Number.isSafeInteger(n) && n >= 1 && n <= 100;
        if (ok) expect(integerOption(value, 'runs', 3, 1, 100)).toBe(n);
        else expect(() => integerOption(value, 'runs', 3, 1, 100)).toThrow(`--runs must be an integer from 1 to 100, got "${value}"`);
      }),
    );
    expect(integerOption(undefined, 'runs', 3, 1, 100)).toBe(3);
  });
});
