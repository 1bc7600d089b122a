"""Machine translation of news on held-out groups: leave one language, year or engine family out.

    python bench/translation.py [--model DIR] [--previous DIR] [--encoders DIR] [--folds language,year,engine]
                                [--max-mt 400] [--fit-rows 8000] [--out FILE]

Needs `scripts/build_default_model.py --data-only` (the training rows and their splits). For each fold, a
model is fitted on the training recipe's rows without anything of the held-out resource: for a source
language, no WMT row of it, and for German also no Europarl, for Chinese no TED; for a year, no WMT row of
that year; for the engine family, no output of an `Online-*` system. Fitted per fold, as the recipe fits them:
the n-gram component (on the reference split and the fit rows, which get out-of-fold columns) and the heads
(on at most `--fit-rows` rows of the fit split, so that folds stay affordable; the shipped heads see all of
them): the model's and `--fast`'s, and for the ablation table heads without the n-grams, without the features,
and on the features alone, beside the n-gram component's own score and the model head's translated probability
(the rewritten score is 1 - P(original), which also counts P(spun); every output row carries P(translated)
too). Fixed across folds: the document features, whose tables hold no WMT translation (the collocation table
reads English-original text only). The encoder columns: with `--encoders` (the output of
`bench/fold_encoders.py`), each language fold reads an encoder fine-tuned as the recipe does but without that
language (and without the others of its group); every other fold, and every fold without it, reads `--model`'s
own encoder, frozen. That one is resource-disjoint only if it never saw the held-out resource: the encoder of
a model trained on WMT is not, for any fold here. Test rows: every group of the held-out language (its machine
translations, at most `--max-mt` drawn across systems, and its human translations), English originals of the
validation split's WMT groups and Wikinews dev articles, pooled and by domain. For the year and engine folds,
test rows come from validation groups only.

Anchors on the same rows: a TF-IDF baseline (char 2-4 and word 1-2 grams, logistic regression, translated
against English originals, human translations and wiki articles of the fold's training rows) and the
previous shipped model. The shipped model's false alarms per domain, at its threshold, close the report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from heldout import REFERENCE_FILE, ROOT, SPLITS

from mtdetect import Detector
from mtdetect.model.encoder import Encoder
from mtdetect.model.text import Parsed
from mtdetect.training import corpora
from mtdetect.training import data as data_mod
from mtdetect.training.heads import fit_head
from mtdetect.training.metrics import auroc, tpr_at_fpr
from mtdetect.training.ngram_fit import cross_fit, hashed_columns, hashed_matrix
from mtdetect.training.trainer import TrainConfig

LANGUAGES = ("cs", "de", "ja", "ru", "zh", "uk", "ha", "is")
ALSO_FROM = {"de": "europarl/", "zh": "ted/"}  # other training corpora translated from that language
FOLDS = 3  # calibration folds of the fold heads
TESTS = ("vs English originals", "vs WMT English news", "vs Wikinews", "vs its human translations")
TABLE = ("full", "full: P(translated)", "fast", "tfidf", "previous")  # the main table's columns


@dataclass
class Row:
    text: str
    label: str  # original | spun | translated
    group: str
    source: str
    generator: str

    @property
    def language(self) -> str | None:
        return corpora.wmt_language(self.group) if self.source.startswith("wmt/") else None

    @property
    def year(self) -> str | None:
        return self.group.split(":")[0] if self.source.startswith("wmt/") else None


def of_language(source: str, group: str, language: str) -> bool:
    """Whether a row comes from `language`: WMT news from it, or another corpus translated from it."""
    if source.startswith("wmt/"):
        return corpora.wmt_language(group) == language
    return language in ALSO_FROM and source.startswith(ALSO_FROM[language])


def _draw(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def training_rows(work: Path, seed: int) -> dict[str, list[Row]]:
    """The recipe's rows by split (reference and fit), as the shipped model's training saw them."""
    files = sorted(p for p in work.glob("*.jsonl") if p.name != REFERENCE_FILE)
    parts = data_mod.split(data_mod.load(files), {k: SPLITS[k] for k in ("reference", "fit", "val")}, seed)
    return {
        name: [Row(e.text, e.label, e.group, e.source, e.generator or "") for e in parts[name].examples]
        for name in ("reference", "fit")
    }


def test_rows(shared: Path, seed: int, max_mt: int) -> list[Row]:
    """Every WMT row that may serve as a test row, plus Wikinews dev articles."""
    rows = []
    for d in corpora.wmt_documents(shared / "wmt"):
        rows.append(Row(d.text, d.label, d.group, d.source, f"wmt/{d.system}"))
    mt = [r for r in rows if r.label == "translated"]
    keep: dict[str, list[Row]] = {}
    for r in sorted(mt, key=lambda r: _draw(f"{seed}:{r.group}:{r.generator}:{r.text}")):
        keep.setdefault(f"{r.year}:{r.language}", []).append(r)
    sampled = [r for rs in keep.values() for r in rs[:max_mt]]
    wiki = corpora.read_wiki(shared / "wikinews" / "dev.jsonl", "wikinews-dev")
    return (
        [r for r in rows if r.label != "translated"]
        + sampled
        + [Row(d.text, "original", d.group, "wikinews-dev", "") for d in wiki]
    )


def validation_groups(pool: list[Row], seed: int) -> set[str]:
    """The groups of `pool` that the recipe's split puts in validation (never trained on)."""
    return {r.group for r in pool if data_mod.assign_split(r.group, SPLITS, seed) == "val"}


class Columns:
    """Hashed n-gram rows of every text, and feature and encoder rows of the `dense` texts, computed
    once for all folds (reference rows feed only the n-gram component). Encoder rows come from the model's
    own encoder ("model") or a fold encoder, by name, each computed when a fold first reads it."""

    def __init__(
        self, detector: Detector, texts: list[str], dense: list[str], fold_encoders: dict[str, Encoder]
    ) -> None:
        self.index = {t: i for i, t in enumerate(texts)}
        self.dense_index = {t: i for i, t in enumerate(dense)}
        print(f"hashing {len(texts)} texts, features of {len(dense)} ...", file=sys.stderr)
        self.settings = detector.ngrams.settings
        self.hashed = hashed_matrix([Parsed.of(t).judged_text for t in texts], self.settings)
        self.features = detector.extractor.transform(dense, progress="features")
        self.dense = dense
        self.encoders = {"model": detector.encoder, **fold_encoders}
        self.encoded: dict[str, np.ndarray] = {}

    def encoder(self, name: str) -> np.ndarray:
        """The rows of the `dense` texts by the encoder called `name`."""
        if name not in self.encoded:
            self.encoded[name] = self.encoders[name].transform(self.dense)
        return self.encoded[name]

    def rows(self, rows: list[Row]) -> np.ndarray:
        return np.array([self.index[r.text] for r in rows], dtype=int)

    def dense_rows(self, rows: list[Row]) -> np.ndarray:
        return np.array([self.dense_index[r.text] for r in rows], dtype=int)


# The heads each fold fits, by the components whose columns they read: the model, `--fast`, and the
# ablation (each component left out, and the features alone).
HEADS = {
    "full": ("features", "ngrams", "encoder"),
    "fast": ("features", "ngrams"),
    "no n-grams": ("features", "encoder"),
    "no features": ("ngrams", "encoder"),
    "features only": ("features",),
}
ABLATION = (
    "full",
    "full: P(translated)",
    "no n-grams",
    "fast",
    "no features",
    "features only",
    "n-grams only",
)


class FoldModel:
    """The n-gram component and the heads of HEADS, fitted on one fold's training rows, reading the
    rows of the encoder named `encoder` in `cols`."""

    def __init__(
        self,
        cols: Columns,
        reference: list[Row],
        fit: list[Row],
        seed: int,
        encoder: str,
        heads: tuple[str, ...] = tuple(HEADS),
    ) -> None:
        self.encoder = encoder
        both = reference + fit
        held = np.r_[np.zeros(len(reference), dtype=bool), np.ones(len(fit), dtype=bool)]
        self.ngrams, fit_ngrams = cross_fit(
            cols.hashed[cols.rows(both)],
            [r.label for r in both],
            [r.group for r in both],
            held,
            cols.settings,
            TrainConfig.ngram_c,
            TrainConfig.ngram_folds,
        )
        y, groups = np.array([r.label for r in fit]), np.array([r.group for r in fit])
        parts = {**self.parts(cols, fit), "ngrams": fit_ngrams}
        self.heads = {
            name: fit_head("gbdt", seed, np.hstack([parts[c] for c in HEADS[name]]), y, groups, FOLDS).head
            for name in heads
        }

    def parts(self, cols: Columns, rows: list[Row]) -> dict[str, np.ndarray]:
        dense = cols.dense_rows(rows)
        return {
            "features": cols.features[dense],
            "ngrams": hashed_columns(self.ngrams, cols.hashed[cols.rows(rows)]),
            "encoder": cols.encoder(self.encoder)[dense],
        }

    def proba(self, parts: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
        """Each head's class probabilities of the rows whose columns are `parts`, by head and class."""
        out = {}
        for name, head in self.heads.items():
            p = head.predict_proba(np.hstack([parts[c] for c in HEADS[name]]))
            out[name] = {label: p[:, i] for i, label in enumerate(head.classes_)}
        return out

    def scores(self, cols: Columns, rows: list[Row]) -> dict[str, np.ndarray]:
        """Each head's rewritten-score, the full head's translated probability (which every output row
        also carries), and the n-gram component's own translated log-odds."""
        parts = self.parts(cols, rows)
        proba = self.proba(parts)
        out = {name: 1.0 - p["original"] for name, p in proba.items()}
        out["full: P(translated)"] = proba["full"]["translated"]
        out["n-grams only"] = parts["ngrams"][:, list(self.ngrams.outputs).index("ngram_translated")]
        return out


def tfidf_baseline(train: list[Row]) -> Callable[[list[Row]], np.ndarray]:
    """The anchor: TF-IDF char 2-4 + word 1-2 logistic regression, translated against human text."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [r for r in train if r.label != "spun"]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, max_features=200_000)
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=200_000)
    texts = [r.text for r in rows]
    x = hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()
    model = LogisticRegression(C=10.0, max_iter=1000, class_weight="balanced")
    model.fit(x, [r.label == "translated" for r in rows])

    def score(test: list[Row]) -> np.ndarray:
        t = [r.text for r in test]
        return model.predict_proba(hstack([chars.transform(t), words.transform(t)]).tocsr())[:, 1]

    return score


def measure(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    pos, neg = pos[~np.isnan(pos)], neg[~np.isnan(neg)]
    y, s = np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]
    return round(auroc(y, s), 3), round(tpr_at_fpr(y, s, 0.01), 3)


def subsample(rows: list[Row], n: int, seed: int) -> list[Row]:
    return sorted(rows, key=lambda r: _draw(f"fit:{seed}:{r.group}:{r.text}"))[:n]


def english_tests(english: list[Row]) -> dict[str, list[Row]]:
    """The English originals as one test, and by domain: wire news (WMT) and Wikinews."""
    return {
        "vs English originals": english,
        "vs WMT English news": [r for r in english if r.source == "wmt/original"],
        "vs Wikinews": [r for r in english if r.source == "wikinews-dev"],
    }


def run_fold(
    name: str,
    excluded: Callable[[Row], bool],
    tests: dict[str, tuple[list[Row], list[Row]]],
    ctx: dict,
    encoder: str = "model",
) -> list[dict]:
    """Fit the fold's models and measure every (machine translations, human texts) test of it."""
    train = {split: [r for r in rows if not excluded(r)] for split, rows in ctx["train"].items()}
    print(f"fold {name}: {len(train['reference'])} reference, {len(train['fit'])} fit rows", file=sys.stderr)
    fold = FoldModel(ctx["cols"], train["reference"], train["fit"], 0, encoder)
    baseline = tfidf_baseline(subsample(train["reference"] + train["fit"], ctx["fit_rows"], 1))
    out = []
    for test, (mt, human) in tests.items():
        row = {"fold": name, "test": test, "n_mt": len(mt), "n_human": len(human), "encoder": encoder}
        fs, hs = fold.scores(ctx["cols"], mt), fold.scores(ctx["cols"], human)
        for head in ABLATION:
            row[head] = measure(fs[head], hs[head])
        row["tfidf"] = measure(baseline(mt), baseline(human))
        row["previous"] = measure(ctx["previous"](mt), ctx["previous"](human))
        out.append(row)
        print(json.dumps(row), file=sys.stderr)
    return out


def table(rows: list[dict], title: str) -> str:
    lines = [
        f"### {title}",
        "",
        "| fold | test | MT / human | model: AUROC / TPR@1%FPR | model: P(translated) | `--fast` | TF-IDF "
        "| previous model | encoder |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        cells = [f"{r[k][0]:.3f} / {r[k][1]:.3f}" for k in TABLE]
        lines.append(
            f"| {r['fold']} | {r['test']} | {r['n_mt']} / {r['n_human']} | "
            + " | ".join(cells)
            + f" | {r['encoder']} |"
        )
    return "\n".join(lines)


def median_cells(rows: list[dict], test: str, keys: tuple[str, ...]) -> list[str]:
    chosen = [r for r in rows if r["test"] == test]
    cells = []
    for k in keys:
        a = statistics.median(r[k][0] for r in chosen)
        t = statistics.median(r[k][1] for r in chosen)
        cells.append(f"{a:.3f} / {t:.3f}")
    return cells


def medians(rows: list[dict], test: str) -> str:
    return f"| median | {test} | | " + " | ".join(median_cells(rows, test, TABLE)) + " | |"


def ablation(rows: list[dict]) -> str:
    """Medians over the leave-one-language-out folds of each head of HEADS and the n-gram component alone."""
    lines = [
        "### What each component adds (medians over the leave-one-language-out folds)",
        "",
        "| test | " + " | ".join(ABLATION) + " |",
        "|---|" + "---:|" * len(ABLATION),
    ]
    for test in TESTS:
        lines.append(f"| {test} | " + " | ".join(median_cells(rows, test, ABLATION)) + " |")
    return "\n".join(lines)


def false_alarms(detector: Detector, controls: dict[str, list[str]]) -> str:
    t = detector.threshold
    lines = [
        f"### False alarms of the shipped model at its cuts (score {t.value}, kinds {t.kinds})",
        "",
        "| human text | n | flagged |",
        "|---|---:|---:|",
    ]
    for name, texts in controls.items():
        s, flagged = detector.judge_many(texts)
        flagged = flagged[~np.isnan(s)]
        lines.append(f"| {name} | {len(flagged)} | {float(flagged.mean()):.3f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--previous", type=Path, default=ROOT / "work" / "previous")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--max-mt", type=int, default=400, help="machine translations per (year, language)")
    parser.add_argument("--fit-rows", type=int, default=8000, help="fit-split rows per fold's heads")
    parser.add_argument(
        "--folds",
        default="language,year,engine",
        help="which fold families to run (none: only the false alarms)",
    )
    parser.add_argument(
        "--encoders",
        type=Path,
        help="fold encoders of bench/fold_encoders.py: a language fold reads the one that never saw it",
    )
    parser.add_argument("--out", type=Path, help="also write the tables here")
    args = parser.parse_args()
    seed = 0
    detector = Detector.load(args.model)
    if detector.encoder is None or detector.ngrams is None:
        raise SystemExit("the benchmark refits the components of a model with an encoder and n-grams")
    train = training_rows(args.work, seed)
    train["fit"] = subsample(train["fit"], args.fit_rows, 0)
    pool = test_rows(args.shared, seed, args.max_mt)
    val = validation_groups(pool, seed)
    english = [
        r for r in pool if r.source == "wikinews-dev" or (r.source == "wmt/original" and r.group in val)
    ]
    dense = sorted({r.text for r in train["fit"]} | {r.text for r in pool})
    texts = sorted({r.text for r in train["reference"]} | set(dense))
    previous = Detector.load(args.previous)
    previous_scores: dict[str, float] = {}

    def previous_score(rows: list[Row]) -> np.ndarray:
        todo = [r.text for r in rows if r.text not in previous_scores]
        previous_scores.update(zip(todo, previous.score_many(todo).tolist(), strict=True))
        return np.array([previous_scores[r.text] for r in rows])

    fold_encoders, encoder_of = load_fold_encoders(args.encoders)
    cols = Columns(detector, texts, dense, fold_encoders)
    ctx = {"train": train, "cols": cols, "fit_rows": args.fit_rows, "previous": previous_score}
    results: list[dict] = []
    families = args.folds.split(",")
    if "language" in families:
        for lang in LANGUAGES:
            mt = [r for r in pool if r.language == lang and r.label == "translated"]
            human = [r for r in pool if r.language == lang and r.source == "wmt/human_translation"]
            tests = {
                **{t: (mt, neg) for t, neg in english_tests(english).items()},
                "vs its human translations": (mt, human),
            }

            def excluded(r: Row, lang: str = lang) -> bool:
                return of_language(r.source, r.group, lang)

            results += run_fold(f"without {lang}", excluded, tests, ctx, encoder_of.get(lang, "model"))
    if "year" in families:
        for year in ("wmt21", "wmt22"):
            mt = [r for r in pool if r.year == year and r.label == "translated" and r.group in val]
            human = [
                r for r in pool if r.year == year and r.source == "wmt/human_translation" and r.group in val
            ]
            eng = [r for r in english if r.year in (year, None)]
            tests = {
                **{t: (mt, neg) for t, neg in english_tests(eng).items()},
                "vs its human translations": (mt, human),
            }
            results += run_fold(f"without {year}", lambda r, y=year: r.year == y, tests, ctx)
    if "engine" in families:
        online = [r for r in pool if r.generator.startswith("wmt/Online-") and r.group in val]
        human = [r for r in pool if r.source == "wmt/human_translation" and r.group in val]
        tests = {
            **{t: (online, neg) for t, neg in english_tests(english).items()},
            "vs its human translations": (online, human),
        }
        results += run_fold("without Online-*", lambda r: r.generator.startswith("wmt/Online-"), tests, ctx)

    report = []
    language_rows = [r for r in results if r["fold"].split()[-1] in LANGUAGES]
    if language_rows:
        body = table(language_rows, "Leave one source language out")
        body += "".join("\n" + medians(language_rows, test) for test in TESTS)
        report.append(body)
        report.append(ablation(language_rows))
    other = [r for r in results if r not in language_rows]
    if other:
        report.append(table(other, "Leave one year out; leave the online engines out"))
    report.append(false_alarms(detector, controls(pool, val, args.work, seed)))
    text = "\n\n".join(report)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
        (args.out.with_suffix(".json")).write_text(json.dumps(results, indent=1))
    return 0


def load_fold_encoders(folder: Path | None) -> tuple[dict[str, Encoder], dict[str, str]]:
    """The fold encoders in `folder` by name, and the name of the one each held-out language reads."""
    encoders: dict[str, Encoder] = {}
    encoder_of: dict[str, str] = {}
    for record in sorted(folder.glob("*/fine_tuning.json")) if folder else []:
        name = record.parent.name
        encoders[name] = Encoder.load(record.parent)
        encoder_of.update(dict.fromkeys(json.loads(record.read_text())["without"], name))
    return encoders, encoder_of


def controls(pool: list[Row], val: set[str], work: Path, seed: int) -> dict[str, list[str]]:
    """Human text of every kind the shipped model did not train on."""
    from heldout import human_controls

    out = {
        "WMT English-original news (validation groups)": [
            r.text for r in pool if r.source == "wmt/original" and r.group in val
        ],
        "WMT human translations (validation groups)": [
            r.text for r in pool if r.source == "wmt/human_translation" and r.group in val
        ],
    }
    out.update(human_controls(ROOT.parent / "shared" / "data", work, seed))
    return out


if __name__ == "__main__":
    sys.exit(main())
