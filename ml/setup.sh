#!/usr/bin/env bash
# Creates ml/.venv with the pinned training / parity-test dependencies (ml/requirements.txt).
# Idempotent: a second run only checks the pins. ML_PYTHON overrides the interpreter used to build it.
set -euo pipefail
cd "$(dirname "$0")"
python="${ML_PYTHON_BOOTSTRAP:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "ml/setup.sh: $python not found; install Python 3.9-3.12 (the pinned numpy and scipy have no wheels for newer versions)" >&2
  exit 3
fi
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$version" in
  3.9 | 3.10 | 3.11 | 3.12) ;;
  *)
    echo "ml/setup.sh: $python is Python $version; the pinned xgboost, numpy and scipy need 3.9-3.12 (set ML_PYTHON_BOOTSTRAP to such an interpreter)" >&2
    exit 3
    ;;
esac
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python -c "import xgboost; assert xgboost.__version__ == '1.7.4', xgboost.__version__; print('ml/.venv: xgboost', xgboost.__version__)"
