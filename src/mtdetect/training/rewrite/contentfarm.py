"""The "contentfarm" spinner family: what commercial article spinners do that plain synonym swaps miss.

Design: :func:`contentfarm_spinner` composes three rewriters, all seeded, all recording exact
:class:`~mtdetect.training.rewrite.base.Substitution` offsets (merged by
:class:`~mtdetect.training.rewrite.spinner.Compose`):

  1. :class:`NameSpinner` swaps the content words of capitalised multi-word names and of fixed
     expressions one by one, regardless of the idiom: "Institute for the Study of War" ->
     "Institute for the Examine of Battle", "upper hand" -> "higher hand". A name is a run of 2+
     capitalised words joined by single spaces, allowing lower-case "of", "for", "the", "and" inside;
     the fixed expressions come from the ``[expressions]`` section of the phrase table.
  2. A synonym spinner (:class:`~mtdetect.training.rewrite.spinner.SynonymSpinner` over
     ``MythesSynonyms(rank="frequency")``; not "listed", the held-out thesaurus spinner's rank) swaps
     ordinary words one at a time (no thesaurus phrases: "White House" must not become "Executive
     Department"). Words of the phrase table are left to step 3, so "according" survives for "according to".
  3. :class:`PhraseSpinner` rewrites function words and short phrases from the ``[phrases]`` section of
     ``data/contentfarm_phrases.tsv`` ("came" -> "got here", "according to" -> "in accordance with"). It runs
     last, so its tell-tale outputs are not spun again.

One ``rate`` drives all three by default: the share of names/expressions spun, of eligible words
swapped, and of phrase-table matches rewritten. With ``paragraph_share < 1`` only a seeded subset of the
paragraphs is touched, the same subset for every step (see ``select_paragraphs``).

Deliberate shortcuts:
  * No grammar: the table carries inflected forms as separate entries ("say", "says", "said") and
    replacements are not re-inflected; wrong-sense and wrong-POS output is what spinners produce.
  * Nothing inside a whitespace-delimited chunk that holds a digit, "://", "www.", "@", "/", "\\", "_",
    "#" or a letter-dot-letter sequence is touched: URLs, e-mail addresses, numbers, "10km", "COVID-19".
  * Names are found by capitalisation alone, so a sentence-initial word can start one ("Last Monday");
    leading capitalised function words ("In", "But") are dropped, except "The".
  * A synonym step may re-spin a word of a spun name; :class:`Compose` merges both into one substitution.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from mtdetect.training.rewrite.base import Rewrite, Rewriter, SynonymSource
from mtdetect.training.rewrite.spinner import (
    _WORD_RE,
    DEFAULT_SKIP_WORDS,
    Compose,
    SynonymSpinner,
    _apply_edits,
    _case_of,
    _check_fraction,
    _edit_spans,
    _generator,
    _match_case,
    _span_test,
    select_paragraphs,
)
from mtdetect.training.rewrite.thesaurus import MythesSynonyms, _unavailable

__all__ = [
    "TABLE_VERSION",
    "NameSpinner",
    "PhraseSpinner",
    "PhraseTable",
    "contentfarm_spinner",
    "load_phrase_table",
    "parse_phrase_table",
    "protected_spans",
]

TABLE_VERSION = "# mtdetect-contentfarm-phrases 1"
"""The first line of a phrase table; :func:`parse_phrase_table` refuses any other."""

_PACKAGE = "mtdetect.training.rewrite"
_CONNECTORS = frozenset({"of", "for", "the", "and"})
# Words left lower-case when a multi-word synonym replaces a capitalised name word ("State of War").
_MINOR = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"})
_CHUNK_RE = re.compile(r"\S+")
_PROTECT_RE = re.compile(r"\d|://|www\.|[@/\\_#]|[^\W\d_]\.[^\W\d_]")
_EDGE = r"['’\w-]"


# --------------------------------------------------------------------------- phrase table


@dataclass(frozen=True)
class PhraseTable:
    """Function-word replacements (lower-case phrase -> candidates) and fixed expressions."""

    phrases: Mapping[str, tuple[str, ...]]
    expressions: tuple[str, ...]


def parse_phrase_table(text: str) -> PhraseTable:
    """Parse a phrase table: a version line, then ``[phrases]`` and ``[expressions]`` sections.

    >>> table = parse_phrase_table(
    ...     "# mtdetect-contentfarm-phrases 1\\n[phrases]\\nsaid\\tstated|mentioned\\n"
    ...     "[expressions]\\nupper hand\\n"
    ... )
    >>> table.phrases["said"], table.expressions
    (('stated', 'mentioned'), ('upper hand',))
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != TABLE_VERSION:
        raise ValueError(f"not a contentfarm phrase table: the first line must be {TABLE_VERSION!r}")
    phrases: dict[str, tuple[str, ...]] = {}
    expressions: dict[str, None] = {}
    section = None
    for lineno, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("[phrases]", "[expressions]"):
            section = line
            continue
        key, _, rest = raw.partition("\t")
        key = " ".join(key.split())
        if key != key.lower():
            raise ValueError(f"line {lineno}: phrases must be lower-case, got {key!r}")
        if section == "[expressions]" and not rest:
            if key in expressions:
                raise ValueError(f"line {lineno}: duplicate expression {key!r}")
            expressions[key] = None
        elif section == "[phrases]" and rest:
            replacements = tuple(r.strip() for r in rest.split("|"))
            if key in phrases:
                raise ValueError(f"line {lineno}: duplicate phrase {key!r}")
            if not all(replacements) or key in replacements:
                raise ValueError(f"line {lineno}: empty replacement or one equal to {key!r}")
            phrases[key] = replacements
        else:
            raise ValueError(f"line {lineno}: expected a section header or an entry of it, got {raw!r}")
    return PhraseTable(MappingProxyType(phrases), tuple(expressions))


@functools.lru_cache(maxsize=8)
def load_phrase_table(path: Path | None = None) -> PhraseTable:
    """Read a phrase table; ``None`` means the packaged ``data/contentfarm_phrases.tsv``. Cached per path."""
    if path is None:
        text = resources.files(_PACKAGE).joinpath("data", "contentfarm_phrases.tsv").read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_phrase_table(text)


# --------------------------------------------------------------------------- shared helpers


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the whitespace-delimited chunks no contentfarm step may touch (URLs, numbers, ...).

    >>> text = "See www.example.com/about or call 555-0100 about 10km."
    >>> [text[a:b] for a, b in protected_spans(text)]
    ['www.example.com/about', '555-0100', '10km.']
    """
    return [m.span() for m in _CHUNK_RE.finditer(text) if _PROTECT_RE.search(m.group())]


def _chunk(text: str, pos: int) -> str:
    """The whitespace-delimited chunk of ``text`` holding position ``pos``."""
    left = right = pos
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    while right < len(text) and not text[right].isspace():
        right += 1
    return text[left:right]


def _protected(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` reaches into a protected chunk (see :func:`protected_spans`)."""
    # Only the first and last chunk can: the words in between are whole, purely alphabetic chunks.
    return end > start and any(_PROTECT_RE.search(_chunk(text, pos)) for pos in {start, end - 1})


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    """Leftmost-longest matcher of whole ``phrases`` (spaces match runs of spaces/tabs, any case)."""
    body = "|".join(
        re.escape(p).replace(r"\ ", r"[ \t]+").replace("'", "['’]")
        for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(rf"(?<!{_EDGE})(?:{body})(?!{_EDGE})", re.IGNORECASE)


def _quota(rate: float, n: int, rng: random.Random) -> int:
    # Randomised rounding, so that short texts get rate * n edits on average.
    return n if rate >= 1.0 else min(n, int(rate * n + rng.random()))


def _title_words(replacement: str) -> str:
    words = replacement.split(" ")
    return " ".join([words[0], *(w if w in _MINOR else w[:1].upper() + w[1:] for w in words[1:])])


# --------------------------------------------------------------------------- function words


class PhraseSpinner:
    """Rewrite about ``rate`` of the phrase-table matches ("came" -> "got here"), keeping case."""

    def __init__(
        self,
        rate: float = 0.2,
        name: str = "contentfarm-phrases",
        *,
        table: PhraseTable | None = None,
        paragraph_share: float = 1.0,
    ) -> None:
        _check_fraction(rate, "rate")
        _check_fraction(paragraph_share, "paragraph_share")
        self.rate = rate
        self.name = name
        self.table = table
        self.paragraph_share = paragraph_share

    @property
    def generator(self) -> str:
        """The ``Rewrite.generator`` label, e.g. ``"contentfarm-phrases@0.20"``."""
        return _generator(self.name, self.rate, self.paragraph_share)

    @cached_property
    def _table(self) -> PhraseTable:
        return self.table if self.table is not None else load_phrase_table()

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return _phrase_regex(self._table.phrases)

    def opportunities(self, text: str, seed: int = 0) -> list[tuple[int, int]]:
        """Non-overlapping ``(start, end)`` matches that may be rewritten (in the seed's paragraphs)."""
        spans = select_paragraphs(text, self.paragraph_share, seed)
        if not spans:
            return []
        inside = _span_test(spans)
        return [
            m.span()
            for m in self._pattern.finditer(text)
            if inside(m.start()) and not _protected(text, m.start(), m.end())
        ]

    def rewrite(self, text: str, seed: int) -> Rewrite:
        """Rewrite ``text``; deterministic in ``(text, seed)``."""
        options = self.opportunities(text, seed) if self.rate > 0.0 else []
        rng = random.Random(f"{self.name}/{seed}")
        chosen = sorted(rng.sample(range(len(options)), _quota(self.rate, len(options), rng)))
        edits = []
        for start, end in (options[i] for i in chosen):
            matched = text[start:end]
            key = re.sub(r"[ \t]+", " ", matched.lower()).replace("’", "'")
            replacement = _match_case(rng.choice(self._table.phrases[key]), matched)
            if "’" in matched:
                replacement = replacement.replace("'", "’")
            edits.append((start, end, replacement))
        new_text, subs = _apply_edits(text, edits)
        return Rewrite(new_text, subs, self.generator)


# --------------------------------------------------------------------------- names and idioms


class NameSpinner:
    """Swap the content words of about ``rate`` of the names and fixed expressions, word by word.

    Within a chosen name, about ``word_rate`` of the eligible words are replaced (those without a
    synonym are passed over), each through ``synonyms`` with a seeded random choice.
    """

    def __init__(
        self,
        synonyms: SynonymSource,
        rate: float = 0.2,
        name: str = "contentfarm-names",
        *,
        table: PhraseTable | None = None,
        word_rate: float = 0.8,
        paragraph_share: float = 1.0,
    ) -> None:
        _check_fraction(rate, "rate")
        _check_fraction(word_rate, "word_rate")
        _check_fraction(paragraph_share, "paragraph_share")
        self.synonyms = synonyms
        self.rate = rate
        self.name = name
        self.table = table
        self.word_rate = word_rate
        self.paragraph_share = paragraph_share

    @property
    def generator(self) -> str:
        """The ``Rewrite.generator`` label, e.g. ``"contentfarm-names@0.20"``."""
        return _generator(self.name, self.rate, self.paragraph_share)

    @cached_property
    def _expressions(self) -> re.Pattern[str] | None:
        table = self.table if self.table is not None else load_phrase_table()
        return _phrase_regex(table.expressions) if table.expressions else None

    @cached_property
    def _words(self) -> SynonymSpinner:
        return SynonymSpinner(self.synonyms, self.word_rate, name=self.name, choice="random", phrases=False)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sorted, disjoint ``(start, end)`` of the names and fixed expressions found in ``text``."""
        found = [*self._names(text)]
        if self._expressions is not None:
            found += [m.span() for m in self._expressions.finditer(text)]
        found.sort(key=lambda span: (span[0], span[0] - span[1]))
        out: list[tuple[int, int]] = []
        for start, end in found:
            if (not out or start >= out[-1][1]) and not _protected(text, start, end):
                out.append((start, end))
        return out

    def _names(self, text: str) -> Iterable[tuple[int, int]]:
        run: list[re.Match[str]] = []
        for m in _WORD_RE.finditer(text):
            word = m.group()
            capital = word.isalpha() and _case_of(word) == "title"
            if run and text[run[-1].end() : m.start()] == " " and (capital or word in _CONNECTORS):
                run.append(m)
                continue
            yield from _name_spans(run)
            run = [m] if capital else []
        yield from _name_spans(run)

    def rewrite(self, text: str, seed: int) -> Rewrite:
        """Spin names and expressions of ``text``; deterministic in ``(text, seed)``."""
        paragraphs = select_paragraphs(text, self.paragraph_share, seed)
        if not paragraphs or self.rate <= 0.0:
            return Rewrite(text, (), self.generator)
        inside = _span_test(paragraphs)
        options = [span for span in self.spans(text) if inside(span[0])]
        rng = random.Random(f"{self.name}/{seed}")
        chosen = sorted(rng.sample(range(len(options)), _quota(self.rate, len(options), rng)))
        edits = []
        for start, end in (options[i] for i in chosen):
            step = self._words.rewrite(text[start:end], rng.randrange(2**32))
            for (in_start, in_end, _, _), sub in zip(_edit_spans(step), step.substitutions, strict=True):
                title = _case_of(sub.original) == "title"
                replacement = _title_words(sub.replacement) if title else sub.replacement
                edits.append((start + in_start, start + in_end, replacement))
        new_text, subs = _apply_edits(text, edits)
        return Rewrite(new_text, subs, self.generator)


def _name_spans(run: Sequence[re.Match[str]]) -> Iterable[tuple[int, int]]:
    """The names inside a run of capitalised words and connectors."""
    first = 0
    for i in range(1, len(run)):
        # "the Study of War and the Museum of Modern Art" is two names.
        if run[i - 1].group() == "and" and run[i].group() in _CONNECTORS:
            span = _name_span(run[first : i - 1])
            if span is not None:
                yield span
            first = i
    span = _name_span(run[first:])
    if span is not None:
        yield span


def _name_span(run: Sequence[re.Match[str]]) -> tuple[int, int] | None:
    """The name inside a run of capitalised words and connectors, or None when it is not one."""
    words = list(run)
    while words and words[-1].group() in _CONNECTORS:
        words.pop()
    # "In New York", "But Labour Party": the leading function word is sentence case, not the name.
    while words and words[0].group().lower() in DEFAULT_SKIP_WORDS and words[0].group() != "The":
        words.pop(0)
    if sum(1 for w in words if w.group() not in _CONNECTORS) < 2:
        return None
    return words[0].start(), words[-1].end()


# --------------------------------------------------------------------------- ordinary swaps


class _GuardedSynonymSpinner(SynonymSpinner):
    """A :class:`SynonymSpinner` that also leaves acronyms, URLs and numbers ("60mph") alone."""

    def _eligible(self, text: str, m: re.Match[str]) -> bool:
        token = m.group()
        if token.isupper() or not super()._eligible(text, m):
            return False
        return not _protected(text, m.start(), m.end())

    def _phrase_edit(
        self, text: str, tokens: Sequence[re.Match[str]], used: Sequence[bool], i: int, rng: random.Random
    ) -> tuple[int, int, str] | None:
        found = super()._phrase_edit(text, tokens, used, i, rng)
        if found is not None and _protected(text, tokens[found[0]].start(), tokens[found[1]].end()):
            return None
        return found


# --------------------------------------------------------------------------- the family


def contentfarm_spinner(
    rate: float = 0.1,
    *,
    phrase_rate: float | None = None,
    name_rate: float | None = None,
    name_word_rate: float = 0.8,
    paragraph_share: float = 1.0,
    path: Path | None = None,
    table: PhraseTable | None = None,
) -> Rewriter:
    """Build the composed "contentfarm" spinner: names, then synonyms, then function phrases.

    ``phrase_rate`` and ``name_rate`` default to ``rate``; ``path`` is the MyThes file (default:
    Debian's ``mythes-en-us``), ``table`` the phrase table (default: the packaged one). Fails fast with
    :class:`~mtdetect.training.rewrite.thesaurus.ThesaurusUnavailable` when the thesaurus is missing.
    """
    source = MythesSynonyms(path, rank="frequency")
    if not source.path.is_file():
        raise _unavailable(source.path, "not found")
    table = table if table is not None else load_phrase_table()
    names = rate if name_rate is None else name_rate
    phrases = rate if phrase_rate is None else phrase_rate
    share = paragraph_share
    return Compose(
        NameSpinner(source, names, table=table, word_rate=name_word_rate, paragraph_share=share),
        _GuardedSynonymSpinner(
            source,
            rate,
            "contentfarm-synonyms",
            DEFAULT_SKIP_WORDS | {w for phrase in table.phrases for w in phrase.split()},
            paragraph_share=share,
            choice="random",
            phrases=False,
        ),
        PhraseSpinner(phrases, table=table, paragraph_share=share),
        name="contentfarm",
    )
