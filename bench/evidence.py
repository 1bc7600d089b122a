"""Quality of evidence spans on spun Wikinews dev articles whose true substitutions are known.

    python bench/evidence.py [--model DIR] [--n 300] [--spinner thesaurus-listed] [--rate 0.15] [--deep]

- span recall: share of substituted word tokens covered by a flagged span;
- span precision: share of flagged word tokens that really were substituted;
- suggestion accuracy: share of flagged spans with a suggestion whose suggestion equals the true
  original text of the span (case-insensitive);
- false spans per 1,000 words on the untouched originals.
Only spun-kind evidence (spun_phrase) counts. Use a spinner the model never trained on: for the shipped
model that is `thesaurus-listed` (the default), which the build keeps out of the training data, so
neither the learned lexicon nor the encoder's token tags have seen its substitutions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mtdetect import Detector
from mtdetect.pairs import document_seed
from mtdetect.rewrite import Rewrite
from mtdetect.text import word_tokens

ROOT = Path(__file__).resolve().parents[1]


def make_spinner(name: str, rate: float):
    from mtdetect import rewrite

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--spinner", default="thesaurus-listed")
    parser.add_argument("--rate", type=float, default=0.15)
    parser.add_argument("--deep", action="store_true", help="add language-model evidence")
    args = parser.parse_args()
    detector = Detector.load(args.model, deep=args.deep)
    spinner = make_spinner(args.spinner, args.rate)
    with (args.shared / "wikinews" / "dev.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line, _ in zip(f, range(args.n), strict=False)]
    sub_tokens = hit_tokens = flagged_tokens = 0
    with_suggestion = correct = 0
    false_spans = original_words = 0
    for row in rows:
        rw = spinner.rewrite(row["text"], document_seed(0, row["id"]))
        toks = word_tokens(rw.text)
        analysis = detector.analyze(rw.text)
        spans = [e for e in analysis.evidence if e.kind == "spun_phrase"]
        subs = {
            i for i, t in enumerate(toks) for s in rw.substitutions if t.start < s.end and s.start < t.end
        }
        flagged = {i for i, t in enumerate(toks) for e in spans if t.start < e.end and e.start < t.end}
        sub_tokens += len(subs)
        flagged_tokens += len(flagged)
        hit_tokens += len(subs & flagged)
        for e in spans:
            if e.suggestion:
                with_suggestion += 1
                correct += e.suggestion.lower() == true_original(rw, e.start, e.end).lower()
        orig = detector.analyze(row["text"])
        false_spans += sum(e.kind == "spun_phrase" for e in orig.evidence)
        original_words += len(word_tokens(row["text"]))
    name = f"{args.spinner} (deep)" if args.deep else args.spinner
    print(
        "| spinner | rate | docs | span recall | span precision | suggestion accuracy "
        "| false spans / 1k words |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {name} | {args.rate:.2f} | {len(rows)} | {hit_tokens / max(sub_tokens, 1):.3f} "
        f"| {hit_tokens / max(flagged_tokens, 1):.3f} | {correct / max(with_suggestion, 1):.3f} "
        f"| {1000 * false_spans / max(original_words, 1):.2f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
