"""Fitting a detector head and choosing its threshold.

A head is one classifier fitted on all the fit rows and calibrated (isotonic, one map per class) on its
out-of-fold scores, where the folds keep a text's group together. It is scikit-learn's
`CalibratedClassifierCV(method="isotonic", ensemble=False)`, which `tests/test_estimators.py` checks,
built from that class's pieces because the threshold needs the calibrated out-of-fold scores, which the
class computes and throws away. Fitting the calibrated class and then cross-validating it again for the
threshold cost three calibration members per fold plus the folds twice over: about 3x the fits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, label_binarize

from mtdetect.model.detector import REWRITE_KINDS, Threshold
from mtdetect.model.estimators import CalibratedHead, calibrate
from mtdetect.training import metrics
from mtdetect.training.export import export_calibrated

HeadKind = Literal["gbdt", "logistic"]
# The score's cut is the highest of the sources' 1% points, so most sources see far fewer false alarms
# than 1%; a kind's cut is set by the source it is hardest on, at the edge of its budget, and at the full
# budget held-out Wikinews came out at 1.0-1.3%. Three quarters of it keeps them under 1% (0.7% on the
# shipped model's validation rows) and keeps most of the catch (spun Wikinews 0.43 -> 0.56, not 0.59).
KIND_BUDGET_SHARE = 0.75
KIND_RULE = "; then each kind's lowest cut on its own probability within 3/4 of that budget"
DOMAIN_MIN_ORIGINALS = 100  # a source of fewer out-of-fold originals gives too noisy a 1% point


@dataclass(frozen=True)
class FittedHead:
    """A calibrated head and its calibrated out-of-fold class probabilities on the rows it was fitted on."""

    head: CalibratedHead
    out_of_fold: np.ndarray  # (rows, classes), columns in head.classes_ order

    def rewritten_scores(self) -> np.ndarray:
        """Out-of-fold 1 - P(original) of each row, the detector's score."""
        return 1.0 - self.out_of_fold[:, list(self.head.classes_).index("original")]

    def kind_probabilities(self) -> dict[str, np.ndarray]:
        """Out-of-fold P(kind) of each row, for each kind of rewriting the head knows."""
        classes = list(self.head.classes_)
        return {k: self.out_of_fold[:, classes.index(k)] for k in REWRITE_KINDS if k in classes}


def base_model(kind: HeadKind, seed: int) -> Any:
    """The unfitted classifier under a head's calibration."""
    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    return HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.08, max_leaf_nodes=31, l2_regularization=1.0, random_state=seed
    )


def fit_head(
    kind: HeadKind, seed: int, x: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: int
) -> FittedHead:
    """Fit the classifier on all rows and its isotonic maps on out-of-fold raw scores (group folds)."""
    splits = list(GroupKFold(n_splits=folds).split(x, y, groups))
    raw = cross_val_predict(base_model(kind, seed), x, y, cv=splits, method="decision_function")
    raw = raw.reshape(len(y), -1)  # a binary head has one raw column, for its second class
    model = base_model(kind, seed).fit(x, y)
    targets = label_binarize(y, classes=model.classes_)
    calibrators = [
        IsotonicRegression(out_of_bounds="clip").fit(raw[:, k], targets[:, k]) for k in range(raw.shape[1])
    ]
    head = export_calibrated(model, calibrators)
    return FittedHead(head, calibrate(raw, head.members[0][1]))


def rounded_up(cut: float) -> float:
    """A cut to six places, rounded up so that it never flags a text the exact cut spares.

    >>> rounded_up(0.9623371), rounded_up(0.5)
    (0.962338, 0.5)
    """
    return math.ceil(cut * 1e6 - 1e-6) / 1e6


def choose_threshold(
    scores: np.ndarray,
    y: np.ndarray,
    sources: np.ndarray,
    max_fpr: float,
    folds: int,
    rows: str = "training originals",
) -> Threshold:
    """The shipped threshold, from out-of-fold rewritten-scores of the fit rows.

    It must hold in every kind of original, not only on average: the cut is the highest of the pooled
    originals' cut and each source's own (sources with at least DOMAIN_MIN_ORIGINALS originals), and
    never below 0.5, so a text is only called rewritten when that is the more likely reading.
    """
    originals, domains = scores[y == "original"], sources[y == "original"]
    cuts = {"pooled": metrics.threshold_for_fpr(originals, max_fpr)}
    for domain in sorted(set(domains)):
        if (domains == domain).sum() >= DOMAIN_MIN_ORIGINALS:
            cuts[str(domain)] = metrics.threshold_for_fpr(originals[domains == domain], max_fpr)
    return Threshold(
        rounded_up(max(0.5, *cuts.values())),
        f"lowest score flagging at most {max_fpr:.0%} of out-of-fold {rows} ({folds} group "
        f"folds), pooled and in each source with at least {DOMAIN_MIN_ORIGINALS} of them, floor 0.5",
        {k: rounded_up(v) for k, v in cuts.items()},
    )


def with_kind_cuts(
    threshold: Threshold,
    scores: np.ndarray,
    kinds: Mapping[str, np.ndarray],
    y: np.ndarray,
    sources: np.ndarray,
    max_fpr: float,
) -> Threshold:
    """`threshold` with each kind's own cut (`kind_cuts` within KIND_BUDGET_SHARE of `max_fpr`, from the
    out-of-fold `scores` and P(kind) of the rows that chose it); a cut at or above the score's never flags
    more, so it is left out."""
    cuts = kind_cuts(scores > threshold.value, kinds, y, sources, max_fpr * KIND_BUDGET_SHARE)
    kept = {k: cut for k, cut in cuts.items() if cut < threshold.value}
    rule = threshold.rule.removesuffix(KIND_RULE) + KIND_RULE  # a bundle given its cuts again keeps one
    return replace(threshold, rule=rule, kinds=kept or None)


def kind_cuts(
    flagged: np.ndarray,
    kinds: Mapping[str, np.ndarray],
    y: np.ndarray,
    sources: np.ndarray,
    max_fpr: float,
) -> dict[str, float]:
    """Each kind's cut on its own probability (`kinds`: P(kind) per row), in `kinds` order: the lowest,
    floor 0.5, at which the originals flagged so far (`flagged` by the score, then by the kinds before
    it) stay within `max_fpr`, pooled and in each source with at least DOMAIN_MIN_ORIGINALS originals;
    in a source already at or over that budget, the kind flags no more of its originals.

    >>> y, src = np.array(["original"] * 200), np.array(["a"] * 200)
    >>> p = np.arange(200) / 200  # 1% of 200 is 2 texts: the cut is the third highest...
    >>> kind_cuts(np.zeros(200, bool), {"spun": p}, y, src, 0.01)
    {'spun': 0.985}
    >>> kind_cuts(p > 0.98, {"spun": p}, y, src, 0.01)  # ...unless the score already flags 3
    {'spun': 0.98}
    """
    human = y == "original"
    domains = sources[human]
    groups = [np.ones(len(domains), dtype=bool)] + [
        domains == d for d in sorted(set(domains)) if (domains == d).sum() >= DOMAIN_MIN_ORIGINALS
    ]
    taken = np.asarray(flagged)[human]
    cuts = {}
    for kind, proba in kinds.items():
        p = proba[human]
        allowed = [max(0, int(np.floor(max_fpr * g.sum())) - int(taken[g].sum())) for g in groups]
        cut = max(metrics.threshold_for_count(p[g & ~taken], n) for g, n in zip(groups, allowed, strict=True))
        cuts[kind] = rounded_up(max(0.5, cut))
        taken = taken | (p > cuts[kind])
    return cuts
