/**
 * `npm run local` entry point. Terminal output (progress line, report) goes straight to the
 * terminal's file descriptors; everything the handlers print (Powertools JSON logs and EMF
 * metrics) goes to <out>/logs/functions.log, where a developer reads it as CloudWatch would show it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLocalArgs, USAGE, UsageError, type LocalRunOptions } from './cli';
import { runLocal } from './pipeline';
import { renderHtml } from './report/html';
import { renderText } from './report/text';
import { withStandins } from './standins/lifecycle';

const terminal = {
  out: (text: string) => fs.writeSync(1, text),
  err: (text: string) => fs.writeSync(2, text),
};

/** Routes process.stdout/stderr writes (the handlers' logs) to a file for the duration of the run. */
function captureHandlerOutput(file: string): () => void {
  const sink = fs.openSync(file, 'a');
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    if (typeof chunk === 'string') fs.writeSync(sink, chunk);
    else fs.writeSync(sink, Buffer.from(chunk));
    const cb = typeof encoding === 'function' ? encoding : callback;
    if (typeof cb === 'function') (cb as () => void)();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = write;
  process.stderr.write = write;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    fs.closeSync(sink);
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let options: LocalRunOptions;
  try {
    const parsed = parseLocalArgs(argv);
    if ('help' in parsed) {
      terminal.out(`${USAGE}\n`);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (error instanceof UsageError) {
      terminal.err(`local: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }

  fs.mkdirSync(path.join(options.outDir, 'logs'), { recursive: true });
  const functionsLog = path.join(options.outDir, 'logs', 'functions.log');
  fs.writeFileSync(functionsLog, '');
  const tty = process.stderr.isTTY === true;
  let lastStatus = 0;
  const ui = {
    status(line: string) {
      if (tty) terminal.err(`\r\x1b[2K${line}`);
      else if (Date.now() - lastStatus > 5000) {
        lastStatus = Date.now();
        terminal.err(`${line}\n`);
      }
    },
    note(line: string) {
      terminal.err(`${tty ? '\r\x1b[2K' : ''}local: ${line}\n`);
    },
  };

  const restore = captureHandlerOutput(functionsLog);
  try {
    const report = await withStandins((standins) => runLocal(options, standins, ui));
    restore();
    if (tty) terminal.err('\r\x1b[2K');
    fs.writeFileSync(path.join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(options.outDir, 'report.html'), renderHtml(report));
    terminal.out(`${renderText(report)}\n\nReport: ${path.join(options.outDir, 'report.html')} (data: report.json, handler logs: logs/functions.log)\n`);
    return report.invariants.every((i) => i.ok) ? 0 : 1;
  } catch (error) {
    restore();
    terminal.err(`\nlocal: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nHandler logs: ${functionsLog}\n`);
    return 3;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      terminal.err(`local: ${String(error)}\n`);
      process.exit(3);
    },
  );
}
