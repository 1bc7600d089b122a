"""Give a bundle's main and `--fast` heads their kinds' own cuts without refitting the heads.

    python scripts/kind_thresholds.py models/default

Training now chooses, beside the cut on the score, a cut on each kind's own probability
(`heads.with_kind_cuts`). For a bundle trained before that, this gets the out-of-fold class
probabilities of its fit rows as training does (the head's classifier refitted in the same group folds
on the rows of `refit.npz`), and writes the cuts into the manifest. The heads and the score thresholds
stay as they are; the deep head keeps its one threshold (its rows need the language model's readings).
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
    fit = RefitRows.load(args.bundle / REFIT_FILE).fit
    main_head = with_cuts(Threshold.from_json(manifest["threshold"]), fit, config)
    manifest["threshold"] = asdict(main_head)
    print(f"main head: score above {main_head.value}, or {main_head.kinds}")
    if "fast" in manifest:
        n_fast = len(Detector.load(args.bundle, fast=True).columns)
        fast = HeadRows(fit.first_columns(n_fast), fit.labels, fit.groups, fit.sources)
        fast_head = with_cuts(Threshold.from_json(manifest["fast"]["threshold"]), fast, config)
        manifest["fast"]["threshold"] = asdict(fast_head)
        print(f"--fast head: score above {fast_head.value}, or {fast_head.kinds}")
    write_manifest(args.bundle, {k: v for k, v in manifest.items() if k != "files"})
    pin(args.bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
