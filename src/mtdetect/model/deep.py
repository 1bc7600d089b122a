"""The deep head (`--deep`): the odds of spinning weighed together with a language model's surprise.

A spinner's swaps make text less predictable to a language model whatever thesaurus they came from, so a
small causal LM's surprisal catches spinning that the features and the encoder never learnt (on spinners of
an unseen thesaurus it is the strongest single signal: `bench/generalisation.py`). Machine translation is not
consistently more or less surprising than human text (AUROC 0.35-0.70 against human translations, by source
language: `bench/lm_translation.py`), so the deep head re-weighs only the odds of spun against original:
a logistic regression over the main head's log-odds of spun against original and the SmolLM2 mean token NLL
and its excess over the entropy on the text's first `tokens` tokens (`surprisal.py`). The odds of translated
against original stay the main head's, and the three probabilities are renormalised.

Fitted by `training/deep_fit.py` on held-out rows; stored as plain arrays (`deep.npz`) and the manifest's
`deep` section, which holds the threshold chosen on its out-of-fold scores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = "mtdetect-deep-head v1"
COLUMNS = ("log_odds_spun", "lm_nll", "lm_excess")
_EPS = 1e-6


def input_columns(proba: np.ndarray, surprisal: np.ndarray) -> np.ndarray:
    """The deep head's rows from the main head's class probabilities (LABELS order: original, spun,
    translated) and the language model's (nll, excess) per text."""
    p = np.clip(np.asarray(proba, dtype=float), _EPS, 1.0)
    return np.column_stack([np.log(p[:, 1] / p[:, 0]), np.asarray(surprisal, dtype=float).reshape(len(p), 2)])


@dataclass(frozen=True)
class DeepHead:
    """Logistic regression on standardised COLUMNS: the log-odds of spun against original."""

    mean: np.ndarray  # (3,)
    scale: np.ndarray  # (3,)
    coef: np.ndarray  # (3,)
    intercept: float
    tokens: int  # the language model reads this many opening tokens of a text

    def probabilities(self, proba: np.ndarray, surprisal: np.ndarray) -> np.ndarray:
        """Class probabilities (LABELS order) with the spun odds re-weighed; a text the language model
        could not read (NaN surprisal) keeps the main head's."""
        proba = np.asarray(proba, dtype=float)
        z = (input_columns(proba, surprisal) - self.mean) / self.scale
        spun_odds = np.exp(np.clip(z @ self.coef + self.intercept, -30, 30))
        p_original = np.clip(proba[:, 0], _EPS, 1.0)
        odds = np.column_stack([np.ones(len(proba)), spun_odds, proba[:, 2] / p_original])
        out = odds / odds.sum(axis=1, keepdims=True)
        return np.where(np.isnan(out).any(axis=1, keepdims=True), proba, out)

    def rewritten(self, proba: np.ndarray, surprisal: np.ndarray) -> np.ndarray:
        """P(rewritten) = 1 - P(original) per text."""
        return 1.0 - self.probabilities(proba, surprisal)[:, 0]

    def save(self, path: Path) -> None:
        spec = {"format": FORMAT, "columns": list(COLUMNS), "tokens": self.tokens}
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
            if spec.get("format") != FORMAT or tuple(spec.get("columns", ())) != COLUMNS:
                raise ValueError(f"{path}: not an mtdetect deep head this version reads")
            return cls(
                data["mean"], data["scale"], data["coef"], float(data["intercept"][0]), int(spec["tokens"])
            )
