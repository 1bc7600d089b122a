"""Leave one resource out: train without the spinners of one thesaurus, test on a spinner built on it.

    python bench/generalisation.py [--folds wordnet,mythes,wikipedia,wikinews] [--n 300] [--max-rows N]
        [--seed 0] [--work work/default] [--shared ../shared/data] [--no-lm] [--out FILE]

Needs the training data built by `scripts/build_default_model.py --data-only` in --work.

Resource folds, the only rows this script calls "unseen":
- wordnet: the training rows keep no row of a family that draws on WordNet (RESOURCE_FAMILIES), the
  synonym and origin tables are built from Mythes alone, and the test spinner is WordNet random-sense;
- mythes: no row of a family that draws on Mythes (the thesaurus spinners and the content farm), tables
  from WordNet alone; the test spinner is the Mythes "listed" spinner (a random listed synonym).
Each test spinner swaps 4%, 10% and 30% of the eligible words (no side effects) in `--n` Wikinews dev
articles (never trained on), scored against the same articles untouched. Mythes (th_en_US_v2) is derived
from WordNet, so the two resources share many synonym pairs: the last column gives the share of the test
spinner's one-word swaps that the fold's own synonym table lists. The hand-written built-in lexicon stays.
Evidence on the same spun rows (`bench/evidence.py`'s measures): the fold model's spun-phrase spans (its
word scorer learnt from the fold's rows; its suggestions come from the fold's tables) against the test
spinner's true substitutions, and false spans per 1,000 words of the untouched articles; by default, with
`--cascade` (its deep head decides which texts are called spun, where the word scorer's weak threshold
applies) and with `--deep` (the fold's deep word scorer, which reads SmolLM2's surprisal of every word and
its margins against the fold table's synonyms, fitted on the fold's own rows; its weak threshold applies
also where `spun` is the likeliest class);
the language model reads the texts live, as the CLI does. The evidence anchor needs no thesaurus: every
lowercase word whose first token SmolLM2 finds more surprising than 10 nats (`surprisal.SURPRISING`) given
the text before it.

Domain folds: a spinner that is in training (WordNet random-sense, 10%) on a source that is not:
- wikipedia: no Wikipedia row (the collocation reference texts included) and no vectors-* row (its word
  vectors were trained on Wikipedia); the test articles are Wikipedia originals of the validation split,
  which the shipped model never trained on either;
- wikinews: no Wikinews row; the test articles are Wikinews dev.
WMT news stays in training in both, so these hold out a site and its style, not news as a genre.

Fold models follow the shipped recipe (same splits, head and hashed n-grams over the features) without
the encoder: the shipped encoder was fine-tuned on rows of every resource and source, so no fold could
reuse it and stay disjoint, and fine-tuning one per fold would take about 24 minutes each. The fold
models' thresholds are not used; AUROC and the TPR at 1% FPR come from the test rows. Anchors, on the same
rows: the zero-shot mean token NLL of SmolLM2-135M-Instruct over a text's first 256 tokens, the mean NLL of
its ten most surprising tokens, and its mean excess over the model's entropy at each token (higher: more
likely rewritten; all cached in work/cache/smollm2_surprisal.json), and the shipped model, full and
`--fast`, which trained on both resources and both sources ("not resource-disjoint"). "Fold model + SmolLM2"
is the fold model with a deep head (`--deep`), fitted as the shipped one is (`training/deep_fit.py`: the fold
model's log-odds and SmolLM2's surprisal summaries, `--surprisal`, on a stream sample of the fold's own
validation rows; no test row); "cascade" is that deep head as `--cascade` scores (SmolLM2 reads only the
texts the fold model does not call original; the rest get the typical surprisal of its fit's originals).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from evidence import Span, cell, false_spans_per_1k, measure, measure_spans, spans_per_1k
from heldout import REFERENCE_FILE, ROOT, SPLITS, SURPRISAL_CACHE, dev_originals, row_family

from mtdetect import Detector
from mtdetect.model.deep import DEFAULT_SURPRISAL
from mtdetect.model.surprisal import SUMMARIES, SURPRISING, TOKEN_SUMMARIES, LanguageModel
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed
from mtdetect.training import data as data_mod
from mtdetect.training.align import align
from mtdetect.training.data import assign_split, iter_jsonl, write_jsonl
from mtdetect.training.deep_fit import (
    DeepReadings,
    SurprisalCache,
    add_to_bundle,
    deep_scores,
    fit_deep_words,
    fit_on_validation,
)
from mtdetect.training.metrics import auroc, tpr_at_fpr
from mtdetect.training.pairs import FAMILIES, _thesaurus, _wordnet, document_seed, make_pairs
from mtdetect.training.rewrite import Rewriter
from mtdetect.training.trainer import TrainConfig, split_parts, train

# Which lexical resource each spinner family's builder draws on (pairs.py builders, rewrite/): every
# wordnet-* family is wordnet_spinner over WordNetSynonyms; thesaurus-* is thesaurus_spinner over
# MythesSynonyms; contentfarm spins names and ordinary words through MythesSynonyms (its phrase table
# is the project's own). A family that used both would be listed under both and so left out of both folds.
RESOURCE_FAMILIES: dict[str, frozenset[str]] = {
    "wordnet": frozenset({"wordnet-random", "wordnet-first", "wordnet-frequent", "wordnet-partial"}),
    "mythes": frozenset({"thesaurus-frequency", "thesaurus-listed", "contentfarm"}),
}
# Round-trip MT draws on Apertium's dictionaries and the vectors spinner on word vectors, not on a thesaurus.
THESAURUS_FREE = ("apertium-", "vectors")
TABLE_SOURCE = {"wordnet": "wordnet", "mythes": "thesaurus"}  # TrainConfig.synonyms name of a resource
TEST_SPINNERS: dict[str, Callable[[float], Callable[[], Rewriter]]] = {
    "wordnet-random": lambda rate: _wordnet("random_sense", rate),
    "thesaurus-listed": lambda rate: _thesaurus("listed", rate),
}
RESOURCE_RATES = (0.04, 0.10, 0.30)
DOMAIN_SPINNER, DOMAIN_RATE = "wordnet-random", 0.10
NLL_TOKENS = 256
NLL_CACHE = SURPRISAL_CACHE
MAX_FPR = 0.01


@dataclass(frozen=True)
class Fold:
    """What a fold's model trains without, and what it is tested on."""

    name: str
    protocol: str  # "resource" or "domain"
    families: frozenset[str]  # generator families whose rows are dropped
    sources: frozenset[str]  # row sources dropped
    synonyms: str  # TrainConfig.synonyms
    spinner: str
    rates: tuple[float, ...]
    test: str  # "wikinews-dev" or "wikipedia-val"


def resource_fold(resource: str, spinner: str) -> Fold:
    """Train without every family that draws on `resource`, with tables from the other resources."""
    others = "+".join(TABLE_SOURCE[r] for r in RESOURCE_FAMILIES if r != resource)
    return Fold(
        resource,
        "resource",
        RESOURCE_FAMILIES[resource],
        frozenset(),
        others,
        spinner,
        RESOURCE_RATES,
        "wikinews-dev",
    )


# Families whose resource is learnt from a source's text: the vectors-* spinners' word vectors are
# trained on Wikipedia articles, so the wikipedia fold drops their rows too.
LEARNT_FROM = {"wikipedia": frozenset({"vectors"})}


def domain_fold(source: str, test: str) -> Fold:
    """Train without the rows of `source`, with the shipped tables; test a spinner in training."""
    return Fold(
        source,
        "domain",
        LEARNT_FROM.get(source, frozenset()),
        frozenset({source}),
        "wordnet+thesaurus",
        DOMAIN_SPINNER,
        (DOMAIN_RATE,),
        test,
    )


FOLDS = {
    f.name: f
    for f in (
        resource_fold("wordnet", "wordnet-random"),
        resource_fold("mythes", "thesaurus-listed"),
        domain_fold("wikipedia", "wikipedia-val"),
        domain_fold("wikinews", "wikinews-dev"),
    )
}


def check_families() -> None:
    """Fail when a spinner family is in no resource list: the folds would keep it by mistake."""
    known = set().union(*RESOURCE_FAMILIES.values())
    missing = sorted(f for f in FAMILIES if f not in known and not f.startswith(THESAURUS_FREE))
    if missing:
        raise SystemExit(f"RESOURCE_FAMILIES does not say which thesaurus {', '.join(missing)} draws on")


def _rank(seed: int, what: str, key: str) -> bytes:
    return hashlib.sha256(f"{what}:{seed}:{key}".encode()).digest()


def _group(row: dict) -> str:
    return str(row.get("id") or row.get("text") or row.get("original"))


def cap_groups(rows: list[dict], max_rows: int | None, seed: int) -> list[dict]:
    """At most `max_rows` rows, taken as whole groups in a seeded order (all of them when None)."""
    if max_rows is None or len(rows) <= max_rows:
        return rows
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_group[_group(row)].append(i)
    kept: list[int] = []
    for group in sorted(by_group, key=lambda g: _rank(seed, "cap", g)):
        if len(kept) + len(by_group[group]) <= max_rows:
            kept += by_group[group]
    return [rows[i] for i in sorted(kept)]


def fold_files(
    fold: Fold, work: Path, folder: Path, max_rows: int | None, seed: int
) -> tuple[list[Path], list[Path]]:
    """The fold's training files and its reference file (if it has rows), written into `folder`."""

    def keep(row: dict) -> bool:
        return row_family(row) not in fold.families and row.get("source") not in fold.sources

    sources = sorted(p for p in work.glob("*.jsonl") if p.name != REFERENCE_FILE)
    rows = [(p.name, r) for p in sources for r in iter_jsonl(p) if keep(r)]
    capped = {id(r) for r in cap_groups([r for _, r in rows], max_rows, seed)}
    paths = []
    for path in sources:
        out = folder / path.name
        write_jsonl((r for name, r in rows if name == path.name and id(r) in capped), out)
        paths.append(out)
    reference = folder / REFERENCE_FILE
    texts = cap_groups([r for r in iter_jsonl(work / REFERENCE_FILE) if keep(r)], max_rows, seed)
    # The reference file is all Wikipedia: the wikipedia fold has none, and train() refuses an empty file.
    return paths, [reference] if write_jsonl(texts, reference) else []


def test_articles(test: str, shared: Path, work: Path, split_seed: int, n: int, seed: int) -> list[tuple]:
    """`n` seeded `(id, text, source)` articles that neither the fold nor the shipped model trained on."""
    if test == "wikinews-dev":
        docs = dev_originals(shared)
    else:
        docs = [
            (r["id"], r["text"], "wikipedia-val")
            for r in iter_jsonl(work / "originals.jsonl")
            if r["source"] == "wikipedia" and assign_split(r["id"], SPLITS, split_seed) == "val"
        ]
    return sorted(docs, key=lambda d: _rank(seed, "test", d[0]))[:n]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


class Memo:
    """Scores of one scorer by text, so a text shared by several rows or folds is scored once."""

    def __init__(self, score_many: Callable[[list[str]], Iterable[float]]) -> None:
        self.score_many = score_many
        self.seen: dict[str, float] = {}
        self.seconds = 0.0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if text_key(t) not in self.seen))
        if missing:
            started = time.time()
            for text, score in zip(missing, self.score_many(missing), strict=True):
                self.seen[text_key(text)] = float(score)
            self.seconds += time.time() - started
        return np.array([self.seen[text_key(t)] for t in texts])


def listed_share(pairs: list[dict], table: SynonymTable) -> float | None:
    """Share of the one-word swaps of `pairs` whose replacement `table` lists for the original word."""
    swaps = [
        (e.original.lower(), e.replacement.lower())
        for p in pairs
        for e in align(p["original"], p["rewritten"]).edits
        if e.op == "replace" and " " not in e.original and " " not in e.replacement
    ]
    return round(float(np.mean([new in table.get(old) for old, new in swaps])), 4) if swaps else None


def same_rows(y: np.ndarray, scores: dict[str, np.ndarray]) -> dict:
    """AUROC and TPR at 1% FPR of every scorer, on the rows that all of them could score."""
    ok = ~np.isnan(np.vstack(list(scores.values()))).any(axis=0)
    out: dict = {"n_rewritten": int((y[ok] == 1).sum()), "n_human": int((y[ok] == 0).sum())}
    for name, s in scores.items():
        au = auroc(y[ok], s[ok])
        out[name] = {
            "auroc": None if au is None else round(au, 4),
            "tpr_at_1pct_fpr": round(tpr_at_fpr(y[ok], s[ok], MAX_FPR), 4),
        }
    return out


def test_spinner(spinner: str, rate: float, built: dict) -> tuple[str, Rewriter]:
    """The test spinner at exactly `rate`, built once, and its name."""
    name = f"{spinner}-{round(rate * 100)}"
    if name not in built:
        built[name] = TEST_SPINNERS[spinner](rate)()
    return name, built[name]


def spun_rows(spinner: str, rate: float, docs: list[tuple], seed: int, built: dict) -> list[dict]:
    """Pair rows of `docs` rewritten by the test spinner at exactly `rate`."""
    return list(make_pairs(docs, dict([test_spinner(spinner, rate, built)]), seed=seed))


class SurprisingWords:
    """The evidence anchor that needs no thesaurus: every lowercase word whose first token SmolLM2 finds
    more surprising than `surprisal.SURPRISING` nats, given the text before it (no suggestion)."""

    def __init__(self) -> None:
        self.lm: LanguageModel | None = None
        self.seen: dict[str, list[Span]] = {}

    def spans(self, text: str) -> list[Span]:
        key = text_key(text)
        if key not in self.seen:
            self.lm = self.lm or LanguageModel.from_package()
            p = Parsed.of(text)
            self.seen[key] = [
                (p.word_tokens[i].start, p.word_tokens[i].end, None)
                for i, nll in self.lm.word_surprisal(p).items()
                if nll > SURPRISING and p.words[i].isalpha() and p.words[i].islower()
            ]
        return self.seen[key]

    def false_spans_per_1k(self, texts: Sequence[str]) -> float:
        """Spans per 1,000 words of untouched originals."""
        return spans_per_1k([self.spans(t) for t in texts], texts)


def evidence_of(
    detectors: dict[str, Detector],
    anchor: SurprisingWords | None,
    pairs: list[dict],
    rewriter: Rewriter,
    seed: int,
) -> dict[str, dict[str, float | None]]:
    """Each detector's spun-phrase spans, and the anchor's, against the true substitutions of `pairs`
    (`bench/evidence.py`)."""
    rewrites = [rewriter.rewrite(p["original"], document_seed(seed, p["id"])) for p in pairs]
    if [rw.text for rw in rewrites] != [p["rewritten"] for p in pairs]:
        raise SystemExit(f"{rewriter.name}: the evidence rewrites differ from the scored rows")
    out: dict[str, dict[str, float | None]] = {name: measure(d, rewrites) for name, d in detectors.items()}
    if anchor is not None:
        out["smollm2_surprising"] = measure_spans(rewrites, [anchor.spans(rw.text) for rw in rewrites])
    return out


@dataclass
class Anchors:
    """What every fold's model is measured beside, on the same rows."""

    shipped: Detector  # evidence
    scorers: dict[str, Memo]  # scores
    words: SurprisingWords | None  # evidence that needs no thesaurus


def explainers(
    detector: Detector, bundle: Path, with_lm: WithLm | None, shipped: Detector
) -> dict[str, Detector]:
    """The detectors whose evidence a resource fold measures: the fold model (saved in `bundle`), with its
    deep head as `--cascade` and `--deep` explain (the word scorer's weak threshold applies where the deep
    head says spun; `--deep` has the deep word scorer, which reads the language model and applies its weak
    threshold also where spun is the likeliest class), and the shipped model."""
    out = {"fold_model": detector, "shipped": shipped}
    if with_lm is not None:
        fit = with_lm.fit
        add_to_bundle(bundle, fit.head, fit.threshold, fit.cascade, {}, with_lm.words)
        out["fold_model_cascade"] = Detector.load(bundle, cascade=True)
        out["fold_model_deep"] = Detector.load(bundle, deep=True)
    return out


def run_fold(
    fold: Fold,
    args: argparse.Namespace,
    anchors: Anchors,
    lm: SurprisalCache | None,
    split_seed: int,
    built: dict,
) -> list[dict]:
    """Train the fold's model and measure it and the anchors on every rate of its test spinner."""
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        paths, reference = fold_files(fold, args.work, Path(tmp), args.max_rows, args.seed)
        config = TrainConfig(
            data=paths,
            out=Path(tmp) / "model",
            reference=reference,
            synonyms=fold.synonyms,
            seed=args.seed,
            reference_share=SPLITS["reference"],
            val_share=SPLITS["val"],
            calibration_folds=3,
            encoder="none",
            progress=False,
        )
        result = train(config)
        trained = time.time() - started
        counts = result.manifest["training"]["counts"]
        print(f"{fold.name}: trained in {trained:.0f} s on {counts}", file=sys.stderr, flush=True)
        scorers = {"fold_model": Memo(result.detector.score_many), **anchors.scorers}
        with_lm = None
        if lm is not None:
            columns = tuple(args.surprisal.split(","))
            with_lm = WithLm(result.detector, lm, config, args.seed, columns)
            scorers["fold_model+smollm2"] = Memo(with_lm)
            scorers["fold_model+smollm2_cascade"] = Memo(with_lm.cascade)
        docs = test_articles(fold.test, args.shared, args.work, split_seed, args.n, args.seed)
        human = [text for _, text, _ in docs]
        # Evidence only where the spinner is unseen: a domain fold's spinner fed its tables.
        unseen = fold.protocol == "resource"
        explained = explainers(result.detector, config.out, with_lm, anchors.shipped) if unseen else {}
        anchor = anchors.words if unseen else None
        false_spans = {name: false_spans_per_1k(d, human) for name, d in explained.items()}
        if anchor is not None:
            false_spans["smollm2_surprising"] = anchor.false_spans_per_1k(human)
        results = []
        for rate in fold.rates:
            pairs = spun_rows(fold.spinner, rate, docs, args.seed, built)
            rewriter = test_spinner(fold.spinner, rate, built)[1]
            evidence = evidence_of(explained, anchor, pairs, rewriter, args.seed)
            texts = human + [p["rewritten"] for p in pairs]
            y = np.r_[np.zeros(len(human)), np.ones(len(pairs))]
            results.append(
                {
                    "protocol": fold.protocol,
                    "fold": fold.name,
                    "unseen": unseen,
                    "dropped_families": sorted(fold.families),
                    "dropped_sources": sorted(fold.sources),
                    "synonyms": fold.synonyms,
                    "test": fold.test,
                    "spinner": fold.spinner,
                    "rate": rate,
                    **same_rows(y, {name: score(texts) for name, score in scorers.items()}),
                    "swaps_listed_by_fold_table": listed_share(pairs, result.detector.extractor.synonyms),
                    "evidence": {
                        name: {**m, "false_spans_per_1k": false_spans[name]} for name, m in evidence.items()
                    },
                    "train_counts": counts,
                    "fold_validation_auroc": result.metrics.get("auroc"),
                    "train_seconds": round(trained),
                    "score_seconds_so_far": {name: round(m.seconds) for name, m in scorers.items()},
                }
            )
    print(f"{fold.name}: done in {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    return results


class WithLm:
    """The fold model with its deep head and deep word scorer: `training/deep_fit.py` as the shipped
    bundle's, the head fitted on a stream sample of the fold's own validation rows (never on the test
    rows), over the fold model's probabilities and SmolLM2's surprisal and synonym margins (with the fold's
    table), the word scorer on its fit split with SmolLM2's readings of every word."""

    def __init__(
        self,
        detector: Detector,
        surprisal: SurprisalCache,
        config: TrainConfig,
        seed: int,
        columns: Sequence[str],
    ) -> None:
        self.detector = detector
        self.lm = DeepReadings.of(surprisal, detector.extractor.synonyms)
        parts = split_parts(config, data_mod.load(config.data))
        self.fit = fit_on_validation(detector, parts["val"], self.lm, seed=seed, columns=columns)
        self.words = fit_deep_words(config, detector, parts["fit"], self.lm.words)

    def __call__(self, texts: list[str]) -> np.ndarray:
        return deep_scores(self.detector, self.fit.head, self.lm, texts)

    def cascade(self, texts: list[str]) -> np.ndarray:
        """As `--cascade` scores: the language model only where the fold model is unsure."""
        return deep_scores(self.detector, self.fit.head, self.lm, texts, cascade=self.fit.cascade)


def _cell(row: dict, scorer: str, metric: str) -> str:
    value = row.get(scorer, {}).get(metric)
    return "–" if value is None else f"{value:.3f}"


def print_table(protocol: str, rows: list[dict], scorers: list[str]) -> None:
    """One Markdown table of the rows of a protocol."""
    labels = {
        "fold_model": "fold model",
        "fold_model+smollm2": "fold model + SmolLM2",
        "fold_model+smollm2_cascade": "fold model + SmolLM2 cascade",
        "smollm2_nll": "SmolLM2 NLL",
        "smollm2_top10": "SmolLM2 top-10 NLL",
        "smollm2_excess": "SmolLM2 NLL over entropy",
        "shipped": "shipped (not resource-disjoint)",
        "shipped_fast": "shipped --fast (not resource-disjoint)",
    }
    if protocol == "resource":
        print("\nResource folds: the test spinner's thesaurus is unseen by the fold model.\n")
    else:
        print(
            "\nDomain folds: the test source is held out of the fold model's training; its spinner is not.\n"
        )
    head = ["fold", "test spinner", "rate", "n (rewritten / human)"]
    head += [f"{labels[s]} {m}" for s in scorers for m in ("AUROC", "TPR@1%FPR")]
    if protocol == "resource":
        head.append("swaps listed by fold's table")
    print("| " + " | ".join(head) + " |")
    print("|---|---|---:|---:|" + "---:|" * (len(head) - 4))
    for r in rows:
        spinner = f"{r['spinner']} (unseen)" if r["unseen"] else r["spinner"]
        cells = [
            r["fold"],
            f"{spinner} on {r['test']}",
            f"{r['rate']:.0%}",
            f"{r['n_rewritten']} / {r['n_human']}",
        ]
        cells += [_cell(r, s, m) for s in scorers for m in ("auroc", "tpr_at_1pct_fpr")]
        if protocol == "resource":
            share = r["swaps_listed_by_fold_table"]
            cells.append("–" if share is None else f"{share:.3f}")
        print("| " + " | ".join(cells) + " |")


def print_evidence(rows: list[dict]) -> None:
    """The spun-phrase evidence on the resource folds' unseen spinners (`bench/evidence.py` measures)."""
    labels = {
        "fold_model": "fold model",
        "fold_model_cascade": "fold model `--cascade`",
        "fold_model_deep": "fold model `--deep`",
        "smollm2_surprising": f"SmolLM2: lowercase words over {SURPRISING:g} nats (anchor)",
        "shipped": "shipped (not resource-disjoint)",
    }
    print("\nEvidence spans on the unseen spinner (spun-phrase spans against the true substitutions).\n")
    print(
        "| fold | rate | evidence of | called spun | span recall | span precision | suggestion accuracy "
        "| false spans / 1k words of originals |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        for name, m in sorted(r.get("evidence", {}).items(), key=lambda item: list(labels).index(item[0])):
            cells = [m.get(k) for k in ("called_spun", "recall", "precision", "suggestions")]
            print(
                f"| {r['fold']} | {r['rate']:.0%} | {labels[name]} | {' | '.join(map(cell, cells))} "
                f"| {m['false_spans_per_1k']:.2f} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default=",".join(FOLDS), help=f"comma-separated, of {', '.join(FOLDS)}")
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=0, help="test articles, spinners, row cap, fold training")
    parser.add_argument("--n", type=int, default=300, help="test articles per fold")
    parser.add_argument("--max-rows", type=int, help="cap each fold's training rows (whole groups, seeded)")
    parser.add_argument("--no-lm", action="store_true", help="skip the SmolLM2 anchor and the deep heads")
    parser.add_argument("--out", type=Path, help="write the results as JSON lines")
    parser.add_argument(
        "--surprisal",
        default=",".join(DEFAULT_SURPRISAL),
        help=f"the summaries the deep heads read, of {', '.join(SUMMARIES)}",
    )
    args = parser.parse_args()
    check_families()
    unknown = [f for f in args.folds.split(",") if f not in FOLDS]
    if unknown:
        parser.error(f"unknown fold(s) {', '.join(unknown)}; known: {', '.join(FOLDS)}")
    started = time.time()
    shipped = Detector.load()
    fast = Detector.load(fast=True)
    anchors = Anchors(
        shipped, {"shipped": Memo(shipped.score_many), "shipped_fast": Memo(fast.score_many)}, None
    )
    lm = None if args.no_lm else SurprisalCache(NLL_CACHE, NLL_TOKENS)
    if lm is not None:
        anchors.words = SurprisingWords()
        anchors.scorers = {
            "smollm2_nll": Memo(lambda texts: lm(texts)[:, TOKEN_SUMMARIES.index("lm_nll")]),
            "smollm2_top10": Memo(lambda texts: lm(texts)[:, TOKEN_SUMMARIES.index("lm_nll_top10")]),
            "smollm2_excess": Memo(lambda texts: lm(texts)[:, TOKEN_SUMMARIES.index("lm_excess")]),
            **anchors.scorers,
        }
    # The Wikipedia test articles must lie in the shipped model's own validation split.
    split_seed = shipped.manifest["training"]["config"]["seed"]
    built: dict[str, Rewriter] = {}
    results: list[dict] = []
    for name in args.folds.split(","):
        results += run_fold(FOLDS[name], args, anchors, lm, split_seed, built)
        if args.out:
            write_jsonl(results, args.out)
    scorers = [
        "fold_model",
        *(["fold_model+smollm2", "fold_model+smollm2_cascade"] if lm is not None else []),
        *anchors.scorers,
    ]
    for protocol in ("resource", "domain"):
        rows = [r for r in results if r["protocol"] == protocol]
        if rows:
            print_table(protocol, rows, scorers)
        if rows and protocol == "resource":
            print_evidence(rows)
    print(f"\n{time.time() - started:.0f} s in all", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
