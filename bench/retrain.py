"""Retraining with a user's own pairs: how long it takes, and what the new model catches afterwards.

    python bench/retrain.py --model models/default [--generator thesaurus-listed-15+fx] [--pairs 150 1000]

The "user" spins Wikipedia articles that the shipped recipe kept out of its head rows (those past
WIKIPEDIA_LIMIT, which fed the collocation table only) with a spinner that recipe never trained on
(`thesaurus-listed`, held out of the build), and runs `mtdetect train --base MODEL --add PAIRS` in a
fresh process, timed. Afterwards base and new models score *other* articles spun the same way: Wikinews
dev articles (never used for training) and Wikipedia articles disjoint from the user's. The table gives
AUROC and TPR at 1% FPR against the untouched versions of those articles, the share caught at each
model's threshold, the share of the untouched articles flagged, and the base's own validation rows as
the retraining command reported them (what was kept).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from heldout import ROOT, WIKIPEDIA_LIMIT, dev_originals

from mtdetect import Detector
from mtdetect.training import corpora
from mtdetect.training.data import write_jsonl
from mtdetect.training.metrics import auroc, tpr_at_fpr
from mtdetect.training.pairs import build_rewriters, make_pairs


def user_articles(shared: Path, test: int) -> tuple[list[tuple[str, str, str]], dict[str, list]]:
    """(the user's articles, the test articles by domain): Wikipedia past WIKIPEDIA_LIMIT is split
    into `test` test articles and the rest; Wikinews dev gives `test` more."""
    docs = list(corpora.read_wiki(shared / "wikipedia" / "train.jsonl", "wikipedia"))[WIKIPEDIA_LIMIT:]
    wiki = [(d.group, d.text, d.source) for d in docs]
    return wiki[test:], {"wikinews dev": dev_originals(shared)[:test], "wikipedia": wiki[:test]}


def pairs_of(docs: list[tuple[str, str, str]], generator: str, seed: int, cache: Path) -> list[dict]:
    """Pair rows of `docs` spun by `generator`, cached in `cache`."""
    if not cache.is_file():
        write_jsonl(make_pairs(docs, build_rewriters([generator]), seed), cache)
    return [json.loads(line) for line in cache.read_text().splitlines()]


def retrain(model: Path, pairs: Path, out: Path) -> float:
    """Seconds taken by `mtdetect train --base model --add pairs --out out` in a fresh process."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mtdetect",
            "train",
            "--base",
            str(model),
            "--add",
            str(pairs),
            "--out",
            str(out),
            "-q",
        ],
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    return time.perf_counter() - started


def test_cells(detector: Detector, test: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    """AUROC / TPR@1%FPR / caught / flagged of one model, per test domain."""
    cells = []
    for human, spun in test.values():
        (neg, neg_flagged), (pos, pos_flagged) = detector.judge_many(human), detector.judge_many(spun)
        caught, flagged = np.mean(pos_flagged[~np.isnan(pos)]), np.mean(neg_flagged[~np.isnan(neg)])
        neg, pos = neg[~np.isnan(neg)], pos[~np.isnan(pos)]
        y, s = np.r_[np.zeros(len(neg)), np.ones(len(pos))], np.r_[neg, pos]
        cells.append(f"{auroc(y, s):.3f} / {tpr_at_fpr(y, s, 0.01):.3f} / {caught:.2f} / {flagged:.3f}")
    return cells


def base_rows_cell(report: dict) -> str:
    """AUROC / TPR@1%FPR / false alarms of a comparison report on the base's validation rows."""
    tpr = next(v for k, v in report.items() if k.startswith("tpr_at_") and k.endswith("_fpr"))
    return f"{report['auroc']:.3f} / {tpr:.3f} / {report['fpr_at_threshold']:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--generator", default="thesaurus-listed-15+fx")
    parser.add_argument("--pairs", type=int, nargs="+", default=[150, 1000])
    parser.add_argument("--test", type=int, default=300, help="test articles per domain")
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "retrain")
    args = parser.parse_args()
    if not (args.shared / "wikipedia" / "train.jsonl").is_file():
        sys.exit(f"{args.shared}: needs the wikipedia and wikinews corpora of ../shared/data")
    args.work.mkdir(parents=True, exist_ok=True)
    mine, test_docs = user_articles(args.shared, args.test)
    if len(mine) < max(args.pairs):
        sys.exit(f"only {len(mine)} articles for the user's pairs; ask for at most that many")
    user = pairs_of(mine[: max(args.pairs)], args.generator, 0, args.work / f"user-{args.generator}.jsonl")
    test = {}
    for domain, docs in test_docs.items():
        rows = pairs_of(docs, args.generator, 1, args.work / f"test-{domain.replace(' ', '-')}.jsonl")
        test[domain] = ([t for _, t, _ in docs], [r["rewritten"] for r in rows])

    domains = " | ".join(f"{d}: AUROC / TPR@1%FPR / caught / flagged" for d in test)
    print(f"Spinner `{args.generator}`, test articles per domain: {args.test}\n")
    print(f"| model | retraining | {domains} | base's validation rows: AUROC / TPR@1%FPR / flagged |")
    print("|---|---:|" + "---|" * (len(test) + 1))
    print(
        f"| base ({args.model.name}) | – | "
        + " | ".join(test_cells(Detector.load(args.model), test))
        + " | |"
    )
    for n in args.pairs:
        pairs = args.work / f"pairs-{n}.jsonl"
        write_jsonl(user[:n], pairs)
        out = args.work / f"model-{n}"
        seconds = retrain(args.model, pairs, out)
        comparison = json.loads((out / "manifest.json").read_text())["retrained"]["comparison"]
        kept = comparison["the base's validation rows"]
        cells = test_cells(Detector.load(out), test)
        base_cell = f"{base_rows_cell(kept['base'])} → {base_rows_cell(kept['new'])}"
        print(
            f"| + {n} pairs | {seconds / 60:.1f} min | " + " | ".join(cells) + f" | {base_cell} |", flush=True
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
