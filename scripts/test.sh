#!/usr/bin/env bash
# The README's test command (`npm test`): type-check, lint, unit and property tests and the script
# tests; ends with one "N passed, N failed, N skipped" line over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# The checks wait on child processes (moto, PostgreSQL, Chromium, Python) as much as they compute,
# so they share the machine: tsc beside eslint, the bats suite beside jest, and jest with two
# workers (its default on a 2-core machine is one). DAML_JEST_WORKERS overrides the count.
section() { echo "== $1 ($((SECONDS - started))s)"; }
started=$SECONDS

section "type-check (tsc --noEmit) and lint (eslint with typescript-eslint, prettier --check) side by side"
npm run --silent lint >"$results/lint.log" 2>&1 &
lint_pid=$!
tsc_status=0
npx --no-install tsc --noEmit -p . || tsc_status=$?
lint_status=0
wait "$lint_pid" || lint_status=$?
cat "$results/lint.log"
if [ "$tsc_status" -ne 0 ] || [ "$lint_status" -ne 0 ]; then
  echo "type-check exit $tsc_status, lint exit $lint_status"
  exit 1
fi

# >>> ml (owner: ML inference) — the model parity test runs the shipped models in the pinned xgboost
section "ML Python environment (ml/requirements.txt -> ml/.venv)"
bash ml/setup.sh
# <<< ml

section "headless Chromium (the browser test of the local run's report)"
bash scripts/lib/ensure-chromium.sh

bats_status=0
bats_pid=""
if compgen -G "__tests__/scripts/*.bats" > /dev/null; then
  # bats 1.13 declares its executable through "directories.bin", which npm 11 does not link into
  # node_modules/.bin, so `npx bats` finds nothing: run the package's own entry point.
  node_modules/bats/bin/bats __tests__/scripts >"$results/bats.tap" 2>&1 &
  bats_pid=$!
fi

section "unit, property and synthesized-JSON tests (jest), script tests (bats) beside them"
jest_status=0
npx --no-install jest --ci --maxWorkers="${DAML_JEST_WORKERS:-2}" --json --outputFile="$results/jest.json" "$@" || jest_status=$?

if [ -n "$bats_pid" ]; then
  wait "$bats_pid" || bats_status=$?
  section "script tests (bats)"
  cat "$results/bats.tap"
fi
section "done"

# The summary is JavaScript: its ${...} are template literals, not shell expansions.
# shellcheck disable=SC2016
node -e '
  const fs = require("fs");
  const [jestFile, tapFile] = process.argv.slice(1);
  const jest = fs.existsSync(jestFile) ? JSON.parse(fs.readFileSync(jestFile, "utf8")) : { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 };
  const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, "utf8").split("\n") : [];
  const batsSkipped = tap.filter((l) => /^ok \d+ .*# skip/.test(l)).length;
  const batsPassed = tap.filter((l) => /^ok \d+/.test(l)).length - batsSkipped;
  const batsFailed = tap.filter((l) => /^not ok \d+/.test(l)).length;
  console.log(`jest: ${jest.numPassedTests} passed, ${jest.numFailedTests} failed; bats: ${batsPassed} passed, ${batsFailed} failed, ${batsSkipped} skipped`);
  console.log(`tests: ${jest.numPassedTests + batsPassed} passed, ${jest.numFailedTests + batsFailed} failed, ${jest.numPendingTests + batsSkipped} skipped`);
' "$results/jest.json" "$results/bats.tap"

[ "$jest_status" -eq 0 ] && [ "$bats_status" -eq 0 ]
