"""Article spinners that turn human text into labelled "spun" training positives.

Design:
  * :class:`SynonymSpinner` imitates a thesaurus spinner: it replaces about ``rate`` of the eligible
    content words (and the bigrams/trigrams the :class:`SynonymSource` knows, "upper hand" ->
    "higher hand") with a synonym, keeping the token's capitalisation. Inflected words are handled
    when the source can lemmatise: "houses" -> base "house" -> synonym "home" -> "homes", "ran" ->
    "run" -> "go" -> "went". Re-inflection uses lemminflect (the ``train`` extra), imported on first use.
  * :class:`SideEffectSpinner` adds the mechanical edits real spinners make besides synonyms: number
    words <-> digits, contractions <-> expansions, "were" -> "had been", "also" -> "additionally".
  * :class:`Compose` chains rewriters and merges their substitutions into input-to-output spans.
  * Every rewriter records exact :class:`Substitution` offsets in the rewritten text and is a pure
    function of ``(text, seed)``. With ``paragraph_share < 1`` only a seeded subset of the paragraphs
    (lines split on ``"\\n"``) is touched; the subset depends on ``(text, share, seed)`` only, so the
    rewriters of one :class:`Compose` agree on it.

Deliberate shortcuts:
  * ``rate`` is relative to the *surface*-eligible words (alphabetic, >= 3 letters, not a skip word);
    words are visited in seeded random order and those without synonyms are passed over until the
    quota is met. Looking up every word first would cost ~1 ms per cold WordNet word.
  * Phrases are only tried around the visited words (n-grams containing them), longest first.
  * Re-inflection covers plural nouns and inflected verbs (Penn NNS, VBZ, VBD, VBN, VBG). A word's tags
    are those under which its base is spelled like it; a synonym is skipped when these tags spell it
    differently ("walked" is VBD or VBN, so "go" could be "went" or "gone"), and so are multi-word
    synonyms of inflected words (which word would inflect is guesswork).
  * No part-of-speech tagging: wrong-sense, wrong-POS replacements are what spinners produce anyway.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from importlib import resources
from pathlib import Path
from typing import Literal

from mtdetect.training.rewrite.base import Rewrite, Rewriter, Substitution, SynonymSource

__all__ = [
    "DEFAULT_SKIP_WORDS",
    "Compose",
    "SideEffectSpinner",
    "SynonymSpinner",
    "compose_rewrites",
    "select_paragraphs",
    "wordnet_spinner",
]

_PACKAGE = "mtdetect.training.rewrite"


@functools.cache
def _data_lines(name: str) -> tuple[str, ...]:
    """The entries of the packaged data file ``data/<name>``: its lines, less blank and ``#`` lines."""
    text = resources.files(_PACKAGE).joinpath("data", name).read_text("utf-8")
    return tuple(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


@functools.cache
def _word_set(name: str) -> frozenset[str]:
    """The words of a packaged one-word-per-line data file."""
    return frozenset(_data_lines(name))


def _word_map(name: str) -> dict[str, str]:
    """A packaged two-column TSV data file as ``{first: second}``, in file order."""
    return dict(line.split("\t") for line in _data_lines(name))


class _PackagedWords(AbstractSet[str]):
    """A read-only word set, read from a packaged data file on first use (never at import time)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __contains__(self, word: object) -> bool:
        return word in _word_set(self._name)

    def __iter__(self) -> Iterator[str]:
        return iter(_word_set(self._name))

    def __len__(self) -> int:
        return len(_word_set(self._name))

    @classmethod
    def _from_iterable(cls, words: Iterable[str]) -> frozenset[str]:
        return frozenset(words)  # what "|", "&" and "-" return


DEFAULT_SKIP_WORDS: AbstractSet[str] = _PackagedWords("skip_words.txt")
"""Function words never spun by :class:`SynonymSpinner` (English stopwords, pronouns, auxiliaries)."""

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

Case = Literal["lower", "title", "upper"]
Choice = Literal["random", "first"]


# --------------------------------------------------------------------------- shared helpers


def select_paragraphs(text: str, share: float, seed: int) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` spans of the paragraphs (non-blank lines) chosen for spinning.

    ``round(share * n)`` of the ``n`` paragraphs are drawn with a seed derived from ``seed``; the
    choice is independent of the rewriter, so composed rewriters touch the same paragraphs.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    if share >= 1.0:
        return spans
    k = math.floor(share * len(spans) + 0.5)
    if k <= 0:
        return []
    chosen = random.Random(f"paragraphs/{seed}").sample(range(len(spans)), k)
    return [spans[i] for i in sorted(chosen)]


def _span_test(spans: Sequence[tuple[int, int]]) -> Callable[[int], bool]:
    """Return a membership test ``pos -> bool`` for sorted, disjoint ``spans``."""
    starts = [start for start, _ in spans]

    def inside(pos: int) -> bool:
        k = bisect.bisect_right(starts, pos) - 1
        return k >= 0 and pos < spans[k][1]

    return inside


def _apply_edits(text: str, edits: Iterable[tuple[int, int, str]]) -> tuple[str, tuple[Substitution, ...]]:
    """Apply non-overlapping ``(start, end, replacement)`` edits of ``text``; return text and subs."""
    parts: list[str] = []
    subs: list[Substitution] = []
    pos = 0
    out_len = 0
    for start, end, replacement in sorted(edits):
        if start < pos:
            raise ValueError("overlapping edits")
        parts.append(text[pos:start])
        out_len += start - pos
        parts.append(replacement)
        subs.append(Substitution(out_len, out_len + len(replacement), text[start:end], replacement))
        out_len += len(replacement)
        pos = end
    parts.append(text[pos:])
    return "".join(parts), tuple(subs)


def _case_of(token: str) -> Case | None:
    if token.islower():
        return "lower"
    if token.isupper() and len(token) > 1:
        return "upper"
    if token[:1].isupper() and (len(token) == 1 or token[1:].islower()):
        return "title"
    return None  # mixed case ("iPhone", "McDonald"): leave alone


def _with_case(text: str, case: Case) -> str:
    if case == "upper":
        return text.upper()
    if case == "title":
        return text[:1].upper() + text[1:]
    return text


def _phrase_case(replacement: str, cases: Sequence[Case]) -> str:
    """Case a phrase replacement like the phrase it replaces, word by word when the lengths match."""
    words = replacement.split(" ")
    if len(words) == len(cases):
        return " ".join(_with_case(w, c) for w, c in zip(words, cases, strict=True))
    if all(c == cases[0] for c in cases):  # "Two Weeks" -> "Fortnight", "UPPER HAND" -> "WHIP HAND"
        return " ".join(_with_case(w, cases[0]) for w in words)
    return _with_case(replacement, "lower" if cases[0] == "lower" else "title")


def _generator(name: str, rate: float, paragraph_share: float) -> str:
    suffix = f"/p{paragraph_share:.2f}" if paragraph_share < 1.0 else ""
    return f"{name}@{rate:.2f}{suffix}"


def _check_fraction(value: float, what: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be in [0, 1], got {value}")


# --------------------------------------------------------------------------- inflection

_NOUN_TAGS = ("NNS",)
_VERB_TAGS = ("VBZ", "VBD", "VBN", "VBG")


@functools.lru_cache(maxsize=200_000)
def _inflections(lemma: str, tag: str) -> tuple[str, ...]:
    """lemminflect's spellings of ``lemma`` under Penn ``tag``, most usual first (by rule if unknown)."""
    from lemminflect import getInflection  # the ``train`` extra: only building training data needs it

    return getInflection(lemma, tag)


def _reinflect(lemma: str, tags: Sequence[str]) -> str | None:
    """The spelling of ``lemma`` under all of ``tags``, or None when the tags spell it differently."""
    forms = {spellings[0] for spellings in (_inflections(lemma, tag) for tag in tags) if spellings}
    return forms.pop() if len(forms) == 1 else None


# --------------------------------------------------------------------------- synonym spinner


class SynonymSpinner:
    """Replace about ``rate`` of the eligible content words (and known phrases) with synonyms.

    ``choice`` decides which candidate is used: "random" (seeded) or "first". By default it is
    "first" for sources whose ``strategy`` attribute is "first_sense" or "frequent_lemma", else
    "random".
    """

    def __init__(
        self,
        synonyms: SynonymSource,
        rate: float = 0.1,
        name: str = "synonym",
        skip_words: AbstractSet[str] = DEFAULT_SKIP_WORDS,
        *,
        paragraph_share: float = 1.0,
        choice: Choice | None = None,
        phrases: bool = True,
    ) -> None:
        _check_fraction(rate, "rate")
        _check_fraction(paragraph_share, "paragraph_share")
        self.synonyms = synonyms
        self.rate = rate
        self.name = name
        self.skip_words = skip_words
        self.paragraph_share = paragraph_share
        self.phrases = phrases
        if choice is None:
            strategy = getattr(synonyms, "strategy", None)
            choice = "first" if strategy in ("first_sense", "frequent_lemma") else "random"
        self.choice: Choice = choice
        self._lemmatize: Callable[[str], str | None] | None = getattr(synonyms, "lemmatize", None)
        self._synonyms_pos: Callable[[str, str], Sequence[str]] | None = getattr(
            synonyms, "synonyms_pos", None
        )

    @property
    def generator(self) -> str:
        """The ``Rewrite.generator`` label, e.g. ``"synonym@0.10"``."""
        return _generator(self.name, self.rate, self.paragraph_share)

    def rewrite(self, text: str, seed: int) -> Rewrite:
        """Spin ``text``; deterministic in ``(text, seed)``."""
        rng = random.Random(seed)
        spans = select_paragraphs(text, self.paragraph_share, seed)
        if not spans or self.rate <= 0.0:
            return Rewrite(text, (), self.generator)
        tokens = list(_WORD_RE.finditer(text))
        if self.paragraph_share < 1.0:
            inside = _span_test(spans)
            tokens = [m for m in tokens if inside(m.start())]
        eligible = [i for i, m in enumerate(tokens) if self._eligible(text, m)]
        # Randomised rounding, so that short texts get rate * n substitutions on average.
        quota = len(eligible) if self.rate >= 1.0 else int(self.rate * len(eligible) + rng.random())
        rng.shuffle(eligible)
        used = [False] * len(tokens)
        edits: list[tuple[int, int, str]] = []
        for i in eligible:
            if len(edits) >= quota:
                break
            if used[i]:
                continue
            found = self._phrase_edit(text, tokens, used, i, rng) if self.phrases else None
            if found is None:
                replacement = self._word_edit(tokens[i].group(), rng)
                found = None if replacement is None else (i, i, replacement)
            if found is None:
                continue
            first, last, replacement = found
            for j in range(first, last + 1):
                used[j] = True
            edits.append((tokens[first].start(), tokens[last].end(), replacement))
        new_text, subs = _apply_edits(text, edits)
        return Rewrite(new_text, subs, self.generator)

    def _eligible(self, text: str, m: re.Match[str]) -> bool:
        token = m.group()
        if len(token) < 3 or not token.isalpha() or token.lower() in self.skip_words:
            return False
        if _case_of(token) is None:
            return False
        # Leave parts of e-mail addresses, URLs, paths and identifiers alone.
        before = text[m.start() - 1] if m.start() > 0 else " "
        after = text[m.end()] if m.end() < len(text) else " "
        after2 = text[m.end() + 1] if m.end() + 1 < len(text) else " "
        return before not in "@/._\\" and after not in "@/_\\" and not (after == "." and after2.isalnum())

    def _pick(self, candidates: Sequence[str], rng: random.Random) -> str:
        return rng.choice(candidates) if self.choice == "random" else candidates[0]

    def _word_edit(self, token: str, rng: random.Random) -> str | None:
        case = _case_of(token)
        if case is None:
            return None
        word = token.lower()
        candidates = [c.lower() for c in self.synonyms.synonyms(word) if c and c.lower() != word]
        if not candidates and self._lemmatize is not None:
            candidates = self._inflected_candidates(word, self._lemmatize(word))
        if not candidates:
            return None
        return _with_case(self._pick(candidates, rng), case)

    def _inflected_candidates(self, word: str, base: str | None) -> list[str]:
        """Synonyms of the base form of an inflected ``word``, re-inflected like ``word``."""
        if not base or base == word or base in self.skip_words:
            return []
        tags = [tag for tag in (*_NOUN_TAGS, *_VERB_TAGS) if word in _inflections(base, tag)]
        if not tags:
            return []
        if self._synonyms_pos is not None:
            # Noun synonyms take the noun tags, verb synonyms the verb tags: never an adjective.
            by_pos = (("n", _NOUN_TAGS), ("v", _VERB_TAGS))
            pools = [
                (self._synonyms_pos(base, pos), kept)
                for pos, pos_tags in by_pos
                if (kept := [tag for tag in tags if tag in pos_tags])
            ]
        else:
            pools = [(self.synonyms.synonyms(base), tags)]
        candidates: list[str] = []
        for pool, pool_tags in pools:
            for cand in dict.fromkeys(c.lower() for c in pool):
                inflected = _reinflect(cand, pool_tags) if cand.isalpha() else None
                if inflected and inflected != word and inflected not in candidates:
                    candidates.append(inflected)
        return candidates

    def _phrase_edit(
        self, text: str, tokens: Sequence[re.Match[str]], used: Sequence[bool], i: int, rng: random.Random
    ) -> tuple[int, int, str] | None:
        """Try the trigrams, then bigrams, that contain token ``i``; return ``(first, last, repl)``."""
        for n in (3, 2):
            for first in range(max(0, i - n + 1), min(i, len(tokens) - n) + 1):
                last = first + n - 1
                group = tokens[first : last + 1]
                if any(used[first : last + 1]) or not all(m.group().isalpha() for m in group):
                    continue
                if any(
                    text[a.end() : b.start()].strip(" \t") or a.end() == b.start()
                    for a, b in itertools.pairwise(group)
                ):
                    continue  # separated by punctuation or a newline: not a phrase
                words = [m.group() for m in group]
                cases = [c for c in map(_case_of, words) if c is not None]
                if len(cases) != n:
                    continue
                query = " ".join(w.lower() for w in words)
                candidates = [c.lower() for c in self.synonyms.synonyms(query) if c and c.lower() != query]
                if not candidates:
                    continue
                return first, last, _phrase_case(self._pick(candidates, rng), cases)
        return None


# --------------------------------------------------------------------------- side effects


def _phrase_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted(keys, key=len, reverse=True)
    body = "|".join(re.escape(k).replace(r"\ ", r"[ \t]+").replace("'", "['’]") for k in alternatives)
    # A lookahead group so that overlapping opportunities ("he is" and "is not") are all found.
    return re.compile(rf"\b(?=((?:{body})\b))", re.IGNORECASE)


@functools.cache
def _side_effect_rules() -> tuple[tuple[re.Pattern[str], dict[str, str]], ...]:
    """``(pattern, table)`` for contractions, expansions, number words and fixed swaps."""
    contractions = _word_map("contractions.tsv")
    expansions = {short: long for long, short in contractions.items() if long != "can not"}
    tables = (contractions, expansions, _word_map("number_words.tsv"), _word_map("fixed_swaps.tsv"))
    return tuple((_phrase_pattern(table), table) for table in tables)


@functools.cache
def _digit_words() -> dict[str, str]:
    """Digits -> number word, for the number words whose digits have no apostrophe ("100's")."""
    return {digits: word for word, digits in _word_map("number_words.tsv").items() if "'" not in digits}


# A bare 1-2 digit number, not part of a decimal, time, date, price, percentage, ordinal or word.
_DIGITS_RE = re.compile(r"(?<![\w.,:$£€#/-])\d{1,2}(?![\w%°'’]|[.,:/-]\d)")


def _match_case(replacement: str, matched: str) -> str:
    letters = [ch for ch in matched if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return replacement.upper()
    if matched[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


class SideEffectSpinner:
    """Mechanical spinner edits: number words <-> digits, contractions <-> expansions, and fixed
    swaps ("were" -> "had been", "also" -> "additionally").

    Every opportunity is taken independently with probability ``rate`` (seeded); overlapping
    opportunities ("he is not": "he's not" or "he isn't") are resolved in seeded random order.
    """

    def __init__(
        self, rate: float = 0.5, name: str = "side-effects", *, paragraph_share: float = 1.0
    ) -> None:
        _check_fraction(rate, "rate")
        _check_fraction(paragraph_share, "paragraph_share")
        self.rate = rate
        self.name = name
        self.paragraph_share = paragraph_share

    @property
    def generator(self) -> str:
        """The ``Rewrite.generator`` label, e.g. ``"side-effects@0.50"``."""
        return _generator(self.name, self.rate, self.paragraph_share)

    def rewrite(self, text: str, seed: int) -> Rewrite:
        """Apply side-effect edits to ``text``; deterministic in ``(text, seed)``."""
        spans = select_paragraphs(text, self.paragraph_share, seed)
        if not spans or self.rate <= 0.0:
            return Rewrite(text, (), self.generator)
        rng = random.Random(f"{self.name}/{seed}")
        options: list[tuple[int, int, str]] = []
        for pattern, table in _side_effect_rules():
            for m in pattern.finditer(text):
                matched = m.group(1)
                key = re.sub(r"[ \t]+", " ", matched.lower()).replace("’", "'")
                replacement = _match_case(table[key], matched)
                if "’" in matched:
                    replacement = replacement.replace("'", "’")
                options.append((m.start(1), m.end(1), replacement))
        for m in _DIGITS_RE.finditer(text):
            word = _digit_words().get(m.group())
            if word is not None:
                options.append((m.start(), m.end(), word))
        if self.paragraph_share < 1.0:
            inside = _span_test(spans)
            options = [o for o in options if inside(o[0])]
        rng.shuffle(options)
        taken: list[tuple[int, int, str]] = []
        for start, end, replacement in options:
            if rng.random() >= self.rate:
                continue
            if any(start < t_end and t_start < end for t_start, t_end, _ in taken):
                continue
            taken.append((start, end, replacement))
        new_text, subs = _apply_edits(text, taken)
        return Rewrite(new_text, subs, self.generator)


# --------------------------------------------------------------------------- composition


def _edit_spans(rewrite: Rewrite) -> list[tuple[int, int, int, int]]:
    """``(in_start, in_end, out_start, out_end)`` for each substitution of ``rewrite``."""
    spans = []
    delta = 0
    for s in rewrite.substitutions:
        in_start = s.start - delta
        spans.append((in_start, in_start + len(s.original), s.start, s.end))
        delta += len(s.replacement) - len(s.original)
    return spans


def compose_rewrites(source: str, first: Rewrite, second: Rewrite, generator: str) -> Rewrite:
    """Merge ``first`` (``source`` -> A) and ``second`` (A -> B) into one rewrite ``source`` -> B.

    Edits of the two steps that overlap in A become one substitution covering both.
    """
    a_edits = _edit_spans(first)  # source -> A
    b_edits = _edit_spans(second)  # A -> B
    intervals = sorted(
        [(o_s, o_e) for _, _, o_s, o_e in a_edits] + [(i_s, i_e) for i_s, i_e, _, _ in b_edits]
    )
    groups: list[list[int]] = []
    for start, end in intervals:
        if groups and (start < groups[-1][1] or (start == groups[-1][1] and start == end)):
            groups[-1][1] = max(groups[-1][1], end)
        else:
            groups.append([start, end])

    def to_source(pos: int) -> int:
        return pos - sum((o_e - o_s) - (i_e - i_s) for i_s, i_e, o_s, o_e in a_edits if o_e <= pos)

    def to_final(pos: int) -> int:
        return pos + sum((o_e - o_s) - (i_e - i_s) for i_s, i_e, o_s, o_e in b_edits if i_e <= pos)

    subs = []
    for start, end in groups:
        final_start, final_end = to_final(start), to_final(end)
        original = source[to_source(start) : to_source(end)]
        replacement = second.text[final_start:final_end]
        if original != replacement:
            subs.append(Substitution(final_start, final_end, original, replacement))
    return Rewrite(second.text, tuple(subs), generator)


class Compose:
    """Apply rewriters in sequence with the same seed; substitutions refer to the original input."""

    def __init__(self, *rewriters: Rewriter, name: str | None = None) -> None:
        if not rewriters:
            raise ValueError("Compose needs at least one rewriter")
        self.rewriters = rewriters
        self.name = name or "+".join(r.name for r in rewriters)

    @property
    def generator(self) -> str:
        """The sub-rewriters' generator labels joined with "+"."""
        return "+".join(str(getattr(r, "generator", r.name)) for r in self.rewriters)

    def rewrite(self, text: str, seed: int) -> Rewrite:
        """Run every rewriter on the previous one's output and merge the substitutions."""
        result = Rewrite(text, (), self.generator)
        for rewriter in self.rewriters:
            step = rewriter.rewrite(result.text, seed)
            result = compose_rewrites(text, result, step, self.generator)
        return result


_WORDNET_NAMES = {
    "random_sense": "wordnet-random",
    "first_sense": "wordnet-first",
    "frequent_lemma": "wordnet-frequent",
}


def wordnet_spinner(
    strategy: Literal["random_sense", "first_sense", "frequent_lemma"] = "random_sense",
    rate: float = 0.1,
    *,
    side_effect_rate: float = 0.0,
    paragraph_share: float = 1.0,
    cache_dir: Path | None = None,
) -> Rewriter:
    """Build a WordNet synonym spinner named ``wordnet-random`` / ``wordnet-first`` / ``wordnet-frequent``.

    With ``side_effect_rate > 0`` a :class:`SideEffectSpinner` runs after it. Loads WordNet on call.
    """
    from mtdetect.training.rewrite.wordnet import WordNetSynonyms, load_wordnet

    source = WordNetSynonyms(load_wordnet(cache_dir), strategy)
    name = _WORDNET_NAMES[strategy]
    spinner = SynonymSpinner(source, rate, name=name, paragraph_share=paragraph_share)
    if side_effect_rate <= 0.0:
        return spinner
    return Compose(spinner, SideEffectSpinner(side_effect_rate, paragraph_share=paragraph_share))
