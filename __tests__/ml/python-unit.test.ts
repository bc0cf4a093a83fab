/** Runs the Python unit tests of the training code (ml/test_*.py) in the pinned environment. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mlPython, REPO_ROOT } from '../../scripts/ml-python';

test('ml/test_*.py pass with the pinned xgboost environment', () => {
  const run = spawnSync(mlPython(), ['-m', 'unittest', 'discover', '-s', join(REPO_ROOT, 'ml'), '-p', 'test_*.py', '-v'], { encoding: 'utf8', cwd: join(REPO_ROOT, 'ml') });
  expect(run.error).toBeUndefined();
  // unittest reports on stderr; keep it in the failure message.
  expect({ status: run.status, output: run.status === 0 ? 'ok' : run.stderr }).toEqual({ status: 0, output: 'ok' });
  expect(run.stderr).toMatch(/Ran [1-9]\d* tests?/);
});
