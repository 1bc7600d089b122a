"""Evidence spans: which phrases look spun or machine-translated, and what they probably replaced.

Four sources, each tuned to keep false spans on human writing rare (the features use looser
versions of the same signals; the classifier weighs them):
- lexicon hits (built-in and learned from training pairs) carry a suggested original phrase;
- restorations (`synonyms.py`): a never-seen word pair where swapping a word back to a common
  synonym makes familiar pairs with its neighbours on both sides ("the constructing work" ->
  "the building work"), with the restored pair as the suggestion;
- the encoder's token tags (when the bundle has an encoder): runs of words whose word pieces the
  fine-tuned transformer thinks a spinner put there, with a restoration as the suggestion when the
  synonym table has one for a word of the run;
- with deep evidence (`surprisal.py`), words that a common synonym would fit far better according to
  a language model, with that synonym as the suggestion;
- untranslated words: lower-case words unknown to an English frequency list that contain letters
  outside ASCII ("según", "également").
Spans never overlap: where two would, the source listed first wins.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mtdetect.features import Parsed, Signals, zipf_table
from mtdetect.lexicon import Entry
from mtdetect.surprisal import Surprise

KINDS = ("spun_phrase", "calque", "untranslated_word", "mt_pattern")
LEXICON_MIN_CONFIDENCE = 0.9  # learned spun phrases below this are left to the classifier, not shown
LEXICON_SINGLE_WORD_MAX_ZIPF = 3.5  # single words more common than this are everyday English
RESTORED_MIN_COUNT = 10  # evidence needs a better-attested restoration than the features do
RESTORED_MIN_GAIN = 0.3  # and a swapped-in original clearly more common than the word it replaced
PARTNER_MAX_ZIPF = 6.0  # function words and the commonest verbs ("the", "are", "can") are 6 or more
UNTRANSLATED_CONFIDENCE = 0.5
TAGGED_MAX_WORDS = 4  # spinners swap words and short phrases; longer runs are not one substitution


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

    `model_spans` come from the models, if any (`tagged_spans`, `surprise_spans`), in their order of
    precedence; they rank after the lexicon and restorations and before untranslated words.
    """
    spans: list[Evidence] = []
    for e in (*_lexicon_hits(p, sig), *_restored(p, sig), *model_spans, *_untranslated(p)):
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
        suggestion = _match_case(r.suggestion, text)
        confidence = min(0.9, 0.3 + 0.1 * math.log1p(r.count) + 0.1 * r.gain)
        out.append(Evidence(start, end, text, "spun_phrase", suggestion, round(confidence, 3)))
    return out


def word_probabilities(p: Parsed, pieces: Sequence[tuple[int, int, float]]) -> list[float]:
    """Each word's substitution probability: the highest of its word pieces' (0 if none was read)."""
    probs = [0.0] * len(p.word_tokens)
    starts = [t.start for t in p.word_tokens]
    for start, end, prob in pieces:
        i = bisect.bisect_right(starts, start) - 1
        if 0 <= i < len(probs) and start < p.word_tokens[i].end and end > start:
            probs[i] = max(probs[i], prob)
    return probs


def tagged_spans(
    p: Parsed, sig: Signals, pieces: Sequence[tuple[int, int, float]], threshold: float
) -> list[Evidence]:
    """Runs of words whose encoder substitution probability (`pieces`) reaches `threshold`."""
    if not pieces:
        return []
    probs = word_probabilities(p, pieces)
    restored = _restored_words(sig)
    runs: list[list[int]] = []
    for i, prob in enumerate(probs):
        if prob < threshold:
            continue
        joined = runs and runs[-1][-1] == i - 1 and len(runs[-1]) < TAGGED_MAX_WORDS
        if joined and p.text[p.word_tokens[i - 1].end : p.word_tokens[i].start] in (" ", "-"):
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for run in runs:
        start, end = p.word_tokens[run[0]].start, p.word_tokens[run[-1]].end
        text = p.text[start:end]
        suggestion = None
        if any(i in restored for i in run):
            suggestion = "".join(
                (_match_case(restored[i], p.word_tokens[i].text) if i in restored else p.word_tokens[i].text)
                + (p.text[p.word_tokens[i].end : p.word_tokens[i + 1].start] if i != run[-1] else "")
                for i in run
            )
        confidence = round(sum(probs[i] for i in run) / len(run), 3)
        out.append(Evidence(start, end, text, "spun_phrase", suggestion, confidence))
    return out


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


def _restored_words(sig: Signals) -> dict[int, str]:
    """Word index -> the common synonym that best restores it (from the best-attested restoration)."""
    best: dict[int, tuple[int, str]] = {}
    for r in sig.restorations:
        x, y = r.suggestion.split(" ")
        for i, word in ((r.first, x), (r.last, y)):
            if i in r.swapped and r.count > best.get(i, (-1, ""))[0]:
                best[i] = (r.count, word)
    return {i: word for i, (_, word) in best.items()}


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _untranslated(p: Parsed) -> list[Evidence]:
    zipf = zipf_table()
    return [
        Evidence(t.start, t.end, t.text, "untranslated_word", None, UNTRANSLATED_CONFIDENCE)
        for t, w in zip(p.word_tokens, p.words, strict=True)
        if t.text.islower() and w.isalpha() and not w.isascii() and len(w) >= 3 and w not in zipf
    ]
