"""Two models on the same held-out rows of the training recipe: WMT news, wikis and human translations.

    python bench/same_rows.py --model work/candidate --previous models/default [--per-source 400] [--deep]
        [--model-mode default|deep|cascade] [--previous-mode default|deep|cascade]

Rows come from the validation split of `work/default` (the split the training recipe holds out, by group),
at most `--per-source` texts of each source and generator family, drawn by a seeded hash. For each kind of
machine translation and spinning: AUROC and TPR at 1% FPR against all human rows, and the share caught by
each model's label (its threshold and its kinds' own cuts); for each kind of human text: the share flagged.
`--deep` scores both models as `--deep` does, with their deep heads and thresholds (SmolLM2's surprisal is
cached as in `bench/generalisation.py`), and leaves out the groups of the rows the deep heads were fitted on;
`--model-mode` and `--previous-mode` set each model's mode (`cascade`: as `--cascade` scores), so that one
bundle's modes can be compared on the same rows.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from generalisation import NLL_CACHE
from heldout import REFERENCE_FILE, ROOT, SPLITS

from mtdetect import Detector
from mtdetect.model.deep import Cascade, DeepHead
from mtdetect.model.detector import DEEP_FILE, Threshold
from mtdetect.training import data as data_mod
from mtdetect.training.deep_fit import DeepReadings, SurprisalCache, deep_probabilities, fit_rows
from mtdetect.training.metrics import auroc, tpr_at_fpr
from mtdetect.training.pairs import family_of


def kind(e: data_mod.Example) -> str:
    """The row's group for the tables: source, and for rewritten rows the generator family."""
    if e.label == "original":
        return e.source
    generator = e.generator or ""
    family = generator.split("/")[0] if "/" in generator else family_of(generator) or generator
    return f"{e.source.split('/')[0]}: {family}"


MODES = ("default", "deep", "cascade")


Judge = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]


def scorer(folder: Path, mode: str, lm: SurprisalCache | None) -> tuple[Judge, str]:
    """How a bundle judges texts in a mode (scores, NaN where it cannot, and whether each is flagged), and
    its cuts; the language model's readings are cached with `lm`'s (which a mode other than `default`
    needs)."""
    detector = Detector.load(folder)
    if mode == "default":
        kinds = f" {detector.threshold.kinds}" if detector.threshold.kinds else ""
        return detector.judge_many, f"{detector.threshold.value}{kinds}"
    if lm is None:
        raise ValueError(f"the {mode} mode reads SmolLM2's surprisal: pass the cache")
    deep = detector.manifest["deep"]
    head, threshold = DeepHead.load(folder / DEEP_FILE), Threshold.from_json(deep["threshold"])
    cascade = Cascade.from_manifest(deep) if mode == "cascade" else None
    read = DeepReadings.of(lm, detector.extractor.synonyms)

    def judge_deep(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        proba = deep_probabilities(detector, head, read, texts, cascade)
        flagged = [not np.isnan(row[0]) and threshold.label(row) != "original" for row in proba]
        return 1.0 - proba[:, 0], np.array(flagged, dtype=bool)

    kinds = f" {threshold.kinds}" if threshold.kinds else ""
    return judge_deep, f"{threshold.value}{kinds}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--previous", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--per-source", type=int, default=400)
    parser.add_argument("--deep", action="store_true", help="score both with their deep heads (SmolLM2)")
    parser.add_argument("--model-mode", choices=MODES, help="default, or deep with --deep")
    parser.add_argument("--previous-mode", choices=MODES, help="default, or deep with --deep")
    args = parser.parse_args()
    modes = {
        "previous": args.previous_mode or ("deep" if args.deep else "default"),
        "model": args.model_mode or ("deep" if args.deep else "default"),
    }
    files = sorted(p for p in args.work.glob("*.jsonl") if p.name != REFERENCE_FILE)
    val = data_mod.split(data_mod.load(files), SPLITS, 0)["val"]
    models = {"previous": args.previous, "model": args.model}
    with_lm = set(modes.values()) != {"default"}
    lm = SurprisalCache(NLL_CACHE) if with_lm else None  # one cache: each would save over the other
    scorers = {name: scorer(folder, modes[name], lm) for name, folder in models.items()}
    min_words = {Detector.load(folder, fast=True).min_words for folder in models.values()}
    fitted = {e.group for m in min_words for e in fit_rows(val, m)} if with_lm else set()
    by_kind: dict[str, list[str]] = defaultdict(list)
    for e in sorted(val.examples, key=lambda e: hashlib.sha256(e.text.encode()).digest()):
        if e.group not in fitted and len(by_kind[kind(e)]) < args.per_source:  # a lookup adds the kind
            by_kind[kind(e)].append(e.text)
    human = [k for k in by_kind if ":" not in k]
    judged = {name: {k: judge(texts) for k, texts in by_kind.items()} for name, (judge, _) in scorers.items()}
    scores = {name: {k: s for k, (s, _) in rows.items()} for name, rows in judged.items()}
    thresholds = {name: cuts for name, (_, cuts) in scorers.items()}
    print(
        "| rewritten rows | n | "
        + " | ".join(f"{m} ({modes[m]}): AUROC / TPR@1%FPR / caught" for m in models)
        + " |"
    )
    print("|---|---:|" + "---:|" * len(models))
    for k in sorted(k for k in by_kind if ":" in k):
        cells = []
        for name in models:
            neg = np.concatenate([scores[name][h] for h in human])
            pos = scores[name][k]
            neg, pos = neg[~np.isnan(neg)], pos[~np.isnan(pos)]
            if not len(pos):  # e.g. texts all under the model's min_words
                cells.append("no scorable text")
                continue
            y, s = np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]
            caught = float(judged[name][k][1][~np.isnan(judged[name][k][0])].mean())
            cells.append(f"{auroc(y, s):.3f} / {tpr_at_fpr(y, s, 0.01):.3f} / {caught:.3f}")
        print(f"| {k} | {len(by_kind[k])} | " + " | ".join(cells) + " |")
    print("\n| human rows | n | " + " | ".join(f"{m} ({modes[m]}): flagged" for m in models) + " |")
    print("|---|---:|" + "---:|" * len(models))
    for k in sorted(human):
        cells = []
        for name in models:
            s, flagged = judged[name][k]
            cells.append(f"{float(flagged[~np.isnan(s)].mean()):.3f}")
        print(f"| {k} | {len(by_kind[k])} | " + " | ".join(cells) + " |")
    print("\nthresholds: " + ", ".join(f"{m} {t}" for m, t in thresholds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
