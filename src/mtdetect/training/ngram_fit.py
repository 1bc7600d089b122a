"""Fitting the hashed n-gram component (`model/ngrams.py`): one binary logistic regression per column.

- `ngram_translated`: machine translations against human text (originals and human translations);
- `ngram_spun`: spun texts against originals.
Each leaves the other kind of rewrite out, balances its two classes, and reads IDF-weighted rows (document
frequencies of all the rows it is fitted on). Alone, on languages it never saw, this form tells machine
translations from English news at AUROC 0.927 (median of four folds) where the former multinomial over the
three labels reached 0.835 (`bench/ngram_variants.py` at commit 01d7ffd).

The heads read the component's columns. Fitted on the heads' own rows, those columns would be in-sample
there, so `cross_fit` gives those rows out-of-fold columns from group folds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from mtdetect.model.ngrams import NgramModel, NgramSettings, hash_row

LABELS = ("original", "spun", "translated")
OUTPUTS = ("ngram_spun", "ngram_translated")


def hashed_matrix(texts: Sequence[str], settings: NgramSettings) -> sparse.csr_matrix:
    """The texts' hashed n-gram rows (sublinear tf, L2-normalised, no IDF) as one sparse matrix."""
    rows = [hash_row(t, settings) for t in texts]
    indptr = np.cumsum([0, *(len(i) for i, _ in rows)])
    indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    data = np.concatenate([w for _, w in rows]) if rows else np.zeros(0)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), 2**settings.bits))


def idf_weights(x: sparse.csr_matrix) -> np.ndarray:
    """Smoothed IDF per bucket, as scikit-learn's TfidfTransformer computes it."""
    df = np.bincount(x.indices, minlength=x.shape[1])
    return (np.log((1 + x.shape[0]) / (1 + df)) + 1).astype(np.float32)


def weigh(x: sparse.csr_matrix, idf: np.ndarray | None) -> sparse.csr_matrix:
    """Rows as a model with these IDF weights reads them (`NgramModel.row`): weighted, L2-normalised."""
    if idf is None:
        return x
    x = (x @ sparse.diags(idf.astype(np.float64))).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return (sparse.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ x).tocsr()


def fit_ngrams(
    texts: Sequence[str], labels: Sequence[str], settings: NgramSettings | None = None, c: float = 10.0
) -> NgramModel:
    """Fit the component on labelled texts ("original", "spun", "translated")."""
    settings = settings or NgramSettings()
    return fit_hashed(hashed_matrix(texts, settings), labels, settings, c)


def fit_hashed(x: sparse.csr_matrix, labels: Sequence[str], settings: NgramSettings, c: float) -> NgramModel:
    """`fit_ngrams` on rows already hashed with `settings` (benchmarks hash once, fit many times).

    A column whose kind of rewrite has no row stays at zero."""
    labels = np.asarray(labels)
    if "original" not in set(labels) or len(set(labels) & set(LABELS[1:])) == 0:
        found = sorted(set(labels))
        raise ValueError(f"the n-gram component needs originals and rewritten texts, got {found}")
    idf = idf_weights(x)
    xw = weigh(x, idf)
    coef = np.zeros((len(OUTPUTS), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(OUTPUTS))
    for k, output in enumerate(OUTPUTS):
        kind = output.removeprefix("ngram_")
        rows = (labels == kind) | (labels == "original")
        if not (labels == kind).any():
            continue
        model = LogisticRegression(C=c, max_iter=500, class_weight="balanced")
        model.fit(xw[rows], labels[rows] == kind)
        coef[k], intercept[k] = model.coef_[0], model.intercept_[0]
    return NgramModel(settings, OUTPUTS, coef, intercept, idf)


def hashed_columns(model: NgramModel, x: sparse.csr_matrix) -> np.ndarray:
    """`NgramModel.columns` of rows already hashed with the model's settings."""
    return np.asarray(weigh(x, model.idf) @ model.coef.T.astype(np.float64)) + model.intercept


def cross_fit(
    x: sparse.csr_matrix,
    labels: Sequence[str],
    groups: Sequence[str],
    held: np.ndarray,
    settings: NgramSettings,
    c: float,
    folds: int,
) -> tuple[NgramModel, np.ndarray]:
    """The component fitted on every row, and out-of-fold columns for the rows where `held` is true.

    Those rows are split into `folds` group folds; each fold's columns come from a component fitted on
    all other rows (the rows not held are in every fit)."""
    labels, groups = np.asarray(labels), np.asarray(groups)
    held_rows = np.flatnonzero(held)
    folds = min(folds, len(set(groups[held_rows])))
    if folds < 2:
        raise ValueError("out-of-fold n-gram columns need at least two groups of fit rows")
    out = np.empty((len(held_rows), len(OUTPUTS)))
    for _, test in GroupKFold(folds).split(held_rows, groups=groups[held_rows]):
        train = np.ones(len(labels), dtype=bool)
        train[held_rows[test]] = False
        fold = fit_hashed(x[train], labels[train], settings, c)
        out[test] = hashed_columns(fold, x[held_rows[test]])
    return fit_hashed(x, labels, settings, c), out
