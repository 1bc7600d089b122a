"""Which summary of a language model's token surprisal ranks spinning best? (Zero-shot, no training.)

    python bench/lm_spinning.py [--n 200] [--shared DIR]

The test rows of `bench/generalisation.py`'s resource folds: `n` Wikinews dev articles, untouched and spun by
the WordNet and the Mythes test spinners at 4%, 10% and 30% of the eligible words. SmolLM2 reads each text's
first 256 tokens, and each summary of the tokens' NLL, or of its excess over the model's entropy
(`surprisal.TOKEN_SUMMARIES`, cached with the other benchmarks' in work/cache/smollm2_surprisal.json), is
a score for "spun": AUROC / TPR at 1% FPR against the untouched articles. A spinner's few swaps stand out in
the tail of the tokens more than in their mean, which this measures; the deep head (`model/deep.py`) reads
the mean of the top ten and the mean.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from generalisation import NLL_CACHE, RESOURCE_RATES, ROOT, TEST_SPINNERS, same_rows, spun_rows, test_articles

from mtdetect import Detector
from mtdetect.model.surprisal import SURPRISING, TOKEN_SUMMARIES, TOP
from mtdetect.model.text import Parsed
from mtdetect.training.deep_fit import SurprisalCache

LABELS = {
    "lm_nll": "mean NLL",
    "lm_excess": "mean excess",
    f"lm_nll_top{TOP}": f"mean of the top {TOP} NLL",
    f"lm_excess_top{TOP}": f"mean of the top {TOP} excess",
    "lm_nll_p95": "95th percentile NLL",
    "lm_share_surprising": f"share of tokens above {SURPRISING:g} nats",
}


def summarise(lm: SurprisalCache, texts: list[str]) -> dict[str, np.ndarray]:
    """Every summary of every text (NaN for a text of fewer than two tokens)."""
    rows = lm([Parsed.of(t).judged_text for t in texts])
    return {name: rows[:, k] for k, name in enumerate(TOKEN_SUMMARIES)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    split_seed = Detector.load(fast=True).manifest["training"]["config"]["seed"]
    docs = test_articles("wikinews-dev", args.shared, ROOT / "work" / "default", split_seed, args.n, 0)
    lm = SurprisalCache(NLL_CACHE)
    human = summarise(lm, [text for _, text, _ in docs])
    print("| test spinner | rate | " + " | ".join(LABELS[n] for n in TOKEN_SUMMARIES) + " |")
    print("|---|---:|" + "---:|" * len(TOKEN_SUMMARIES))
    built: dict = {}
    for spinner in TEST_SPINNERS:
        for rate in RESOURCE_RATES:
            pairs = spun_rows(spinner, rate, docs, 0, built)
            spun = summarise(lm, [p["rewritten"] for p in pairs])
            y = np.r_[np.zeros(len(docs)), np.ones(len(pairs))]
            measured = same_rows(y, {name: np.r_[human[name], spun[name]] for name in TOKEN_SUMMARIES})
            cells = [
                f"{measured[n]['auroc']:.3f} / {measured[n]['tpr_at_1pct_fpr']:.3f}" for n in TOKEN_SUMMARIES
            ]
            print(f"| {spinner} | {rate:.0%} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
