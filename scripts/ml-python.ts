/**
 * Runs ml/predict.py (the SageMaker XGBoost container's serving path, in the pinned xgboost)
 * from TypeScript: used by the parity test and by the script that records its fixture. Run on its
 * own, it reports which interpreter and models those would use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { commandLineOrExit, parseCommandLine } from './lib/cli-args';

/** The repository root, whether this runs from sources (scripts/) or compiled (dist/scripts/). */
export const REPO_ROOT = ((up) => (basename(up) === 'dist' ? dirname(up) : up))(resolve(__dirname, '..'));
export const MODEL_DIR = join(REPO_ROOT, 'ml', 'model');

/** The interpreter with the pinned xgboost: $ML_PYTHON, else ml/.venv (created by `bash ml/setup.sh`). */
export function mlPython(): string {
  const python = process.env.ML_PYTHON ?? join(REPO_ROOT, 'ml', '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error(`${python} not found: run \`bash ml/setup.sh\` (installs ml/requirements.txt into ml/.venv) or set ML_PYTHON`);
  return python;
}

/** Model versions shipped in the repository (ml/model/<version>/model.tar.gz). */
export function shippedModelVersions(modelDir: string = MODEL_DIR): string[] {
  return readdirSync(modelDir)
    .filter((d) => /^v\d+$/.test(d) && existsSync(join(modelDir, d, 'model.tar.gz')))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

export interface ContainerPrediction {
  readonly numFeatures: number;
  readonly trees: number;
  readonly scores: number[];
}

/** Scores text/csv rows (one per line, as the inference function sends them) with a model archive. */
export function predictWithArchive(archive: string, rows: readonly string[]): ContainerPrediction {
  const run = spawnSync(mlPython(), [join(REPO_ROOT, 'ml', 'predict.py'), '--model', archive], {
    input: rows.join('\n'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`ml/predict.py exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as ContainerPrediction;
}

export const USAGE = `Usage: ml-python

Prints the Python interpreter ml/predict.py runs with and the shipped model versions, so a
setup can be checked before the parity test or ml-parity-fixture; exit 1 when the interpreter is missing.
  -h, --help   show this help`;

if (require.main === module) {
  commandLineOrExit('ml-python', USAGE, () => (parseCommandLine(process.argv.slice(2), {}).values.help ? { help: true } : {}));
  try {
    process.stdout.write(`python ${mlPython()}\nmodels ${shippedModelVersions().join(' ')}\n`);
  } catch (e) {
    process.stderr.write(`ml-python: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
