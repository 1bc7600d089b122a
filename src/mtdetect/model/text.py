"""Pure string helpers shared by features, evidence and training: tokens, sentences, checks.

Everything here works on the caller's text as given and reports character offsets into it, so
that evidence spans always slice the original string. Deliberate shortcuts: the tokenizer is a
single regex (words with inner apostrophes or hyphens, numbers, single punctuation marks) and the
sentence splitter is rule-based; both are good enough for news prose and cost microseconds.
"""

from __future__ import annotations

import re
from typing import NamedTuple

WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]", re.UNICODE)
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-Ý])|\n+")

# Common English function words: used for the language check and the function-word profile.
ENGLISH_FUNCTION_WORDS: frozenset[str] = frozenset(
    """the of and to a in is that for it was on with as by at be this are from or an have has had not
    but which were been his her their its they he she we you i will would can could should may there
    who what when than more also after about into over some all one if no so out up said""".split()
)


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
    """Share of lower-cased words that are common English function words (about 0.4 for English prose).

    >>> english_share(["the", "cat", "sat", "on", "the", "mat"])
    0.5
    """
    if not words:
        return 0.0
    return sum(w in ENGLISH_FUNCTION_WORDS for w in words) / len(words)
