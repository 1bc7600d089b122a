"""The rows a bundle carries so that it can be refitted without its training data (`refit.npz`).

They are numbers, never text: the head's input rows (feature, n-gram and encoder columns) of the fit
and validation splits with their labels, groups and sources, and a sample of the word scorer's rows.
`mtdetect train --base BUNDLE --add PAIRS` refits the heads and the word scorer on these rows plus the
user's (`retrain.py`); the components that turn text into columns stay as the bundle has them.
The file is read with `allow_pickle=False`, like every other array file of a bundle.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

REFIT_FILE = "refit.npz"
WORD_ROWS_MAX = 100_000  # word-scorer rows kept, whole texts at a time (float16: about 5 MB)


@dataclass(frozen=True)
class HeadRows:
    """Head input rows of labelled texts."""

    x: np.ndarray  # (n, columns)
    labels: np.ndarray  # "original", "spun" or "translated"
    groups: np.ndarray  # a text and its rewrite share a group, so folds keep them together
    sources: np.ndarray  # e.g. "wikinews", "wmt/original": the threshold must hold in each

    def __post_init__(self) -> None:
        n = len(self.x)
        if any(len(getattr(self, f.name)) != n for f in fields(self)):
            raise ValueError("head rows: x, labels, groups and sources differ in length")

    def __len__(self) -> int:
        return len(self.x)

    def __add__(self, other: HeadRows) -> HeadRows:
        if self.x.shape[1] != other.x.shape[1]:
            raise ValueError(
                f"head rows of {self.x.shape[1]} and {other.x.shape[1]} columns cannot be joined"
            )
        return HeadRows(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )

    def first_columns(self, n: int) -> np.ndarray:
        """The first `n` columns of x: the fast head's (features and n-grams come before the encoder's)."""
        return self.x[:, :n]


@dataclass(frozen=True)
class WordRows:
    """Word-scorer rows: one per word of a spun rewrite or a human original."""

    x: np.ndarray  # (n, word columns)
    substituted: np.ndarray
    groups: np.ndarray
    human: np.ndarray  # the word belongs to a human original

    def __len__(self) -> int:
        return len(self.x)

    def __add__(self, other: WordRows) -> WordRows:
        return WordRows(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )

    def sample(self, max_rows: int, seed: int) -> WordRows:
        """Whole texts (groups) in a seeded order until `max_rows` rows, so each text stays complete."""
        if len(self) <= max_rows:
            return self
        names, counts = np.unique(self.groups, return_counts=True)
        order = np.random.default_rng(seed).permutation(len(names))
        keep_groups = names[order[np.cumsum(counts[order]) <= max_rows]]
        mask = np.isin(self.groups, keep_groups)
        return WordRows(*(getattr(self, f.name)[mask] for f in fields(self)))


@dataclass(frozen=True)
class RefitRows:
    """Everything `refit.npz` holds."""

    columns: tuple[str, ...]  # the names of the head's input columns, in order
    fit: HeadRows
    val: HeadRows
    words: WordRows | None = None

    def save(self, path: Path) -> None:
        arrays = {"columns": np.array(self.columns)}
        for part in ("fit", "val"):
            rows = getattr(self, part)
            arrays |= {
                f"{part}_x": rows.x.astype(np.float32),
                **{
                    f"{part}_{f.name}": np.asarray(getattr(rows, f.name)).astype(str)
                    for f in fields(rows)[1:]
                },
            }
        if self.words is not None:
            arrays |= {
                "words_x": self.words.x.astype(np.float16),
                "words_substituted": self.words.substituted.astype(bool),
                "words_groups": self.words.groups.astype(str),
                "words_human": self.words.human.astype(bool),
            }
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> RefitRows:
        """Read a refit file (ValueError or OSError when it is not one)."""
        with np.load(path, allow_pickle=False) as z:
            parts = {
                part: HeadRows(
                    z[f"{part}_x"].astype(np.float64),
                    z[f"{part}_labels"],
                    z[f"{part}_groups"],
                    z[f"{part}_sources"],
                )
                for part in ("fit", "val")
            }
            words = None
            if "words_x" in z:
                words = WordRows(
                    z["words_x"].astype(np.float64),
                    z["words_substituted"],
                    z["words_groups"],
                    z["words_human"],
                )
            columns = tuple(str(c) for c in z["columns"])
        if parts["fit"].x.shape[1] != len(columns) or parts["val"].x.shape[1] != len(columns):
            raise ValueError(f"{path}: rows do not have the {len(columns)} columns the file names")
        return cls(columns, parts["fit"], parts["val"], words)

    def describe(self) -> dict[str, int]:
        """What the manifest records about the file."""
        return {
            "fit_rows": len(self.fit),
            "val_rows": len(self.val),
            "word_rows": len(self.words) if self.words is not None else 0,
        }
