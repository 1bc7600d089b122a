import numpy as np
import pytest

from mtdetect.training import metrics


def test_tpr_at_fpr_known_answer():
    y = np.array([0] * 100 + [1] * 10)
    s = np.concatenate([np.linspace(0, 0.5, 100), np.array([0.49] * 5 + [0.9] * 5)])
    assert metrics.tpr_at_fpr(y, s, 0.01) == pytest.approx(0.5)
    assert metrics.tpr_at_fpr(y, s, 0.05) == pytest.approx(1.0)


def test_threshold_for_fpr_flags_at_most_the_budget():
    neg = np.random.default_rng(0).random(1000)
    t = metrics.threshold_for_fpr(neg, 0.01)
    assert (neg > t).mean() <= 0.01
    assert (neg >= t).mean() > 0.01 - 1e-9


def test_auroc_needs_two_classes():
    assert metrics.auroc(np.array([1, 1]), np.array([0.1, 0.2])) is None
    assert metrics.auroc(np.array([0, 1]), np.array([0.1, 0.2])) == 1.0


def test_ece_of_a_miscalibrated_predictor():
    y = np.array([0, 0, 0, 0, 1])
    assert metrics.expected_calibration_error(y, np.full(5, 0.9)) == pytest.approx(0.7)


def test_per_class_and_binary_report():
    pc = metrics.per_class(
        ["original", "spun", "spun"], ["original", "spun", "original"], ["original", "spun"]
    )
    assert pc == {
        "original": {"precision": 0.5, "recall": 1.0, "support": 1},
        "spun": {"precision": 1.0, "recall": 0.5, "support": 2},
    }
    report = metrics.binary_report(
        np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.7, 0.9]), np.array([False, True, True, True])
    )
    assert report["auroc"] == 1.0 and report["fpr_at_threshold"] == 0.5 and report["tpr_at_threshold"] == 1.0
