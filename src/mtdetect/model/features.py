"""Handcrafted document features: the one place where text becomes numbers for the feature model.

Training (`training.py`) and inference (`detector.py`) both call `FeatureExtractor.transform`, so
there is no second copy of this logic to drift. Every feature is a rate or a mean, so documents of
different lengths are comparable; scaling happens inside the sklearn pipeline, not here.

Groups of features and the rewriting they target:
- rare collocations: word pairs never seen in the reference corpus (spinning);
- word rarity: Zipf frequencies from `wordfreq` (spinners pick odd synonyms; MT leaves words untranslated);
- lexicon hits: known spun phrases and calques (`lexicon.py`);
- spinner side-effects: digits for small numbers, "1000's", contraction changes, "had been";
- a function-word profile and style rates (translationese: nominalisations, passives, "of the");
- lexical diversity and sentence shape.
Deliberate shortcut: no part-of-speech tagger; suffixes and word lists stand in for it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from mtdetect.model.collocations import BigramTable
from mtdetect.model.lexicon import Lexicon, Match
from mtdetect.model.synonyms import Restoration, SynonymTable, confirmed, restorations
from mtdetect.model.text import COMMON_ZIPF, FUNCTION_WORDS, Parsed, zipf_table

NUMBER_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred
    hundreds thousand thousands million millions billion billions""".split()
)
_CONNECTORS = frozenset(
    ["however", "moreover", "furthermore", "additionally", "therefore", "thus", "hence", "nevertheless"]
)
_BE_FORMS = frozenset(["is", "are", "was", "were", "be", "been", "being"])
_NOMINAL_RE = re.compile(r"(?:tion|sion|ment|ness|ity|ance|ence)s?$")
_SMALL_DIGIT_RE = re.compile(r"^[1-9]$")
_THOUSANDS_RE = re.compile(r"^\d{3,}'s$")
_CONTRACTION_RE = re.compile(r"'(?:s|re|ve|ll|d|m)$|n't$")
STRONG_RESTORED_COUNT = 10  # a restoration this well attested is rarely a coincidence

STYLE_NAMES: tuple[str, ...] = (
    "log_words",
    "mean_sentence_words",
    "std_sentence_words",
    "mean_word_chars",
    "comma_per_sentence",
    "semicolon_rate",
    "colon_rate",
    "paren_rate",
    "quote_rate",
    "dash_rate",
    "digit_rate",
    "small_digit_rate",
    "number_word_rate",
    "thousands_apostrophe_rate",
    "contraction_rate",
    "negative_contraction_rate",
    "had_been_rate",
    "capitalised_mid_rate",
    "all_caps_rate",
    "connector_start_rate",
    "passive_rate",
    "nominal_rate",
    "of_the_rate",
    "ttr_200",
    "hapax_300",
    "mattr_50",
)
RARITY_NAMES: tuple[str, ...] = (
    "mean_zipf",
    "std_zipf",
    "zipf_lt2",
    "zipf_lt3",
    "zipf_lt4",
    "unknown_word_rate",
    "non_ascii_word_rate",
)
COLLOCATION_NAMES: tuple[str, ...] = (
    "unseen_pair_rate",
    "unseen_common_pair_rate",
    "isolated_word_rate",
    "mean_log_pair_count",
    "rare_word_unseen_rate",
)
LEXICON_NAMES: tuple[str, ...] = ("spun_lexicon_rate", "calque_lexicon_rate", "lexicon_confidence_rate")
RESTORATION_NAMES: tuple[str, ...] = (
    "restorable_word_rate",
    "restorable_unseen_share",
    "restored_log_count",
    "restored_gain",
    "strong_restorable_rate",
)
FEATURE_NAMES: tuple[str, ...] = (
    STYLE_NAMES
    + RARITY_NAMES
    + COLLOCATION_NAMES
    + LEXICON_NAMES
    + RESTORATION_NAMES
    + tuple(f"fw_{w}" for w in FUNCTION_WORDS)
)


def _rate(count: float, total: int) -> float:
    return count / total if total else 0.0


@dataclass
class Signals:
    """Per-text lookups shared by the features and the evidence, computed once per text."""

    zipf: list[float]  # Zipf frequency of each word (0 when unknown)
    pairs: list[tuple[int, int]]  # adjacent word pairs (see Parsed.pairs)
    pair_counts: np.ndarray  # reference count of each pair
    matches: list[Match]  # lexicon hits
    restorations: list[Restoration]  # synonym swaps that make unseen pairs familiar
    confirmed: list[Restoration]  # those that also mend the swapped words' outer neighbours


class FeatureExtractor:
    """Turns texts into the FEATURE_NAMES vector, given the bundle's lexicon, bigrams and synonyms.

    It also carries the synonyms' origins table (`synonyms.py`), which only the word scorer reads.
    """

    names: tuple[str, ...] = FEATURE_NAMES

    def __init__(
        self,
        lexicon: Lexicon,
        bigrams: BigramTable,
        synonyms: SynonymTable,
        origins: SynonymTable | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.bigrams = bigrams
        self.synonyms = synonyms
        self.origins = origins if origins is not None else SynonymTable()

    def transform(self, texts: Sequence[str], progress: str | None = None) -> np.ndarray:
        """Feature matrix of shape (len(texts), len(FEATURE_NAMES)); `progress` labels a bar on stderr."""
        rows = [self.vector(Parsed.of(t)) for t in tqdm(texts, desc=progress, disable=progress is None)]
        return np.array(rows, dtype=np.float64).reshape(len(texts), len(FEATURE_NAMES))

    def signals(self, p: Parsed) -> Signals:
        """The lexicon, collocation and synonym lookups of one text."""
        table = zipf_table()
        zipf = [table.get(w, 0.0) for w in p.words]
        pairs = p.pairs()
        counts = self.bigrams.counts_for((p.words[a], p.words[b]) for a, b in pairs)
        unseen = [pair for pair, c in zip(pairs, counts, strict=True) if c == 0]
        found = restorations(p.words, unseen, self.bigrams, self.synonyms, table)
        pair_set = set(pairs)
        return Signals(
            zipf=zipf,
            pairs=pairs,
            pair_counts=counts,
            matches=self.lexicon.find(p.judged_text if p.word_tokens else ""),
            restorations=found,
            confirmed=[r for r in found if confirmed(r, p.words, pair_set, self.bigrams)],
        )

    def vector(self, p: Parsed, signals: Signals | None = None) -> list[float]:
        """Features of one parsed text, in FEATURE_NAMES order."""
        sig = signals or self.signals(p)
        return [
            *_style(p),
            *_rarity(p, sig.zipf),
            *_collocations(p, sig),
            *_lexicon(p, sig),
            *_restorations(p, sig),
            *_function_words(p.words),
        ]


def _collocations(p: Parsed, sig: Signals) -> list[float]:
    zipf, counts = sig.zipf, sig.pair_counts
    unseen_common = n_common = 0
    unseen_at: Counter[int] = Counter()
    for (a, b), c in zip(sig.pairs, counts, strict=True):
        if zipf[a] >= COMMON_ZIPF and zipf[b] >= COMMON_ZIPF:
            n_common += 1
            unseen_common += c == 0
        if c == 0:
            unseen_at[a] += 1
            unseen_at[b] += 1
    isolated = sum(1 for k in unseen_at.values() if k >= 2)
    rare_unseen = sum(1 for i in unseen_at if 0 < zipf[i] < 4.0)
    return [
        _rate(int((counts == 0).sum()), len(sig.pairs)),
        _rate(unseen_common, n_common),
        _rate(isolated, len(p.words)),
        float(np.mean(np.log1p(counts))) if len(counts) else 0.0,
        _rate(rare_unseen, len(p.words)),
    ]


def _lexicon(p: Parsed, sig: Signals) -> list[float]:
    n = max(len(p.words), 1)
    spun = sum(m.entry.kind == "spun_phrase" for m in sig.matches)
    calque = sum(m.entry.kind == "calque" for m in sig.matches)
    conf = sum(m.entry.confidence for m in sig.matches)
    return [100 * spun / n, 100 * calque / n, 100 * conf / n]


def _restorations(p: Parsed, sig: Signals) -> list[float]:
    rs = sig.restorations
    words = {i for r in rs for i in (r.first, r.last)}
    strong = [r for r in rs if r.count >= STRONG_RESTORED_COUNT and r.gain > 0]
    return [
        _rate(len(words), len(p.words)),
        _rate(len(rs), int((sig.pair_counts == 0).sum())),
        float(np.mean([np.log1p(r.count) for r in rs])) if rs else 0.0,
        float(np.mean([r.gain for r in rs])) if rs else 0.0,
        _rate(len(strong), len(p.words)),
    ]


def _style(p: Parsed) -> list[float]:
    words, n = p.words, len(p.words)
    sent_lens = [len(s) for s in p.sentences] or [0]
    punct = Counter(t.text for t in p.tokens if not t.is_word)
    raw = [t.text for t in p.word_tokens]
    mid_caps = sum(1 for s in p.sentences for i in s[1:] if raw[i][0].isupper() and not raw[i].isupper())
    connector_starts = sum(1 for s in p.sentences if words[s[0]] in _CONNECTORS)
    passive = sum(1 for a, b in itertools.pairwise(words) if a in _BE_FORMS and b.endswith("ed"))
    of_the = sum(1 for a, b in itertools.pairwise(words) if a == "of" and b == "the")
    had_been = sum(1 for a, b in itertools.pairwise(words) if a == "had" and b == "been")
    return [
        math.log1p(n),
        float(np.mean(sent_lens)),
        float(np.std(sent_lens)),
        _rate(sum(len(w) for w in words), n),
        _rate(punct[","], len(p.sentences)),
        _rate(punct[";"], n),
        _rate(punct[":"], n),
        _rate(punct["("], n),
        _rate(punct['"'] + punct["“"] + punct["”"], n),
        _rate(punct["-"] + punct["–"] + punct["—"], n),
        _rate(sum(w.isdigit() for w in words), n),
        _rate(sum(bool(_SMALL_DIGIT_RE.match(w)) for w in words), n),
        _rate(sum(w in NUMBER_WORDS for w in words), n),
        _rate(sum(bool(_THOUSANDS_RE.match(w)) for w in words), n),
        _rate(sum(bool(_CONTRACTION_RE.search(w)) for w in words), n),
        _rate(sum(w.endswith("n't") for w in words), n),
        _rate(had_been, n),
        _rate(mid_caps, n),
        _rate(sum(len(w) > 1 and w.isupper() for w in raw), n),
        _rate(connector_starts, len(p.sentences)),
        _rate(passive, n),
        _rate(sum(bool(_NOMINAL_RE.search(w)) for w in words if len(w) > 6), n),
        _rate(of_the, n),
        _rate(len(set(words[:200])), min(n, 200)),
        _rate(sum(1 for c in Counter(words[:300]).values() if c == 1), min(n, 300)),
        _mattr(words, 50),
    ]


def _rarity(p: Parsed, zipf: list[float]) -> list[float]:
    content = [z for w, z in zip(p.words, zipf, strict=True) if w.isalpha() and w not in FUNCTION_WORDS]
    n = len(content)
    known = [z for z in content if z > 0] or [0.0]
    return [
        float(np.mean(known)),
        float(np.std(known)),
        _rate(sum(0 < z < 2 for z in content), n),
        _rate(sum(0 < z < 3 for z in content), n),
        _rate(sum(0 < z < 4 for z in content), n),
        _rate(sum(z == 0 for z in content), n),
        _rate(sum(not w.isascii() for w in p.words if w.isalpha()), len(p.words)),
    ]


def _function_words(words: list[str]) -> list[float]:
    counts = Counter(words)
    return [_rate(counts[w], len(words)) for w in FUNCTION_WORDS]


def _mattr(words: list[str], window: int) -> float:
    """Moving-average type-token ratio: length-independent lexical diversity.

    >>> _mattr(["a", "b", "a", "b"], 2)
    1.0
    """
    if len(words) <= window:
        return _rate(len(set(words)), len(words))
    counts = Counter(words[:window])
    total = len(counts)
    for i in range(window, len(words)):
        counts[words[i]] += 1
        counts[words[i - window]] -= 1
        if counts[words[i - window]] == 0:
            del counts[words[i - window]]
        total += len(counts)
    return total / (len(words) - window + 1) / window
