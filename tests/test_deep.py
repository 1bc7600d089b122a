"""The deep head: the main head's verdict weighed with a language model's surprisal (`--deep`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mtdetect import Detector
from mtdetect.model import detector as detector_mod
from mtdetect.model.deep import DeepHead
from mtdetect.model.surprisal import SUMMARIES, LanguageModel
from mtdetect.training import deep_fit, metrics
from mtdetect.training.deep_fit import fit_deep_head, fit_for_bundle


def synthetic(n: int = 900, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Rows where the main head misses half the spun texts, whose surprisal still gives them away."""
    rng = np.random.default_rng(seed)
    labels = np.array(["original", "spun", "translated"])[rng.integers(0, 3, n)]
    spun, translated = labels == "spun", labels == "translated"
    seen = spun & (rng.random(n) < 0.5)
    p_spun = np.where(seen, 0.8, 0.15) + rng.normal(0, 0.05, n)
    p_trans = np.where(translated, 0.8, 0.05) + rng.normal(0, 0.05, n)
    p = np.clip(np.column_stack([1 - p_spun - p_trans, p_spun, p_trans]), 0.01, 1)
    proba = p / p.sum(axis=1, keepdims=True)
    nll = rng.normal(3.0, 0.3, n) + 0.2 * spun - 0.3 * translated
    surprisal = summaries(n, lm_nll=nll, lm_nll_top10=nll + 4.0 + 1.5 * spun + rng.normal(0, 0.3, n))
    groups = np.array([f"g{i // 2}" for i in range(n)])
    sources = np.where(rng.random(n) < 0.5, "news", "wiki")
    return proba, surprisal, labels, groups, sources


def summaries(n: int, **columns: np.ndarray) -> np.ndarray:
    """Rows of SUMMARIES: the named ones as given, the rest noise."""
    out = np.random.default_rng(1).normal(0, 1, (n, len(SUMMARIES)))
    for name, values in columns.items():
        out[:, SUMMARIES.index(name)] = values
    return out


def test_the_deep_head_catches_what_the_main_head_misses(tmp_path: Path) -> None:
    proba, surprisal, labels, groups, sources = synthetic()
    head, threshold, oof = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64)
    y, kept = labels == "spun", labels != "translated"
    assert metrics.auroc(y[kept], oof[kept]) > metrics.auroc(y[kept], 1 - proba[kept, 0]) + 0.05
    assert threshold.value >= 0.5 and set(threshold.cuts) == {"pooled", "news", "wiki"}
    out = head.probabilities(proba, surprisal)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    # Only the spun odds move: translated against original keeps the main head's odds.
    np.testing.assert_allclose(out[:, 2] / out[:, 0], proba[:, 2] / proba[:, 0])
    translated = labels == "translated"  # whatever their surprisal, still caught through the main head
    assert np.median(1 - out[translated, 0]) > 0.7
    head.save(tmp_path / "deep.npz")
    loaded = DeepHead.load(tmp_path / "deep.npz")
    np.testing.assert_allclose(loaded.rewritten(proba, surprisal), head.rewritten(proba, surprisal))
    assert loaded.tokens == 64 and loaded.columns == ("log_odds_spun", "lm_nll_top10", "lm_nll")


def test_the_head_reads_the_summaries_it_names(tmp_path: Path) -> None:
    proba, surprisal, labels, groups, sources = synthetic()
    tail = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64)[2]
    mean_only = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64, columns=("lm_nll",))[2]
    y, kept = labels == "spun", labels != "translated"
    assert metrics.auroc(y[kept], tail[kept]) > metrics.auroc(y[kept], mean_only[kept]) + 0.05
    with pytest.raises(ValueError, match="unknown surprisal summaries"):
        fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64, columns=("lm_bogus",))


def test_a_first_version_head_still_loads_and_reads_the_mean_and_excess(tmp_path: Path) -> None:
    """The v1 format named no choice of summaries: it read the mean NLL and its excess."""
    columns = ["log_odds_spun", "lm_nll", "lm_excess"]
    spec = {"format": "mtdetect-deep-head v1", "columns": columns, "tokens": 8}
    path = tmp_path / "v1.npz"
    coef = np.array([1.0, 2.0, -1.0])
    np.savez(
        path,
        spec=np.array(json.dumps(spec)),
        mean=np.zeros(3),
        scale=np.ones(3),
        coef=coef,
        intercept=np.array([0.5]),
    )
    head = DeepHead.load(path)
    assert head.surprisal == ("lm_nll", "lm_excess")
    proba = np.array([[0.5, 0.25, 0.25]])
    row = summaries(1, lm_nll=np.array([3.0]), lm_excess=np.array([1.0]))
    odds = np.exp(np.log(0.5) + 1.0 * 2.0 * 3.0 - 1.0 * 1.0 * 1.0 + 0.5)  # coef . (log-odds, nll, excess)
    expected = (odds + 0.5) / (1.0 + odds + 0.5)
    assert head.rewritten(proba, row)[0] == pytest.approx(expected)
    spec["columns"] = ["log_odds_spun", "lm_nll_top10", "lm_nll"]  # v1 with other columns is not v1
    np.savez(
        path,
        spec=np.array(json.dumps(spec)),
        mean=np.zeros(3),
        scale=np.ones(3),
        coef=coef,
        intercept=np.array([0.5]),
    )
    with pytest.raises(ValueError, match="reads"):
        DeepHead.load(path)


def test_a_text_the_language_model_cannot_read_keeps_the_main_score() -> None:
    proba, surprisal, labels, groups, sources = synthetic(200)
    head = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64)[0]
    surprisal[0] = np.nan
    assert head.rewritten(proba[:1], surprisal[:1])[0] == pytest.approx(1 - proba[0, 0])


def test_stream_sample_keeps_every_stream(bundle: Path) -> None:
    from mtdetect.training import data as data_mod

    examples = data_mod.load([Path(p) for p in Detector.load(bundle).manifest["training"]["config"]["data"]])
    rows = deep_fit.stream_sample(examples.examples, {"original": 5, "spun": 3, "translated": 4}, seed=0)
    kinds = {(e.label, e.source) for e in examples.examples}
    assert {(e.label, e.source) for e in rows} == kinds
    assert sum(e.label == "original" for e in rows) <= 5 * len({e.source for e in examples.examples})
    assert rows == deep_fit.stream_sample(examples.examples, {"original": 5, "spun": 3, "translated": 4}, 0)


def test_a_bundle_with_a_deep_head_scores_with_the_language_model(
    bundle: Path, tiny_lm: LanguageModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "deep-bundle"
    shutil.copytree(bundle, folder)
    monkeypatch.setattr(LanguageModel, "from_package", classmethod(lambda cls, cache=None: tiny_lm))
    info = fit_for_bundle(folder, tmp_path / "cache.json")
    assert set(info["out_of_fold"]) == {"deep", "main head"}
    assert (tmp_path / "cache.json").is_file()  # the surprisal of every row, for the next refit
    assert fit_for_bundle(folder, tmp_path / "cache.json") == info  # a refit over its own head

    plain, deep = Detector.load(folder), Detector.load(folder, deep=True)
    assert deep.deep is not None and deep.threshold.value == deep.manifest["deep"]["threshold"]["value"]
    texts = [e.text for e in _rows(folder)[:6]]
    expected = deep.deep.rewritten(
        plain.predict_proba([detector_mod.Parsed.of(t) for t in texts]),
        np.array([tiny_lm.surprisal(t, deep.deep.tokens) for t in texts]),
    )
    np.testing.assert_allclose(deep.score_many(texts), expected)
    assert Detector.load(folder, deep=True, fast=True).deep is None  # fitted on the full head only
    assert plain.deep is None  # without --deep the language model is never loaded


def _rows(folder: Path) -> list:
    from mtdetect.training import data as data_mod

    config = Detector.load(folder).manifest["training"]["config"]
    examples = data_mod.load([Path(p) for p in config["data"]]).examples
    return data_mod.long_enough(examples, config["min_words"])
