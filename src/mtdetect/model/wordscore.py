"""Per-word evidence: the probability that a spinner put each word where it stands.

No single signal finds a spinner's swaps in human-looking text: a rare word may be the author's
choice, an unseen word pair may be a new name. A small gradient-boosted classifier weighs, for every
word, what the rest of the package already knows:
- the word itself: how common it is, its length, whether it is capitalised;
- its collocations: how often the reference corpus has it next to its neighbours, and how much
  better its best common synonym, and its best possible origin (a common word that lists it as a
  synonym; `synonyms.py`), fit between the same neighbours;
- the lexicon and the restorations that cover it (`lexicon.py`, `synonyms.py`);
- with an encoder, the fine-tuned transformer's substitution probability for it and its neighbours;
- how dense these signals are over the whole text, because a spinner swaps throughout a text and a
  writer's odd word is usually alone;
- with the language model of `--deep` (`surprisal.WordReadings`), how surprising the word is where it
  stands, against the model's entropy there and against its likeliest listed synonym: these need no
  thesaurus to have seen the spinner (`bench/generalisation.py`).
It is trained on aligned spun pairs (substituted words are the positives) and human originals of the
fit split. A bundle has one scorer per head: with the encoder's columns, and without them (`--fast`), and
may have a third for `--deep`, with the language model's columns too (fitted by `training/deep_fit.py`).

Two thresholds turn probabilities into evidence: `strong` holds in any text and is set so that
human originals get few flagged words; `weak` holds only in texts the detector calls spun, where a
swap is far more likely a priori, and is set for precision on spun texts. The `--deep` scorer also
applies `weak` where spinning is the likeliest class below the detector's threshold (so in texts whose
verdict is `uncertain`): with its language-model columns that lifts its recall on unseen heavy spinning
from about 0.4 to 0.57, at a cost in false spans that the other scorers cannot afford (docs/benchmarks.md,
*Evidence spans*).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mtdetect.model.collocations import BigramTable
from mtdetect.model.estimators import BinaryTrees
from mtdetect.model.features import Signals
from mtdetect.model.surprisal import SURPRISING, WordReadings
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed, zipf_table

BASE_COLUMNS: tuple[str, ...] = (
    "zipf",
    "capitalised",
    "length",
    "left_count",
    "right_count",
    "synonyms",
    "synonym_fit",
    "synonym_fit_gain",
    "synonym_zipf_gain",
    "origins",
    "origin_fit",
    "origin_fit_gain",
    "origin_zipf_gain",
    "lexicon",
    "restored",
    "confirmed",
    "zipf_before",
    "zipf_after",
    "text_restored_share",
    "text_unseen_share",
)
TAG_COLUMNS: tuple[str, ...] = ("tag", "tag_before", "tag_after", "text_tag_mean", "text_tag_share")
LM_COLUMNS: tuple[str, ...] = (
    "lm_nll",
    "lm_entropy",
    "lm_excess",
    "lm_rank",
    "lm_margin",
    "lm_nll_before",
    "lm_nll_after",
    "text_lm_surprising",
    "text_lm_median",
)
TAG_SHARE_AT = 0.3  # a word piece this likely substituted counts towards `text_tag_share`
# Below every value of the language model's columns. Not NaN: a tree fold whose rows all lack a value
# (a table with no synonym for any of them) cannot bin a column of NaN.
UNREAD = -99.0
NO_PAIR = -1.0  # a count column for a word with no neighbour on that side (punctuation, edge)
NEVER = 1.0  # the threshold when no threshold meets its rule: nothing is flagged


def columns(tags: bool, lm: bool = False) -> tuple[str, ...]:
    """The scorer's input columns, with or without the encoder's tag columns and the language model's."""
    return BASE_COLUMNS + (TAG_COLUMNS if tags else ()) + (LM_COLUMNS if lm else ())


@dataclass(frozen=True)
class WordSignals:
    """The per-word feature matrix of one text (a row per word) and each word's likely original: the
    common synonym or origin that fits its neighbours best, when it fits them better than the word
    does."""

    x: np.ndarray
    suggestions: list[str | None]


def word_probabilities(p: Parsed, pieces: Sequence[tuple[int, int, float]]) -> list[float]:
    """Each word's substitution probability from the encoder: the highest of its word pieces' (0 if
    none was read)."""
    probs = [0.0] * len(p.word_tokens)
    for start, end, prob in pieces:
        i = bisect.bisect_right(p.word_starts, start) - 1
        if 0 <= i < len(probs) and start < p.word_tokens[i].end and end > start:
            probs[i] = max(probs[i], prob)
    return probs


def _log_count(c: int) -> float:
    return NO_PAIR if c < 0 else math.log1p(c)


def word_signals(
    p: Parsed,
    sig: Signals,
    bigrams: BigramTable,
    synonyms: SynonymTable,
    origins: SynonymTable,
    tags: Sequence[float] | None = None,
    lm: WordReadings | None = None,
) -> WordSignals:
    """Features of every word of `p` in `columns(tags is not None, lm is not None)` order; `tags` are the
    encoder's per-word probabilities (`word_probabilities`), `lm` the language model's readings. With `lm`,
    a word whose listed synonym the language model prefers gets that synonym as its suggestion."""
    n = len(p.words)
    zipf = zipf_table()
    after = dict(sig.pairs)
    before = {b: a for a, b in sig.pairs}
    pair_count = dict(zip(sig.pairs, sig.pair_counts, strict=True))  # looked up once, in `signals`
    lexicon, restored, confirmed = _coverage(p, sig)
    unseen_share = float(np.mean(sig.pair_counts == 0)) if len(sig.pair_counts) else 0.0
    restored_share = float(np.mean(restored > 0)) if n else 0.0

    rows, suggestions = [], []
    for i, w in enumerate(p.words):
        left = p.words[before[i]] if i in before else None
        right = p.words[after[i]] if i in after else None
        own_left = int(pair_count[before[i], i]) if i in before else -1
        own_right = int(pair_count[i, after[i]]) if i in after else -1
        own_fit = math.log1p(max(own_left, 0)) + math.log1p(max(own_right, 0))
        candidates, sources = synonyms.get(w), origins.get(w)
        best, best_fit = _best_fit(candidates, left, right, bigrams)
        origin, origin_fit = _best_fit(sources, left, right, bigrams)
        token = p.word_tokens[i].text
        rows.append(
            [
                sig.zipf[i],
                float(token[:1].isupper()),
                float(len(w)),
                _log_count(own_left),
                _log_count(own_right),
                float(len(candidates)),
                max(best_fit, 0.0),
                best_fit - own_fit if best else 0.0,
                zipf.get(best, 0.0) - sig.zipf[i] if best else 0.0,
                float(len(sources)),
                max(origin_fit, 0.0),
                origin_fit - own_fit if origin else 0.0,
                zipf.get(origin, 0.0) - sig.zipf[i] if origin else 0.0,
                lexicon[i],
                restored[i],
                confirmed[i],
                sig.zipf[i - 1] if i > 0 else 0.0,
                sig.zipf[i + 1] if i + 1 < n else 0.0,
                restored_share,
                unseen_share,
            ]
        )
        if origin_fit > best_fit:
            best, best_fit = origin, origin_fit
        suggestions.append(best if best and best_fit > own_fit else None)
    x = np.array(rows, dtype=np.float64).reshape(n, len(BASE_COLUMNS))
    if tags is not None:
        t = np.asarray(tags, dtype=np.float64)
        x = np.hstack([x, _tag_columns(t)]) if n else np.zeros((0, x.shape[1] + len(TAG_COLUMNS)))
    if lm is not None:
        x = np.hstack([x, lm_columns(lm)])
        suggestions = [
            s if s is not None and margin > 0 else own
            for s, margin, own in zip(lm.suggestions, lm.margin, suggestions, strict=True)
        ]
    return WordSignals(x, suggestions)


def lm_columns(lm: WordReadings) -> np.ndarray:
    """The `LM_COLUMNS` of a text's words; UNREAD where the model did not read a word, or for the margin,
    where the word has no listed synonym."""
    nll = lm.nll
    n = len(nll)
    if not n:
        return np.zeros((0, len(LM_COLUMNS)))
    read = nll[~np.isnan(nll)]
    surprising = float(np.mean(read > SURPRISING)) if len(read) else np.nan
    median = float(np.median(read)) if len(read) else np.nan
    x = np.column_stack(
        [
            nll,
            lm.entropy,
            nll - lm.entropy,
            np.log1p(lm.rank),
            lm.margin,
            np.r_[np.nan, nll[:-1]],
            np.r_[nll[1:], np.nan],
            np.full(n, surprising),
            np.full(n, median),
        ]
    )
    return np.where(np.isnan(x), UNREAD, x)


def _coverage(p: Parsed, sig: Signals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per word: the confidence of a spun lexicon phrase covering it, the log reference count of the
    best restoration swapping it, and whether a confirmed restoration swaps it."""
    n = len(p.words)
    lexicon, restored, confirmed = np.zeros(n), np.zeros(n), np.zeros(n)
    for m in sig.matches:
        if m.entry.kind == "spun_phrase":
            for i in p.words_within(m.start, m.end):
                lexicon[i] = max(lexicon[i], m.entry.confidence)
    for r in sig.restorations:
        for i in r.swapped:
            restored[i] = max(restored[i], math.log1p(r.count))
    for r in sig.confirmed:
        confirmed[list(r.swapped)] = 1.0
    return lexicon, restored, confirmed


def _best_fit(
    candidates: Sequence[str], left: str | None, right: str | None, bigrams: BigramTable
) -> tuple[str | None, float]:
    """The candidate whose reference counts with the neighbours are highest (log1p, summed), and that
    fit; the first (most frequent) candidate wins ties. (None, -1.0) without candidates."""
    best, best_fit = None, -1.0
    for c in candidates:
        fit = math.log1p(0 if left is None else bigrams.count(left, c)) + math.log1p(
            0 if right is None else bigrams.count(c, right)
        )
        if fit > best_fit:
            best, best_fit = c, fit
    return best, best_fit


def _tag_columns(t: np.ndarray) -> np.ndarray:
    shifted_before = np.concatenate([[0.0], t[:-1]])
    shifted_after = np.concatenate([t[1:], [0.0]])
    text = np.full_like(t, t.mean()), np.full_like(t, float(np.mean(t >= TAG_SHARE_AT)))
    return np.column_stack([t, shifted_before, shifted_after, *text])


@dataclass
class WordScorer:
    """A fitted per-word classifier with its evidence thresholds (see the module docstring)."""

    model: BinaryTrees  # class 1 is "substituted"
    tags: bool  # whether it reads the encoder's tag columns
    strong: float
    weak: float
    measured: dict[str, float] = field(default_factory=dict)  # what the thresholds gave in training
    lm: bool = False  # whether it reads the language model's columns (`--deep`)

    @property
    def columns(self) -> tuple[str, ...]:
        return columns(self.tags, self.lm)

    def probabilities(self, signals: WordSignals) -> np.ndarray:
        """P(substituted) for each word."""
        if not len(signals.x):
            return np.zeros(0)
        return self.model.predict_proba(signals.x)[:, 1]

    def threshold(self, label: str | None, likeliest: str | None = None) -> float:
        """The evidence threshold for a text the detector labelled `label`, whose likeliest class
        (the largest probability, whatever the detector's threshold) is `likeliest`."""
        leans_spun = label == "spun" or (self.lm and likeliest == "spun")
        return self.weak if leans_spun else self.strong

    def describe(self) -> dict[str, Any]:
        """What the manifest records about this scorer."""
        return {
            "columns": list(self.columns),
            "strong": self.strong,
            "weak": self.weak,
            "training": self.measured,
        }
