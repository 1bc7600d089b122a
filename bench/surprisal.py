"""Choose and check the margin of deep (language-model) evidence, word by word.

    python bench/surprisal.py [--split train|dev] [--spinner wordnet-random] [--n 60] [--rate 0.15]

Spins `n` Wikinews articles, runs SmolLM2 over the spun and the untouched texts, and prints, for a
range of margins, the share of flagged words that were substituted (precision), the share of
substituted words flagged (recall), and flagged words per 1,000 words of the untouched originals.
`surprisal.MIN_MARGIN` was chosen with `--split train` and training spinners (the lowest margin that
flags at most 1 word per 1,000 of original text); check it on `--split dev` with an unseen spinner.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from evidence import make_spinner

from mtdetect import Detector
from mtdetect.model.surprisal import LanguageModel
from mtdetect.model.text import Parsed
from mtdetect.training.align import covered
from mtdetect.training.pairs import document_seed

ROOT = Path(__file__).resolve().parents[1]
MARGINS = (3.0, 4.0, 5.0, 6.0, 6.5, 7.0, 7.5, 8.0, 9.0)


def margins_by_word(lm: LanguageModel, detector: Detector, text: str) -> tuple[Parsed, np.ndarray]:
    """Each word's margin (-inf where the synonym table has nothing for it)."""
    p = Parsed.of(text)
    out = np.full(len(p.words), -np.inf)
    for s in lm.surprises(p, detector.extractor.synonyms):
        out[s.index] = s.margin
    return p, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--split", choices=("train", "dev"), default="train")
    parser.add_argument("--spinner", default="wordnet-random")
    parser.add_argument("--rate", type=float, default=0.15)
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args()
    detector = Detector.load(fast=True)
    lm = LanguageModel.from_package()
    spinner = make_spinner(args.spinner, args.rate)
    with (args.shared / "wikinews" / f"{args.split}.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line, _ in zip(f, range(args.n), strict=False)]
    spun_margins, substituted, human_margins = [], [], []
    for row in rows:
        rw = spinner.rewrite(row["text"], document_seed(0, row["id"]))
        p, m = margins_by_word(lm, detector, rw.text)
        spun_margins.append(m)
        swapped = [(s.start, s.end) for s in rw.substitutions]
        substituted.append([covered(t.start, t.end, swapped) for t in p.word_tokens])
        human_margins.append(margins_by_word(lm, detector, row["text"])[1])
    spun, truth, human = (
        np.concatenate(spun_margins),
        np.concatenate(substituted),
        np.concatenate(human_margins),
    )
    share = truth.mean()
    print(f"{args.split}, {args.spinner} at {args.rate:.0%}, {len(rows)} articles, {share:.3f} substituted\n")
    print("| margin (nats) | precision | recall | flagged words / 1k words of originals |")
    print("|---:|---:|---:|---:|")
    for margin in MARGINS:
        flagged = spun >= margin
        precision = truth[flagged].mean() if flagged.any() else 0.0
        false_rate = 1000 * (human >= margin).mean()
        print(f"| {margin:.1f} | {precision:.3f} | {flagged[truth].mean():.3f} | {false_rate:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
