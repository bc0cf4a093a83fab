/**
 * Start/stop bookkeeping for the local stand-ins. Every stand-in registers how to stop itself
 * the moment it has started, so a failure half-way through start-up still stops the ones that
 * did start. Child processes additionally get a stdin pipe they watch (see moto.ts): if this
 * process dies without running any handler (SIGKILL, OOM), the pipe closes and they exit too.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export interface Stoppable {
  readonly name: string;
  stop(): Promise<void>;
}

export class StandinSet {
  private readonly started: Stoppable[] = [];
  private readonly children = new Set<ChildProcess>();
  private stopping: Promise<void> | undefined;

  add<T extends Stoppable>(standin: T): T {
    this.started.push(standin);
    return standin;
  }

  /** Tracks a child so that a synchronous process 'exit' can still kill it. */
  trackChild(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  get names(): string[] {
    return this.started.map((s) => s.name);
  }

  /** Stops everything in reverse start order; never throws (a failed stop is reported on stderr). */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const standin of [...this.started].reverse()) {
        try {
          await standin.stop();
        } catch (error) {
          fs.writeSync(2, `local: stopping ${standin.name} failed: ${(error as Error).message}\n`);
        }
      }
      this.started.length = 0;
      this.killChildrenNow();
    })();
    return this.stopping;
  }

  /** Last resort from a synchronous 'exit' handler: SIGKILL whatever child is still alive. */
  killChildrenNow(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.children.clear();
  }
}

/**
 * Runs `body` with a StandinSet that is stopped when the body settles, when the process gets
 * SIGINT/SIGTERM (exit code 130/143 after stopping), or as a last resort on process exit.
 */
export async function withStandins<T>(body: (standins: StandinSet) => Promise<T>): Promise<T> {
  const standins = new StandinSet();
  const onSignal = (signal: NodeJS.Signals) => {
    // Straight to the terminal: process.stderr may be routed to the handlers' log file.
    fs.writeSync(2, `\nlocal: ${signal} received, stopping the stand-ins\n`);
    // Requests in flight now fail with ECONNREFUSED on purpose; none of them may turn the exit
    // status into Node's 1 for an unhandled rejection while the stand-ins stop.
    process.on('unhandledRejection', () => undefined);
    void standins.stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const onExit = () => standins.killChildrenNow();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  try {
    return await body(standins);
  } finally {
    await standins.stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}
