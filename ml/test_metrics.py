"""Unit tests of ml/metrics.py (run by __tests__/ml/python-unit.test.ts with the pinned venv)."""
import itertools
import unittest

import numpy as np

from metrics import auc, confidence, evaluate


def pairwise_auc(labels, scores):
    """The definition: share of (positive, negative) pairs ordered correctly, ties half."""
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


class MetricsTest(unittest.TestCase):
    def test_auc_matches_the_pairwise_definition_with_ties(self):
        rng = np.random.default_rng(7)
        for _ in range(50):
            n = int(rng.integers(2, 60))
            labels = rng.integers(0, 2, n)
            if labels.min() == labels.max():
                labels[0] = 1 - labels[0]
            scores = np.round(rng.random(n), 1)  # coarse: many ties
            self.assertAlmostEqual(auc(labels, scores), pairwise_auc(labels, scores), places=12)

    def test_auc_extremes(self):
        self.assertEqual(auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])), 1.0)
        self.assertEqual(auc(np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.8, 0.9])), 0.0)
        self.assertEqual(auc(np.array([0, 1, 0, 1]), np.full(4, 0.5)), 0.5)
        with self.assertRaises(ValueError):
            auc(np.array([1, 1]), np.array([0.2, 0.3]))

    def test_confidence_is_the_documented_distance_from_one_half(self):
        np.testing.assert_allclose(confidence(np.array([0.0, 0.25, 0.5, 0.9, 1.0])), [1.0, 0.5, 0.0, 0.8, 1.0])

    def test_evaluate_reports_log_loss_and_brier(self):
        labels = np.array([1, 0, 1, 0])
        scores = np.array([0.9, 0.1, 0.6, 0.4])
        r = evaluate(labels, scores)
        self.assertAlmostEqual(r["brier"], np.mean((scores - labels) ** 2), places=6)
        self.assertAlmostEqual(r["logLoss"], -np.mean(np.log([0.9, 0.9, 0.6, 0.6])), places=6)
        self.assertEqual(r["accuracyAt0_5"], 1.0)
        self.assertEqual(sum(b["rows"] for b in r["calibration"]), 4)


if __name__ == "__main__":
    unittest.main()
