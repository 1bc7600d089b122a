"""Undoing a spinner: which synonym swap would turn a never-seen word pair into a familiar one?

A spinner replaces a word of a familiar phrase with a thesaurus synonym ("upper hand" -> "higher
hand", "artificial intelligence" -> "counterfeit consciousness"). The result is a word pair that
the reference corpus never contains, while swapping one of its words back to a common synonym gives
a pair that it contains often. Finding such a swap both scores the text and proposes the likely
original phrase, for the evidence shown to the user.

`SynonymTable` maps a word to its common synonyms (built from WordNet, plus simple inflections, at
training time) and is stored in the bundle as gzip-compressed TSV with a version line, never pickled.
A second table maps the other way, from a word to the common words that list it as a synonym (its
possible *origins*): a thesaurus lists "manus" under "hand" but not "hand" under "manus", and undoing
a swap needs the way back. Only the word scorer (`wordscore.py`) reads it; the document features keep
to the first table, because reading both raised false alarms on human translations.
Deliberate shortcuts: no part-of-speech or sense check (the reference counts stand in for context),
at most `MAX_CANDIDATES` synonyms tried per word, and only single-word synonyms.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mtdetect.model.collocations import BigramTable

FORMAT_LINE = "# mtdetect-synonyms v1"
MAX_CANDIDATES = 12
MIN_RESTORED_COUNT = 3  # a restored pair must occur at least this often in the reference corpus


@dataclass(frozen=True)
class Restoration:
    """The word pair `first, last` (indices) probably replaced `suggestion`; `count` is the reference
    count of the restored pair, `gain` how much more frequent the swapped-in words are (Zipf)."""

    first: int
    last: int
    suggestion: str
    count: int
    gain: float
    swapped: tuple[int, ...] = ()  # which of the two words the suggestion replaces


class SynonymTable:
    """Word -> common synonyms, most frequent first."""

    def __init__(self, table: Mapping[str, Sequence[str]] | None = None) -> None:
        # Synonyms are kept joined by spaces and split when asked for: a text asks for a few hundred
        # words, and splitting all 60,000 lines of a bundle's table at load took 0.1-0.2 s.
        self._joined: dict[str, str] = {w: " ".join(s) for w, s in (table or {}).items() if s}

    def __len__(self) -> int:
        return len(self._joined)

    def get(self, word: str) -> tuple[str, ...]:
        joined = self._joined.get(word)
        return tuple(joined.split()) if joined else ()

    def items(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(word, synonyms) for every word in the table."""
        return ((w, tuple(j.split())) for w, j in self._joined.items())

    def save(self, path: Path) -> None:
        lines = [FORMAT_LINE] + [f"{w}\t{j}" for w, j in sorted(self._joined.items())]
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
            f.write("\n".join(lines) + "\n")

    @classmethod
    def load(cls, path: Path) -> SynonymTable:
        first, _, body = gzip.decompress(path.read_bytes()).decode("utf-8").partition("\n")
        if first != FORMAT_LINE:
            raise ValueError(f"{path}: not an mtdetect synonym table")
        try:
            joined = dict(line.split("\t", 1) for line in body.splitlines())
        except ValueError as exc:
            raise ValueError(f"{path}: a line of the synonym table has no tab") from exc
        table = cls()
        table._joined = {w: j for w, j in joined.items() if j.strip()}
        return table


def restorations(
    words: Sequence[str],
    unseen_pairs: Iterable[tuple[int, int]],
    bigrams: BigramTable,
    table: SynonymTable,
    zipf: Mapping[str, float],
) -> list[Restoration]:
    """Best synonym swap, if any, for each never-seen adjacent pair `(a, b)` of word indices.

    One word of the pair, or both, may be swapped; the swap that gives the most frequent pair wins.

    >>> table = SynonymTable({"higher": ("upper",)})
    >>> bigrams = BigramTable.build([[["the", "upper", "hand"]]] * 5, bits=10)
    >>> [r.suggestion for r in restorations(["the", "higher", "hand"], [(1, 2)], bigrams, table, {})]
    ['upper hand']
    """
    out = []
    for a, b in unseen_pairs:
        wa, wb = words[a], words[b]
        syn_a, syn_b = table.get(wa), table.get(wb)
        if not syn_a and not syn_b:
            continue
        candidates = [(s, wb, a, a) for s in syn_a] + [(wa, t, b, b) for t in syn_b]
        candidates += [(s, t, a, b) for s in syn_a[:4] for t in syn_b[:4]]
        counts = bigrams.counts_for((x, y) for x, y, _, _ in candidates)
        best = int(counts.argmax())
        if counts[best] < MIN_RESTORED_COUNT:
            continue
        x, y, first, last = candidates[best]
        swapped = [(x, wa)] * (first == a) + [(y, wb)] * (last == b)
        gain = sum(zipf.get(new, 0.0) - zipf.get(old, 0.0) for new, old in swapped) / len(swapped)
        swapped_idx = tuple(i for i, hit in ((a, first == a), (b, last == b)) if hit)
        out.append(Restoration(a, b, f"{x} {y}", int(counts[best]), gain, swapped_idx))
    return out


def confirmed(
    r: Restoration, words: Sequence[str], pairs: set[tuple[int, int]], bigrams: BigramTable
) -> bool:
    """Whether the swap also mends the swapped words' outer neighbours.

    A spinner's swap breaks the pairs on both sides of a word; putting the original back mends
    both. A rare but genuine word usually has one ordinary neighbour, and its synonym rarely fits
    the other side too. Words at punctuation or sentence edges have no outer pair and are not
    confirmed.

    >>> bigrams = BigramTable.build([[["the", "upper", "hand"]]] * 5, bits=10)
    >>> r = Restoration(1, 2, "upper hand", 5, 0.5, (1,))
    >>> confirmed(r, ["the", "higher", "hand"], {(0, 1), (1, 2)}, bigrams)
    True
    >>> confirmed(r, ["a", "higher", "hand"], {(0, 1), (1, 2)}, bigrams)
    False
    """
    x, y = r.suggestion.split(" ")
    outer = []
    if r.first in r.swapped:
        outer.append(((r.first - 1, r.first), lambda i: (words[i[0]], x)))
    if r.last in r.swapped:
        outer.append(((r.last, r.last + 1), lambda i: (y, words[i[1]])))
    checks = [make(pair) for pair, make in outer if pair in pairs]
    return len(checks) == len(outer) and all(bigrams.count(a, b) >= MIN_RESTORED_COUNT for a, b in checks)
