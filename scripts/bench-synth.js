#!/usr/bin/env node
/**
 * `npm run bench:synth`: wall time, in one run, of
 *   1. type-checking the whole project (tsc --noEmit),
 *   2. synthesizing both stacks the way this repo does it (node on the tsc output),
 *   3. synthesizing via `npx ts-node main.ts` (the default CDKTF TypeScript workflow),
 * and the ratio of 3 to 2. Each synth is run `--runs` times (default 3) and the median printed.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { commandLineOrExit, integerOption, parseCommandLine } = require('./lib/cli-args');

const root = path.resolve(__dirname, '..');
const usage = `Usage: npm run bench:synth [-- --runs <n>]

  --runs <n>   synth runs per workflow, the median is printed (1-20, default 3)
  -h, --help   show this help`;
const { runs } = commandLineOrExit('bench:synth', usage, () => {
  const { values } = parseCommandLine(process.argv.slice(2), { runs: { type: 'string' } });
  return values.help ? { help: true } : { runs: integerOption(values.runs, 'runs', 3, 1, 20) };
});

const env = { ...process.env, CHECKPOINT_DISABLE: '1' };

function timed(label, command, commandArgs, extraEnv = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, commandArgs, { cwd: root, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    console.error(`bench:synth: ${label} failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`);
    process.exit(1);
  }
  return seconds;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function synthInto(label, command, commandArgs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-bench-'));
    // CDKTF_OUTDIR is where the App writes when no outdir is given (as `cdktf synth` sets it).
    times.push(timed(label, command, commandArgs, { CDKTF_OUTDIR: outdir }));
    const stacks = fs.readdirSync(path.join(outdir, 'stacks'));
    if (stacks.length !== 2) {
      console.error(`bench:synth: ${label} produced ${stacks.length} stacks, expected 2`);
      process.exit(1);
    }
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  return median(times);
}

const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
// Full build first so bundles exist and the compiled app is current; not part of the figures.
timed('build', 'npm', ['run', '--silent', 'build']);
fs.rmSync(path.join(root, 'dist', '.tsbuildinfo'), { force: true });
const typeCheck = timed('type-check', tsc, ['--noEmit', '-p', '.', '--incremental', 'false']);
const compiled = synthInto('synth (node dist/main.js)', process.execPath, ['dist/main.js']);
const tsNode = synthInto('synth (npx ts-node main.ts)', 'npx', ['--no-install', 'ts-node', 'main.ts']);

const resources = (() => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-bench-'));
  timed('count', process.execPath, ['dist/main.js'], { CDKTF_OUTDIR: outdir });
  const counts = fs.readdirSync(path.join(outdir, 'stacks')).map((stack) => {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
    return `${stack}: ${Object.values(json.resource || {}).reduce((n, byId) => n + Object.keys(byId).length, 0)} resources`;
  });
  fs.rmSync(outdir, { recursive: true, force: true });
  return counts;
})();

console.log(`machine: ${os.cpus().length} cores, node ${process.version}; median of ${runs} synth runs`);
console.log(resources.join('; '));
console.log(`type-check (tsc --noEmit, cold):        ${typeCheck.toFixed(2)} s`);
console.log(`synth both stacks (node dist/main.js):  ${compiled.toFixed(2)} s`);
console.log(`synth both stacks (npx ts-node main.ts): ${tsNode.toFixed(2)} s`);
console.log(`ratio ts-node / compiled:               ${(tsNode / compiled).toFixed(1)}x`);
