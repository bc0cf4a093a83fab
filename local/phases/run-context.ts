/** What every phase of the local run shares: the options, the terminal, the platform definitions and the phase clock. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chaos } from '../chaos/chaos';
import type { LocalRunOptions } from '../cli';
import { localPlatform, type LocalPlatform } from '../platform';

export interface RunUi {
  /** A short status line (the progress line). */
  status(line: string): void;
  /** A line that stays (phase changes, notes). */
  note(line: string): void;
}

/** Wall time per named phase, as the report lists it. */
export interface PhaseTimer {
  readonly phases: { name: string; seconds: number }[];
  /** Ends the current phase, if any, and starts this one. */
  start(name: string): void;
  end(): void;
}

export interface LocalRun {
  readonly options: LocalRunOptions;
  readonly ui: RunUi;
  readonly platform: LocalPlatform;
  /** The repository root (moto's toolchain is installed from it). */
  readonly root: string;
  readonly timer: PhaseTimer;
  /** performance.now() and the wall clock when the run began. */
  readonly started: number;
  readonly startedAt: string;
  /** The fault injector of a chaos run (`--chaos`). */
  readonly chaos: Chaos | undefined;
}

/** The repository root (holds package.json, ml/ and scripts/), from sources or from dist/. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'scripts', 'toolchain.sh'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${from}`);
    dir = parent;
  }
}

function phaseTimer(): PhaseTimer {
  const phases: { name: string; seconds: number }[] = [];
  let current: { name: string; started: number } | undefined;
  const end = () => {
    if (current) phases.push({ name: current.name, seconds: Math.round((performance.now() - current.started) / 10) / 100 });
    current = undefined;
  };
  return {
    phases,
    start(name: string) {
      end();
      current = { name, started: performance.now() };
    },
    end,
  };
}

export function beginRun(options: LocalRunOptions, ui: RunUi): LocalRun {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const root = repoRoot();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const timer = phaseTimer();
  const platform = localPlatform();
  fs.mkdirSync(path.join(options.outDir, 'logs'), { recursive: true });
  const chaos = options.chaos ? new Chaos(options.chaos) : undefined;
  return { options, ui, platform, root, timer, started, startedAt, chaos };
}
