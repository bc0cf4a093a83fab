/**
 * Kinesis, S3 and SQS stand-in: moto in server mode (one Python process, one port, all three
 * protocols), from the venv that scripts/toolchain.sh pins and installs (`--only moto`, no Go
 * build). Bound to 127.0.0.1 on a port the OS picks.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { StandinSet, Stoppable } from './lifecycle';

const execFileAsync = promisify(execFile);

export interface MotoServer extends Stoppable {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly pid: number;
}

export interface StartMotoOptions {
  readonly repoRoot: string;
  /** moto's request log goes here (it logs one line per request). */
  readonly logFile: string;
  /** Called with a short line while the first-run install takes place. */
  readonly onStatus?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

/** Parses `export NAME=value` lines as printed by `toolchain.sh --print-env` (bash %q quoting of plain paths). */
export function parseExportLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2]!;
    if (value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
    else value = value.replace(/\\(.)/g, '$1');
    out[m[1]!] = value;
  }
  return out;
}

/** Installs (first run) or reuses the pinned moto venv; returns its python interpreter. */
export async function ensureMoto(repoRoot: string, onStatus?: (line: string) => void): Promise<string> {
  const script = path.join(repoRoot, 'scripts', 'toolchain.sh');
  if (!fs.existsSync(script)) throw new Error(`${script} not found: the moto stand-in is installed by it`);
  const timer = setTimeout(
    () => onStatus?.('waiting for scripts/toolchain.sh --only moto (the first run installs moto into the toolchain cache: about a minute)'),
    2000,
  );
  try {
    const { stdout } = await execFileAsync('bash', [script, '--only', 'moto', '--print-env'], { cwd: repoRoot, maxBuffer: 1 << 20 });
    const motoServer = parseExportLines(stdout).DAML_MOTO_SERVER;
    if (!motoServer) throw new Error('scripts/toolchain.sh --print-env did not print DAML_MOTO_SERVER');
    const python = path.join(path.dirname(motoServer), 'python');
    if (!fs.existsSync(python)) throw new Error(`moto venv interpreter ${python} not found after scripts/toolchain.sh --only moto`);
    return python;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(
      `installing the moto stand-in failed (scripts/toolchain.sh --only moto): ${e.message}${e.stderr ? `\n${e.stderr.trim().split('\n').slice(-15).join('\n')}` : ''}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The child watches its stdin: when this Node process goes away for any reason (even SIGKILL),
 * the pipe closes and moto exits, so no orphan survives a crashed run.
 *
 * Two fixes to moto's Kinesis shard, so it behaves like the service under a real producer:
 * moto numbers a shard's records without a lock (two concurrent PutRecords calls can hand out
 * the same sequence number, and one record silently replaces the other: the local run's
 * "nothing lost" check caught it), and finds the last sequence number by copying every key
 * (O(n) per record, quadratic over a run). Puts and reads of a shard are serialised by one lock,
 * and the last key is read in O(1). Nothing else of moto is changed.
 */
const MOTO_LAUNCHER = `
import os, sys, threading
def _watch_parent():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=_watch_parent, daemon=True).start()

from moto.kinesis import models as _kinesis
_shard_lock = threading.RLock()
_put_record = _kinesis.Shard.put_record
_get_records = _kinesis.Shard.get_records
def _locked_put_record(self, *args, **kwargs):
    with _shard_lock:
        return _put_record(self, *args, **kwargs)
def _locked_get_records(self, *args, **kwargs):
    with _shard_lock:
        return _get_records(self, *args, **kwargs)
def _max_sequence_number(self):
    return next(reversed(self.records)) if self.records else 0
_kinesis.Shard.put_record = _locked_put_record
_kinesis.Shard.get_records = _locked_get_records
_kinesis.Shard.get_max_sequence_number = _max_sequence_number

from moto.server import main
main(["-H", "127.0.0.1", "-p", "0"])
`;

export async function startMoto(standins: StandinSet, options: StartMotoOptions): Promise<MotoServer> {
  const python = await ensureMoto(options.repoRoot, options.onStatus);
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(python, ['-c', MOTO_LAUNCHER], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  standins.trackChild(child);
  let stopped = false;
  // moto may still print while it is being killed; nothing is written once the log is closed.
  let logOpen = true;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: Stoppable & { endpoint?: string } = {
    name: 'moto (Kinesis, S3, SQS)',
    async stop() {
      if (stopped) return;
      stopped = true;
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 3000).unref());
      await Promise.race([exited, timeout]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      logOpen = false;
      fs.closeSync(log);
    },
  };
  standins.add(server);

  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`moto did not start within ${options.startTimeoutMs ?? 30000} ms; log: ${options.logFile}`)),
      options.startTimeoutMs ?? 30000,
    );
    const onData = (chunk: Buffer) => {
      if (logOpen) fs.writeSync(log, chunk);
      if (seen.length < 4096) {
        seen += chunk.toString('utf8');
        const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${m[1]}`);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`moto exited during start-up (code ${code}, signal ${signal}); log: ${options.logFile}`));
    });
  });
  return Object.assign(server, { endpoint, pid: child.pid! }) as MotoServer;
}
