import numpy as np
import pytest

from mtdetect.model.collocations import BigramTable
from mtdetect.model.features import FEATURE_NAMES, FeatureExtractor, _mattr
from mtdetect.model.lexicon import Entry, Lexicon
from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed

REFERENCE = [[["they", "had", "the", "upper", "hand", "in", "the", "talks"]]] * 5


@pytest.fixture
def extractor():
    lex = Lexicon([Entry("higher hand", "upper hand", "spun_phrase", 0.9)])
    return FeatureExtractor(lex, BigramTable.build(REFERENCE, bits=12), SynonymTable({"higher": ("upper",)}))


def feature(extractor, text, name):
    return extractor.transform([text])[0, FEATURE_NAMES.index(name)]


def test_shape_and_names(extractor):
    x = extractor.transform(["One sentence here.", "", "Two. Sentences."])
    assert x.shape == (3, len(FEATURE_NAMES)) and np.isfinite(x).all()
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_rare_collocations_and_lexicon_fire_on_a_spun_phrase(extractor):
    original = "They had the upper hand in the talks."
    spun = "They had the higher hand in the talks."
    assert feature(extractor, original, "unseen_pair_rate") == 0.0
    assert feature(extractor, spun, "unseen_pair_rate") == pytest.approx(2 / 7)
    assert feature(extractor, spun, "spun_lexicon_rate") == pytest.approx(100 / 8)
    assert feature(extractor, original, "spun_lexicon_rate") == 0.0
    # "the higher" and "higher hand" are unseen; swapping "higher" back to "upper" restores both
    assert feature(extractor, spun, "restorable_word_rate") == pytest.approx(3 / 8)
    assert feature(extractor, spun, "restorable_unseen_share") == 1.0
    assert feature(extractor, original, "restorable_word_rate") == 0.0


def test_signals_are_shared_with_evidence(extractor):
    p = Parsed.of("They had the higher hand in the talks.")
    sig = extractor.signals(p)
    assert [(r.suggestion, r.count) for r in sig.restorations] == [("the upper", 5), ("upper hand", 5)]
    assert extractor.vector(p, sig) == extractor.vector(p)


def test_spinner_side_effects(extractor):
    assert feature(extractor, "We saw 2 dogs and 3 cats.", "small_digit_rate") == pytest.approx(2 / 7)
    assert feature(extractor, "There were 1000's of them.", "thousands_apostrophe_rate") == pytest.approx(
        1 / 5
    )
    assert feature(extractor, "He's sure it isn't here.", "contraction_rate") == pytest.approx(2 / 5)
    assert feature(extractor, "They had been there.", "had_been_rate") == pytest.approx(1 / 4)


def test_function_word_profile(extractor):
    assert feature(extractor, "the cat and the dog", "fw_the") == pytest.approx(2 / 5)


def test_parsed_truncates_long_texts():
    p = Parsed.of("word " * 30, max_words=10)
    assert p.truncated and len(p.words) == 10
    assert not Parsed.of("a b c").truncated


def test_pairs_do_not_cross_punctuation_or_sentences():
    p = Parsed.of("Red, blue green. Yellow pink")
    assert [(p.words[a], p.words[b]) for a, b in p.pairs()] == [("blue", "green"), ("yellow", "pink")]


def test_mattr():
    assert _mattr(["a", "b", "a", "b"], 2) == 1.0
    assert _mattr(["a", "a", "a"], 2) == 0.5
