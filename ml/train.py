"""Trains the purchase-propensity models shipped in ml/model/<version>/model.tar.gz.

Reads the label-first CSV splits written by scripts/ml-dataset.ts (features computed by the
TypeScript feature module; nothing here knows what a feature means), trains one booster per
model version with the xgboost release the `sagemaker-xgboost:1.7-1` container runs, and
writes for each version:

  ml/model/<version>/model.tar.gz   a single member `xgboost-model` (XGBoost JSON), byte-stable
  ml/model/<version>/metrics.json   held-out metrics (test split), reported in docs/ml.md

Run through ml/train.sh, which creates the data and the virtualenv first.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import sys
import tarfile
from pathlib import Path

import numpy as np
import xgboost as xgb

from metrics import evaluate

PINNED_XGBOOST = "1.7.4"
SEED = 20240320

# Champion: shallow trees, the conservative model. Challenger: deeper trees with stronger
# regularisation; the A/B test on the endpoint decides whether the extra capacity pays off.
MODEL_VERSIONS: dict[str, dict] = {
    "v1": {
        "params": {"max_depth": 4, "eta": 0.1, "subsample": 0.8, "colsample_bytree": 0.8, "min_child_weight": 5, "lambda": 1.0},
        "max_rounds": 400,
    },
    "v2": {
        "params": {"max_depth": 6, "eta": 0.05, "subsample": 0.9, "colsample_bytree": 0.9, "min_child_weight": 10, "lambda": 3.0, "gamma": 0.1},
        "max_rounds": 800,
    },
}
EARLY_STOPPING_ROUNDS = 25


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


def load_split(path: Path) -> tuple[np.ndarray, np.ndarray]:
    # float64 parse then DMatrix (float32): the same conversion the container applies to text/csv.
    data = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    return data[:, 1:], data[:, 0]


def train_version(version: str, spec: dict, splits: dict, feature_count: int) -> xgb.Booster:
    dtrain = xgb.DMatrix(splits["train"][0], label=splits["train"][1])
    dvalid = xgb.DMatrix(splits["validation"][0], label=splits["validation"][1])
    params = {
        "objective": "binary:logistic",
        "eval_metric": ["logloss", "auc"],
        "tree_method": "hist",
        "seed": SEED,
        # One thread: bit-identical boosters on every machine and run.
        "nthread": 1,
        **spec["params"],
    }
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=spec["max_rounds"],
        evals=[(dvalid, "validation")],
        early_stopping_rounds=EARLY_STOPPING_ROUNDS,
        verbose_eval=False,
    )
    best = booster.best_iteration
    # Keep exactly the best trees and drop the early-stopping attributes: the container predicts
    # with every tree in the file, so the file must hold only the trees we evaluated.
    trimmed = booster[: best + 1]
    for attr in list(trimmed.attributes()):
        trimmed.set_attr(**{attr: None})
    if trimmed.num_features() != feature_count:
        raise SystemExit(f"{version}: booster has {trimmed.num_features()} features, expected {feature_count}")
    print(f"{version}: {best + 1} trees (early stopping on validation logloss)")
    return trimmed


def deterministic_tar_gz(member_name: str, payload: bytes) -> bytes:
    """A .tar.gz whose bytes depend only on the payload: fixed mtime, owner and mode, no gzip name/time."""
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(member_name)
        info.size = len(payload)
        info.mtime = 0
        info.mode = 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(payload))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(tar_buffer.getvalue())
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="directory written by scripts/ml-dataset.ts")
    parser.add_argument("--out", type=Path, required=True, help="model directory, e.g. ml/model")
    parser.add_argument("--versions", nargs="*", default=sorted(MODEL_VERSIONS), help="model versions to train")
    args = parser.parse_args()

    if xgb.__version__ != PINNED_XGBOOST:
        raise SystemExit(f"xgboost {PINNED_XGBOOST} is required (the sagemaker-xgboost:1.7-1 container's), found {xgb.__version__}")
    unknown = [v for v in args.versions if v not in MODEL_VERSIONS]
    if unknown:
        raise SystemExit(f"unknown model version(s) {unknown}; known: {sorted(MODEL_VERSIONS)}")

    seed_everything(SEED)
    manifest = json.loads((args.data / "manifest.json").read_text())
    feature_names = manifest["featureNames"]
    splits = {name: load_split(args.data / f"{name}.csv") for name in ("train", "validation", "test")}
    for name, (x, _) in splits.items():
        if x.shape[1] != len(feature_names):
            raise SystemExit(f"{name}.csv has {x.shape[1]} feature columns, manifest lists {len(feature_names)}")

    for version in args.versions:
        spec = MODEL_VERSIONS[version]
        booster = train_version(version, spec, splits, len(feature_names))
        model_bytes = bytes(booster.save_raw(raw_format="json"))
        target = args.out / version
        target.mkdir(parents=True, exist_ok=True)
        (target / "model.tar.gz").write_bytes(deterministic_tar_gz("xgboost-model", model_bytes))

        x_test, y_test = splits["test"]
        scores = booster.predict(xgb.DMatrix(x_test))
        funnel_stage = x_test[:, feature_names.index("funnel_stage")]
        metrics = {
            "modelVersion": version,
            "xgboost": xgb.__version__,
            "objective": "binary:logistic",
            "trees": booster.num_boosted_rounds(),
            "params": spec["params"],
            "seed": SEED,
            "data": manifest["splits"],
            "test": evaluate(y_test, scores),
            # Baseline: how well the funnel position alone ranks sessions (what the model must beat).
            "baselineFunnelStageAuc": evaluate(y_test, funnel_stage)["auc"],
        }
        (target / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        t = metrics["test"]
        print(f"{version}: test AUC {t['auc']:.4f}, log loss {t['logLoss']:.4f}, Brier {t['brier']:.4f} (funnel-stage baseline AUC {metrics['baselineFunnelStageAuc']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
