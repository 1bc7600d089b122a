"""Evidence spans: which phrases look spun or machine-translated, and what they probably replaced.

Three sources, each cheap and each tuned to keep false spans on human writing rare:
- lexicon hits (built-in and learned from training pairs) carry a suggested original phrase;
- rare collocations: an uncommon, lower-case word whose pairs with both neighbours never occur in
  the reference corpus (the "higher hand" pattern when "higher hand" is not yet in the lexicon);
- untranslated words: lower-case words unknown to an English frequency list that contain letters
  outside ASCII ("según", "également").
Spans never overlap; a lexicon hit wins over the other two.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mtdetect.collocations import BigramTable
from mtdetect.features import Parsed, zipf_table
from mtdetect.lexicon import Lexicon

KINDS = ("spun_phrase", "calque", "untranslated_word", "mt_pattern")
RARE_WORD_ZIPF = 3.0
RARE_COLLOCATION_CONFIDENCE = 0.35
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


def find_evidence(p: Parsed, lexicon: Lexicon, bigrams: BigramTable) -> list[Evidence]:
    """All evidence spans in a parsed text, sorted by start."""
    spans = [
        Evidence(
            m.start, m.end, p.text[m.start : m.end], m.entry.kind, m.entry.suggestion, m.entry.confidence
        )
        for m in lexicon.find(p.text[: p.word_tokens[-1].end] if p.word_tokens else "")
    ]
    taken = [(e.start, e.end) for e in spans]
    for e in (*_rare_collocations(p, bigrams), *_untranslated(p)):
        if not any(a < e.end and e.start < b for a, b in taken):
            spans.append(e)
            taken.append((e.start, e.end))
    return sorted(spans, key=lambda e: e.start)


def _rare_collocations(p: Parsed, bigrams: BigramTable) -> list[Evidence]:
    if bigrams.n_docs == 0:
        return []
    zipf = zipf_table()
    unseen_left: set[int] = set()
    unseen_right: set[int] = set()
    for a, b in p.pairs():
        if bigrams.count(p.words[a], p.words[b]) == 0:
            unseen_right.add(a)
            unseen_left.add(b)
    out = []
    for i in unseen_left & unseen_right:
        tok = p.word_tokens[i]
        if tok.text.islower() and tok.text.isalpha() and 0 < zipf.get(p.words[i], 0.0) < RARE_WORD_ZIPF:
            out.append(
                Evidence(tok.start, tok.end, tok.text, "spun_phrase", None, RARE_COLLOCATION_CONFIDENCE)
            )
    return out


def _untranslated(p: Parsed) -> list[Evidence]:
    zipf = zipf_table()
    return [
        Evidence(t.start, t.end, t.text, "untranslated_word", None, UNTRANSLATED_CONFIDENCE)
        for t, w in zip(p.word_tokens, p.words, strict=True)
        if t.text.islower() and w.isalpha() and not w.isascii() and len(w) >= 3 and w not in zipf
    ]
