"""Give a bundle's main and `--fast` heads their kinds' own cuts without refitting the heads.

    python scripts/kind_thresholds.py models/default

Training now chooses, beside the cut on the score, a cut on each kind's own probability
(`heads.with_kind_cuts`). For a bundle trained before that, this gets the out-of-fold class
probabilities of its fit rows as training does (the head's classifier refitted in the same group folds
on the rows of `refit.npz`), and writes the cuts into the manifest, with the validation figures that
depend on them (measured again on the validation rows of `refit.npz`). The heads and the score thresholds
stay as they are; the deep head keeps its one threshold (its rows need the language model's readings,
and the training of a deep head now chooses its cuts itself).
For the repo's models/default it also pins the new manifest hash, as the build does.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from build_default_model import pin

from mtdetect import Detector
from mtdetect.model.bundle import BundleError, read_manifest, write_manifest
from mtdetect.model.detector import Threshold
from mtdetect.training.heads import fit_head, with_kind_cuts
from mtdetect.training.refit import REFIT_FILE, HeadRows, RefitRows
from mtdetect.training.retrain import rows_report

# The validation figures that depend on the cuts, measured again on the bundle's validation rows.
AT_THRESHOLD = ("fpr_at_threshold", "tpr_at_threshold", "per_class")
AT_THRESHOLD_FROM = (
    "the head rows of refit.npz's validation split, at the kind cuts (scripts/kind_thresholds.py)"
)


def with_cuts(threshold: Threshold, rows: HeadRows, config: dict) -> Threshold:
    """`threshold` with the kind cuts of a head refitted out of fold on `rows`, as training fits it."""
    fitted = fit_head(
        config["head"], config["seed"], rows.x, rows.labels, rows.groups, config["calibration_folds"]
    )
    return with_kind_cuts(
        threshold,
        fitted.rewritten_scores(),
        fitted.kind_probabilities(),
        rows.labels,
        rows.sources,
        config["max_fpr"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    args = parser.parse_args()
    try:
        manifest = read_manifest(args.bundle)
    except BundleError as exc:
        print(f"kind_thresholds: {exc}", file=sys.stderr)
        return 1
    config = manifest["training"]["config"]
    refit = RefitRows.load(args.bundle / REFIT_FILE)
    heads = {"main head": (manifest, False), "--fast head": (manifest.get("fast"), True)}
    for name, (section, fast) in heads.items():
        if section is None:
            continue
        detector = Detector.load(args.bundle, fast=fast)
        fit = refit.fit
        fit = HeadRows(fit.first_columns(len(detector.columns)), fit.labels, fit.groups, fit.sources)
        detector.threshold = with_cuts(Threshold.from_json(section["threshold"]), fit, config)
        section["threshold"] = asdict(detector.threshold)
        report = rows_report(detector, refit.val, config["max_fpr"])
        section.setdefault("metrics", {}).setdefault("validation", {}).update(
            {k: report[k] for k in AT_THRESHOLD}, at_threshold_from=AT_THRESHOLD_FROM
        )
        print(f"{name}: score above {detector.threshold.value}, or {detector.threshold.kinds}; validation")
        print(
            f"  FPR / TPR {report['fpr_at_threshold']} / {report['tpr_at_threshold']}, {report['per_class']}"
        )
    write_manifest(args.bundle, {k: v for k, v in manifest.items() if k != "files"})
    pin(args.bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
