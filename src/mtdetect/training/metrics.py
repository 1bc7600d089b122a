"""Pure functions from labels and scores to the numbers a detector should report.

Detectors are judged by how many rewritten texts they catch while rarely accusing a human writer,
so next to AUROC we report the true-positive rate at a fixed low false-positive rate, calibration
(expected calibration error, Brier) and per-class precision and recall at the shipped threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score


def tpr_at_fpr(y_true: np.ndarray, scores: np.ndarray, max_fpr: float = 0.01) -> float:
    """Highest share of positives caught by a threshold that flags at most `max_fpr` of negatives.

    >>> tpr_at_fpr(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.9]), 0.0)
    1.0
    """
    return float(np.mean(scores[y_true == 1] > threshold_for_fpr(scores[y_true == 0], max_fpr)))


def threshold_for_fpr(negative_scores: np.ndarray, max_fpr: float) -> float:
    """Smallest threshold t such that at most `max_fpr` of negatives have score > t.

    >>> threshold_for_fpr(np.array([0.1, 0.2, 0.3, 0.4]), 0.25)
    0.3
    """
    return threshold_for_count(negative_scores, int(np.floor(max_fpr * len(negative_scores))))


def threshold_for_count(negative_scores: np.ndarray, allowed: int) -> float:
    """Smallest threshold t such that at most `allowed` negatives have score > t (1.0 without negatives).

    >>> threshold_for_count(np.array([0.1, 0.2, 0.3, 0.4]), 1), threshold_for_count(np.array([]), 0)
    (0.3, 1.0)
    """
    neg = np.sort(np.asarray(negative_scores, dtype=float))[::-1]
    if not len(neg):
        return 1.0
    return float(neg[allowed]) if allowed < len(neg) else float(neg[-1])


def auroc(y_true: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve, or None when only one class is present."""
    if len(np.unique(y_true)) < 2:
        return None
    return float(roc_auc_score(y_true, scores))


def expected_calibration_error(y_true: np.ndarray, prob: np.ndarray, bins: int = 10) -> float:
    """Mean gap between predicted probability and observed frequency, over equal-width bins.

    >>> expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0]))
    0.0
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.mean() * abs(prob[mask].mean() - y_true[mask].mean())
    return float(total)


def per_class(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    """Precision, recall and support of each label."""
    p, r, _, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
    return {
        lab: {"precision": round(float(pi), 4), "recall": round(float(ri), 4), "support": int(si)}
        for lab, pi, ri, si in zip(labels, p, r, s, strict=True)
    }


def binary_report(y_true: np.ndarray, scores: np.ndarray, flagged: np.ndarray, max_fpr: float = 0.01) -> dict:
    """AUROC, TPR at `max_fpr`, FPR/TPR of the texts the detector `flagged` at its threshold, ECE and Brier
    of rewritten-vs-original scores."""
    neg, pos = y_true == 0, y_true == 1
    au = auroc(y_true, scores)
    return {
        "auroc": None if au is None else round(au, 4),
        f"tpr_at_{max_fpr:g}_fpr": round(tpr_at_fpr(y_true, scores, max_fpr), 4) if pos.any() else None,
        "fpr_at_threshold": round(float(flagged[neg].mean()), 4) if neg.any() else None,
        "tpr_at_threshold": round(float(flagged[pos].mean()), 4) if pos.any() else None,
        "ece": round(expected_calibration_error(y_true.astype(float), scores), 4),
        "brier": round(float(np.mean((scores - y_true) ** 2)), 4),
        "n": len(y_true),
    }
