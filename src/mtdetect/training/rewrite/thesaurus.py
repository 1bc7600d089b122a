"""A :class:`~mtdetect.training.rewrite.base.SynonymSource` over the MyThes thesaurus used by LibreOffice.

Design: Debian's ``mythes-en-us`` installs ``/usr/share/mythes/th_en_US_v2.dat`` (derived from WordNet).
Its first line names the encoding; then each entry is a line ``word|N`` followed by N meaning lines
``(pos)|syn1|syn2|...``; synonyms may carry a note: ``(generic term)``, ``(similar term)``,
``(related term)`` or ``(antonym)``. :class:`MythesSynonyms` reads the file into memory on first use and
indexes headword -> byte offset (about 0.2 s for 146k entries); an entry is decoded, filtered and ranked
only when it is looked up, then cached. Nothing happens at import time.

Ranks: ``"frequency"`` orders candidates by English corpus frequency (``wordfreq`` Zipf value, most
frequent first, ties in file order), the "thesaurus ranked by corpus frequency" spinner;
``"listed"`` keeps the file order (meanings in file order, synonyms in line order).
:func:`thesaurus_spinner` makes a frequency-ranked spinner always take the top candidate and a
listed one pick at random, which mimics cheap spinners: "said" -> "same", "big" -> "large".

Besides ``synonyms``, the source offers what :class:`~mtdetect.training.rewrite.spinner.SynonymSpinner` uses
when present: ``synonyms_pos`` (the file tags every meaning with its part of speech) and ``lemmatize``
(suffix stripping to a headword, because the thesaurus lists base forms only: "houses" -> "house").

Deliberate shortcuts:
  * Notes are stripped; ``(antonym)`` candidates are dropped ("big" must not become "small"), generic
    terms (hypernyms, "house" -> "building") are kept, as a thesaurus-driven spinner would use them.
  * Like the WordNet source: candidates with digits, single letters and acronyms are dropped, and
    capitalised ones ("Adam" for "go") unless the meaning is the word's own proper-noun sense.
  * ``lemmatize`` only undoes regular -s/-es/-ies, -d/-ed/-ied and -ing, checked against the headwords
    (the most frequent one wins when several match); the spinner re-inflects only forms it can spell back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from mtdetect.training.rewrite.base import Rewriter

__all__ = [
    "DEFAULT_MYTHES_PATH",
    "MythesSynonyms",
    "ThesaurusUnavailable",
    "thesaurus_spinner",
]

DEFAULT_MYTHES_PATH = Path("/usr/share/mythes/th_en_US_v2.dat")
"""Where Debian's ``mythes-en-us`` installs the US English thesaurus."""

Rank = Literal["frequency", "listed"]
Pos = Literal["n", "v", "a", "r"]

_POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
_NOTE_RE = re.compile(r"\s*\(([^()]*)\)\s*$")
_MAX_CACHE = 200_000  # entries; phrase misses would otherwise grow the cache without bound


class ThesaurusUnavailable(RuntimeError):
    """Raised when the MyThes thesaurus file cannot be found or read."""


def _unavailable(path: Path, why: str) -> ThesaurusUnavailable:
    return ThesaurusUnavailable(
        f"MyThes thesaurus {why}: {path}. Install it with `apt-get install mythes-en-us`, "
        "or pass the path of a th_*.dat file."
    )


class MythesSynonyms:
    """Synonyms from a MyThes ``.dat`` thesaurus; ``rank`` is "frequency" (wordfreq) or "listed"."""

    def __init__(self, path: Path | None = None, rank: Rank = "frequency") -> None:
        if rank not in ("frequency", "listed"):
            raise ValueError(f"unknown rank {rank!r}")
        self.path = Path(path) if path is not None else DEFAULT_MYTHES_PATH
        self.rank: Rank = rank
        self._data: bytes | None = None
        self._encoding = "utf-8"
        self._index: dict[str, list[tuple[int, int]]] = {}
        self._cache: dict[tuple[str, Pos | None], tuple[str, ...]] = {}

    def __len__(self) -> int:
        """Number of headwords (loads the file)."""
        self._load()
        return len(self._index)

    def headwords(self) -> list[str]:
        """All lower-case headwords (loads the file)."""
        self._load()
        return list(self._index)

    def __contains__(self, word: object) -> bool:
        """Whether ``word`` is a headword (loads the file)."""
        self._load()
        return isinstance(word, str) and word.lower() in self._index

    def synonyms(self, word: str) -> Sequence[str]:
        """Return lower-case replacement candidates for ``word``, best first; empty when unknown."""
        return self.synonyms_pos(word, None)

    def synonyms_pos(self, word: str, pos: Pos | None) -> Sequence[str]:
        """Like :meth:`synonyms`, restricted to meanings of part of speech ``pos`` (None: any)."""
        key = (word.lower(), pos)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) >= _MAX_CACHE:
                self._cache.clear()
            cached = self._cache[key] = self._compute(*key)
        return cached

    def lemmatize(self, word: str) -> str | None:
        """Return the headword a regularly inflected ``word`` comes from ("houses" -> "house"), or None.

        A headword is its own base form ("news", not "new"), as with WordNet's ``morphy``.
        """
        self._load()
        word = word.lower()
        if word in self._index:
            return word
        if word.endswith("s"):
            bases = [
                word[:-1],
                word[:-2] if word.endswith("es") else "",
                word[:-3] + "y" if word.endswith("ies") else "",
            ]
        elif word.endswith("ed"):
            bases = [word[:-1], word[:-2], word[:-3] + "y" if word.endswith("ied") else ""]
        elif word.endswith("ing"):
            bases = [word[:-3], word[:-3] + "e", word[:-4] + "ie" if word.endswith("ying") else ""]
        else:
            return None
        known = [b for b in dict.fromkeys(bases) if len(b) >= 2 and b in self._index]
        if len(known) <= 1:
            return known[0] if known else None
        from wordfreq import zipf_frequency

        # "making": "make", not the rare headword "mak"; "singing": "sing", not "singe".
        return max(known, key=lambda b: zipf_frequency(b, "en"))

    # ------------------------------------------------------------------ internals

    def _load(self) -> None:
        if self._data is not None:
            return
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise _unavailable(self.path, "not found") from None
        except OSError as exc:
            raise _unavailable(self.path, f"unreadable ({exc})") from exc
        first = data.find(b"\n")
        if first < 0:
            raise _unavailable(self.path, "is empty or truncated")
        encoding = data[:first].strip().decode("ascii", "replace") or "utf-8"
        try:
            "".encode(encoding)
        except LookupError:
            raise _unavailable(self.path, f"declares an unknown encoding {encoding!r}") from None
        index: dict[str, list[tuple[int, int]]] = {}
        pos, n = first + 1, len(data)
        try:
            while pos < n:
                nl = data.find(b"\n", pos)
                nl = n if nl < 0 else nl
                head, _, count = data[pos:nl].rstrip(b"\r").rpartition(b"|")
                meanings = int(count)
                pos = nl + 1
                if head:
                    index.setdefault(head.decode(encoding).lower(), []).append((pos, meanings))
                for _ in range(meanings):  # skip the meaning lines
                    nl = data.find(b"\n", pos)
                    pos = n if nl < 0 else nl + 1
        except (ValueError, UnicodeDecodeError) as exc:
            raise _unavailable(self.path, f"is malformed near byte {pos} ({exc})") from exc
        self._data, self._encoding, self._index = data, encoding, index

    def _meanings(self, word: str) -> list[tuple[str, list[str]]]:
        """``(pos, raw fields)`` of every meaning line of ``word``; pos is "n", "v", "a", "r" or ""."""
        self._load()
        assert self._data is not None
        out = []
        for offset, count in self._index.get(word, ()):
            pos = offset
            for _ in range(count):
                nl = self._data.find(b"\n", pos)
                nl = len(self._data) if nl < 0 else nl
                fields = self._data[pos:nl].rstrip(b"\r").decode(self._encoding, "replace").split("|")
                out.append((_POS.get(fields[0].strip("() "), ""), fields[1:]))
                pos = nl + 1
        return out

    def _compute(self, word: str, pos: Pos | None) -> tuple[str, ...]:
        candidates: dict[str, None] = {}
        for meaning_pos, fields in self._meanings(word):
            if pos is not None and meaning_pos != pos:
                continue
            terms = []
            for field in fields:
                note = _NOTE_RE.search(field)
                if note is not None and note.group(1).strip() == "antonym":
                    continue
                term = (field[: note.start()] if note else field).strip()
                if term:
                    terms.append(term)
            # A meaning listing the word itself capitalised ("Saida") is a proper-noun sense.
            proper = any(t.lower() == word and not t.islower() for t in terms)
            for term in terms:
                name = term.lower()
                if name == word or len(name) < 2 or any(ch.isdigit() for ch in name):
                    continue
                if (term.isupper() and len(term) > 1) or (not proper and not term.islower()):
                    continue
                candidates[name] = None
        ranked = list(candidates)
        if self.rank == "frequency" and ranked:
            from wordfreq import zipf_frequency

            # sorted() is stable, so ties keep the file order.
            ranked.sort(key=lambda name: -zipf_frequency(name, "en"))
        return tuple(ranked)


_NAMES: dict[Rank, str] = {"frequency": "mythes-frequency", "listed": "mythes-listed"}


def thesaurus_spinner(
    rate: float = 0.1,
    *,
    rank: Rank = "frequency",
    side_effect_rate: float = 0.0,
    paragraph_share: float = 1.0,
    path: Path | None = None,
) -> Rewriter:
    """Build a MyThes synonym spinner named ``mythes-frequency`` / ``mythes-listed``.

    "frequency" always takes the most frequent candidate, "listed" picks one at random (seeded).
    With ``side_effect_rate > 0`` a :class:`~.spinner.SideEffectSpinner` runs after it.
    Fails fast with :class:`ThesaurusUnavailable` when the file is missing; it is parsed on first use.
    """
    from mtdetect.training.rewrite.spinner import Compose, SideEffectSpinner, SynonymSpinner

    source = MythesSynonyms(path, rank)
    if not source.path.is_file():
        raise _unavailable(source.path, "not found")
    choice = "first" if rank == "frequency" else "random"
    spinner = SynonymSpinner(source, rate, name=_NAMES[rank], paragraph_share=paragraph_share, choice=choice)
    if side_effect_rate <= 0.0:
        return spinner
    return Compose(spinner, SideEffectSpinner(side_effect_rate, paragraph_share=paragraph_share))
