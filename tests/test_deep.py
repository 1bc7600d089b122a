"""The deep head: the main head's verdict weighed with a language model's surprisal (`--deep`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mtdetect import Detector
from mtdetect.model import detector as detector_mod
from mtdetect.model.bundle import BundleError, default_model_dir
from mtdetect.model.deep import DEFAULT_SURPRISAL, Cascade, DeepHead
from mtdetect.model.surprisal import SUMMARIES, LanguageModel
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed
from mtdetect.model.wordscore import LM_COLUMNS, NEVER
from mtdetect.training import deep_fit, metrics
from mtdetect.training.deep_fit import fit_deep_head, fit_for_bundle
from mtdetect.training.heads import KIND_RULE


def synthetic(n: int = 900, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Rows where the main head misses half the spun texts, whose surprisal still gives them away."""
    rng = np.random.default_rng(seed)
    labels = np.array(["original", "spun", "translated"])[rng.integers(0, 3, n)]
    spun, translated = labels == "spun", labels == "translated"
    seen = spun & (rng.random(n) < 0.5)
    p_spun = np.where(seen, 0.8, 0.15) + rng.normal(0, 0.05, n)
    p_trans = np.where(translated, 0.8, 0.05) + rng.normal(0, 0.05, n)
    p = np.clip(np.column_stack([1 - p_spun - p_trans, p_spun, p_trans]), 0.01, 1)
    proba = p / p.sum(axis=1, keepdims=True)
    nll = rng.normal(3.0, 0.3, n) + 0.2 * spun - 0.3 * translated
    surprisal = summaries(n, lm_nll=nll, lm_nll_top10=nll + 4.0 + 1.5 * spun + rng.normal(0, 0.3, n))
    groups = np.array([f"g{i // 2}" for i in range(n)])
    sources = np.where(rng.random(n) < 0.5, "news", "wiki")
    return proba, surprisal, labels, groups, sources


def summaries(n: int, **columns: np.ndarray) -> np.ndarray:
    """Rows of SUMMARIES: the named ones as given, the rest noise."""
    out = np.random.default_rng(1).normal(0, 1, (n, len(SUMMARIES)))
    for name, values in columns.items():
        out[:, SUMMARIES.index(name)] = values
    return out


def test_the_deep_head_catches_what_the_main_head_misses(tmp_path: Path) -> None:
    proba, surprisal, labels, groups, sources = synthetic()
    head, threshold, oof = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64)
    y, kept = labels == "spun", labels != "translated"
    assert metrics.auroc(y[kept], oof[kept]) > metrics.auroc(y[kept], 1 - proba[kept, 0]) + 0.05
    assert threshold.value >= 0.5 and set(threshold.cuts) == {"pooled", "news", "wiki"}
    assert threshold.rule.endswith(KIND_RULE)  # each kind's own cut was chosen too (none below 0.5 here)
    out = head.probabilities(proba, surprisal)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    # Only the spun odds move: translated against original keeps the main head's odds.
    np.testing.assert_allclose(out[:, 2] / out[:, 0], proba[:, 2] / proba[:, 0])
    translated = labels == "translated"  # whatever their surprisal, still caught through the main head
    assert np.median(1 - out[translated, 0]) > 0.7
    head.save(tmp_path / "deep.npz")
    loaded = DeepHead.load(tmp_path / "deep.npz")
    np.testing.assert_allclose(loaded.rewritten(proba, surprisal), head.rewritten(proba, surprisal))
    assert loaded.tokens == 64 and loaded.columns == ("log_odds_spun", *DEFAULT_SURPRISAL)


def test_the_head_reads_the_summaries_it_names(tmp_path: Path) -> None:
    proba, surprisal, labels, groups, sources = synthetic()
    tail = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64)[2]
    mean_only = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64, columns=("lm_nll",))[2]
    y, kept = labels == "spun", labels != "translated"
    assert metrics.auroc(y[kept], tail[kept]) > metrics.auroc(y[kept], mean_only[kept]) + 0.05
    with pytest.raises(ValueError, match="unknown surprisal summaries"):
        fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64, columns=("lm_bogus",))


def test_a_first_version_head_still_loads_and_reads_the_mean_and_excess(tmp_path: Path) -> None:
    """The v1 format named no choice of summaries: it read the mean NLL and its excess."""
    columns = ["log_odds_spun", "lm_nll", "lm_excess"]
    spec = {"format": "mtdetect-deep-head v1", "columns": columns, "tokens": 8}
    path = tmp_path / "v1.npz"
    coef = np.array([1.0, 2.0, -1.0])
    np.savez(
        path,
        spec=np.array(json.dumps(spec)),
        mean=np.zeros(3),
        scale=np.ones(3),
        coef=coef,
        intercept=np.array([0.5]),
    )
    head = DeepHead.load(path)
    assert head.surprisal == ("lm_nll", "lm_excess")
    proba = np.array([[0.5, 0.25, 0.25]])
    row = summaries(1, lm_nll=np.array([3.0]), lm_excess=np.array([1.0]))
    odds = np.exp(np.log(0.5) + 1.0 * 2.0 * 3.0 - 1.0 * 1.0 * 1.0 + 0.5)  # coef . (log-odds, nll, excess)
    expected = (odds + 0.5) / (1.0 + odds + 0.5)
    assert head.rewritten(proba, row)[0] == pytest.approx(expected)
    spec["columns"] = ["log_odds_spun", "lm_nll_top10", "lm_nll"]  # v1 with other columns is not v1
    np.savez(
        path,
        spec=np.array(json.dumps(spec)),
        mean=np.zeros(3),
        scale=np.ones(3),
        coef=coef,
        intercept=np.array([0.5]),
    )
    with pytest.raises(ValueError, match="reads"):
        DeepHead.load(path)


def test_a_text_the_language_model_cannot_read_keeps_the_main_score() -> None:
    proba, surprisal, labels, groups, sources = synthetic(200)
    head = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64)[0]
    surprisal[0] = np.nan
    assert head.rewritten(proba[:1], surprisal[:1])[0] == pytest.approx(1 - proba[0, 0])


def test_the_cascade_reads_only_texts_the_main_head_is_not_sure_are_original() -> None:
    cascade = Cascade(0.5, {"lm_nll_top10": 12.0, "lm_nll": 3.5}, threshold=0.9)
    proba = np.array(
        [
            [0.9, 0.05, 0.05],  # original: not read
            [0.4, 0.55, 0.05],  # unsure, maybe spun: read
            [0.3, 0.1, 0.6],  # unsure, maybe translated: read
            [0.01, 0.01, 0.98],  # the translated odds alone pass 0.9: read or not, it is flagged
        ]
    )
    assert cascade.reads(proba).tolist() == [False, True, True, False]
    asked: list[list[int]] = []

    def measure(rows: list[int]) -> np.ndarray:
        asked.append(rows)
        return summaries(len(rows), lm_nll=np.array([9.0] * len(rows)))

    out = cascade.surprisal(proba, measure)
    assert asked == [[1, 2]]
    nll, top = SUMMARIES.index("lm_nll"), SUMMARIES.index("lm_nll_top10")
    assert out[:, nll].tolist() == [3.5, 9.0, 9.0, 3.5] and out[[0, 3], top].tolist() == [12.0, 12.0]
    assert np.isnan(out[[0, 3], SUMMARIES.index("lm_excess")]).all()  # typical only of what the head reads
    assert cascade.surprisal(proba[:1], measure).shape == (1, len(SUMMARIES)) and len(asked) == 1
    assert Cascade.from_json(cascade.to_json(), 0.9) == cascade
    with pytest.raises(ValueError, match="unknown surprisal summaries"):
        Cascade.from_json({"reads_from": 0.5, "typical": {"lm_bogus": 1.0}}, 0.9)


def test_stream_sample_keeps_every_stream(bundle: Path) -> None:
    from mtdetect.training import data as data_mod

    examples = data_mod.load([Path(p) for p in Detector.load(bundle).manifest["training"]["config"]["data"]])
    rows = deep_fit.stream_sample(examples.examples, {"original": 5, "spun": 3, "translated": 4}, seed=0)
    kinds = {(e.label, e.source) for e in examples.examples}
    assert {(e.label, e.source) for e in rows} == kinds
    assert sum(e.label == "original" for e in rows) <= 5 * len({e.source for e in examples.examples})
    assert rows == deep_fit.stream_sample(examples.examples, {"original": 5, "spun": 3, "translated": 4}, 0)


def deep_bundle(
    bundle: Path, tiny_lm: LanguageModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict]:
    """A copy of the test bundle with a deep head fitted with the tiny language model (which every
    `LanguageModel.from_package()` then returns), and what the fit recorded."""
    folder = tmp_path / "deep-bundle"
    shutil.copytree(bundle, folder)
    monkeypatch.setattr(LanguageModel, "from_package", classmethod(lambda cls, cache=None: tiny_lm))
    return folder, fit_for_bundle(folder, tmp_path / "cache.json")


def test_a_bundle_with_a_deep_head_scores_with_the_language_model(
    bundle: Path, tiny_lm: LanguageModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, info = deep_bundle(bundle, tiny_lm, tmp_path, monkeypatch)
    assert set(info["out_of_fold"]) == {"deep", "main head"}
    assert (tmp_path / "cache.json").is_file()  # the surprisal of every row, for the next refit
    assert fit_for_bundle(folder, tmp_path / "cache.json") == info  # a refit over its own head

    plain, deep = Detector.load(folder), Detector.load(folder, deep=True)
    assert deep.deep is not None and deep.threshold.value == deep.manifest["deep"]["threshold"]["value"]
    texts = [e.text for e in _rows(folder)[:6]]
    expected = deep.deep.rewritten(
        plain.predict_proba([detector_mod.Parsed.of(t) for t in texts]),
        np.array([tiny_lm.surprisal(Parsed.of(t), deep.extractor.synonyms, deep.deep.tokens) for t in texts]),
    )
    np.testing.assert_allclose(deep.score_many(texts), expected)
    cache = deep_fit.SurprisalCache(tmp_path / "cache.json")
    reader = deep_fit.DeepReadings.of(cache, plain.extractor.synonyms)  # as the benchmarks score
    np.testing.assert_allclose(deep_fit.deep_scores(plain, deep.deep, reader, texts), expected, atol=1e-6)
    assert np.isnan(deep_fit.deep_scores(plain, deep.deep, reader, ["Too short."])).all()
    assert Detector.load(folder, deep=True, fast=True).deep is None  # fitted on the full head only
    assert plain.deep is None  # without --deep the language model is never loaded


def test_the_cached_readings_give_the_summaries_that_scoring_computes(
    tiny_lm: LanguageModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fitting reads the summaries from caches of the token summaries and of every word's readings; they
    must be the language model's `surprisal` of the text, margins of only the opening tokens' words."""
    import random

    from conftest import make_original

    monkeypatch.setattr(LanguageModel, "from_package", classmethod(lambda cls, cache=None: tiny_lm))
    table = SynonymTable({"the": ("a", "this"), "minister": ("clergyman",), "said": ("stated",)})
    texts = [make_original(random.Random(k), 12) for k in range(3)]
    parsed = [Parsed.of(t) for t in texts]
    cache = tmp_path / "cache.json"
    read = deep_fit.DeepReadings(
        deep_fit.SurprisalCache(cache, 24), deep_fit.WordReadingCache(tmp_path / "w", table)
    )
    cached = read(parsed)
    online = np.array([tiny_lm.surprisal(p, table, 24) for p in parsed])
    np.testing.assert_allclose(cached, online, rtol=1e-4, atol=1e-4)
    whole = read.words(parsed)[0]  # the cache holds every word; the summaries read the opening ones
    assert (~np.isnan(whole.nll)).sum() > (~np.isnan(tiny_lm.read_words(parsed[0], table, 24).nll)).sum()
    assert not np.isnan(online).any() and len(set(online[:, SUMMARIES.index("lm_margin_top5")])) == 3
    assert read([]).shape == (0, len(SUMMARIES))


def test_deep_evidence_comes_from_a_word_scorer_that_reads_the_language_model(
    bundle: Path,
    tiny_lm: LanguageModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mtdetect.cli import main

    folder, info = deep_bundle(bundle, tiny_lm, tmp_path, monkeypatch)
    assert info["words"]["columns"][-len(LM_COLUMNS) :] == list(LM_COLUMNS)
    assert any(deep_fit.words_cache(tmp_path / "cache.json").glob("*.npz"))  # readings kept for a refit
    plain, deep = Detector.load(folder), Detector.load(folder, deep=True)
    assert deep.words.lm and not plain.words.lm and not Detector.load(folder, deep=True, fast=True).words.lm
    assert main(["info", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"  evidence: word scorer:    {len(info['words']['columns'])} columns;" in out
    assert f"weak {info['words']['weak']} (texts called spun, or spun likeliest)" in out
    text = next(e.text for e in _rows(folder) if e.label == "spun")
    monkeypatch.setattr(detector_mod, "MIN_MARGIN", -100.0)  # margins alone would flag every candidate
    deep.words.strong = deep.words.weak = NEVER
    assert not [e for e in deep.analyze(text).evidence if e.kind == "spun_phrase"]  # the scorer decides
    deep.words.strong = deep.words.weak = 0.0
    spans = [e for e in deep.analyze(text).evidence if e.kind == "spun_phrase"]
    assert sum(len(e.text.split()) for e in spans) >= len(text.split()) // 2


def test_the_cascade_scores_as_deep_where_it_reads_and_with_typical_surprisal_elsewhere(
    bundle: Path, tiny_lm: LanguageModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = deep_bundle(bundle, tiny_lm, tmp_path, monkeypatch)
    spec = json.loads((folder / "manifest.json").read_text())["deep"]["cascade"]
    assert spec["reads_from"] == 0.5 and set(spec["typical"]) == set(DEFAULT_SURPRISAL)
    read: list[str] = []
    surprisal = tiny_lm.surprisal
    monkeypatch.setattr(
        tiny_lm, "surprisal", lambda p, table, tokens: read.append(p.text) or surprisal(p, table, tokens)
    )

    plain, cascade = Detector.load(folder), Detector.load(folder, cascade=True)
    assert cascade.language_model is None  # no deep evidence: the cascade is for batch scoring
    texts = [e.text for e in _rows(folder)]
    proba = plain.predict_proba([detector_mod.Parsed.of(t) for t in texts])
    reads = cascade.cascade.reads(proba)
    assert 0 < reads.sum() < len(texts)
    scores = cascade.score_many(texts)
    assert read == [t for t, r in zip(texts, reads, strict=True) if r]  # the language model read those only
    typical = np.array([[spec["typical"].get(name, np.nan) for name in SUMMARIES]])
    for k in (int(np.flatnonzero(reads)[0]), int(np.flatnonzero(~reads)[0])):
        lm_row = (
            surprisal(Parsed.of(texts[k]), cascade.extractor.synonyms, cascade.deep.tokens)[None]
            if reads[k]
            else typical
        )
        assert scores[k] == pytest.approx(cascade.deep.rewritten(proba[k : k + 1], lm_row)[0])
    assert cascade.analyze(texts[0]).threshold == cascade.manifest["deep"]["threshold"]["value"]


def test_a_text_the_shipped_cascade_skips_cannot_be_flagged() -> None:
    """The README's promise: under --cascade, a text the main head scores under 0.5 (so the language model
    does not read it) stays under the deep head's threshold, whatever its probabilities."""
    manifest = Detector.load(fast=True).manifest["deep"]
    head = DeepHead.load(default_model_dir() / detector_mod.DEEP_FILE)
    cascade = Cascade.from_manifest(manifest)
    grid = [(o, f * (1 - o)) for o in np.linspace(0.5001, 1.0, 101) for f in np.linspace(0.0, 1.0, 101)]
    proba = np.array([(o, s, 1 - o - s) for o, s in grid])
    threshold = manifest["threshold"]["value"]
    assumed = cascade.surprisal(proba, lambda rows: pytest.fail("read a text"))
    assert head.rewritten(proba, assumed).max() < threshold


def test_the_cascade_needs_a_deep_head_with_a_cascade_and_no_other_mode(bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no deep head"):
        Detector.load(bundle, cascade=True)
    folder = tmp_path / "first-deep-head"  # a deep head from before the cascade: no typical surprisal
    shutil.copytree(bundle, folder)
    proba, surprisal, labels, groups, sources = synthetic(200)
    head, threshold, _ = fit_deep_head(proba, surprisal, labels, groups, sources, tokens=64)
    deep_fit.add_to_bundle(
        folder, head, threshold, deep_fit.cascade_of(surprisal, labels, head.surprisal, threshold), {}
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["deep"]["cascade"]
    detector_mod.write_manifest(folder, manifest)
    with pytest.raises(BundleError, match="has no cascade; refit it"):
        Detector.load(folder, cascade=True)
    with pytest.raises(ValueError, match="mode of its own"):
        Detector.load(bundle, cascade=True, fast=True)


def _rows(folder: Path) -> list:
    from mtdetect.training import data as data_mod

    config = Detector.load(folder).manifest["training"]["config"]
    examples = data_mod.load([Path(p) for p in config["data"]]).examples
    return data_mod.long_enough(examples, config["min_words"])
