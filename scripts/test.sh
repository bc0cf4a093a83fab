#!/usr/bin/env bash
# The README's test command (`npm test`): type-check, lint, unit and property tests, then the script
# tests; ends with one "N passed, N failed, N skipped" line over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

echo "== type-check (tsc --noEmit)"
npx --no-install tsc --noEmit -p .

echo "== lint (eslint with typescript-eslint, prettier --check)"
npm run --silent lint

# >>> ml (owner: ML inference) — the model parity test runs the shipped models in the pinned xgboost
echo "== ML Python environment (ml/requirements.txt -> ml/.venv)"
bash ml/setup.sh
# <<< ml

echo "== headless Chromium (the browser test of the local run's report)"
bash scripts/lib/ensure-chromium.sh

echo "== unit, property and synthesized-JSON tests (jest)"
jest_status=0
npx --no-install jest --ci --json --outputFile="$results/jest.json" "$@" || jest_status=$?

bats_status=0
if compgen -G "__tests__/scripts/*.bats" > /dev/null; then
  echo "== script tests (bats)"
  # bats 1.13 declares its executable through "directories.bin", which npm 11 does not link into
  # node_modules/.bin, so `npx bats` finds nothing: run the package's own entry point.
  node_modules/bats/bin/bats __tests__/scripts | tee "$results/bats.tap" || bats_status=$?
fi

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
