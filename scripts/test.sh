#!/usr/bin/env bash
# The README's test command (`npm test`): type-check, unit and property tests, then the script tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1

echo "== type-check (tsc --noEmit)"
npx --no-install tsc --noEmit -p .

# >>> ml (owner: ML inference) — the model parity test runs the shipped models in the pinned xgboost
echo "== ML Python environment (ml/requirements.txt -> ml/.venv)"
bash ml/setup.sh
# <<< ml

echo "== unit, property and synthesized-JSON tests (jest)"
npx --no-install jest --ci "$@"

if compgen -G "__tests__/scripts/*.bats" > /dev/null; then
  echo "== script tests (bats)"
  # bats 1.13 declares its executable through "directories.bin", which npm 11 does not link into
  # node_modules/.bin, so `npx bats` finds nothing: run the package's own entry point.
  node_modules/bats/bin/bats __tests__/scripts
fi
