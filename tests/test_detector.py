import json
import random
import shutil

import numpy as np
import pytest
from conftest import make_original, make_translated, spin

from mtdetect import Detector, TextNotScorable, analyze, score
from mtdetect.model.bundle import BundleError
from mtdetect.model.detector import LABELS
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.wordscore import BASE_COLUMNS


@pytest.fixture(scope="module")
def detector(bundle):
    return Detector.load(bundle)


@pytest.fixture(scope="module")
def texts():
    rng = random.Random(123)  # a seed the training corpus did not use
    original = make_original(rng)
    return {"original": original, "spun": spin(original), "translated": make_translated(rng)}


def test_separates_the_three_kinds(detector, texts):
    results = {kind: detector.analyze(t) for kind, t in texts.items()}
    assert results["original"].label == "original" and results["original"].score < 0.5
    assert results["spun"].label == "spun" and results["spun"].score > 0.5
    assert results["translated"].label == "translated" and results["translated"].score > 0.5
    for r in results.values():
        assert set(r.probabilities) == set(LABELS)
        assert sum(r.probabilities.values()) == pytest.approx(1.0)
        assert r.score == pytest.approx(1.0 - r.probabilities["original"])


def test_evidence_points_at_swapped_words_with_suggestions(detector, texts):
    result = detector.analyze(texts["spun"])
    assert result.evidence, "a spun text should come with evidence"
    for e in result.evidence:
        assert texts["spun"][e.start : e.end] == e.text
    suggestions = {e.text.lower(): e.suggestion for e in result.evidence if e.suggestion}
    assert "firm" not in suggestions
    assert any(
        suggestions.get(k) == v
        for k, v in [
            # only rare swaps are shown: everyday words like "firm" are left to the classifier
            ("aforesaid", "said"),
            ("clergyman", "minister"),
            ("constabulary", "police"),
            ("faculties", "schools"),
            ("workweek", "week"),
        ]
    )


def test_unscorable_texts_are_flagged_not_scored(detector):
    assert detector.analyze("").flags == ["empty"]
    short = detector.analyze("Too short to judge.")
    assert (
        short.score is None
        and short.label is None
        and short.probabilities is None
        and short.flags == ["too_short"]
    )
    russian = detector.analyze("Это предложение написано по-русски и не должно получить оценку. " * 10)
    assert russian.score is None and "not_english" in russian.flags
    with pytest.raises(TextNotScorable, match="too_short"):
        detector.score("Too short.")
    assert isinstance(TextNotScorable("x"), ValueError)


def test_analyze_many_matches_analyze_and_keeps_order(detector, texts):
    batch = [texts["spun"], "", texts["original"], "short text"]
    many = detector.analyze_many(batch)
    assert [a.score for a in many] == [detector.analyze(t).score for t in batch]
    scores = detector.score_many(batch)
    assert np.isnan(scores[1]) and np.isnan(scores[3]) and scores[0] == many[0].score


def test_rejects_non_strings(detector):
    with pytest.raises(TypeError, match="texts\\[0\\] is bytes"):
        detector.analyze_many([b"bytes"])


def test_save_load_round_trip_gives_identical_scores(detector, texts, tmp_path):
    detector.save(tmp_path / "copy", {"name": "copy"})
    again = Detector.load(tmp_path / "copy")
    for t in texts.values():
        assert again.analyze(t) == detector.analyze(t)
    assert again.threshold == detector.threshold


def test_the_origins_table_travels_with_the_bundle(bundle, tmp_path):
    detector = Detector.load(bundle)
    detector.extractor.origins = SynonymTable({"superior": ("upper", "higher")})
    detector.save(tmp_path / "copy", {"name": "copy"})
    origins = Detector.load(tmp_path / "copy").extractor.origins
    assert dict(origins.items()) == {"superior": ("upper", "higher")}


def test_module_level_functions_use_a_cached_model(bundle, texts):
    first = analyze(texts["spun"], model=bundle)
    assert score(texts["spun"], model=bundle) == first.score
    assert analyze(texts["spun"], model=str(bundle)) == first


def test_manifest_describes_the_model(bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["labels"] == list(LABELS)
    assert manifest["threshold"]["value"] >= 0.5 and "out-of-fold" in manifest["threshold"]["rule"]
    assert len(manifest["training"]["data_sha256"]) == 64
    assert {"scikit-learn", "numpy", "python", "mtdetect"} <= set(manifest["libraries"])
    val = manifest["metrics"]["validation"]
    assert val["auroc"] > 0.95 and "tpr_at_0.01_fpr" in val
    assert set(val["per_class"]) == set(LABELS)
    assert set(manifest["files"]) == {
        "head.npz",
        "lexicon.tsv",
        "bigrams.npz",
        "synonyms.tsv.gz",
        "origins.tsv.gz",
        "words.npz",
        "ngrams.npz",
        "refit.npz",
    }
    assert manifest["words"]["columns"] == list(BASE_COLUMNS)  # no encoder: no tag columns
    assert manifest["refit"]["fit_rows"] > 0 and manifest["refit"]["val_rows"] > 0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "head.npz").write_bytes(b"evil"), "SHA-256 does not match"),
        (lambda d: (d / "lexicon.tsv").unlink(), "file listed in the manifest is missing"),
        (lambda d: (d / "manifest.json").write_text("{oops"), "corrupt manifest"),
        (lambda d: (d / "manifest.json").unlink(), "no manifest.json"),
        (lambda d: shutil.rmtree(d), "model folder does not exist"),
    ],
)
def test_damaged_bundles_are_refused_with_the_path(bundle, tmp_path, damage, message):
    copy = tmp_path / "m"
    shutil.copytree(bundle, copy)
    damage(copy)
    with pytest.raises(BundleError, match=message) as info:
        Detector.load(copy)
    assert str(copy) in str(info.value)


def test_future_format_is_refused(bundle, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(bundle, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format_version"] = 99
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="bundle format 99 is not supported"):
        Detector.load(copy)


def test_sentence_scores_cover_each_sentence(detector, texts):
    text = texts["spun"]
    result = detector.analyze(text)
    assert len(result.sentences) == 8  # the corpus generator writes eight sentences
    for s in result.sentences:
        assert 0.0 <= s.score <= 1.0
        assert text[s.start : s.end].endswith(".") and text[s.start : s.end][0].isupper()
    assert [s.start for s in result.sentences] == sorted(s.start for s in result.sentences)


def test_batch_analysis_skips_explanations_unless_asked(detector, texts):
    [plain] = detector.analyze_many([texts["spun"]])
    [explained] = detector.analyze_many([texts["spun"]], explain=True)
    assert plain.evidence == [] and plain.sentences == []
    assert explained.evidence and explained.sentences and explained.score == plain.score
    [spans_only] = detector.analyze_many([texts["spun"]], explain=True, sentences=False)
    assert spans_only.evidence == explained.evidence and spans_only.sentences == []
    assert spans_only.score == plain.score
