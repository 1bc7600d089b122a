"""The word scorer: per-word features, thresholds, spans, and the detector's use of them."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import make_original, spin

from mtdetect import Detector
from mtdetect.model.collocations import BigramTable
from mtdetect.model.detector import Threshold
from mtdetect.model.explain import RUN_MAX_WORDS, scored_spans
from mtdetect.model.features import FeatureExtractor
from mtdetect.model.lexicon import Entry, Lexicon
from mtdetect.model.surprisal import WordReadings
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed
from mtdetect.model.wordscore import (
    BASE_COLUMNS,
    LM_COLUMNS,
    NEVER,
    NO_PAIR,
    TAG_COLUMNS,
    UNREAD,
    WordScorer,
    columns,
    word_probabilities,
    word_signals,
)
from mtdetect.training.wordscorer import choose_thresholds, fit

REFERENCE = [[["they", "had", "the", "upper", "hand", "in", "the", "talks"]]] * 5
SPUN = "They had the higher hand in the talks."


@pytest.fixture
def extractor() -> FeatureExtractor:
    lexicon = Lexicon([Entry("counterfeit consciousness", "artificial intelligence", "spun_phrase", 0.9)])
    return FeatureExtractor(
        lexicon,
        BigramTable.build(REFERENCE, bits=12),
        SynonymTable({"higher": ("upper",)}),
        SynonymTable({"superior": ("upper", "higher")}),  # "upper" and "higher" list "superior"
    )


def signals(extractor: FeatureExtractor, text: str, tags=None):
    p = Parsed.of(text)
    ex = extractor
    return p, word_signals(p, ex.signals(p), ex.bigrams, ex.synonyms, ex.origins, tags)


def column(ws, name: str) -> np.ndarray:
    return ws.x[:, columns(ws.x.shape[1] > len(BASE_COLUMNS)).index(name)]


def test_a_swapped_word_gets_its_original_and_collocation_columns(extractor):
    p, ws = signals(extractor, SPUN)
    assert ws.x.shape == (8, len(BASE_COLUMNS))
    higher = p.words.index("higher")
    assert ws.suggestions == [None] * higher + ["upper"] + [None] * (8 - higher - 1)
    assert column(ws, "left_count")[higher] == 0.0 and column(ws, "right_count")[higher] == 0.0
    # "upper" fits both neighbours five times each: log1p(5) twice, where "higher" fits neither.
    assert column(ws, "synonym_fit_gain")[higher] == pytest.approx(2 * np.log1p(5))
    assert column(ws, "left_count")[0] == NO_PAIR  # the first word has no left neighbour
    assert column(ws, "right_count")[-1] == NO_PAIR  # nor has the last a right one (the full stop)
    assert column(ws, "restored")[higher] == pytest.approx(np.log1p(5))
    assert column(ws, "confirmed")[higher] == 1.0  # "upper" mends the pairs on both sides
    assert np.allclose(column(ws, "text_unseen_share"), 2 / 7)
    assert column(ws, "origins")[higher] == 0.0 and column(ws, "origin_fit_gain")[higher] == 0.0


def test_a_swap_the_synonym_table_cannot_undo_is_undone_by_its_origin(extractor):
    p, ws = signals(extractor, "They had the superior hand in the talks.")
    superior = p.words.index("superior")
    assert ws.suggestions[superior] == "upper"  # fits both neighbours; "higher" fits neither
    assert column(ws, "synonyms")[superior] == 0.0 and column(ws, "origins")[superior] == 2.0
    assert column(ws, "origin_fit")[superior] == pytest.approx(2 * np.log1p(5))
    assert column(ws, "origin_fit_gain")[superior] == pytest.approx(2 * np.log1p(5))
    assert [s for i, s in enumerate(ws.suggestions) if i != superior] == [None] * 7


def test_no_suggestion_when_the_word_already_fits_best(extractor):
    _, ws = signals(extractor, "They had the upper hand in the talks.")
    assert ws.suggestions == [None] * 8
    assert column(ws, "synonyms").sum() == 0.0


def test_lexicon_phrases_mark_every_word_they_cover(extractor):
    p, ws = signals(extractor, "Some fear counterfeit consciousness will take jobs.")
    marked = [w for w, x in zip(p.words, column(ws, "lexicon"), strict=True) if x > 0]
    assert marked == ["counterfeit", "consciousness"]


def test_tag_columns_follow_the_encoder_probabilities(extractor):
    tags = [0.0, 0.1, 0.0, 0.9, 0.2, 0.0, 0.0, 0.0]
    _, ws = signals(extractor, SPUN, tags)
    assert ws.x.shape == (8, len(BASE_COLUMNS) + len(TAG_COLUMNS))
    assert list(column(ws, "tag")) == tags
    assert column(ws, "tag_before")[4] == 0.9 and column(ws, "tag_after")[2] == 0.9
    assert column(ws, "tag_before")[0] == 0.0 and column(ws, "tag_after")[-1] == 0.0
    assert np.allclose(column(ws, "text_tag_mean"), 1.2 / 8)
    assert np.allclose(column(ws, "text_tag_share"), 1 / 8)


def readings(margin: float) -> WordReadings:
    """Readings of SPUN's eight words: the first unread, "higher" (index 3) surprising, with a listed
    synonym `margin` nats likelier."""
    nan = np.nan
    return WordReadings(
        nll=np.array([nan, 2.0, 1.0, 12.0, 3.0, 1.0, 1.0, 0.5]),
        entropy=np.full(8, 2.0),
        rank=np.array([nan, 1.0, 0.0, 500.0, 2.0, 0.0, 0.0, 0.0]),
        margin=np.array([nan, nan, nan, margin, nan, nan, nan, nan]),
        suggestions=[None, None, None, "superior", None, None, None, None],
    )


def test_language_model_columns_follow_its_readings(extractor):
    p = Parsed.of(SPUN)
    ex = extractor
    ws = word_signals(p, ex.signals(p), ex.bigrams, ex.synonyms, ex.origins, None, readings(4.0))
    assert ws.x.shape == (8, len(BASE_COLUMNS) + len(LM_COLUMNS))
    lm = dict(zip(LM_COLUMNS, ws.x[:, len(BASE_COLUMNS) :].T, strict=True))
    higher = 3
    assert lm["lm_nll"][higher] == 12.0 and lm["lm_excess"][higher] == 10.0
    assert lm["lm_rank"][higher] == pytest.approx(np.log1p(500)) and lm["lm_margin"][higher] == 4.0
    assert lm["lm_nll_after"][higher - 1] == 12.0 and lm["lm_nll_before"][higher + 1] == 12.0
    assert lm["lm_nll"][0] == UNREAD and lm["lm_nll_before"][1] == UNREAD  # the first word is unread
    assert lm["lm_nll_after"][-1] == UNREAD and lm["lm_nll_after"][-2] == 0.5
    assert (np.delete(lm["lm_margin"], higher) == UNREAD).all()  # no listed synonym there
    assert np.allclose(lm["text_lm_surprising"], 1 / 7) and np.allclose(lm["text_lm_median"], 1.0)
    # The language model's preferred synonym replaces the collocations' suggestion ("upper")...
    assert ws.suggestions[higher] == "superior"
    # ...only where it prefers it to the word itself.
    kept = word_signals(p, ex.signals(p), ex.bigrams, ex.synonyms, ex.origins, None, readings(-1.0))
    assert kept.suggestions[higher] == "upper"
    assert columns(False, lm=True) == BASE_COLUMNS + LM_COLUMNS
    assert columns(True, lm=True) == BASE_COLUMNS + TAG_COLUMNS + LM_COLUMNS


def test_empty_text_has_no_rows(extractor):
    for tags in (None, []):
        _, ws = signals(extractor, "", tags)
        assert ws.x.shape[0] == 0 and ws.suggestions == []


def test_word_probabilities_take_the_highest_piece_of_each_word():
    p = Parsed.of("the higher hand")
    pieces = [(0, 3, 0.1), (4, 7, 0.2), (7, 10, 0.8), (11, 15, 0.3)]
    assert word_probabilities(p, pieces) == [0.1, 0.8, 0.3]
    assert word_probabilities(p, []) == [0.0, 0.0, 0.0]


def test_thresholds_keep_human_flags_rare_and_weak_never_above_strong():
    rng = np.random.default_rng(0)
    substituted = rng.random(4000) < 0.1
    spun = np.clip(np.where(substituted, rng.normal(0.7, 0.15, 4000), rng.normal(0.2, 0.15, 4000)), 0, 1)
    human = np.clip(rng.normal(0.2, 0.15, 20000), 0, 1)
    strong, weak, measured = choose_thresholds(spun, substituted, human)
    assert 1000 * np.mean(human >= strong) <= 0.5 and measured["strong_human_per_1k"] <= 0.5
    assert measured["strong_precision"] >= 0.8 and measured["weak_precision"] >= 0.7
    assert weak <= strong and measured["weak_recall"] >= measured["strong_recall"]
    assert measured["weak_human_per_1k"] > measured["strong_human_per_1k"]
    # Nothing separates: no threshold qualifies, so no word is ever flagged.
    assert choose_thresholds(human[:4000], substituted, human)[:2] == (NEVER, NEVER)
    p = Parsed.of(SPUN)
    assert (
        scored_spans(
            p,
            FeatureExtractor(Lexicon([]), BigramTable.build([], bits=4), SynonymTable()).signals(p),
            [1.0] * 8,
            [None] * 8,
            NEVER,
        )
        == []
    )


def test_fit_learns_a_separable_word_and_chooses_thresholds():
    rng = np.random.default_rng(1)
    n = 6000
    groups = np.arange(n) // 50
    human = groups % 3 == 0
    y = (rng.random(n) < 0.1) & ~human
    x = np.column_stack([np.where(y, 1.0, 0.0) + rng.normal(0, 0.1, n), rng.normal(0, 1, n)])
    scorer = fit(x, y, groups, human, tags=False)
    probs = scorer.model.predict_proba(x)[:, 1]
    assert probs[y].mean() > 0.8 and probs[~y].mean() < 0.1
    assert scorer.weak <= scorer.strong < 0.95
    assert scorer.describe()["training"] == scorer.measured and scorer.measured["strong_precision"] >= 0.8


def test_runs_join_adjacent_words_and_put_suggestions_in_place(extractor):
    text = "They had the higher hand-grip in the talks today and Tom left."
    p = Parsed.of(text)
    sig = extractor.signals(p)
    probs = [0.0] * len(p.words)
    for w in ("higher", "hand-grip", "tom"):
        probs[p.words.index(w)] = 0.9
    suggestions: list[str | None] = [None] * len(p.words)
    suggestions[p.words.index("higher")] = "upper"
    suggestions[p.words.index("tom")] = "sam"
    spans = scored_spans(p, sig, probs, suggestions, 0.5)
    assert [(e.text, e.suggestion, e.confidence) for e in spans] == [
        ("higher hand-grip", "upper hand-grip", 0.9),
        ("Tom", "Sam", 0.9),  # the suggestion takes the word's capital
    ]
    assert all(text[e.start : e.end] == e.text for e in spans)
    assert scored_spans(p, sig, probs, suggestions, 0.95) == []


def test_runs_are_cut_at_punctuation_and_at_the_length_limit(extractor):
    text = "one two three four five six, seven eight"
    p = Parsed.of(text)
    spans = scored_spans(p, extractor.signals(p), [1.0] * len(p.words), [None] * len(p.words), 0.5)
    assert [e.text for e in spans] == [
        " ".join(["one", "two", "three", "four"][:RUN_MAX_WORDS]),
        "five six",
        "seven eight",
    ]


def test_a_flagged_word_in_a_lexicon_phrase_shows_the_whole_phrase(extractor):
    text = "Some fear counterfeit consciousness will take jobs."
    p = Parsed.of(text)
    probs = [0.0] * len(p.words)
    probs[p.words.index("consciousness")] = 0.6
    spans = scored_spans(p, extractor.signals(p), probs, [None] * len(p.words), 0.5)
    assert [(e.text, e.suggestion, e.confidence) for e in spans] == [
        ("counterfeit consciousness", "artificial intelligence", 0.6)
    ]


class _Constant:
    """A stand-in classifier that finds every word equally likely substituted."""

    def __init__(self, p: float) -> None:
        self.p = p

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.full(len(x), 1 - self.p), np.full(len(x), self.p)])


def test_the_weak_threshold_applies_only_to_texts_called_spun(bundle):
    detector = Detector.load(bundle)
    detector.words = WordScorer(_Constant(0.5), tags=False, strong=0.9, weak=0.4)
    text = make_original(random.Random(321))
    spun, original = detector.analyze(spin(text)), detector.analyze(text)
    assert spun.label == "spun" and original.label == "original"
    assert any(e.kind == "spun_phrase" for e in spun.evidence)
    assert not any(e.kind == "spun_phrase" for e in original.evidence)
    assert detector.words.threshold("spun") == 0.4 and detector.words.threshold("translated") == 0.9


@pytest.mark.parametrize("lm", [False, True])
def test_a_text_below_the_threshold_but_likeliest_spun_gets_the_weak_threshold_under_deep(bundle, lm):
    detector = Detector.load(bundle)
    text = spin(make_original(random.Random(321)))
    detector.threshold = Threshold(value=1.0, rule="test")  # the spun text now reads `original`
    detector.words = WordScorer(_Constant(0.5), tags=False, strong=0.9, weak=0.4, lm=lm)
    result = detector.analyze(text)
    assert result.label == "original" and max(result.probabilities, key=result.probabilities.get) == "spun"
    assert result.verdict == "uncertain"  # spun likeliest: the score is over 0.5
    assert any(e.kind == "spun_phrase" for e in result.evidence) == lm


@pytest.mark.parametrize("lm", [False, True])
def test_only_the_deep_scorer_applies_the_weak_threshold_where_spun_is_likeliest(lm):
    scorer = WordScorer(_Constant(0.5), tags=False, strong=0.9, weak=0.4, lm=lm)
    assert scorer.threshold("original", "spun") == (0.4 if lm else 0.9)
    assert scorer.threshold("original", "original") == 0.9
    assert scorer.threshold("translated", "translated") == 0.9
    assert scorer.threshold("spun", "original") == 0.4


def test_a_scorer_must_match_the_encoder(bundle):
    detector = Detector.load(bundle)
    with pytest.raises(ValueError, match="tags"):
        Detector(
            detector.extractor,
            detector.head,
            detector.threshold,
            words=WordScorer(_Constant(0.5), True, 0.9, 0.4),
        )
