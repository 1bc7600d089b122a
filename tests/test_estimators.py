"""Exported heads and word scorers predict what the scikit-learn models they came from predict."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

from mtdetect.model import estimators
from mtdetect.training import metrics
from mtdetect.training.export import export
from mtdetect.training.heads import base_model, fit_head


def _rows(n: int, rng: np.random.Generator) -> np.ndarray:
    x = rng.normal(size=(n, 6))
    x[rng.random(size=x.shape) < 0.05] = np.nan  # missing values take each node's learnt side
    return x


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 6))
    y = np.where(x[:, 0] + 0.5 * x[:, 1] > 0.3, "spun", np.where(x[:, 2] > 0, "translated", "original"))
    x[rng.random(size=x.shape) < 0.05] = np.nan
    return x, y, np.arange(600) % 40, _rows(200, rng)


def _calibrated(kind, x, y, groups, ensemble):
    folds = list(GroupKFold(n_splits=3).split(x, y, groups))
    return CalibratedClassifierCV(base_model(kind, 0), method="isotonic", cv=folds, ensemble=ensemble).fit(
        x, y
    )


def _head_data(data, kind, classes):
    x, y, groups, test = data
    if classes == 2:
        y = np.where(y == "original", "original", "rewritten")
    if kind == "logistic":  # the scaled logistic head takes no missing values
        x, test = np.nan_to_num(x), np.nan_to_num(test)
    return x, y, groups, test


@pytest.mark.parametrize("kind", ["gbdt", "logistic"])
@pytest.mark.parametrize("classes", [3, 2])
def test_calibrated_heads_match_scikit_learn(data, tmp_path, kind, classes):
    """Heads of bundles from before out-of-fold calibration: a member per calibration fold."""
    x, y, groups, test = _head_data(data, kind, classes)
    model = _calibrated(kind, x, y, groups, ensemble=True)
    estimators.save(export(model), tmp_path / "head.npz")
    loaded = estimators.load(tmp_path / "head.npz")
    assert list(loaded.classes_) == list(model.classes_)
    np.testing.assert_allclose(loaded.predict_proba(test), model.predict_proba(test), rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["gbdt", "logistic"])
@pytest.mark.parametrize("classes", [3, 2])
def test_fitted_heads_are_scikit_learns_out_of_fold_calibration(data, tmp_path, kind, classes):
    x, y, groups, test = _head_data(data, kind, classes)
    fitted = fit_head(kind, 0, x, y, groups, folds=3)
    estimators.save(fitted.head, tmp_path / "head.npz")
    loaded = estimators.load(tmp_path / "head.npz")
    reference = _calibrated(kind, x, y, groups, ensemble=False)
    assert list(loaded.classes_) == list(reference.classes_)
    np.testing.assert_allclose(loaded.predict_proba(test), reference.predict_proba(test), rtol=0, atol=1e-12)
    assert fitted.out_of_fold.shape == (len(y), classes)
    np.testing.assert_allclose(fitted.out_of_fold.sum(axis=1), 1.0)


def test_out_of_fold_scores_are_not_in_sample():
    """On labels that are pure noise the trees learn their own rows, but out-of-fold scores know nothing,
    and calibration on them says so."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(900, 6)), rng.choice(["original", "spun"], size=900)
    fitted = fit_head("gbdt", 0, x, y, np.arange(900) % 60, folds=3)
    truth = (y != "original").astype(int)
    trees = fitted.head.members[0][0]
    assert metrics.auroc(truth, trees.raw(x)[:, 0]) > 0.8
    assert abs(metrics.auroc(truth, fitted.rewritten_scores()) - 0.5) < 0.08
    assert np.std(fitted.head.predict_proba(x)[:, 1]) < 0.1


def test_binary_trees_match_scikit_learn(data, tmp_path):
    x, y, _, test = data
    model = HistGradientBoostingClassifier(max_iter=50, random_state=0).fit(x, y == "spun")
    estimators.save(export(model), tmp_path / "words.npz")
    loaded = estimators.load(tmp_path / "words.npz")
    np.testing.assert_allclose(loaded.predict_proba(test), model.predict_proba(test), rtol=0, atol=1e-12)
    assert loaded.predict_proba(test[:0]).shape == (0, 2)


def test_unknown_models_are_not_exported(data):
    x, y, _, _ = data
    with pytest.raises(TypeError, match="cannot export HistGradientBoostingClassifier"):
        export(HistGradientBoostingClassifier(max_iter=5).fit(x, y))  # three classes, uncalibrated


def test_other_npz_files_are_refused(tmp_path):
    np.savez(tmp_path / "x.npz", weights=np.zeros(3))
    with pytest.raises(ValueError, match="not an mtdetect estimator"):
        estimators.load(tmp_path / "x.npz")
