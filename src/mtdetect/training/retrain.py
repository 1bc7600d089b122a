"""Refit a bundle on its own carried rows plus a user's labelled data: no third-party data needed.

`mtdetect train --base BUNDLE --add PAIRS.jsonl --out NEW` takes this path. The components that turn
text into columns stay as the bundle has them (tables, n-grams, and the encoder, frozen), except that
the lexicon also learns the user's spun pairs. The heads, their thresholds and the word scorers are
refitted on the bundle's rows (`refit.py`) plus the user's. A share of the user's groups is held out,
and the base and new models are compared there and on the bundle's own validation rows.

The bundle's rows were computed with the base lexicon; entries mined from the user's pairs change only
the lexicon features of texts that contain them, which the user's rows have and the bundle's rows
lack. That is the price of refitting without the base's text.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.model.bundle import MANIFEST, library_versions, read_manifest, sha256_file
from mtdetect.model.detector import LABELS, Detector
from mtdetect.model.features import FeatureExtractor
from mtdetect.training import data as data_mod
from mtdetect.training import metrics
from mtdetect.training.mining import learn
from mtdetect.training.refit import REFIT_FILE, WORD_ROWS_MAX, HeadRows, RefitRows
from mtdetect.training.trainer import (
    config_from_base,
    evaluate,
    fit_head_pair,
    fit_word_scorers,
    head_info,
    head_rows,
    word_rows,
)

log = logging.getLogger(__name__)
MIN_ADD_TEXTS = 25  # originals and rewritten texts (each) of at least min_words words in the user's data
ADD_VAL_SHARE = 0.2  # of the user's groups, held out for the comparison


@dataclass
class RetrainResult:
    """The new detector and the base-against-new comparison, one report per row set."""

    detector: Detector
    comparison: dict[str, dict[str, dict[str, Any]]]  # row set -> {"base": report, "new": report}
    seconds: float


def retrain(base: Path, add: list[Path], out: Path, progress: bool = True) -> RetrainResult:
    """Refit `base` on its carried rows plus the data in `add`, save the bundle to `out`, and compare.

    Raises ValueError (a DataError for the user's data) with a message that says what is missing.
    """
    started = time.time()
    manifest = read_manifest(base)
    if "refit" not in manifest or not (base / REFIT_FILE).is_file():
        raise ValueError(
            f"{base}: carries no refit rows (built before they were saved); retrain it from its own "
            "training data with --fine-tune"
        )
    config = config_from_base(base, out, add)
    config.progress = progress
    old = Detector.load(base)
    old_fast = Detector.load(base, fast=True) if old.encoder is not None else old
    carried = RefitRows.load(base / REFIT_FILE)
    if carried.columns != old.columns:
        raise ValueError(f"{base / REFIT_FILE}: its columns are not the ones the bundle's head reads")

    user = data_mod.load(add)
    parts = data_mod.split(user, {"fit": 1.0 - ADD_VAL_SHARE, "val": ADD_VAL_SHARE}, config.seed)
    check_enough(user, config.min_words)
    mined = learn(
        ((p.original, p.rewritten) for p in parts["fit"].pairs if p.kind == "spun"),
        min_count=config.lexicon_min_count,
    )
    ex = old.extractor
    extractor = FeatureExtractor(ex.lexicon.merged_with(mined), ex.bigrams, ex.synonyms, ex.origins)
    user_fit = head_rows(config, extractor, old.encoder, old.ngrams, parts["fit"], "features (your data)")
    detector, fast = fit_head_pair(config, extractor, old.encoder, old.ngrams, carried.fit + user_fit)

    words = word_rows(config, detector, parts["fit"])
    if carried.words is not None and words is not None:
        words = carried.words + words
    words = words if words is not None else carried.words
    if words is not None:
        fit_word_scorers(detector, fast, words, config.seed)
    else:
        detector.words, fast.words = old.words, old_fast.words

    user_val = head_rows(config, extractor, old.encoder, old.ngrams, parts["val"], "features (held out)")
    comparison = {
        "your held-out data": {
            "base": evaluate(old, parts["val"], config.max_fpr),
            "new": evaluate(detector, parts["val"], config.max_fpr),
        },
        "the base's validation rows": {
            "base": rows_report(old, carried.val, config.max_fpr),
            "new": rows_report(detector, carried.val, config.max_fpr),
        },
    }
    refit = RefitRows(
        carried.columns,
        carried.fit + user_fit,
        carried.val + user_val,
        words.sample(WORD_ROWS_MAX, config.seed) if words is not None else None,
    )
    seconds = round(time.time() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    refit.save(out / REFIT_FILE)
    record = new_manifest(base, manifest, out, user, refit, comparison, seconds, head_info(config))
    detector.save(out, record, fast)
    return RetrainResult(detector, comparison, seconds)


def check_enough(user: data_mod.Dataset, min_words: int) -> None:
    """Refuse data with fewer than MIN_ADD_TEXTS scorable originals or rewritten texts."""
    long_enough = data_mod.long_enough(user.examples, min_words)
    originals = sum(e.label == "original" for e in long_enough)
    rewritten = len(long_enough) - originals
    if min(originals, rewritten) < MIN_ADD_TEXTS:
        raise data_mod.DataError(
            f"--add has {originals} original and {rewritten} rewritten texts of at least {min_words} words; "
            f"retraining needs at least {MIN_ADD_TEXTS} of each (a pair gives one of each)"
        )


def rows_report(detector: Detector, rows: HeadRows, max_fpr: float) -> dict[str, Any]:
    """The evaluation report of a detector's head on carried head rows (no text needed)."""
    proba = detector.head_proba(rows.first_columns(len(detector.columns)))
    y = (rows.labels != "original").astype(int)
    predicted = [detector.label_of(r) for r in proba]
    flagged = np.asarray(predicted) != "original"
    report = metrics.binary_report(y, 1.0 - proba[:, 0], flagged, max_fpr)
    report["unscored"] = 0
    report["per_class"] = metrics.per_class(list(rows.labels), predicted, LABELS)
    return report


def new_manifest(
    base: Path,
    manifest: dict[str, Any],
    out: Path,
    user: data_mod.Dataset,
    refit: RefitRows,
    comparison: dict[str, dict[str, dict[str, Any]]],
    seconds: float,
    head: dict[str, Any],
) -> dict[str, Any]:
    """The new bundle's manifest: the base's record, plus what was added, how both models compare and
    how the new heads were fitted."""
    keep = ("components", "training")
    return {
        **{k: manifest[k] for k in keep if k in manifest},
        "name": out.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "head": head,
        "retrained": {
            "base": {"name": manifest.get("name"), "manifest_sha256": sha256_file(base / MANIFEST)},
            "added_files": user.files,
            "added_counts": user.label_counts(),
            "frozen": ["encoder", "n-grams", "synonym, origin and bigram tables"],
            "refitted": ["heads", "thresholds", "word scorers", "lexicon (merged with the added pairs)"],
            "comparison": comparison,
            "seconds": seconds,
        },
        "metrics": {"validation": comparison["the base's validation rows"]["new"]},
        "refit": {"file": REFIT_FILE, **refit.describe()},
    }


def comparison_lines(comparison: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """The comparison as aligned lines: one block per row set, base beside new."""
    lines = []
    for name, reports in comparison.items():
        lines.append(f"{name:>24}  {'base':>10} {'new':>10}")
        for key, old in reports["base"].items():
            new = reports["new"].get(key)
            if key == "per_class":
                for label, row in old.items():
                    lines.append(
                        f"{label + ' recall':>24}  {row['recall']!s:>10} {new[label]['recall']!s:>10}"
                    )
            elif not isinstance(old, dict) and (key != "unscored" or old or new):
                lines.append(f"{key:>24}  {old!s:>10} {new!s:>10}")
    return lines
