"""Turning fitted scikit-learn heads and word scorers into the plain arrays of `model/estimators.py`.

Training fits with scikit-learn and exports at once, so the Detector that training evaluates is the one
that is saved and later loaded. The exporter reads fitted attributes, some of them private to
scikit-learn (`_predictors`, `_baseline_prediction`); `tests/test_estimators.py` compares the exported
predictions with scikit-learn's, so a scikit-learn release that changes them fails there, not silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mtdetect.model.estimators import BinaryTrees, CalibratedHead, Estimator, Isotonic, Linear, Scorer, Trees


def export(model: Any) -> Estimator:
    """The array form of a fitted isotonic `CalibratedClassifierCV` or binary HGB classifier."""
    if isinstance(model, CalibratedClassifierCV):
        if model.method != "isotonic":
            raise ValueError(f"only isotonic calibration is exported, not {model.method!r}")
        members = []
        for member in model.calibrated_classifiers_:
            if list(member.estimator.classes_) != list(model.classes_):
                raise ValueError("a calibrated member saw other classes than the head")
            members.append(_member(member.estimator, member.calibrators))
        return CalibratedHead(np.asarray(model.classes_), tuple(members), int(model.n_features_in_))
    if isinstance(model, HistGradientBoostingClassifier) and len(model.classes_) == 2:
        return BinaryTrees(_trees(model), int(model.n_features_in_))
    raise TypeError(f"cannot export {type(model).__name__}")


def export_calibrated(model: Any, calibrators: list[IsotonicRegression]) -> CalibratedHead:
    """A head of one fitted classifier and its isotonic maps (one per raw-score column)."""
    member = _member(model, calibrators)
    return CalibratedHead(np.asarray(model.classes_), (member,), int(model.n_features_in_))


def _member(estimator: Any, calibrators: list[IsotonicRegression]) -> tuple[Scorer, tuple[Isotonic, ...]]:
    maps = tuple(
        Isotonic(np.asarray(c.X_thresholds_, float), np.asarray(c.y_thresholds_, float)) for c in calibrators
    )
    return _scorer(estimator), maps


def _scorer(estimator: Any) -> Scorer:
    if isinstance(estimator, HistGradientBoostingClassifier):
        return _trees(estimator)
    if isinstance(estimator, Pipeline) and len(estimator.steps) == 2:
        scaler, linear = (step for _, step in estimator.steps)
        if isinstance(scaler, StandardScaler) and isinstance(linear, LogisticRegression):
            return Linear(
                np.asarray(scaler.mean_, float),
                np.asarray(scaler.scale_, float),
                np.asarray(linear.coef_, float),
                np.asarray(linear.intercept_, float),
            )
    raise TypeError(f"cannot export a head member of type {type(estimator).__name__}")


def _trees(model: HistGradientBoostingClassifier) -> Trees:
    if getattr(model, "_preprocessor", None) is not None or model.is_categorical_ is not None:
        raise ValueError("categorical features are not supported by the exported trees")
    nodes = [(k, p.nodes) for iteration in model._predictors for k, p in enumerate(iteration)]
    width = max(len(n) for _, n in nodes)

    def column(field: str, dtype: Any, fill: Any) -> np.ndarray:
        out = np.full((len(nodes), width), fill, dtype=dtype)
        for t, (_, n) in enumerate(nodes):
            out[t, : len(n)] = n[field]
        return out

    return Trees(
        feature=column("feature_idx", np.int32, 0),
        threshold=column("num_threshold", np.float64, 0.0),
        missing_left=column("missing_go_to_left", bool, False),
        left=column("left", np.int32, 0),
        right=column("right", np.int32, 0),
        is_leaf=column("is_leaf", bool, True),
        value=column("value", np.float64, 0.0),
        output=np.array([k for k, _ in nodes], dtype=np.int32),
        baseline=np.asarray(model._baseline_prediction, dtype=np.float64).ravel(),
        depth=int(max(n["depth"].max() for _, n in nodes)),
    )
