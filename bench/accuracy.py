"""Held-out accuracy: a model against generators and controls it did not train on, at document level.

    python bench/accuracy.py [--model DIR] [--shared ../shared/data] [--n 649]

Originals are Wikinews *dev* articles (never used for training). Each rewriting generator rewrites
the same articles; a row reports AUROC and TPR at 1% FPR of the generator's texts against the
originals, and the share flagged at the model's threshold. Control rows report the share of human
texts flagged (FPR). Generators whose resources are missing (WordNet, the thesaurus, Apertium) are
skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mtdetect import Detector
from mtdetect.metrics import auroc, tpr_at_fpr
from mtdetect.pairs import document_seed

ROOT = Path(__file__).resolve().parents[1]


def generators() -> dict[str, Callable[[], object]]:
    """Name -> factory of a Rewriter; factories may raise when a resource is not installed."""
    from mtdetect import rewrite

    gens: dict[str, Callable[[], object]] = {
        "wordnet-random 3% (trained)": lambda: rewrite.wordnet_spinner("random_sense", 0.03),
        "wordnet-random 15% (trained)": lambda: rewrite.wordnet_spinner("random_sense", 0.15),
        "wordnet-first 10%": lambda: rewrite.wordnet_spinner("first_sense", 0.10),
        "wordnet-frequent 10%": lambda: rewrite.wordnet_spinner("frequent_lemma", 0.10),
        "side-effects only": lambda: rewrite.SideEffectSpinner(0.5),
    }
    if hasattr(rewrite, "thesaurus_spinner"):
        gens["thesaurus 5%"] = lambda: rewrite.thesaurus_spinner(0.05)
        gens["thesaurus 15%"] = lambda: rewrite.thesaurus_spinner(0.15)
    return gens


def read_texts(path: Path, n: int) -> list[tuple[str, str]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line, _ in zip(f, range(n), strict=False):
            row = json.loads(line)
            rows.append((row["id"], row["text"]))
    return rows


def scores_of(detector: Detector, texts: list[str]) -> np.ndarray:
    return detector.score_many(texts)


def row(name: str, pos: np.ndarray, neg: np.ndarray, threshold: float) -> str:
    pos, neg = pos[~np.isnan(pos)], neg[~np.isnan(neg)]
    y = np.r_[np.zeros(len(neg)), np.ones(len(pos))]
    s = np.r_[neg, pos]
    return (
        f"| {name} | {len(pos)} | {auroc(y, s):.3f} | {tpr_at_fpr(y, s, 0.01):.3f} "
        f"| {(pos > threshold).mean():.3f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=649)
    args = parser.parse_args()
    detector = Detector.load(args.model)
    threshold = detector.threshold.value
    originals = read_texts(args.shared / "wikinews" / "dev.jsonl", args.n)
    neg = scores_of(detector, [t for _, t in originals])
    print(
        f"model: {args.model or 'default'}; threshold {threshold:.3f}; "
        f"originals: {len(originals)} Wikinews dev"
    )
    print()
    print("| generator | n | AUROC | TPR@1%FPR | flagged at threshold |")
    print("|---|---:|---:|---:|---:|")
    for name, factory in generators().items():
        started = time.time()
        try:
            rewriter = factory()
        except RuntimeError as exc:
            print(f"| {name} | skipped: {exc} | | | |")
            continue
        spun = [rewriter.rewrite(text, document_seed(0, doc_id)).text for doc_id, text in originals]
        print(row(name, scores_of(detector, spun), neg, threshold), file=sys.stdout)
        print(f"  {name}: {time.time() - started:.0f} s", file=sys.stderr)
    print()
    print(
        "| control | n | flagged at threshold (FPR) |\n|---|---:|---:|\n"
        f"| Wikinews dev originals | {len(neg)} "
        f"| {(neg[~np.isnan(neg)] > threshold).mean():.3f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
