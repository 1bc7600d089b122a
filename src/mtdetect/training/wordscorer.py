"""Fitting the word scorer (`model/wordscore.py`) and choosing its two evidence thresholds.

The scorer is fitted on word rows of aligned spun pairs and human originals; its thresholds are chosen
on out-of-fold probabilities (folds by text group), so that they are measured on words the trees did not
see: `strong` for any text (precision and few flagged words in human originals), `weak` only for texts
the detector calls spun (precision on spun texts).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold, cross_val_predict

from mtdetect.model.wordscore import NEVER, WordScorer
from mtdetect.training.export import export


def fit(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    human: np.ndarray,
    tags: bool,
    seed: int = 0,
    lm: bool = False,
) -> WordScorer:
    """Fit a scorer on word rows `x` (`y`: substituted) and set its thresholds on out-of-fold
    probabilities (folds by `groups`, so a text and its rewrite stay together); `human` marks the
    rows of human originals."""

    def model() -> Any:
        # Without L2 on the leaf values, leaves where nearly every row is certain (tiny hessians) got
        # values in the thousands: ordinary words of some human texts scored exactly 1.0.
        return HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.1, l2_regularization=1.0, random_state=seed
        )

    oof = cross_val_predict(model(), x, y, groups=groups, cv=GroupKFold(3), method="predict_proba")[:, 1]
    strong, weak, measured = choose_thresholds(oof[~human], y[~human], oof[human])
    return WordScorer(export(model().fit(x, y)), tags, strong, weak, measured, lm)


STRONG_MAX_PER_1K = 0.5  # flagged words per 1,000 words of human originals, in any text
STRONG_MIN_PRECISION = 0.8
WEAK_MIN_PRECISION = 0.7  # on spun texts, where the weak threshold applies


def choose_thresholds(
    spun: np.ndarray, substituted: np.ndarray, human: np.ndarray
) -> tuple[float, float, dict[str, float]]:
    """The lowest thresholds that meet the strong and weak rules, given probabilities of the words
    of spun texts (`substituted` marks the swaps) and of human originals; NEVER when none does.

    >>> spun = np.array([0.9, 0.8, 0.6, 0.2]); sub = np.array([True, True, False, False])
    >>> choose_thresholds(spun, sub, np.array([0.1] * 2000))[:2]
    (0.61, 0.61)
    """
    grid = np.round(np.arange(0.05, 0.991, 0.01), 2)

    def precision(t: float) -> float:
        flagged = spun >= t
        return float(substituted[flagged].mean()) if flagged.any() else 0.0

    def per_1k(t: float) -> float:
        return 1000.0 * float(np.mean(human >= t)) if len(human) else 0.0

    strong = next(
        (t for t in grid if precision(t) >= STRONG_MIN_PRECISION and per_1k(t) <= STRONG_MAX_PER_1K), NEVER
    )
    weak = min(strong, next((t for t in grid if precision(t) >= WEAK_MIN_PRECISION), NEVER))

    def recall(t: float) -> float:
        return float(np.mean(spun[substituted] >= t)) if substituted.any() else 0.0

    measured = {
        "strong_precision": precision(strong),
        "strong_recall": recall(strong),
        "strong_human_per_1k": per_1k(strong),
        "weak_precision": precision(weak),
        "weak_recall": recall(weak),
        "weak_human_per_1k": per_1k(weak),
    }
    return float(strong), float(weak), {k: round(v, 4) for k, v in measured.items()}
