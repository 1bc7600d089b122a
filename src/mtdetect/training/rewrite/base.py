"""Data types and protocols shared by the rewriters that generate training positives.

A :class:`Rewrite` is the rewritten text plus the exact spans that changed, so the labels of a spun
article can be placed at character level. Offsets of a :class:`Substitution` refer to the REWRITTEN
text; ``original`` keeps the input phrase so the edit can be inspected or undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["Rewrite", "Rewriter", "Substitution", "SynonymSource"]


@dataclass(frozen=True)
class Substitution:
    """One replaced phrase: ``rewritten_text[start:end] == replacement``."""

    start: int
    end: int
    original: str
    replacement: str


@dataclass(frozen=True)
class Rewrite:
    """A rewritten text, its substitutions (sorted by start, non-overlapping) and who made it."""

    text: str
    substitutions: tuple[Substitution, ...]
    generator: str


@runtime_checkable
class Rewriter(Protocol):
    """Anything that rewrites a text deterministically given a seed."""

    name: str

    def rewrite(self, text: str, seed: int) -> Rewrite:
        """Return the rewritten ``text``; the same ``(text, seed)`` always gives the same result."""
        ...


@runtime_checkable
class SynonymSource(Protocol):
    """Maps a lower-case word or phrase to candidate lower-case replacements, best first.

    Implementations may also offer ``lemmatize(word) -> str | None`` (base form of an inflected word),
    which spinners use when present to re-inflect the base's synonyms.
    """

    def synonyms(self, word: str) -> Sequence[str]:
        """Return replacement candidates for ``word`` (may contain spaces); empty when unknown."""
        ...
