#!/usr/bin/env bash
# Reproduces the shipped models end to end:
#   1. ml/.venv with the pinned xgboost (the sagemaker-xgboost:1.7-1 container's release)
#   2. labelled events from functions/shared/generator.ts -> feature rows by the TypeScript
#      feature module (scripts/ml-dataset.ts) -> ml/data/{train,validation,test}.csv
#   3. ml/train.py -> ml/model/<version>/{model.tar.gz,metrics.json}
#   4. the parity fixture (__tests__/fixtures/ml/) recorded from the new models
# Same inputs, byte-identical archives (seeded, single-threaded, fixed tar/gzip metadata).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ml/setup.sh
npx --no-install ts-node --transpile-only scripts/ml-dataset.ts --out ml/data
ml/.venv/bin/python ml/train.py --data ml/data --out ml/model "$@"
npx --no-install ts-node --transpile-only scripts/ml-parity-fixture.ts
sha256sum ml/model/*/model.tar.gz
