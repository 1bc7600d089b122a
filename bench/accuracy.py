"""Held-out accuracy of a model, by rewriting family, and its false-positive rate on human text.

    python bench/accuracy.py [--model DIR] [--work work/default] [--families a,b] [--out FILE]

Needs the training data built by `scripts/build_default_model.py --data-only` (for the validation
split of the corpus families and the controls). See `heldout.py` for the test sets. Families marked
"unseen" were never trained on (Apertium hbs, MADLAD); the others were, on other documents.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from heldout import ALL_FAMILIES, ROOT, family_texts, human_controls

from mtdetect import Detector
from mtdetect.metrics import auroc, tpr_at_fpr

UNSEEN = {"apertium-hbs", "europarl/madlad"}


def measure(detector: Detector, human: list[str], rewritten: list[str]) -> dict:
    """AUROC and TPR at 1% FPR of rewritten against human texts, and the share flagged of each."""
    neg, pos = detector.score_many(human), detector.score_many(rewritten)
    neg, pos = neg[~np.isnan(neg)], pos[~np.isnan(pos)]
    y = np.r_[np.zeros(len(neg)), np.ones(len(pos))]
    s = np.r_[neg, pos]
    t = detector.threshold.value
    return {
        "n_human": len(neg),
        "n_rewritten": len(pos),
        "auroc": round(auroc(y, s), 4),
        "tpr_at_1pct_fpr": round(tpr_at_fpr(y, s, 0.01), 4),
        "tpr_at_threshold": round(float((pos > t).mean()), 4),
        "fpr_at_threshold": round(float((neg > t).mean()), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--families", default=",".join(ALL_FAMILIES))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    detector = Detector.load(args.model)
    threshold = detector.threshold.value
    results = {"model": str(args.model or "default"), "threshold": threshold, "families": {}, "controls": {}}
    print(f"model: {results['model']}; threshold {threshold:.3f}\n")
    print("| family | n | AUROC | TPR@1%FPR | TPR at threshold |\n|---|---:|---:|---:|---:|")
    for family in args.families.split(","):
        r = measure(detector, *family_texts(family, args.shared, args.work))
        results["families"][family] = r
        name = f"{family} (unseen)" if family in UNSEEN else family
        print(
            f"| {name} | {r['n_rewritten']} | {r['auroc']:.3f} | {r['tpr_at_1pct_fpr']:.3f} "
            f"| {r['tpr_at_threshold']:.3f} |"
        )
    print("\n| human control | n | flagged at threshold (FPR) |\n|---|---:|---:|")
    for name, texts in human_controls(args.shared, args.work).items():
        scores = detector.score_many(texts)
        scores = scores[~np.isnan(scores)]
        fpr = float((scores > threshold).mean())
        results["controls"][name] = {"n": len(scores), "fpr_at_threshold": round(fpr, 4)}
        print(f"| {name} | {len(scores)} | {fpr:.3f} |")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
