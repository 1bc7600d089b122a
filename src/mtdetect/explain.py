"""Evidence spans: which phrases look spun or machine-translated, and what they probably replaced.

Three sources, each cheap and each tuned to keep false spans on human writing rare (the
features use looser versions of the same signals; the classifier weighs them):
- lexicon hits (built-in and learned from training pairs) carry a suggested original phrase;
- restorations (`synonyms.py`): a never-seen word pair where swapping a word back to a common
  synonym makes familiar pairs with its neighbours on both sides ("the constructing work" ->
  "the building work"), with the restored pair as the suggestion;
- untranslated words: lower-case words unknown to an English frequency list that contain letters
  outside ASCII ("según", "également").
Spans never overlap: where two would, the source listed first wins.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from mtdetect.features import Parsed, Signals, zipf_table
from mtdetect.lexicon import Entry

KINDS = ("spun_phrase", "calque", "untranslated_word", "mt_pattern")
LEXICON_MIN_CONFIDENCE = 0.9  # learned spun phrases below this are left to the classifier, not shown
LEXICON_SINGLE_WORD_MAX_ZIPF = 3.5  # single words more common than this are everyday English
RESTORED_MIN_COUNT = 10  # evidence needs a better-attested restoration than the features do
RESTORED_MIN_GAIN = 0.3  # and a swapped-in original clearly more common than the word it replaced
PARTNER_MAX_ZIPF = 6.0  # function words and the commonest verbs ("the", "are", "can") are 6 or more
UNTRANSLATED_CONFIDENCE = 0.5


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


def find_evidence(p: Parsed, sig: Signals) -> list[Evidence]:
    """All evidence spans in a parsed text, sorted by start; earlier sources win overlaps."""
    spans: list[Evidence] = []
    for e in (*_lexicon_hits(p, sig), *_restored(p, sig), *_untranslated(p)):
        if not any(o.start < e.end and e.start < o.end for o in spans):
            spans.append(e)
    return sorted(spans, key=lambda e: e.start)


def _lexicon_hits(p: Parsed, sig: Signals) -> list[Evidence]:
    return [
        Evidence(
            m.start, m.end, p.text[m.start : m.end], m.entry.kind, m.entry.suggestion, m.entry.confidence
        )
        for m in sig.matches
        if m.entry.kind != "spun_phrase" or _telling(m.entry)
    ]


def _telling(entry: Entry) -> bool:
    """A spun-phrase entry worth showing: confident, and not an everyday single word ("kid", "Aug")."""
    if entry.confidence < LEXICON_MIN_CONFIDENCE:
        return False
    return " " in entry.phrase or zipf_table().get(entry.phrase.lower(), 0.0) < LEXICON_SINGLE_WORD_MAX_ZIPF


def _restored(p: Parsed, sig: Signals) -> list[Evidence]:
    out = []
    for r in sig.confirmed:
        if r.count < RESTORED_MIN_COUNT or r.gain < RESTORED_MIN_GAIN:
            continue
        # A pair restored next to a very common word ("the position") says little: anything fits there.
        if any(sig.zipf[i] >= PARTNER_MAX_ZIPF for i in (r.first, r.last) if i not in r.swapped):
            continue
        # Names are not restored: "Turkish television" -> "State television" would be a false lead.
        if any(p.word_tokens[i].text[:1].isupper() for i in r.swapped):
            continue
        start, end = p.word_tokens[r.first].start, p.word_tokens[r.last].end
        text = p.text[start:end]
        suggestion = r.suggestion[:1].upper() + r.suggestion[1:] if text[:1].isupper() else r.suggestion
        confidence = min(0.9, 0.3 + 0.1 * math.log1p(r.count) + 0.1 * r.gain)
        out.append(Evidence(start, end, text, "spun_phrase", suggestion, round(confidence, 3)))
    return out


def _untranslated(p: Parsed) -> list[Evidence]:
    zipf = zipf_table()
    return [
        Evidence(t.start, t.end, t.text, "untranslated_word", None, UNTRANSLATED_CONFIDENCE)
        for t, w in zip(p.word_tokens, p.words, strict=True)
        if t.text.islower() and w.isalpha() and not w.isascii() and len(w) >= 3 and w not in zipf
    ]
