"""Pure string helpers shared by features, evidence and training: tokens, sentences, checks.

Everything here works on the caller's text as given and reports character offsets into it, so
that evidence spans always slice the original string. Deliberate shortcuts: the tokenizer is a
single regex (words with inner apostrophes or hyphens, numbers, single punctuation marks) and the
sentence splitter is rule-based; both are good enough for news prose and cost microseconds.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from dataclasses import dataclass
from typing import NamedTuple

WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]", re.UNICODE)
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-Ý])|\n+")

# Common English function words, in a fixed order: the function-word profile's columns (`features.py`)
# and the language check.
FUNCTION_WORDS: tuple[str, ...] = tuple(
    """the of and to a in that is was for on with as by at from it this which who be been has have had
    will would can could should must shall may also however therefore thus moreover furthermore
    additionally very such these those there we our i you they he she not""".split()
)
_FUNCTION_WORD_SET = frozenset(FUNCTION_WORDS)

MAX_WORDS = 2000  # texts are judged on their first MAX_WORDS words: a stable estimate at a bounded cost
COMMON_ZIPF = 3.0  # a word at least this frequent (about once per million words) counts as common


class Token(NamedTuple):
    """A token and its character span in the text it came from."""

    start: int
    end: int
    text: str

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()


def tokenize(text: str) -> list[Token]:
    """Split text into word and punctuation tokens with offsets.

    >>> [t.text for t in tokenize("He's here, isn't he?")]
    ["He's", 'here', ',', "isn't", 'he', '?']
    """
    return [Token(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]


def tokenize_prefix(text: str, max_words: int) -> tuple[list[Token], bool]:
    """Tokens up to and including the `max_words`-th word, and whether any word was left out.

    Only the prefix is scanned, so a huge text costs no more than its first `max_words` words.

    >>> toks, cut = tokenize_prefix("a b, c d", 3)
    >>> [t.text for t in toks], cut
    (['a', 'b', ',', 'c'], True)
    """
    tokens: list[Token] = []
    n_words = 0
    for m in WORD_RE.finditer(text):
        token = Token(m.start(), m.end(), m.group())
        if token.is_word:
            if n_words == max_words:
                return tokens, True
            n_words += 1
        tokens.append(token)
    return tokens, False


def word_tokens(text: str) -> list[Token]:
    """Only the word tokens of `text` (no punctuation)."""
    return [t for t in tokenize(text) if t.is_word]


def normalize_word(word: str) -> str:
    """Lower-case a word and fold typographic apostrophes, as lexicons and frequency tables expect."""
    return word.lower().replace("’", "'")


def capitalised_like(word: str, like: str) -> str:
    """`word` with a capital first letter when `like` has one.

    >>> capitalised_like("upper", "Higher"), capitalised_like("upper", "higher")
    ('Upper', 'upper')
    """
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences, stripped of surrounding whitespace.

    >>> t = "One here. Two there!\\nThree"
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['One here.', 'Two there!', 'Three']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        end = m.end() if not m.group().startswith("\n") else m.start()
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    stripped = []
    for a, b in spans:
        chunk = text[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if b - trail > a + lead:
            stripped.append((a + lead, b - trail))
    return stripped


def english_share(words: list[str]) -> float:
    """Share of lower-cased words that are common English function words (about 0.35 for English prose).

    >>> english_share(["the", "cat", "sat", "on", "the", "mat"])
    0.5
    """
    if not words:
        return 0.0
    return sum(w in _FUNCTION_WORD_SET for w in words) / len(words)


@functools.lru_cache(maxsize=1)
def zipf_table() -> dict[str, float]:
    """Zipf frequency (log10 per billion words) of English words, from `wordfreq`, loaded once."""
    # Reading wordfreq's English list directly skips importing wordfreq (with ftfy, langcodes and
    # their regular expressions) and a log10 per word: 0.1 s instead of 0.3-0.5 s of every cold start.
    # tests/test_text.py checks that both give the same table.
    table = _zipf_from_cbpack()
    return table if table is not None else wordfreq_zipf_table()


def wordfreq_zipf_table() -> dict[str, float]:
    """The Zipf table through wordfreq's own API."""
    import wordfreq

    return {w: math.log10(f) + 9.0 for w, f in wordfreq.get_frequency_dict("en").items()}


def _zipf_from_cbpack() -> dict[str, float] | None:
    """wordfreq's "cB" list of English (bucket i holds the words of frequency 10^(-i/100)), or None
    when wordfreq is laid out otherwise."""
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "large_en.msgpack.gz"
    try:
        import msgpack  # wordfreq's own reader of the file

        header, *buckets = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)
    except (ImportError, OSError, ValueError, TypeError):
        return None
    if header != {"format": "cB", "version": 1}:
        return None
    return {word: 9.0 - i / 100 for i, bucket in enumerate(buckets) for word in bucket}


@dataclass(frozen=True)
class Parsed:
    """A text tokenised once, shared by features and evidence."""

    text: str
    tokens: list[Token]
    words: list[str]  # normalised word tokens, in order
    word_tokens: list[Token]
    sentences: list[list[int]]  # indices into `words`, one list per sentence
    sentence_bounds: list[tuple[int, int]]  # character span of each of `sentences`
    truncated: bool

    @classmethod
    def of(cls, text: str, max_words: int = MAX_WORDS) -> Parsed:
        tokens, truncated = tokenize_prefix(text, max_words)
        word_toks = [t for t in tokens if t.is_word]
        words = [normalize_word(t.text) for t in word_toks]
        sentences: list[list[int]] = []
        bounds: list[tuple[int, int]] = []
        i = 0
        for start, end in sentence_spans(text[: tokens[-1].end + 1] if truncated else text):
            sent: list[int] = []
            while i < len(word_toks) and word_toks[i].start < end:
                sent.append(i)
                i += 1
            if sent:
                sentences.append(sent)
                bounds.append((start, min(end, word_toks[sent[-1]].end) if truncated else end))
        return cls(text, tokens, words, word_toks, sentences, bounds, truncated)

    @property
    def judged_text(self) -> str:
        """The part of `text` that is judged: all of it, or up to the last word kept when truncated."""
        return self.text[: self.word_tokens[-1].end] if self.truncated else self.text

    @functools.cached_property
    def word_starts(self) -> list[int]:
        """Character offset of each word token, for bisecting."""
        return [t.start for t in self.word_tokens]

    def words_within(self, start: int, end: int) -> range:
        """Indices of the words that start inside the character range [start, end)."""
        starts = self.word_starts
        return range(bisect.bisect_left(starts, start), bisect.bisect_left(starts, end))

    def pairs(self) -> list[tuple[int, int]]:
        """Index pairs of adjacent words within a sentence and not split by punctuation."""
        out = []
        for sent in self.sentences:
            for a, b in itertools.pairwise(sent):
                between = self.text[self.word_tokens[a].end : self.word_tokens[b].start]
                if between.isspace():
                    out.append((a, b))
        return out
