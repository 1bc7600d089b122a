"""Fitting the hashed n-gram component (`model/ngrams.py`): a multinomial logistic regression.

Rows are weighted so that every (label, source) stream carries the same total weight within its label:
otherwise the largest machine-translation stream (one language pair, or one corpus) would decide what
"translated" looks like. The component's columns are the log-odds of spun and of translated against
original.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from mtdetect.model.ngrams import NgramModel, NgramSettings, hash_row

LABELS = ("original", "spun", "translated")
OUTPUTS = ("ngram_spun", "ngram_translated")


def hashed_matrix(texts: Sequence[str], settings: NgramSettings) -> sparse.csr_matrix:
    """The texts' hashed n-gram rows as one sparse matrix."""
    rows = [hash_row(t, settings) for t in texts]
    indptr = np.cumsum([0, *(len(i) for i, _ in rows)])
    indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    data = np.concatenate([w for _, w in rows]) if rows else np.zeros(0)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), 2**settings.bits))


def stream_weights(labels: Sequence[str], streams: Sequence[str]) -> np.ndarray:
    """Weights giving each stream of a label the same total, and each label the same total."""
    per_stream = Counter(zip(labels, streams, strict=True))
    streams_of = Counter(label for label, _ in per_stream)
    w = np.array(
        [1.0 / (per_stream[(lab, s)] * streams_of[lab]) for lab, s in zip(labels, streams, strict=True)]
    )
    return w * len(w) / w.sum()


def fit_ngrams(
    texts: Sequence[str],
    labels: Sequence[str],
    streams: Sequence[str],
    settings: NgramSettings | None = None,
    c: float = 10.0,
) -> NgramModel:
    """Fit the component on labelled texts; `streams` names each text's source for the weights."""
    settings = settings or NgramSettings()
    return fit_hashed(hashed_matrix(texts, settings), labels, streams, settings, c)


def fit_hashed(
    x: sparse.csr_matrix, labels: Sequence[str], streams: Sequence[str], settings: NgramSettings, c: float
) -> NgramModel:
    """`fit_ngrams` on rows already hashed with `settings` (benchmarks hash once, fit many times)."""
    present = [lab for lab in LABELS if lab in set(labels)]
    if "original" not in present or len(present) < 2:
        found = sorted(set(labels))
        raise ValueError(f"the n-gram component needs originals and rewritten texts, got {found}")
    model = LogisticRegression(C=c, max_iter=300)
    model.fit(x, np.asarray(labels), sample_weight=stream_weights(labels, streams))
    classes = list(model.classes_)
    if len(classes) == 2:  # binary: scikit-learn keeps one row, the log-odds of classes[1]
        coef = np.zeros((len(OUTPUTS), x.shape[1]))
        intercept = np.zeros(len(OUTPUTS))
        k = OUTPUTS.index(f"ngram_{classes[1]}")
        coef[k], intercept[k] = model.coef_[0], model.intercept_[0]
    else:
        o = classes.index("original")
        rows = [classes.index(lab) for lab in ("spun", "translated")]
        coef = model.coef_[rows] - model.coef_[o]
        intercept = model.intercept_[rows] - model.intercept_[o]
    return NgramModel(settings, OUTPUTS, coef.astype(np.float32), intercept)


def hashed_columns(model: NgramModel, x: sparse.csr_matrix) -> np.ndarray:
    """`NgramModel.columns` of rows already hashed with the model's settings."""
    return np.asarray(x @ model.coef.T.astype(np.float64)) + model.intercept
