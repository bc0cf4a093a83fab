import { spawnSync } from 'child_process';
import * as fc from 'fast-check';
import * as path from 'path';
import { ConfigValidationError, environmentNameProblem, formatProblem, validateConfig } from '../../stacks/config/validate';

const COMMON = path.join(__dirname, '..', '..', 'scripts', 'lib', 'common.sh');

/** What scripts/lib/common.sh's daml_check_names says about these names: [exit status, message]. */
function shellVerdict(env: Record<string, string>): [number, string] {
  const run = spawnSync('bash', ['-c', `source "$1"; daml_check_names 2`, 'check', COMMON], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DAML_SCRIPT_NAME: 'check', ...env },
    encoding: 'utf8',
    // Standard input not a socket: bash would take itself for a remote shell and read ~/.bashrc.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return [run.status ?? -1, run.stderr.trim()];
}

function projectNameLine(projectName: string): string | undefined {
  try {
    validateConfig({ env: { PROJECT_NAME: projectName }, file: {} });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    const problem = error.problems.find((p) => p.field === 'PROJECT_NAME');
    return problem && formatProblem(problem);
  }
  return undefined;
}

// Strings near the rule's edges: hyphens, digits, dots, slashes, capitals, spaces.
const nameLike = fc.oneof(
  fc.array(fc.constantFrom('a', 'z', '0', '9', '-', '.', '/', 'A', ' ', '_', 'é'), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\0')),
);

describe('the scripts check ENVIRONMENT and PROJECT_NAME exactly as the synth does', () => {
  test('ENVIRONMENT: same verdict, same one-line message', () => {
    fc.assert(
      fc.property(nameLike, (environment) => {
        const problem = environmentNameProblem(environment);
        const [status, message] = shellVerdict({ ENVIRONMENT: environment });
        if (problem) {
          expect(status).toBe(2);
          expect(message).toBe(`check: ${formatProblem(problem)}`);
        } else {
          expect([status, message]).toEqual([0, '']);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('PROJECT_NAME: same verdict, same one-line message', () => {
    fc.assert(
      fc.property(nameLike, (projectName) => {
        const line = projectNameLine(projectName);
        const [status, message] = shellVerdict({ PROJECT_NAME: projectName });
        if (line) {
          expect(status).toBe(2);
          expect(message).toBe(`check: ${line}`);
        } else {
          expect([status, message]).toEqual([0, '']);
        }
      }),
      { numRuns: 60 },
    );
  });
});
