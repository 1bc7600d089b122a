"""Spinning of wire news and of Wikinews, by heads refitted on recipes' rows or by whole models.

    python bench/news_spinning.py --work work/a --work work/b [--model DIR] [--bundle DIR ...] [--n 300]
        [--out FILE]

Each `--work` holds a recipe's training rows (`scripts/build_default_model.py --data-only --work DIR`).
On each, the n-gram component and the model head are refitted as `bench/translation.py` fits a fold, with
nothing held out (the model's features and encoder stay as they are), and the head is scored on:
- `--n` English-original WMT news chunks of validation groups, and `--n` Wikinews dev articles, each spun by
  the Mythes "listed" spinner, which no recipe trains on, at 4%, 10% and 30% of the eligible words, against
  the same texts untouched: the rewritten score (1 - P(original)) and P(spun);
- machine translations of validation groups (every source language but Livonian, at most 100 per year and
  language) against those English originals, pooled and by domain, and against the human translations of
  validation groups: the rewritten score and P(translated);
- the mean P(spun) of each kind of human text.
Each `--bundle` is a model scored as it is, with nothing refitted, on the same rows (to compare a model
built on a recipe with the one it would replace); a second table gives the bundles' labels: the share of
each spun set labelled `spun`, and of the machine translations and each kind of human text flagged.
Not resource-disjoint (Mythes feeds the model's synonym tables; `bench/generalisation.py` has such folds):
it compares recipes and models on the same rows. AUROC / TPR at 1% FPR.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from generalisation import spun_rows
from heldout import ROOT, dev_originals
from translation import (
    Columns,
    FoldModel,
    Row,
    english_tests,
    measure,
    subsample,
    test_rows,
    training_rows,
    validation_groups,
)

from mtdetect import Detector
from mtdetect.model.detector import LABELS

SPINNER, RATES = "thesaurus-listed", (0.04, 0.10, 0.30)
MAX_MT = 100


def human_and_spun(shared: Path, n: int, seed: int) -> tuple[dict[str, list[Row]], dict[str, list[Row]]]:
    """Untouched texts by domain ("news", "wikinews", "human translations") and their spun versions by
    "<domain> <rate>", plus the machine translations under "MT"."""
    pool = test_rows(shared, seed, MAX_MT)
    val = validation_groups(pool, seed)
    news = {r.text: r for r in pool if r.source == "wmt/original" and r.group in val}
    docs = {
        "news": [(r.group, r.text, r.source) for _, r in sorted(news.items())][:n],
        "wikinews": dev_originals(shared)[:n],
    }
    human = {name: [Row(t, "original", g, s, "") for g, t, s in d] for name, d in docs.items()}
    human["human translations"] = [r for r in pool if r.source == "wmt/human_translation" and r.group in val]
    rewritten: dict[str, list[Row]] = {
        "MT": [r for r in pool if r.label == "translated" and r.group in val and r.language != "liv"]
    }
    built: dict = {}
    for name, d in docs.items():
        for rate in RATES:
            rows = spun_rows(SPINNER, rate, d, seed, built)
            rewritten[f"{name} {rate:.2f}"] = [
                Row(r["rewritten"], "spun", r["id"], r["source"], "") for r in rows
            ]
    return human, rewritten


def recipe_scores(
    detector: Detector, work: Path, tests: list[Row], fit_rows: int, seed: int
) -> dict[str, dict[str, float]]:
    """The refitted model head's rewritten score, P(spun) and P(translated) of every test text."""
    train = training_rows(work, seed)
    train["fit"] = subsample(train["fit"], fit_rows, seed)
    dense = sorted({r.text for r in train["fit"]} | {r.text for r in tests})
    cols = Columns(detector, sorted({r.text for r in train["reference"]} | set(dense)), dense, {})
    fold = FoldModel(cols, train["reference"], train["fit"], seed, "model", heads=("full",))
    proba = fold.proba(fold.parts(cols, tests))["full"]
    proba["rewritten"] = 1.0 - proba["original"]
    return {r.text: {k: float(v[i]) for k, v in proba.items()} for i, r in enumerate(tests)}


def bundle_scores(detector: Detector, tests: list[Row]) -> dict[str, dict[str, float]]:
    """A model's own rewritten score, P(spun) and P(translated) of every test text, as it scores them
    (NaN where it does not judge a text)."""
    texts = sorted({r.text for r in tests})
    unjudged = {k: np.nan for k in (*LABELS, "rewritten", "labelled spun", "flagged")}
    return {
        text: unjudged
        if a.score is None
        else {
            **a.probabilities,
            "rewritten": a.score,
            "labelled spun": float(a.label == "spun"),
            "flagged": float(a.label != "original"),
        }
        for text, a in zip(texts, detector.analyze_many(texts), strict=True)
    }


def labels_table(human: dict[str, list[Row]], rewritten: dict[str, list[Row]], scores: dict) -> list[str]:
    """Whole models' labels: the share of each spun set labelled `spun`, of MT and of human text flagged."""
    sets = [
        *(
            (f"{name}: labelled spun", rows, "labelled spun")
            for name, rows in rewritten.items()
            if name != "MT"
        ),
        ("MT: flagged", rewritten["MT"], "flagged"),
        *((f"{name}: flagged", rows, "flagged") for name, rows in human.items()),
    ]
    lines = ["| rows | n | " + " | ".join(scores) + " |", "|---|---:|" + "---:|" * len(scores)]
    for name, rows, key in sets:
        cells = [f"{np.nanmean([s[r.text][key] for r in rows]):.3f}" for s in scores.values()]
        lines.append(f"| {name} | {len(rows)} | " + " | ".join(cells) + " |")
    return lines


def report(
    human: dict[str, list[Row]], rewritten: dict[str, list[Row]], scores: dict
) -> dict[str, list[str]]:
    """One recipe's cells by test: the rewritten score's and the rewriting kind's probability."""

    def cell(rows: list[Row], negatives: list[Row], key: str) -> str:
        auc, tpr = measure(*(np.array([scores[r.text][key] for r in x]) for x in (rows, negatives)))
        return f"{auc:.3f} / {tpr:.3f}"

    out = {}
    for name, rows in rewritten.items():
        if name != "MT":
            domain, rate = name.split()
            out[f"{domain} spun at {rate}"] = [cell(rows, human[domain], k) for k in ("rewritten", "spun")]
    negatives = {
        **english_tests(human["news"] + human["wikinews"]),
        "vs human translations": human["human translations"],
    }
    for name, rows in negatives.items():
        out[f"MT {name}"] = [cell(rewritten["MT"], rows, k) for k in ("rewritten", "translated")]
    for name, rows in human.items():
        out[f"mean P(spun) of {name}"] = ["", f"{np.nanmean([scores[r.text]['spun'] for r in rows]):.3f}"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, action="append", default=[], help="a recipe's rows (repeat)")
    parser.add_argument("--bundle", type=Path, action="append", default=[], help="a model, as is (repeat)")
    parser.add_argument("--model", type=Path, help="whose features and encoder the heads read")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=300, help="news chunks and Wikinews articles spun")
    parser.add_argument("--fit-rows", type=int, default=8000, help="fit-split rows of the refitted head")
    parser.add_argument("--out", type=Path, help="also write the table here")
    args = parser.parse_args()
    if not args.work and not args.bundle:
        parser.error("give at least one --work or --bundle")
    human, rewritten = human_and_spun(args.shared, args.n, 0)
    tests = [r for rows in (*human.values(), *rewritten.values()) for r in rows]
    scores = {}
    if args.work:  # only refitted heads read `--model`'s features and encoder
        detector = Detector.load(args.model)
        scores = {f"{w} refit": recipe_scores(detector, w, tests, args.fit_rows, 0) for w in args.work}
    scores.update({str(b): bundle_scores(Detector.load(b), tests) for b in args.bundle})
    results = {name: report(human, rewritten, s) for name, s in scores.items()}
    lines = [
        "| test | " + " | ".join(f"{w}: rewritten score | {w}: P(kind)" for w in results) + " |",
        "|---|" + "---:|---:|" * len(results),
    ]
    for test in next(iter(results.values())):
        lines.append(f"| {test} | " + " | ".join(c for cells in results.values() for c in cells[test]) + " |")
    if args.bundle:
        lines += ["", *labels_table(human, rewritten, {str(b): scores[str(b)] for b in args.bundle})]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
