"""The Detector: components turn texts into numbers, a calibrated head turns those into probabilities.

A bundle (see `bundle.py`) holds the components' files, `head.joblib` and `manifest.json`. Today the
only component is the handcrafted `FeatureExtractor`; another one (a fine-tuned encoder) plugs in
by producing more columns, which the head is refitted on. Scoring is read-only after loading, so
one Detector may be shared by several threads.

Texts that cannot be judged get no score (`score is None`) and a flag explaining why:
`too_short` (fewer than the bundle's `min_words`), `not_english`, `empty`. Long texts are judged on
their first `features.MAX_WORDS` words and flagged `truncated`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from mtdetect.bundle import BundleError, default_model_dir, read_manifest, write_manifest
from mtdetect.collocations import BigramTable
from mtdetect.explain import Evidence, find_evidence
from mtdetect.features import FEATURE_NAMES, FeatureExtractor, Parsed
from mtdetect.lexicon import Lexicon
from mtdetect.text import english_share

LABELS: tuple[str, ...] = ("original", "spun", "translated")
HEAD_FILE = "head.joblib"
LEXICON_FILE = "lexicon.tsv"
BIGRAMS_FILE = "bigrams.npz"
MIN_ENGLISH_SHARE = 0.12  # English prose runs at 0.35-0.45 function words; other languages near 0
LANGUAGE_CHECK_WORDS = 12  # below this the function-word share is too noisy to call a language

log = logging.getLogger(__name__)


class TextNotScorable(ValueError):
    """Raised by `score()` for a text that gets no verdict (too short, not English, empty)."""


@dataclass
class Analysis:
    """The verdict on one text.

    `score` is the calibrated probability that the text was mechanically rewritten, 1 - P(original),
    or None when the text cannot be judged (see `flags`).
    """

    score: float | None
    label: str | None
    probabilities: dict[str, float] | None
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Threshold:
    """The score above which a text is called rewritten, and the rule that chose it."""

    value: float
    rule: str


class Detector:
    """Scores texts for spinning and machine translation. Load with `Detector.load()`."""

    def __init__(
        self,
        extractor: FeatureExtractor,
        head: Any,
        threshold: Threshold,
        min_words: int = 50,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.extractor = extractor
        self.head = head
        self.threshold = threshold
        self.min_words = min_words
        self.manifest = manifest or {}

    # -- loading and saving -------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None, verify: bool = True) -> Detector:
        """Load a bundle folder (the shipped default model when `path` is None).

        Raises BundleError with a one-line message naming the folder and the problem.
        """
        folder = Path(path) if path is not None else default_model_dir()
        manifest = read_manifest(folder, verify=verify)
        if tuple(manifest.get("labels", ())) != LABELS:
            raise BundleError(f"{folder}: labels {manifest.get('labels')} are not {list(LABELS)}")
        try:
            lexicon = Lexicon.load(folder / LEXICON_FILE)
            bigrams = BigramTable.load(folder / BIGRAMS_FILE)
            head = joblib.load(folder / HEAD_FILE)
            threshold = Threshold(float(manifest["threshold"]["value"]), str(manifest["threshold"]["rule"]))
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise BundleError(f"{folder}: cannot load model ({type(exc).__name__}: {exc})") from exc
        if list(manifest.get("feature_names", [])) != list(FEATURE_NAMES):
            raise BundleError(f"{folder}: built with other features than this mtdetect computes; retrain it")
        return cls(FeatureExtractor(lexicon, bigrams), head, threshold, int(manifest["min_words"]), manifest)

    def save(self, folder: Path, manifest: dict[str, Any]) -> None:
        """Write the bundle: component files, the head, and a checksummed manifest."""
        folder.mkdir(parents=True, exist_ok=True)
        self.extractor.lexicon.save(folder / LEXICON_FILE)
        self.extractor.bigrams.save(folder / BIGRAMS_FILE)
        joblib.dump(self.head, folder / HEAD_FILE, compress=3)
        write_manifest(
            folder,
            {
                **manifest,
                "labels": list(LABELS),
                "score": "1 - P(original)",
                "threshold": {"value": self.threshold.value, "rule": self.threshold.rule},
                "min_words": self.min_words,
                "feature_names": list(FEATURE_NAMES),
            },
        )
        self.manifest = read_manifest(folder)

    # -- scoring ------------------------------------------------------------------------------
    def analyze(self, text: str) -> Analysis:
        """Score one text and explain the score."""
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str]) -> list[Analysis]:
        """Analyse many texts in one batch; the model is not reloaded."""
        parsed = [Parsed.of(t) if isinstance(t, str) else None for t in texts]
        results: list[Analysis | None] = [None] * len(texts)
        to_score: list[int] = []
        for i, p in enumerate(parsed):
            if p is None:
                raise TypeError(f"texts[{i}] is {type(texts[i]).__name__}, not str")
            flags = self._flags(p)
            if {"empty", "too_short", "not_english"} & set(flags):
                results[i] = Analysis(None, None, None, [], flags)
            else:
                to_score.append(i)
        if to_score:
            proba = self.predict_proba([parsed[i] for i in to_score])
            for row, i in zip(proba, to_score, strict=True):
                p = parsed[i]
                results[i] = Analysis(
                    score=float(1.0 - row[0]),
                    label=self._label(row),
                    probabilities={lab: float(x) for lab, x in zip(LABELS, row, strict=True)},
                    evidence=find_evidence(p, self.extractor.lexicon, self.extractor.bigrams),
                    flags=self._flags(p),
                )
        return [r for r in results if r is not None]

    def score(self, text: str) -> float:
        """Calibrated probability that `text` was mechanically rewritten (1 - P(original)).

        Raises TextNotScorable (a ValueError) when the text is too short, empty or not English.
        """
        result = self.analyze(text)
        if result.score is None:
            raise TextNotScorable(f"text cannot be scored: {', '.join(result.flags)}")
        return result.score

    def score_many(self, texts: Sequence[str]) -> np.ndarray:
        """Scores for many texts; NaN where a text cannot be scored."""
        return np.array([np.nan if a.score is None else a.score for a in self.analyze_many(texts)])

    def predict_proba(self, parsed: Sequence[Parsed]) -> np.ndarray:
        """Calibrated class probabilities, columns in LABELS order."""
        features = np.array([self.extractor.vector(p) for p in parsed], dtype=np.float64)
        proba = self.head.predict_proba(features)
        order = [list(self.head.classes_).index(lab) for lab in LABELS]
        return proba[:, order]

    def _label(self, row: np.ndarray) -> str:
        if 1.0 - row[0] <= self.threshold.value:
            return "original"
        return "spun" if row[1] >= row[2] else "translated"

    def _flags(self, p: Parsed) -> list[str]:
        flags = []
        if not p.words:
            flags.append("empty")
        elif len(p.words) < self.min_words:
            flags.append("too_short")
        if len(p.words) >= LANGUAGE_CHECK_WORDS and english_share(p.words) < MIN_ENGLISH_SHARE:
            flags.append("not_english")
        if p.truncated:
            flags.append("truncated")
        return flags


@functools.lru_cache(maxsize=4)
def cached_detector(path: Path | None = None) -> Detector:
    """One Detector per model folder per process (None means the shipped default)."""
    return Detector.load(path)


def analyze(text: str, model: str | Path | None = None) -> Analysis:
    """Analyse `text` with the shipped model (or the bundle at `model`), loaded once per process."""
    return cached_detector(Path(model).resolve() if model else None).analyze(text)


def score(text: str, model: str | Path | None = None) -> float:
    """Probability in [0, 1] that `text` was spun or machine-translated (1 - P(original)).

    Raises TextNotScorable (a ValueError) for empty, too short or non-English text; use
    `analyze()` to get a flagged result instead of an exception.
    """
    return cached_detector(Path(model).resolve() if model else None).score(text)
