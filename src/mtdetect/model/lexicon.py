"""Phrase lexicon of known rewriting artefacts and a fast multi-pattern matcher over it.

An entry maps a suspicious phrase ("higher hand") to the phrase it most likely replaced ("upper
hand"), with a kind (`spun_phrase`, `calque`, ...), a confidence in [0, 1] and the number of times
it was seen. Entries come from two places: a small built-in list written by the project
(`resources/builtin_lexicon.tsv`) and entries mined from aligned training pairs (`align.py`).

Matching uses one Aho-Corasick automaton per case mode (not one regex per phrase) and keeps only
hits on word boundaries. Phrases that contain an upper-case letter are matched case-sensitively,
so "The Dialog" (a mangled masthead) does not fire on "the dialog".

The lexicon is stored as a TSV with a version line, never pickled, so loading it cannot run code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import ahocorasick

FORMAT_LINE = "# mtdetect-lexicon v1"
_COLUMNS = ["phrase", "suggestion", "kind", "confidence", "count"]


@dataclass(frozen=True)
class Entry:
    """One lexicon phrase and what it most likely stands for."""

    phrase: str
    suggestion: str | None
    kind: str
    confidence: float
    count: int = 1

    @property
    def case_sensitive(self) -> bool:
        return self.phrase != self.phrase.lower()


@dataclass(frozen=True)
class Match:
    """A lexicon hit in a text: `text[start:end]` is the matched phrase."""

    start: int
    end: int
    entry: Entry


def _is_boundary(text: str, i: int) -> bool:
    return i <= 0 or i >= len(text) or not (text[i - 1].isalnum() and text[i].isalnum())


class Lexicon:
    """An immutable set of entries with a compiled matcher."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        merged: dict[str, Entry] = {}
        for e in entries:
            key = e.phrase if e.case_sensitive else e.phrase.lower()
            old = merged.get(key)
            if old is None or e.confidence * e.count > old.confidence * old.count:
                merged[key] = e
        self.entries: dict[str, Entry] = merged
        self._automata = {cs: self._build(cs) for cs in (False, True)}

    def _build(self, case_sensitive: bool) -> ahocorasick.Automaton | None:
        auto = ahocorasick.Automaton()
        for key, e in self.entries.items():
            if e.case_sensitive == case_sensitive:
                auto.add_word(key, (len(key), key))
        if len(auto) == 0:
            return None
        auto.make_automaton()
        return auto

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, phrase: str) -> bool:
        return phrase in self.entries or phrase.lower() in self.entries

    def find(self, text: str) -> list[Match]:
        """All whole-word hits in `text`, sorted by start, longest first where they overlap.

        >>> lex = Lexicon([Entry("higher hand", "upper hand", "spun_phrase", 0.9)])
        >>> [(m.start, m.end, m.entry.suggestion) for m in lex.find("They had the higher hand.")]
        [(13, 24, 'upper hand')]
        """
        hits: list[Match] = []
        for case_sensitive, auto in self._automata.items():
            if auto is None:
                continue
            haystack = text if case_sensitive else text.lower()
            if len(haystack) != len(text):  # lower() changed lengths (rare Unicode): offsets unsafe
                haystack = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
            for end_idx, (length, key) in auto.iter(haystack):
                start, end = end_idx - length + 1, end_idx + 1
                if _is_boundary(text, start) and _is_boundary(text, end):
                    hits.append(Match(start, end, self.entries[key]))
        return _drop_overlaps(hits)

    def merged_with(self, other: Lexicon) -> Lexicon:
        """A new lexicon holding both sets of entries (the stronger entry wins a clash)."""
        return Lexicon([*self.entries.values(), *other.entries.values()])

    def save(self, path: Path) -> None:
        """Write the lexicon as a versioned TSV."""
        path.write_text(self.dumps(), encoding="utf-8")

    def dumps(self) -> str:
        buf = io.StringIO()
        buf.write(FORMAT_LINE + "\n")
        writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
        writer.writerow(_COLUMNS)
        for e in sorted(self.entries.values(), key=lambda e: (-e.count, e.phrase)):
            writer.writerow([e.phrase, e.suggestion or "", e.kind, f"{e.confidence:.4f}", e.count])
        return buf.getvalue()

    @classmethod
    def loads(cls, data: str, origin: str = "<string>") -> Lexicon:
        """Parse a TSV written by `dumps`; raises ValueError naming `origin` on a bad file."""
        lines = data.splitlines()
        if not lines or lines[0].strip() != FORMAT_LINE:
            raise ValueError(f"{origin}: not an mtdetect lexicon (first line must be {FORMAT_LINE!r})")
        return cls(_parse_rows(lines[1:], origin))

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        return cls.loads(path.read_text(encoding="utf-8"), str(path))

    @classmethod
    def builtin(cls) -> Lexicon:
        """The hand-written lexicon shipped inside the package."""
        text = resources.files("mtdetect.model").joinpath("resources/builtin_lexicon.tsv").read_text("utf-8")
        return cls.loads(text, "builtin_lexicon.tsv")


def _parse_rows(lines: list[str], origin: str) -> Iterator[Entry]:
    reader = csv.reader(lines, delimiter="\t")
    header = next(reader, None)
    if header != _COLUMNS:
        raise ValueError(f"{origin}: expected columns {_COLUMNS}, got {header}")
    for lineno, row in enumerate(reader, start=3):
        if not row or row[0].startswith("#"):
            continue
        try:
            phrase, suggestion, kind, confidence, count = row
            yield Entry(phrase, suggestion or None, kind, float(confidence), int(count))
        except ValueError as exc:
            raise ValueError(f"{origin}:{lineno}: bad lexicon row {row!r}") from exc


def _drop_overlaps(hits: list[Match]) -> list[Match]:
    hits.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Match] = []
    for m in hits:
        if not kept or m.start >= kept[-1].end:
            kept.append(m)
    return kept


def normalize_phrase(phrase: str) -> str:
    """Lower-case a phrase and collapse its whitespace."""
    return " ".join(phrase.lower().replace("’", "'").split())
