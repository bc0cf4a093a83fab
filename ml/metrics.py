"""Binary-classification metrics for the held-out split (numpy only, no scikit-learn)."""
from __future__ import annotations

import numpy as np

CONFIDENCE_BANDS = [(0.0, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 1.0000001)]


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic, ties counted as half (average ranks)."""
    labels = labels.astype(bool)
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs both classes")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    i = 0
    while i < scores.size:
        j = i
        while j + 1 < scores.size and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def confidence(scores: np.ndarray) -> np.ndarray:
    """The API's confidence figure (docs/ml.md): distance of the score from 0.5, scaled to 0..1."""
    return np.abs(2.0 * scores - 1.0)


def evaluate(labels: np.ndarray, scores: np.ndarray) -> dict:
    scores = scores.astype(np.float64)
    clipped = np.clip(scores, 1e-15, 1 - 1e-15)
    predicted = scores >= 0.5
    positives = labels.astype(bool)
    base_rate = float(positives.mean())
    result = {
        "rows": int(labels.size),
        "positiveRate": round(base_rate, 6),
        "auc": round(auc(labels, scores), 6),
        "logLoss": round(float(-np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))), 6),
        # Log loss of always answering the base rate: the model must beat it to carry information.
        "baseRateLogLoss": round(float(-(base_rate * np.log(base_rate) + (1 - base_rate) * np.log(1 - base_rate))), 6),
        "brier": round(float(np.mean((scores - labels) ** 2)), 6),
        "accuracyAt0_5": round(float(np.mean(predicted == positives)), 6),
        "precisionAt0_5": round(float(positives[predicted].mean()) if predicted.any() else 0.0, 6),
        "recallAt0_5": round(float(predicted[positives].mean()), 6),
    }
    bins = []
    for k in range(10):
        lo, hi = k / 10, (k + 1) / 10
        mask = (scores >= lo) & ((scores < hi) if k < 9 else (scores <= hi))
        if mask.any():
            bins.append({"from": lo, "to": hi, "rows": int(mask.sum()), "meanScore": round(float(scores[mask].mean()), 4), "observedRate": round(float(labels[mask].mean()), 4)})
    result["calibration"] = bins
    conf = confidence(scores)
    bands = []
    for lo, hi in CONFIDENCE_BANDS:
        mask = (conf >= lo) & (conf < hi)
        if mask.any():
            bands.append({"from": lo, "to": min(hi, 1.0), "share": round(float(mask.mean()), 4), "accuracy": round(float(np.mean(predicted[mask] == positives[mask])), 4)})
    result["confidenceBands"] = bands
    return result
