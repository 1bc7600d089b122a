"""A hashed character and word n-gram linear model: the component that reads a text's surface style.

Machine translation leaves traces in short strings more than in any single word: stilted function-word
sequences ("it is necessary to"), calqued collocations, odd punctuation and casing. A linear model over
hashed n-grams catches them at thousands of texts per second, so it serves `--fast` as well as the
default head, which reads its decision values as columns.

Hashing is done here, vectorised with NumPy, not with scikit-learn's HashingVectorizer, whose import
alone costs more than a `--fast` run of hundreds of articles. Each n-gram of code points gets a
polynomial hash (arithmetic wraps modulo 2**64), mixed and cut to `bits` bits; word n-grams hash the
words' CRC32s the same way, in a separate space. Counts are log-scaled (sublinear tf) and the row is
L2-normalised; a model with IDF weights (format v2) multiplies each bucket by its IDF and normalises
again, so n-grams that every text has (", the", "the ") stop drowning out the rare ones that carry
translationese. Collisions are accepted: with 2**18 buckets a 300-word text fills well under 1%.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

FORMAT = "mtdetect-ngrams v2"
_READABLE = ("mtdetect-ngrams v1", FORMAT)  # v1: no IDF weights
_WORD_RE = re.compile(r"\w+|[^\w\s]")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads the polynomial hash's low bits
_BASE = np.uint64(1_000_003)


@dataclass(frozen=True)
class NgramSettings:
    """What is hashed: character n-grams of `chars` lengths, word n-grams of `words` lengths."""

    bits: int = 18
    chars: tuple[int, ...] = (2, 3, 4)
    words: tuple[int, ...] = (1, 2)
    lowercase: bool = False

    def __post_init__(self) -> None:
        if not 8 <= self.bits <= 24:
            raise ValueError(f"bits must be in 8..24, got {self.bits}")


def _ngram_hashes(codes: np.ndarray, orders: Sequence[int], salt: int) -> np.ndarray:
    out = []
    with np.errstate(over="ignore"):
        for n in orders:
            if len(codes) < n:
                continue
            h = np.full(len(codes) - n + 1, np.uint64(salt * 7919 + n))
            for k in range(n):
                h = h * _BASE + codes[k : len(codes) - n + 1 + k]
            out.append(h * _MIX)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


def hash_row(text: str, settings: NgramSettings) -> tuple[np.ndarray, np.ndarray]:
    """The text's bucket indices and L2-normalised, sublinear weights (a sparse row)."""
    if settings.lowercase:
        text = text.lower()
    text = " ".join(text.split())
    chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    words = np.array([zlib.crc32(w.encode()) for w in _WORD_RE.findall(text)], dtype=np.uint64)
    hashes = np.concatenate(
        [_ngram_hashes(chars, settings.chars, 1), _ngram_hashes(words, settings.words, 2)]
    )
    buckets = (hashes >> np.uint64(64 - settings.bits)).astype(np.int64)
    index, counts = np.unique(buckets, return_counts=True)
    weights = 1.0 + np.log(counts)
    norm = np.sqrt(np.sum(weights**2))
    return index, weights / norm if norm else weights


@dataclass(frozen=True)
class NgramModel:
    """Linear decision values over hashed n-grams, one column per entry of `outputs`."""

    settings: NgramSettings
    outputs: tuple[str, ...]  # column names, e.g. ("ngram_spun", "ngram_translated")
    coef: np.ndarray  # (outputs, 2**bits), float32
    intercept: np.ndarray  # (outputs,)
    idf: np.ndarray | None = None  # (2**bits,) float32 bucket weights; None: plain sublinear tf

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's bucket indices and the weights this model reads (IDF-weighted when it has IDF)."""
        index, weights = hash_row(text, self.settings)
        if self.idf is None:
            return index, weights
        weights = weights * self.idf[index]
        norm = np.sqrt(np.sum(weights**2))
        return index, weights / norm if norm else weights

    def columns(self, texts: Sequence[str]) -> np.ndarray:
        """Decision values, shape (texts, outputs)."""
        out = np.empty((len(texts), len(self.outputs)))
        for i, text in enumerate(texts):
            index, weights = self.row(text)
            out[i] = self.coef[:, index] @ weights + self.intercept
        return out

    def save(self, path: Path) -> None:
        spec = {"format": FORMAT, "settings": asdict(self.settings), "outputs": list(self.outputs)}
        arrays = {"coef": self.coef.astype(np.float32), "intercept": self.intercept}
        if self.idf is not None:
            arrays["idf"] = self.idf.astype(np.float32)
        np.savez_compressed(path, spec=np.array(json.dumps(spec)), **arrays)

    @classmethod
    def load(cls, path: Path) -> NgramModel:
        with np.load(path, allow_pickle=False) as data:
            spec = json.loads(str(data["spec"]))
            if spec.get("format") not in _READABLE:
                raise ValueError(f"{path}: not an mtdetect n-gram model")
            settings = spec["settings"]
            settings = NgramSettings(
                int(settings["bits"]),
                tuple(settings["chars"]),
                tuple(settings["words"]),
                settings["lowercase"],
            )
            idf = data["idf"] if "idf" in data.files else None
            return cls(settings, tuple(spec["outputs"]), data["coef"], data["intercept"], idf)
