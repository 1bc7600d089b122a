"""Does a language model's surprisal tell machine translation from human text? (Zero-shot, per language.)

    python bench/lm_translation.py [--n 60] [--shared DIR]

For each source language of WMT21-22 into English, `n` machine translations (across systems) and `n` human
translations, and `4 n` English-original news texts, drawn by a seeded shuffle. SmolLM2's mean token NLL and
its excess over the entropy on each text's first 256 tokens (`LanguageModel.surprisal`, cached in
work/cache/smollm2_surprisal.json) are taken as scores for "machine translated": an AUROC above 0.5 means
machine translation surprises the model more, below 0.5 less. Nothing is trained, so every language is
unseen. This is why the deep head re-weighs only the odds of spinning (`model/deep.py`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from generalisation import NLL_CACHE, ROOT

from mtdetect.model.surprisal import TOKEN_SUMMARIES
from mtdetect.model.text import Parsed
from mtdetect.training.deep_fit import SurprisalCache
from mtdetect.training.metrics import auroc


def sample(shared: Path, n: int, seed: int) -> list[tuple[str, str, str]]:
    """(language, label, text) rows: `n` per language and label, `4 n` English originals."""
    by: dict[tuple[str, str], list[str]] = defaultdict(list)
    for year in ("wmt21", "wmt22"):
        with (shared / "wmt" / f"{year}.jsonl").open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                language = "en" if row["label"] == "original" else row["pair"].split("-")[0]
                by[(language, row["label"])].append(row["text"])
    rng = random.Random(seed)
    out = []
    for (language, label), texts in sorted(by.items()):
        rng.shuffle(texts)
        out += [(language, label, t) for t in texts[: 4 * n if language == "en" else n]]
    return out


NLL, EXCESS = TOKEN_SUMMARIES.index("lm_nll"), TOKEN_SUMMARIES.index("lm_excess")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args()
    rows = sample(args.shared, args.n, 0)
    surprisal = SurprisalCache(NLL_CACHE)([Parsed.of(t).judged_text for _, _, t in rows])
    language = np.array([r[0] for r in rows])
    label = np.array([r[1] for r in rows])
    english = label == "original"
    print(
        "| source language | mean NLL: MT / human translation / English | NLL: MT vs HT | vs English "
        "| excess: MT vs HT | vs English |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for lang in sorted(set(language) - {"en"}):
        mt = (language == lang) & (label == "translated")
        ht = (language == lang) & (label == "human_translation")
        cells = []
        for column in (NLL, EXCESS):
            for human in (ht, english):
                rows_in = mt | human
                # WMT22's Livonian references are its en-liv sources, so Livonian has no human translation.
                cells.append(f"{auroc(mt[rows_in], surprisal[rows_in, column]):.3f}" if human.any() else "-")
        means = " / ".join(f"{surprisal[m, NLL].mean():.2f}" if m.any() else "-" for m in (mt, ht, english))
        print(f"| {lang} | {means} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
