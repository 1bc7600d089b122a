"""Held-out accuracy of a model, by rewriting family, and its false-positive rate on human text.

    python bench/accuracy.py [--model DIR] [--work work/default] [--families a,b] [--out FILE]

Needs the training data built by `scripts/build_default_model.py --data-only` (for the validation
split of the corpus families and the controls). See `heldout.py` for the test sets. Families marked
"unseen" were never trained on (the Mythes "listed" spinner, Apertium hbs, MADLAD); the others were,
on other documents. A bundle with an encoder is measured twice on the same rows: the full model and
its feature-only (`--fast`) head, trained on the same data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from heldout import ALL_FAMILIES, ROOT, family_texts, human_controls

from mtdetect import Detector
from mtdetect.training.metrics import auroc, tpr_at_fpr

UNSEEN = {"thesaurus-listed", "apertium-hbs", "europarl/madlad"}


def measure(detector: Detector, human: list[str], rewritten: list[str]) -> dict:
    """AUROC and TPR at 1% FPR of rewritten against human texts, and the share flagged of each."""
    (neg, neg_flagged), (pos, pos_flagged) = detector.judge_many(human), detector.judge_many(rewritten)
    neg_flagged, pos_flagged = neg_flagged[~np.isnan(neg)], pos_flagged[~np.isnan(pos)]
    neg, pos = neg[~np.isnan(neg)], pos[~np.isnan(pos)]
    y = np.r_[np.zeros(len(neg)), np.ones(len(pos))]
    s = np.r_[neg, pos]
    return {
        "n_human": len(neg),
        "n_rewritten": len(pos),
        "auroc": round(auroc(y, s), 4),
        "tpr_at_1pct_fpr": round(tpr_at_fpr(y, s, 0.01), 4),
        "tpr_at_threshold": round(float(pos_flagged.mean()), 4),
        "fpr_at_threshold": round(float(neg_flagged.mean()), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--families", default=",".join(ALL_FAMILIES))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    modes = {"full": Detector.load(args.model), "fast": Detector.load(args.model, fast=True)}
    results: dict = {"model": str(args.model or "default"), "families": {}, "controls": {}}
    results["thresholds"] = {mode: d.threshold.value for mode, d in modes.items()}
    print(f"model: {results['model']}; thresholds {results['thresholds']}\n")
    print(
        "| family | n | AUROC | AUROC, features only | TPR@1%FPR | TPR@1%FPR, features only "
        "| TPR at threshold | TPR at threshold, features only |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for family in args.families.split(","):
        human, rewritten = family_texts(family, args.shared, args.work)
        r = {mode: measure(d, human, rewritten) for mode, d in modes.items()}
        results["families"][family] = r
        name = f"{family} (unseen)" if family in UNSEEN else family
        cells = [f"{r[m][k]:.3f}" for k in ("auroc", "tpr_at_1pct_fpr", "tpr_at_threshold") for m in modes]
        print(f"| {name} | {r['full']['n_rewritten']} | {' | '.join(cells)} |")
    print(
        "\n| human control | n | FPR at threshold | FPR at threshold, features only |\n|---|---:|---:|---:|"
    )
    for name, texts in human_controls(args.shared, args.work).items():
        row = {}
        for mode, detector in modes.items():
            scores, flagged = detector.judge_many(texts)
            row[mode] = {
                "n": int((~np.isnan(scores)).sum()),
                "fpr_at_threshold": round(float(flagged[~np.isnan(scores)].mean()), 4),
            }
        results["controls"][name] = row
        fprs = " | ".join(f"{row[m]['fpr_at_threshold']:.3f}" for m in modes)
        print(f"| {name} | {row['full']['n']} | {fprs} |")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
