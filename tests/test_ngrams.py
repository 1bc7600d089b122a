"""The hashed n-gram component: stable hashing, a faithful save/load, and what it learns."""

from __future__ import annotations

import json
import random
from dataclasses import asdict

import numpy as np
import pytest
from conftest import make_original, make_translated, spin

from mtdetect.model.ngrams import NgramModel, NgramSettings, hash_row
from mtdetect.training.ngram_fit import OUTPUTS, cross_fit, fit_ngrams, hashed_columns, hashed_matrix


def test_rows_are_normalised_and_depend_only_on_the_text():
    settings = NgramSettings(bits=12)
    index, weights = hash_row("The minister said that the plan would go ahead.", settings)
    again = hash_row("The  minister said that the plan\nwould go ahead.", settings)  # whitespace folded
    assert np.array_equal(index, again[0]) and np.allclose(weights, again[1])
    assert np.isclose(np.linalg.norm(weights), 1.0) and index.max() < 2**12
    assert hash_row("", settings)[0].size == 0


def test_a_hash_change_would_show():
    # Known answer: a model saved by one release must read the same buckets in the next.
    index, _ = hash_row("ab", NgramSettings(bits=16, chars=(2,), words=(1,)))
    assert index.tolist() == sorted(index.tolist()) and len(index) == 2
    assert index.tolist() == [44180, 50378]  # "ab" and the word "ab"; fixed by the hash format


def test_idf_rows_are_read_the_same_at_training_and_scoring():
    rng = random.Random(1)
    texts = [make_original(rng) for _ in range(20)] + [make_translated(rng) for _ in range(20)]
    settings = NgramSettings(bits=14)
    model = fit_ngrams(texts, ["original"] * 20 + ["translated"] * 20, settings)
    assert model.idf is not None and model.idf.min() >= 1.0
    np.testing.assert_allclose(model.columns(texts), hashed_columns(model, hashed_matrix(texts, settings)))
    assert np.all(model.coef[0] == 0)  # no spun row: the spun column stays at zero


def test_cross_fit_columns_are_out_of_fold():
    rng = random.Random(2)
    texts = [make_original(rng) for _ in range(40)] + [make_translated(rng) for _ in range(40)]
    labels = ["original"] * 40 + ["translated"] * 40
    groups = [f"g{i % 40}" for i in range(80)]  # an original and a translation share a group
    settings = NgramSettings(bits=14)
    x = hashed_matrix(texts, settings)
    held = np.arange(80) % 2 == 0
    model, oof = cross_fit(x, labels, groups, held, settings, 10.0, 3)
    assert oof.shape == (held.sum(), 2)
    in_sample = hashed_columns(model, x[held])[:, 1]
    # The full model has seen these rows; out of fold, the margins are smaller but still separate.
    assert np.abs(oof[:, 1]).mean() < np.abs(in_sample).mean()
    y = np.array(labels)[held] == "translated"
    assert oof[y, 1].mean() > oof[~y, 1].mean()


def test_fit_learns_translationese_and_round_trips(tmp_path):
    rng = random.Random(0)
    originals = [make_original(rng) for _ in range(60)]
    texts = originals + [spin(o) for o in originals[:30]] + [make_translated(rng) for _ in range(30)]
    labels = ["original"] * 60 + ["spun"] * 30 + ["translated"] * 30
    model = fit_ngrams(texts, labels, NgramSettings(bits=14))
    assert model.outputs == OUTPUTS
    test = [make_original(rng), make_translated(rng), spin(make_original(rng))]
    cols = model.columns(test)
    assert cols[1, 1] > cols[0, 1] and cols[2, 0] > cols[0, 0]  # translated and spun each stand out
    model.save(tmp_path / "ngrams.npz")
    loaded = NgramModel.load(tmp_path / "ngrams.npz")
    assert loaded.settings == model.settings
    np.testing.assert_allclose(loaded.columns(test), cols, rtol=1e-5)


def test_fit_needs_both_kinds_of_text():
    with pytest.raises(ValueError, match="needs originals and rewritten texts"):
        fit_ngrams(["a text"] * 3, ["original"] * 3)


def test_a_v1_model_without_idf_still_loads(tmp_path):
    # Bundles written before IDF weights (format v1) score as they did.
    settings = NgramSettings(bits=10)
    coef = np.random.default_rng(0).normal(size=(2, 2**10)).astype(np.float32)
    spec = {"format": "mtdetect-ngrams v1", "settings": asdict(settings), "outputs": list(OUTPUTS)}
    np.savez(tmp_path / "old.npz", spec=np.array(json.dumps(spec)), coef=coef, intercept=np.zeros(2))
    loaded = NgramModel.load(tmp_path / "old.npz")
    assert loaded.idf is None
    index, weights = hash_row("some words here", settings)
    np.testing.assert_allclose(loaded.columns(["some words here"])[0], coef[:, index] @ weights, rtol=1e-5)
