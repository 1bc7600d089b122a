"""The deep head (`--deep`): the odds of spinning weighed together with a language model's surprise.

A spinner's swaps make text less predictable to a language model whatever thesaurus they came from, so a
small causal LM's surprisal catches spinning that the features and the encoder never learnt (on spinners of
an unseen thesaurus it is the strongest single signal: `bench/generalisation.py`). Machine translation is not
consistently more or less surprising than human text (AUROC 0.35-0.70 against human translations, by source
language: `bench/lm_translation.py`), so the deep head re-weighs only the odds of spun against original:
a logistic regression over the main head's log-odds of spun against original and summaries of SmolLM2's
reading of the text's first `tokens` tokens (`surprisal.SUMMARIES`; the head names the ones it reads). By
default: the mean NLL of the ten most surprising tokens, the mean NLL, and, with the bundle's synonym table,
the mean of the five largest margins of a word's likeliest synonym over the word (a spinner's swaps,
whatever thesaurus they came from, are words whose common synonym the model prefers by far). The odds of
translated against original stay the main head's, and the three probabilities are renormalised.

Fitted by `training/deep_fit.py` on held-out rows; stored as plain arrays (`deep.npz`) and the manifest's
`deep` section, which holds the threshold chosen on its out-of-fold scores.

`--cascade` (`Cascade`) keeps most of that at close to the default mode's speed: the language model reads
only the texts that the main head does not call original, and the deep head scores every other text with
the typical surprisal of human text, so that all scores stay on the deep head's scale and threshold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mtdetect.model.surprisal import MARGIN_TOP, SUMMARIES, TOP

FORMAT = "mtdetect-deep-head v2"
# v1 heads (the first shipped) read the mean NLL and its excess over the entropy, and did not name the choice.
READS = {"mtdetect-deep-head v1": ("lm_nll", "lm_excess"), FORMAT: None}
ODDS_COLUMN = "log_odds_spun"
DEFAULT_SURPRISAL = (f"lm_nll_top{TOP}", "lm_nll", f"lm_margin_top{MARGIN_TOP}")
# The cascade's language model reads a text from the main head's score at which its verdict stops being
# `original` (`uncertain` starts there): where the cheap model is unsure, or sure of rewriting.
CASCADE_READS_FROM = 0.5
_EPS = 1e-6


def input_columns(proba: np.ndarray, surprisal: np.ndarray, columns: Sequence[str]) -> np.ndarray:
    """The deep head's rows from the main head's class probabilities (LABELS order: original, spun,
    translated) and the language model's `SUMMARIES` per text, of which it reads `columns`."""
    p = np.clip(np.asarray(proba, dtype=float), _EPS, 1.0)
    picked = np.asarray(surprisal, dtype=float).reshape(len(p), len(SUMMARIES))[:, _indices(columns)]
    return np.column_stack([np.log(p[:, 1] / p[:, 0]), picked])


def _indices(columns: Sequence[str]) -> list[int]:
    unknown = [c for c in columns if c not in SUMMARIES]
    if unknown:
        raise ValueError(f"unknown surprisal summaries {unknown}; this version knows {list(SUMMARIES)}")
    return [SUMMARIES.index(c) for c in columns]


@dataclass(frozen=True)
class DeepHead:
    """Logistic regression on standardised (ODDS_COLUMN, *surprisal): the log-odds of spun against
    original."""

    mean: np.ndarray  # (1 + len(surprisal),)
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    tokens: int  # the language model reads this many opening tokens of a text
    surprisal: tuple[str, ...] = DEFAULT_SURPRISAL  # the SUMMARIES it reads

    @property
    def columns(self) -> tuple[str, ...]:
        return (ODDS_COLUMN, *self.surprisal)

    def probabilities(self, proba: np.ndarray, surprisal: np.ndarray) -> np.ndarray:
        """Class probabilities (LABELS order) with the spun odds re-weighed; a text the language model
        could not read (NaN surprisal) keeps the main head's."""
        proba = np.asarray(proba, dtype=float)
        z = (input_columns(proba, surprisal, self.surprisal) - self.mean) / self.scale
        spun_odds = np.exp(np.clip(z @ self.coef + self.intercept, -30, 30))
        p_original = np.clip(proba[:, 0], _EPS, 1.0)
        odds = np.column_stack([np.ones(len(proba)), spun_odds, proba[:, 2] / p_original])
        out = odds / odds.sum(axis=1, keepdims=True)
        return np.where(np.isnan(out).any(axis=1, keepdims=True), proba, out)

    def rewritten(self, proba: np.ndarray, surprisal: np.ndarray) -> np.ndarray:
        """P(rewritten) = 1 - P(original) per text."""
        return 1.0 - self.probabilities(proba, surprisal)[:, 0]

    def save(self, path: Path) -> None:
        spec = {"format": FORMAT, "columns": list(self.columns), "tokens": self.tokens}
        np.savez(
            path,
            spec=np.array(json.dumps(spec)),
            mean=self.mean,
            scale=self.scale,
            coef=self.coef,
            intercept=np.array([self.intercept]),
        )

    @classmethod
    def load(cls, path: Path) -> DeepHead:
        with np.load(path, allow_pickle=False) as data:
            spec = json.loads(str(data["spec"]))
            columns = tuple(spec.get("columns", ()))
            if spec.get("format") not in READS or columns[:1] != (ODDS_COLUMN,):
                raise ValueError(f"{path}: not an mtdetect deep head this version reads")
            expected = READS[spec["format"]]
            if expected is not None and columns[1:] != expected:
                raise ValueError(f"{path}: a {spec['format']} head reads {expected}, not {columns[1:]}")
            _indices(columns[1:])  # every summary is one this version computes
            head = cls(
                data["mean"],
                data["scale"],
                data["coef"],
                float(data["intercept"][0]),
                int(spec["tokens"]),
                columns[1:],
            )
            if not len(head.mean) == len(head.scale) == len(head.coef) == len(columns):
                raise ValueError(f"{path}: {len(columns)} columns but {len(head.coef)} coefficients")
            return head


@dataclass(frozen=True)
class Cascade:
    """Which texts the language model reads under `--cascade`, and what the deep head assumes of the rest.

    It reads a text whose main-head P(rewritten) is at least `reads_from`, unless the translated odds alone
    already put it above the deep head's threshold (the deep head moves only the spun odds, so the verdict
    could not change). Every other text gets `typical`: the median surprisal summaries of the human
    originals the deep head was fitted on. `threshold` is the deep head's (kept in the manifest beside it,
    not in the cascade's own record)."""

    reads_from: float
    typical: dict[str, float]
    threshold: float

    def reads(self, proba: np.ndarray) -> np.ndarray:
        """Per row of main-head probabilities (LABELS order): does the language model read the text?"""
        proba = np.asarray(proba, dtype=float)
        translated_alone = proba[:, 2] / np.clip(proba[:, 0] + proba[:, 2], _EPS, None)
        return (1.0 - proba[:, 0] >= self.reads_from) & (translated_alone <= self.threshold)

    def surprisal(self, proba: np.ndarray, measure: Callable[[list[int]], np.ndarray]) -> np.ndarray:
        """`SUMMARIES` per row for the deep head: `measure(indices)` (the language model's, one row per
        index) where it reads the text, else the typical values (NaN for summaries it has none of)."""
        reads = self.reads(proba)
        out = np.tile([self.typical.get(name, np.nan) for name in SUMMARIES], (len(reads), 1))
        if reads.any():
            out[reads] = measure(np.flatnonzero(reads).tolist())
        return out

    def to_json(self) -> dict:
        return {"reads_from": self.reads_from, "typical": dict(self.typical)}

    @classmethod
    def from_json(cls, spec: dict, threshold: float) -> Cascade:
        """The cascade recorded as `spec` (`to_json`), of a deep head with this threshold."""
        typical = {str(k): float(v) for k, v in spec["typical"].items()}
        _indices(list(typical))
        return cls(float(spec["reads_from"]), typical, float(threshold))

    @classmethod
    def from_manifest(cls, deep: dict) -> Cascade:
        """The cascade of the deep head that a bundle manifest's `deep` section records."""
        return cls.from_json(deep["cascade"], deep["threshold"]["value"])


def surprisal_rows(
    cascade: Cascade | None, proba: np.ndarray, measure: Callable[[list[int]], np.ndarray]
) -> np.ndarray:
    """The deep head's `SUMMARIES` per row of main-head probabilities: `measure(indices)` of every text
    (`--deep`), or with a cascade of only the texts it reads (`--cascade`)."""
    if cascade is None:
        return measure(list(range(len(proba))))
    return cascade.surprisal(proba, measure)
