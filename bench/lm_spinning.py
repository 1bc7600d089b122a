"""Which summary of a language model's token surprisal ranks spinning best? (Zero-shot, no training.)

    python bench/lm_spinning.py [--n 200] [--shared DIR]

The test rows of `bench/generalisation.py`'s resource folds: `n` Wikinews dev articles, untouched and spun by
the WordNet and the Mythes test spinners at 4%, 10% and 30% of the eligible words. SmolLM2 reads each text's
first 256 tokens (`LanguageModel.token_surprisal`), and each summary of the tokens' NLL, or of its excess over
the model's entropy, is a score for "spun": AUROC / TPR at 1% FPR against the untouched articles. The deep
head reads the mean NLL and the mean excess (`model/deep.py`); a spinner's few swaps stand out in the tail of
the tokens more than in their mean, which this measures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from generalisation import RESOURCE_RATES, ROOT, TEST_SPINNERS, same_rows, spun_rows, test_articles

from mtdetect import Detector
from mtdetect.model.surprisal import LanguageModel
from mtdetect.model.text import Parsed

TOP = 10  # tokens in the tail mean


def _top(values: np.ndarray) -> float:
    return float(np.sort(values)[::-1][:TOP].mean())


SUMMARIES: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mean NLL": lambda nll, ent: float(nll.mean()),
    "95th percentile NLL": lambda nll, ent: float(np.quantile(nll, 0.95)),
    f"mean of the top {TOP} NLL": lambda nll, ent: _top(nll),
    "share of tokens above 10 nats": lambda nll, ent: float((nll > 10).mean()),
    "mean excess": lambda nll, ent: float((nll - ent).mean()),
    f"mean of the top {TOP} excess": lambda nll, ent: _top(nll - ent),
}


def summarise(lm: LanguageModel, texts: list[str]) -> dict[str, np.ndarray]:
    """Every summary of every text (NaN for a text of fewer than two tokens)."""
    rows = [lm.token_surprisal(Parsed.of(t).judged_text) for t in texts]
    return {
        name: np.array([f(nll, ent) if len(nll) else np.nan for nll, ent in rows])
        for name, f in SUMMARIES.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    split_seed = Detector.load(fast=True).manifest["training"]["config"]["seed"]
    docs = test_articles("wikinews-dev", args.shared, ROOT / "work" / "default", split_seed, args.n, 0)
    lm = LanguageModel.from_package()
    human = summarise(lm, [text for _, text, _ in docs])
    print("| test spinner | rate | " + " | ".join(SUMMARIES) + " |")
    print("|---|---:|" + "---:|" * len(SUMMARIES))
    built: dict = {}
    for spinner in TEST_SPINNERS:
        for rate in RESOURCE_RATES:
            pairs = spun_rows(spinner, rate, docs, 0, built)
            spun = summarise(lm, [p["rewritten"] for p in pairs])
            y = np.r_[np.zeros(len(docs)), np.ones(len(pairs))]
            measured = same_rows(y, {name: np.r_[human[name], spun[name]] for name in SUMMARIES})
            cells = [f"{measured[n]['auroc']:.3f} / {measured[n]['tpr_at_1pct_fpr']:.3f}" for n in SUMMARIES]
            print(f"| {spinner} | {rate:.0%} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
