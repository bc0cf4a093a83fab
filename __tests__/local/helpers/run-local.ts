/** Runs `npm run local` as a user does, and tells whether a process it started is still alive. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

export function npmRunLocal(args: readonly string[]) {
  return spawnSync('npm', ['run', '--silent', 'local', '--', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
    timeout: 9 * 60_000,
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
