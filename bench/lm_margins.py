"""How much likelier does the language model find a word's listed synonyms? (Zero-shot, resource-disjoint.)

    python bench/lm_margins.py [--n 200] [--others 100] [--shared DIR]

The test rows of `bench/generalisation.py`'s resource folds: `n` Wikinews dev articles, untouched and spun by
each fold's test spinner at 4%, 10% and 30% of the eligible words. SmolLM2 reads every word of each text
(`LanguageModel.read_words`, cached in work/cache/smollm2_surprisal_words/) with the *fold's* synonym table,
which never touched the test spinner's thesaurus, and each summary of the readings is a score for "spun":
AUROC / TPR at 1% FPR against the untouched articles, then AUROC against `--others` texts of each other kind
of human writing (Wikipedia articles, WMT English news, WMT and Europarl human translations), where a score
that only knows Wikinews would fail. The summaries:

- the mean of the five (ten) largest margins, in nats, of a word's likeliest listed synonym over the word;
- the share of words whose likeliest listed synonym the model prefers to them;
- the share of words over `surprisal.SURPRISING` nats whose likeliest listed synonym it prefers;
- for reference, the mean NLL of the ten most surprising lowercase words (no thesaurus).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from generalisation import FOLDS, NLL_CACHE, ROOT, same_rows, spun_rows, test_articles

from mtdetect import Detector
from mtdetect.model.surprisal import SURPRISING, WordReadings, top_mean
from mtdetect.model.text import Parsed
from mtdetect.training.deep_fit import WordReadingCache, words_cache
from mtdetect.training.metrics import auroc
from mtdetect.training.trainer import load_synonyms

OTHER_SOURCES = ("wikipedia", "wmt/original", "wmt/human_translation", "europarl/human_translation")


def _share(mask: np.ndarray, p: Parsed) -> float:
    return float(mask.sum() / max(len(p.words), 1))


def _lowercase(p: Parsed, values: np.ndarray) -> np.ndarray:
    return np.where([w.isalpha() and w.islower() for w in p.words], values, np.nan)


SUMMARIES: dict[str, Callable[[Parsed, WordReadings], float]] = {
    "mean of the top 5 margins": lambda p, r: top_mean(r.margin, 5),
    "mean of the top 10 margins": lambda p, r: top_mean(r.margin, 10),
    "share of words with a likelier synonym": lambda p, r: _share(r.margin > 0, p),
    f"share over {SURPRISING:g} nats with a likelier synonym": lambda p, r: _share(
        (r.nll > SURPRISING) & (r.margin > 0), p
    ),
    "mean of the top 10 lowercase NLL (no thesaurus)": lambda p, r: top_mean(_lowercase(p, r.nll), 10),
}


def summarise(cache: WordReadingCache, texts: list[str]) -> dict[str, np.ndarray]:
    """Every summary of every text."""
    parsed = [Parsed.of(t) for t in texts]
    read = list(zip(parsed, cache(parsed), strict=True))
    return {name: np.array([f(p, r) for p, r in read]) for name, f in SUMMARIES.items()}


def other_humans(work: Path, n: int) -> dict[str, list[str]]:
    """`n` seeded texts of each source in OTHER_SOURCES from the training recipe's rows."""
    found: dict[str, list[str]] = {}
    for name in ("originals.jsonl", "translations.jsonl"):
        with (work / name).open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row["label"] == "original" and row["source"] in OTHER_SOURCES:
                    found.setdefault(row["source"], []).append(row["text"])
    return {source: random.Random(0).sample(texts, min(n, len(texts))) for source, texts in found.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--others", type=int, default=100, help="texts of each other kind of human writing")
    args = parser.parse_args()
    work = ROOT / "work" / "default"
    split_seed = Detector.load(fast=True).manifest["training"]["config"]["seed"]
    docs = test_articles("wikinews-dev", args.shared, work, split_seed, args.n, 0)
    others = other_humans(work, args.others)
    names = list(SUMMARIES)
    print("| fold (test spinner) | rate | against | " + " | ".join(names) + " |")
    print("|---|---:|---|" + "---:|" * len(names))
    built: dict = {}
    for fold in (FOLDS["wordnet"], FOLDS["mythes"]):
        cache = WordReadingCache(words_cache(NLL_CACHE), load_synonyms(fold.synonyms)[0])
        human = summarise(cache, [text for _, text, _ in docs])
        other = {source: summarise(cache, texts) for source, texts in others.items()}
        for rate in fold.rates:
            rewritten = [p["rewritten"] for p in spun_rows(fold.spinner, rate, docs, 0, built)]
            spun = summarise(cache, rewritten)
            y = np.r_[np.zeros(len(docs)), np.ones(len(rewritten))]
            measured = same_rows(y, {name: np.r_[human[name], spun[name]] for name in names})
            cells = [f"{measured[n]['auroc']:.3f} / {measured[n]['tpr_at_1pct_fpr']:.3f}" for n in names]
            row = f"| {fold.name} ({fold.spinner}) | {rate:.0%} |"
            print(f"{row} Wikinews dev | " + " | ".join(cells) + " |", flush=True)
            for source, summaries in other.items():
                y = np.r_[np.zeros(len(others[source])), np.ones(len(rewritten))]
                cells = [f"{auroc(y, np.r_[summaries[n], spun[n]]):.3f}" for n in names]
                print(f"{row} {source} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
