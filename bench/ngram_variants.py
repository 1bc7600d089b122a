"""Which hashed n-gram model tells machine translation from human text best, on languages it never saw.

    python bench/ngram_variants.py [--languages cs,de,zh,ha] [--fit-rows 8000]

The n-gram component alone (no features, no encoder, no head), in the leave-one-language-out folds and on
the test rows of `bench/translation.py`: its variants are fitted on the fold's rows and score the held-out
language's machine translations against English-original news and against its own human translations.
- current: the shipped recipe's component, multinomial over original / spun / translated with stream
  weights, fitted on the reference split; its score is the translated-vs-original log-odds;
- the same on the reference and fit splits (more rows);
- binary translated against human text (spun texts left out), balanced classes, reference and fit;
- the same with IDF weighting of the hashed n-grams, rows L2-normalised again.
A component fitted on the fit split gives the heads in-sample columns there, so a recipe that uses more rows
must cross-fit them; this bench measures only what each variant knows about unseen languages.
Prints AUROC / TPR at 1% FPR per fold and variant, then the medians.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from pathlib import Path

import numpy as np
from heldout import ROOT, SPLITS
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from translation import ALSO_FROM, Row, measure, subsample, test_rows, training_rows

from mtdetect import Detector
from mtdetect.model.ngrams import NgramSettings
from mtdetect.model.text import Parsed
from mtdetect.training import data as data_mod
from mtdetect.training.ngram_fit import fit_hashed, hashed_columns, hashed_matrix

Scorer = Callable[[sparse.csr_matrix], np.ndarray]


def multinomial(x: sparse.csr_matrix, rows: list[Row], settings: NgramSettings) -> Scorer:
    """The shipped component's form (`fit_hashed`): its translated-vs-original log-odds column."""
    model = fit_hashed(x, [r.label for r in rows], [r.source for r in rows], settings, 10.0)
    k = list(model.outputs).index("ngram_translated")
    return lambda z: hashed_columns(model, z)[:, k]


def binary(x: sparse.csr_matrix, rows: list[Row], idf: np.ndarray | None = None) -> Scorer:
    def weigh(z: sparse.csr_matrix) -> sparse.csr_matrix:
        if idf is None:
            return z
        z = z @ sparse.diags(idf)
        norms = np.sqrt(np.asarray(z.multiply(z).sum(axis=1)).ravel())
        return sparse.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ z

    model = LogisticRegression(C=10.0, max_iter=500, class_weight="balanced")
    model.fit(weigh(x), [r.label == "translated" for r in rows])
    return lambda z: model.decision_function(weigh(z))


def variants(
    matrix: Callable[[list[Row]], sparse.csr_matrix], ref: list[Row], fit: list[Row], settings: NgramSettings
) -> dict[str, Scorer]:
    both = ref + fit
    human_or_mt = [r for r in both if r.label != "spun"]
    df = np.asarray((matrix(both) > 0).sum(axis=0)).ravel()
    idf = np.log((1 + len(both)) / (1 + df)) + 1
    return {
        "current (multinomial, reference)": multinomial(matrix(ref), ref, settings),
        "multinomial, reference + fit": multinomial(matrix(both), both, settings),
        "binary, reference + fit": binary(matrix(human_or_mt), human_or_mt),
        "binary + IDF, reference + fit": binary(matrix(human_or_mt), human_or_mt, idf),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="cs,de,zh,ha")
    parser.add_argument("--fit-rows", type=int, default=8000)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    args = parser.parse_args()
    seed = 0
    settings = Detector.load(fast=True).ngrams.settings
    train, pool = training_rows(args.work, seed), test_rows(args.shared, seed, 400)
    val = {r.group for r in pool if data_mod.assign_split(r.group, SPLITS, seed) == "val"}
    english = [
        r for r in pool if r.source == "wikinews-dev" or (r.source == "wmt/original" and r.group in val)
    ]
    texts = sorted({r.text for r in train["reference"] + train["fit"]} | {r.text for r in pool})
    hashed = hashed_matrix([Parsed.of(t).judged_text for t in texts], settings)
    index = {t: i for i, t in enumerate(texts)}

    def matrix(rows: list[Row]) -> sparse.csr_matrix:
        return hashed[[index[r.text] for r in rows]]

    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    print("| held out | variant | vs English originals | vs its human translations |\n|---|---|---:|---:|")
    for lang in args.languages.split(","):

        def excluded(r: Row, lang: str = lang) -> bool:
            return r.language == lang or (lang in ALSO_FROM and r.source.startswith(ALSO_FROM[lang]))

        ref = [r for r in train["reference"] if not excluded(r)]
        fit = subsample([r for r in train["fit"] if not excluded(r)], args.fit_rows, 0)
        mt = [r for r in pool if r.language == lang and r.label == "translated"]
        human = [r for r in pool if r.language == lang and r.source == "wmt/human_translation"]
        for name, score in variants(matrix, ref, fit, settings).items():
            cells = [measure(score(matrix(mt)), score(matrix(other))) for other in (english, human)]
            for test, cell in zip(("en", "ht"), cells, strict=True):
                results.setdefault((name, test), []).append(cell)
            print(
                f"| {lang} | {name} | " + " | ".join(f"{a:.3f} / {t:.3f}" for a, t in cells) + " |",
                flush=True,
            )
    for name in dict.fromkeys(n for n, _ in results):
        cells = [
            f"{statistics.median(a for a, _ in results[(name, t)]):.3f} / "
            f"{statistics.median(p for _, p in results[(name, t)]):.3f}"
            for t in ("en", "ht")
        ]
        print(f"| median | {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
