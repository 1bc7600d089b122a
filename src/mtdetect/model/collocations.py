"""Reference counts of adjacent word pairs, for rare-collocation signals.

Spinners swap one word of a fixed phrase ("upper hand" -> "higher hand") and leave two common
words side by side that real writers almost never put together. A table of how often each word
pair occurs in a reference corpus of human-written text shows this cheaply.

Design: counts live in a fixed-size array indexed by a CRC32 hash of the pair, saturating at 255.
Hash collisions can only make a rare pair look seen, i.e. they err towards fewer alarms. The table
is stored as a compressed `.npz` (loaded with `allow_pickle=False`), about 2-4 MB on disk.
The reference texts must not overlap the classifier's training texts, or every training original
would look perfectly "seen" (see `training.py`, which keeps a separate reference split).
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
DEFAULT_BITS = 24


def _bucket(w1: str, w2: str, mask: int) -> int:
    return zlib.crc32(f"{w1} {w2}".encode()) & mask


def word_pairs(sentences_of_words: Iterable[Sequence[str]]) -> Iterable[tuple[str, str]]:
    """Adjacent pairs inside each word sequence (never across a sequence boundary)."""
    for words in sentences_of_words:
        yield from itertools.pairwise(words)


class BigramTable:
    """Saturating hashed counts of word pairs."""

    def __init__(self, counts: np.ndarray, n_docs: int = 0) -> None:
        if counts.dtype != np.uint8 or counts.ndim != 1 or counts.size & (counts.size - 1):
            raise ValueError("bigram counts must be a 1-d uint8 array whose size is a power of two")
        self.counts = counts
        self.n_docs = n_docs
        self._mask = counts.size - 1

    @classmethod
    def build(cls, docs: Iterable[Iterable[Sequence[str]]], bits: int = DEFAULT_BITS) -> BigramTable:
        """Count pairs over documents, each given as its sentences of normalised words."""
        mask = (1 << bits) - 1
        wide = np.zeros(1 << bits, dtype=np.uint32)
        n_docs = 0
        for doc in docs:
            n_docs += 1
            idx = np.fromiter((_bucket(a, b, mask) for a, b in word_pairs(doc)), dtype=np.int64)
            np.add.at(wide, idx, 1)
        return cls(np.minimum(wide, 255).astype(np.uint8), n_docs)

    def count(self, w1: str, w2: str) -> int:
        """Saturated reference count of the pair `w1 w2` (0 means never seen)."""
        return int(self.counts[_bucket(w1, w2, self._mask)])

    def counts_for(self, pairs: Iterable[tuple[str, str]]) -> np.ndarray:
        """Counts for many pairs at once."""
        idx = np.fromiter((_bucket(a, b, self._mask) for a, b in pairs), dtype=np.int64)
        return self.counts[idx]

    def save(self, path: Path) -> None:
        with path.open("wb") as f:
            np.savez_compressed(f, counts=self.counts, meta=np.array([FORMAT_VERSION, self.n_docs]))

    @classmethod
    def load(cls, path: Path) -> BigramTable:
        with np.load(path, allow_pickle=False) as data:
            version, n_docs = (int(x) for x in data["meta"])
            if version != FORMAT_VERSION:
                raise ValueError(f"{path}: bigram table format {version}, expected {FORMAT_VERSION}")
            return cls(data["counts"], n_docs)
