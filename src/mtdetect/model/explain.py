"""Evidence spans: which phrases look spun or machine-translated, and what they probably replaced.

Sources, each tuned to keep false spans on human writing rare:
- lexicon hits of the translation kinds (`calque`, `mt_pattern`), with the phrase they stand for;
- spun phrases: runs of words that the word scorer (`wordscore.py`) finds probably substituted,
  with the common synonym or origin (`synonyms.py`) that fits the neighbours best as the suggestion,
  or the lexicon's phrase when a learned or built-in spun phrase covers them;
- with deep evidence (`surprisal.py`), words that a common synonym would fit far better according to
  a language model, with that synonym as the suggestion;
- untranslated words: lower-case words unknown to an English frequency list that contain letters
  outside ASCII ("según", "également").
Spans never overlap: where two would, the source listed first wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mtdetect.model.features import Signals
from mtdetect.model.surprisal import Surprise
from mtdetect.model.text import Parsed, capitalised_like, zipf_table
from mtdetect.model.wordscore import NEVER

KINDS = ("spun_phrase", "calque", "untranslated_word", "mt_pattern")
UNTRANSLATED_CONFIDENCE = 0.5
RUN_MAX_WORDS = 4  # spinners swap words and short phrases; longer runs are not one substitution


@dataclass(frozen=True)
class Evidence:
    """A flagged span: `text == analysed_text[start:end]`."""

    start: int
    end: int
    text: str
    kind: str
    suggestion: str | None
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_evidence(p: Parsed, sig: Signals, model_spans: Sequence[Evidence] = ()) -> list[Evidence]:
    """All evidence spans in a parsed text, sorted by start; earlier sources win overlaps.

    `model_spans` come from the models (`scored_spans`, `surprise_spans`), in their order of
    precedence; they rank after the translation-kind lexicon hits and before untranslated words.
    """
    spans: list[Evidence] = []
    for e in (*_translation_hits(p, sig), *model_spans, *_untranslated(p)):
        if not any(o.start < e.end and e.start < o.end for o in spans):
            spans.append(e)
    return sorted(spans, key=lambda e: e.start)


def _translation_hits(p: Parsed, sig: Signals) -> list[Evidence]:
    return [
        Evidence(
            m.start, m.end, p.text[m.start : m.end], m.entry.kind, m.entry.suggestion, m.entry.confidence
        )
        for m in sig.matches
        if m.entry.kind != "spun_phrase"
    ]


def scored_spans(
    p: Parsed, sig: Signals, probs: Sequence[float], suggestions: Sequence[str | None], threshold: float
) -> list[Evidence]:
    """Spun-phrase spans over the words whose substitution probability reaches `threshold`.

    A spun lexicon phrase that contains a flagged word is shown whole, with the lexicon's suggestion;
    other flagged words form runs of adjacent words, each word's suggestion put in its place.
    """
    flagged = {i for i, x in enumerate(probs) if x >= threshold} if threshold < NEVER else set()
    out = []
    for m in sig.matches:
        if m.entry.kind != "spun_phrase":
            continue
        inside = set(p.words_within(m.start, m.end))
        if inside & flagged:
            confidence = round(max(probs[i] for i in inside), 3)
            text = p.text[m.start : m.end]
            out.append(Evidence(m.start, m.end, text, "spun_phrase", m.entry.suggestion, confidence))
            flagged -= inside
    for run in _runs(p, sorted(flagged)):
        start, end = p.word_tokens[run[0]].start, p.word_tokens[run[-1]].end
        suggestion = None
        if any(suggestions[i] for i in run):
            suggestion = "".join(
                (
                    capitalised_like(suggestions[i], p.word_tokens[i].text)
                    if suggestions[i]
                    else p.word_tokens[i].text
                )
                + (p.text[p.word_tokens[i].end : p.word_tokens[i + 1].start] if i != run[-1] else "")
                for i in run
            )
        confidence = round(sum(probs[i] for i in run) / len(run), 3)
        out.append(Evidence(start, end, p.text[start:end], "spun_phrase", suggestion, confidence))
    return out


def _runs(p: Parsed, indices: Sequence[int]) -> list[list[int]]:
    """Sorted word indices grouped into runs of adjacent words joined by a space or a hyphen."""
    runs: list[list[int]] = []
    for i in indices:
        joined = runs and runs[-1][-1] == i - 1 and len(runs[-1]) < RUN_MAX_WORDS
        if joined and p.text[p.word_tokens[i - 1].end : p.word_tokens[i].start] in (" ", "-"):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def surprise_spans(p: Parsed, surprises: Sequence[Surprise], min_margin: float) -> list[Evidence]:
    """Words that a common synonym would fit at least `min_margin` nats better, per the language model."""
    out = []
    for s in surprises:
        if s.margin < min_margin:
            continue
        t = p.word_tokens[s.index]
        confidence = round(1.0 - math.exp(-s.margin / 4.0), 3)  # a display scale, not a probability
        out.append(Evidence(t.start, t.end, t.text, "spun_phrase", s.suggestion, confidence))
    return out


def _untranslated(p: Parsed) -> list[Evidence]:
    zipf = zipf_table()
    return [
        Evidence(t.start, t.end, t.text, "untranslated_word", None, UNTRANSLATED_CONFIDENCE)
        for t, w in zip(p.word_tokens, p.words, strict=True)
        if t.text.islower() and w.isalpha() and not w.isascii() and len(w) >= 3 and w not in zipf
    ]
