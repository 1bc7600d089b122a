"""Properties of `Detector.analyze` on arbitrary text, checked with hypothesis (200 examples each).

Two kinds of input: any Unicode string (lone surrogates included: Python allows them), and text
built from the test corpus's English words, spun words and odd characters, so that most examples
are long enough to be scored and to carry evidence spans.
"""

import random
from collections import Counter

import pytest
from conftest import OBJECTS, SPIN, SUBJECTS, TRANSLATED, VERBS, make_original, make_translated, spin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtdetect import Detector, TextNotScorable

EXAMPLES = 200
WORDS = sorted({w for phrase in (*SUBJECTS, *VERBS, *OBJECTS, *TRANSLATED) for w in phrase.split()})
ODD_WORDS = [*SPIN.values(), "según", "également", "İstanbul", "ﬁnance", "Straße", "1000's", "n't", "’s"]
SEPARATORS = [" ", " ", " ", ", ", ". ", ".\n", "\n\n", "! ", "? ", " - ", "\t", "\r\n", "… ", " “", "” "]

any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=400)
snippet = st.one_of(st.sampled_from(ODD_WORDS), st.text(min_size=1, max_size=3))
word_salad = st.lists(
    st.tuples(st.one_of(st.sampled_from(WORDS), snippet), st.sampled_from(SEPARATORS)),
    min_size=10,
    max_size=150,
).map(lambda parts: "".join(w + sep for w, sep in parts))


@st.composite
def damaged_article(draw: st.DrawFn) -> str:
    """A corpus-style article (original, spun or translated) with odd snippets spliced in anywhere."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    make = draw(st.sampled_from([make_original, lambda r: spin(make_original(r)), make_translated]))
    text = make(rng)
    for pos, extra in draw(st.lists(st.tuples(st.integers(0, 10_000), snippet), max_size=8)):
        pos %= len(text) + 1
        text = text[:pos] + extra + text[pos:]
    return text


english_text = st.one_of(word_salad, damaged_article())
property_settings = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def detector(bundle):
    return Detector.load(bundle)


def check_analysis(detector, text):
    result = detector.analyze(text)
    if result.score is None:
        assert result.label is None and result.probabilities is None
        assert {"empty", "too_short", "not_english"} & set(result.flags)
        assert result.evidence == [] and result.sentences == []
        with pytest.raises(TextNotScorable):
            detector.score(text)
    else:
        assert 0.0 <= result.score <= 1.0
        assert result.label in ("original", "spun", "translated")
        assert set(result.probabilities) == {"original", "spun", "translated"}
        assert all(0.0 <= p <= 1.0 for p in result.probabilities.values())
        assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert result.score == pytest.approx(1.0 - result.probabilities["original"], abs=1e-12)
        assert detector.score(text) == result.score
    for e in result.evidence:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start : e.end] == e.text
        assert 0.0 <= e.confidence <= 1.0
    for s in result.sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert 0.0 <= s.score <= 1.0
    assert detector.analyze(text) == result  # deterministic
    return result


@property_settings
@given(text=any_text)
def test_any_unicode_text(detector, text):
    check_analysis(detector, text)


def test_english_like_text(detector):
    seen: Counter[str] = Counter()

    @property_settings
    @given(text=english_text)
    def check(text):
        result = check_analysis(detector, text)
        seen.update(examples=1, scored=result.score is not None, with_evidence=bool(result.evidence))

    check()
    # Guard the strategy itself: input that is never scored or never flagged would test little.
    assert seen["scored"] >= seen["examples"] // 4 and seen["with_evidence"] >= seen["examples"] // 10, seen


@settings(max_examples=50, deadline=None, database=None)
@given(texts=st.lists(english_text, min_size=1, max_size=6))
def test_a_batch_gives_what_each_text_gives_alone(detector, texts):
    alone = [detector.analyze(t, explain=False) for t in texts]
    together = detector.analyze_many(texts)
    for a, b in zip(alone, together, strict=True):
        assert (a.label, a.flags) == (b.label, b.flags)
        assert (a.score is None) == (b.score is None)
        if a.score is not None:
            assert a.score == pytest.approx(b.score, abs=1e-12)


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(damaged_article(), min_size=40, max_size=45),
    sep=st.sampled_from([" ", "\n", " İ ", "\u2028"]),
)
def test_texts_over_the_word_limit(detector, parts, sep):
    """Past text.MAX_WORDS words the text is cut: spans must still index the caller's whole text."""
    result = check_analysis(detector, sep.join(parts))
    assert "truncated" in result.flags and result.score is not None
