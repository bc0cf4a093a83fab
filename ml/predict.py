"""Scores text/csv feature rows with a shipped model.tar.gz the way the SageMaker XGBoost container does.

  python ml/predict.py --model ml/model/v1/model.tar.gz < rows.csv     # prints a JSON array of scores

Mirrors the container's serving path (sagemaker-xgboost 1.7-1, algorithm mode): extract the
archive, load every file in the model directory (pickle first, then Booster.load_model), one
thread, parse the CSV body as float64 split on commas, predict with every tree and without
feature-name validation. The parity test (__tests__/ml/model-parity.test.ts) runs this on rows
produced by the TypeScript feature module.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tarfile
import tempfile

import numpy as np
import xgboost as xgb

PINNED_XGBOOST = "1.7.4"


def load_boosters(model_dir: str) -> list[xgb.Booster]:
    boosters = []
    for name in sorted(os.listdir(model_dir)):
        path = os.path.join(model_dir, name)
        if not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as f:
                booster = pickle.load(f)
        except Exception:  # the container falls back the same way for native model files
            booster = xgb.Booster()
            booster.load_model(path)
        booster.set_param("nthread", 1)
        boosters.append(booster)
    if not boosters:
        raise SystemExit(f"no model file in {model_dir}")
    return boosters


def parse_csv_body(body: str) -> np.ndarray:
    rows = [["nan" if cell == "" else cell for cell in line.split(",")] for line in body.strip().split("\n")]
    return np.array(rows).astype(np.float64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="path to a model.tar.gz")
    args = parser.parse_args()
    if xgb.__version__ != PINNED_XGBOOST:
        raise SystemExit(f"xgboost {PINNED_XGBOOST} is required (the sagemaker-xgboost:1.7-1 container's), found {xgb.__version__}")

    body = sys.stdin.read()
    with tempfile.TemporaryDirectory() as model_dir:
        with tarfile.open(args.model, "r:gz") as tar:
            members = tar.getmembers()
            if [m.name for m in members] != ["xgboost-model"]:
                raise SystemExit(f"{args.model} must hold exactly one member named xgboost-model, found {[m.name for m in members]}")
            tar.extractall(model_dir, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(model_dir)
        boosters = load_boosters(model_dir)
        dmatrix = xgb.DMatrix(parse_csv_body(body))
        predictions = [
            b.predict(dmatrix, ntree_limit=getattr(b, "best_ntree_limit", 0), validate_features=False) for b in boosters
        ]
    scores = predictions[0] if len(predictions) == 1 else np.mean(predictions, axis=0)
    json.dump({"numFeatures": boosters[0].num_features(), "trees": boosters[0].num_boosted_rounds(), "scores": [float(s) for s in scores]}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
