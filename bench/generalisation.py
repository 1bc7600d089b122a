"""Leave-one-generator-out: train without one rewriting family, test on that family's output.

    python bench/generalisation.py [--work work/default] [--families wordnet-first,apertium-cat] [--out FILE]

Needs the training data built by `scripts/build_default_model.py --data-only` in --work. For each held-out
family the script trains a model on the other families (same recipe as the shipped model, but the
threshold is not estimated, to save time), then measures at document level:
- spinner and Apertium families: Wikinews *dev* articles (never trained on) rewritten by the family,
  against the untouched dev articles;
- Europarl and TED systems: the family's texts in the validation split, against the human texts
  (originals and human translations) of the same corpus in that split.
A last row evaluates the shipped model on every family, for comparison. Results are printed as a
Markdown table and saved as JSON lines to --out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from accuracy import UNSEEN, measure
from heldout import ALL_FAMILIES, REFERENCE_FILE, ROOT, SPLITS, family_texts, row_family

from mtdetect import Detector
from mtdetect.training.data import iter_jsonl, write_jsonl
from mtdetect.training.trainer import TrainConfig, train


def without_family(work: Path, family: str, folder: Path) -> list[Path]:
    """Copies of the training files with every row of `family` removed."""
    paths = []
    for path in sorted(p for p in work.glob("*.jsonl") if p.name != REFERENCE_FILE):
        out = folder / path.name
        write_jsonl((r for r in iter_jsonl(path) if row_family(r) != family), out)
        paths.append(out)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--families", default=",".join(f for f in ALL_FAMILIES if f not in UNSEEN))
    parser.add_argument("--model", type=Path, help="the full model to compare with (default: shipped)")
    parser.add_argument("--out", type=Path, default=ROOT / "work" / "generalisation.jsonl")
    args = parser.parse_args()
    families = args.families.split(",")
    full = Detector.load(args.model)
    results = []
    print(
        "| held-out family | n rewritten | AUROC held out | TPR@1%FPR held out "
        "| AUROC full model | TPR@1%FPR full |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for family in families:
        human, rewritten = family_texts(family, args.shared, args.work)
        started = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            config = TrainConfig(
                data=without_family(args.work, family, Path(tmp)),
                out=Path(tmp) / "model",
                reference=[args.work / REFERENCE_FILE],
                synonyms="wordnet+thesaurus",
                reference_share=SPLITS["reference"],
                val_share=SPLITS["val"],
                threshold_folds=0,
                progress=False,
            )
            held_out = measure(train(config).detector, human, rewritten)
        with_all = measure(full, human, rewritten)
        result = {
            "family": family,
            "held_out": held_out,
            "full": with_all,
            "seconds": round(time.time() - started),
        }
        results.append(result)
        print(
            f"| {family} | {held_out['n_rewritten']} | {held_out['auroc']:.3f} "
            f"| {held_out['tpr_at_1pct_fpr']:.3f} "
            f"| {with_all['auroc']:.3f} | {with_all['tpr_at_1pct_fpr']:.3f} |",
            flush=True,
        )
        write_jsonl(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
