"""Quality of evidence spans on spun Wikinews dev articles whose true substitutions are known.

    python bench/evidence.py [--model DIR] [--n 300] [--spinner thesaurus-listed] [--rate 0.15 0.3]
                             [--deep] [--fast]

- span recall: share of substituted word tokens covered by a flagged span;
- span precision: share of flagged word tokens that really were substituted;
- suggestion accuracy: share of flagged spans with a suggestion whose suggestion equals the true
  original text of the span (case-insensitive);
- false spans per 1,000 words on the untouched originals;
- called spun: the share of spun articles the detector labels `spun` (where the word scorer's weak
  threshold applies; under `--deep` it applies also where spun is the likeliest class: `wordscore.py`).
Only spun-kind evidence (spun_phrase) counts. Use a spinner the model never trained on: for the shipped
model that is `thesaurus-listed` (the default), which the build keeps out of the training data, so
neither the learned lexicon, the encoder's token tags nor the word scorer have seen its substitutions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from mtdetect import Analysis, Detector
from mtdetect.model.text import word_tokens
from mtdetect.training.align import covered
from mtdetect.training.pairs import document_seed
from mtdetect.training.rewrite import Rewrite

ROOT = Path(__file__).resolve().parents[1]
Span = tuple[int, int, str | None]  # start, end, suggested original


def make_spinner(name: str, rate: float):
    from mtdetect.training import rewrite

    if name.startswith("thesaurus-"):
        return rewrite.thesaurus_spinner(rate, rank=name.removeprefix("thesaurus-"))
    strategy = {
        "wordnet-random": "random_sense",
        "wordnet-first": "first_sense",
        "wordnet-frequent": "frequent_lemma",
    }
    return rewrite.wordnet_spinner(strategy[name], rate)


def true_original(rw: Rewrite, start: int, end: int) -> str:
    """The original text of rewritten[start:end], undoing the substitutions inside it."""
    out, pos = [], start
    for s in rw.substitutions:
        if s.end <= start or s.start >= end:
            continue
        out.append(rw.text[pos : max(pos, s.start)])
        out.append(s.original)
        pos = max(pos, s.end)
    out.append(rw.text[pos:end])
    return "".join(out)


def measure(detector: Detector, rewrites: Sequence[Rewrite]) -> dict[str, float | None]:
    """Span recall and precision, suggestion accuracy, and the share of spun texts called spun."""
    analyses = detector.analyze_many([rw.text for rw in rewrites], explain=True, sentences=False)
    called_spun = sum(a.label == "spun" for a in analyses) / max(len(rewrites), 1)
    return {**measure_spans(rewrites, list(map(spun_spans, analyses))), "called_spun": called_spun}


def spun_spans(analysis: Analysis) -> list[Span]:
    """The spun-phrase evidence of an analysis, as spans."""
    return [(e.start, e.end, e.suggestion) for e in analysis.evidence if e.kind == "spun_phrase"]


def measure_spans(rewrites: Sequence[Rewrite], spans: Sequence[Sequence[Span]]) -> dict[str, float | None]:
    """Span recall and precision of `spans` (per rewrite) against its substitutions, and the share of
    the spans with a suggestion whose suggestion is the true original (None where nothing to count)."""
    sub_tokens = hit_tokens = flagged_tokens = with_suggestion = correct = 0
    for rw, shown in zip(rewrites, spans, strict=True):
        toks = word_tokens(rw.text)
        swapped = [(s.start, s.end) for s in rw.substitutions]
        marked = [(start, end) for start, end, _ in shown]
        subs = {i for i, t in enumerate(toks) if covered(t.start, t.end, swapped)}
        flagged = {i for i, t in enumerate(toks) if covered(t.start, t.end, marked)}
        sub_tokens += len(subs)
        flagged_tokens += len(flagged)
        hit_tokens += len(subs & flagged)
        for start, end, suggestion in shown:
            if suggestion:
                with_suggestion += 1
                correct += suggestion.lower() == true_original(rw, start, end).lower()
    return {
        "recall": hit_tokens / max(sub_tokens, 1),
        "precision": hit_tokens / flagged_tokens if flagged_tokens else None,
        "suggestions": correct / with_suggestion if with_suggestion else None,
    }


def cell(value: float | None) -> str:
    """A table cell of a share: three decimals, or a dash when there is nothing to measure."""
    return "–" if value is None else f"{value:.3f}"


def false_spans_per_1k(detector: Detector, texts: Sequence[str]) -> float:
    """Spun-phrase spans per 1,000 words of untouched originals."""
    analyses = detector.analyze_many(list(texts), explain=True, sentences=False)
    return spans_per_1k(list(map(spun_spans, analyses)), texts)


def spans_per_1k(spans: Sequence[Sequence[Span]], texts: Sequence[str]) -> float:
    """Spans (one list per text) per 1,000 words of `texts`."""
    return 1000 * sum(map(len, spans)) / max(sum(len(word_tokens(t)) for t in texts), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--spinner", default="thesaurus-listed")
    parser.add_argument("--rate", type=float, nargs="+", default=[0.15, 0.3])
    parser.add_argument("--deep", action="store_true", help="add language-model evidence")
    parser.add_argument("--fast", action="store_true", help="the feature-only head and word scorer")
    args = parser.parse_args()
    detector = Detector.load(args.model, fast=args.fast, deep=args.deep)
    with (args.shared / "wikinews" / "dev.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line, _ in zip(f, range(args.n), strict=False)]
    false_spans = false_spans_per_1k(detector, [row["text"] for row in rows])
    name = args.spinner + (" (deep)" if args.deep else "") + (" (fast)" if args.fast else "")
    print(
        "| spinner | rate | docs | called spun | span recall | span precision | suggestion accuracy "
        "| false spans / 1k words of originals |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for rate in args.rate:
        spinner = make_spinner(args.spinner, rate)
        m = measure(detector, [spinner.rewrite(row["text"], document_seed(0, row["id"])) for row in rows])
        cells = [m[k] for k in ("called_spun", "recall", "precision", "suggestions")]
        print(f"| {name} | {rate:.2f} | {len(rows)} | {' | '.join(map(cell, cells))} | {false_spans:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
