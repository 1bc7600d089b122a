"""The hashed n-gram component: stable hashing, a faithful save/load, and what it learns."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import make_original, make_translated, spin

from mtdetect.model.ngrams import NgramModel, NgramSettings, hash_row
from mtdetect.training.ngram_fit import OUTPUTS, fit_ngrams, stream_weights


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


def test_stream_weights_give_each_stream_of_a_label_the_same_total():
    labels = ["translated"] * 4 + ["original"] * 2
    streams = ["wmt/zh", "wmt/zh", "wmt/zh", "wmt/de", "wiki", "wiki"]
    w = stream_weights(labels, streams)
    assert np.isclose(w[:3].sum(), w[3]) and np.isclose(w[:4].sum(), w[4:].sum())


def test_fit_learns_translationese_and_round_trips(tmp_path):
    rng = random.Random(0)
    originals = [make_original(rng) for _ in range(60)]
    texts = originals + [spin(o) for o in originals[:30]] + [make_translated(rng) for _ in range(30)]
    labels = ["original"] * 60 + ["spun"] * 30 + ["translated"] * 30
    model = fit_ngrams(texts, labels, ["corpus"] * len(texts), NgramSettings(bits=14))
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
        fit_ngrams(["a text"] * 3, ["original"] * 3, ["x"] * 3)
