"""Tests for mtdetect.training.rewrite: spinners that generate spun training positives."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtdetect.training.rewrite import (
    DEFAULT_SKIP_WORDS,
    Compose,
    Rewrite,
    Rewriter,
    SideEffectSpinner,
    Substitution,
    SynonymSource,
    SynonymSpinner,
    WordNetSynonyms,
    WordNetUnavailable,
    load_wordnet,
    select_paragraphs,
)
from mtdetect.training.rewrite.wordnet import lexnames_text

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import WordNetCorpusReader


class DictSource:
    """A SynonymSource backed by a dict, optionally with a lemma table and a part of speech per entry."""

    def __init__(
        self,
        table: dict[str, Sequence[str]],
        lemmas: dict[str, str] | None = None,
        pos: dict[str, str] | None = None,
    ) -> None:
        self.table = table
        if lemmas is not None:
            self.lemmas = lemmas
            self.lemmatize = lambda word: self.lemmas.get(word)
        if pos is not None:
            self.pos = pos
            self.synonyms_pos = lambda word, tag: (
                self.table.get(word, ()) if self.pos.get(word) == tag else ()
            )

    def synonyms(self, word: str) -> Sequence[str]:
        return self.table.get(word, ())


def assert_consistent(source: str, result: Rewrite) -> None:
    """Offsets slice the rewritten text, are sorted and disjoint, and undoing them gives ``source``."""
    previous_end = -1
    for sub in result.substitutions:
        assert result.text[sub.start : sub.end] == sub.replacement
        assert sub.start >= previous_end
        assert sub.original != sub.replacement
        previous_end = sub.end
    restored = result.text
    for sub in reversed(result.substitutions):
        restored = restored[: sub.start] + sub.original + restored[sub.end :]
    assert restored == source


def random_words(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 8))) for _ in range(n)]


def covering_source(words: Sequence[str]) -> DictSource:
    return DictSource({w: [w[::-1] + "x", w + "y"] for w in words})


ARTICLE = (
    "The White House said on Tuesday that the president had the upper hand in talks.\n"
    "He is not expected to call the vote before two weeks have passed, officials said.\n"
    "\n"
    "Thousands of phone calls were also made. It's 3 of the 12 districts that matter."
)


# --------------------------------------------------------------------------- protocol & data types


def test_public_types_satisfy_protocols() -> None:
    spinner = SynonymSpinner(DictSource({}))
    assert isinstance(spinner, Rewriter)
    assert isinstance(SideEffectSpinner(), Rewriter)
    assert isinstance(Compose(spinner, SideEffectSpinner()), Rewriter)
    assert isinstance(DictSource({}), SynonymSource)
    with pytest.raises(AttributeError):
        Substitution(0, 1, "a", "b").start = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- SynonymSpinner


def test_offsets_and_originals_are_exact() -> None:
    words = random_words(200)
    text = " ".join(words[:100]) + ".\n" + " ".join(w.capitalize() for w in words[100:]) + "!"
    spinner = SynonymSpinner(covering_source(words), rate=0.3)
    for seed in range(10):
        result = spinner.rewrite(text, seed)
        assert result.substitutions
        assert_consistent(text, result)


def test_same_seed_same_output_different_seed_differs() -> None:
    words = random_words(100)
    text = " ".join(words)
    spinner = SynonymSpinner(covering_source(words), rate=0.2)
    assert spinner.rewrite(text, 7) == spinner.rewrite(text, 7)
    assert spinner.rewrite(text, 7).text != spinner.rewrite(text, 8).text


def test_rate_is_roughly_respected() -> None:
    words = random_words(300, seed=1)
    text = " ".join(words)
    spinner = SynonymSpinner(covering_source(words), rate=0.1)
    for seed in range(20):
        changed = len(spinner.rewrite(text, seed).substitutions)
        assert 20 <= changed <= 40, (seed, changed)


def test_rate_zero_and_one() -> None:
    words = random_words(50)
    text = " ".join(words)
    source = covering_source(words)
    assert SynonymSpinner(source, rate=0.0).rewrite(text, 1).text == text
    eligible = sum(w not in DEFAULT_SKIP_WORDS for w in words)
    assert len(SynonymSpinner(source, rate=1.0).rewrite(text, 1).substitutions) == eligible


def test_only_eligible_words_change() -> None:
    source = DictSource({"the": ["teh"], "is": ["be"], "ox": ["bull"], "cat": ["feline"]})
    result = SynonymSpinner(source, rate=1.0).rewrite("The ox is a cat", 0)
    assert result.text == "The ox is a feline"
    assert [(s.original, s.replacement) for s in result.substitutions] == [("cat", "feline")]


def test_words_without_synonyms_are_passed_over_to_meet_the_quota() -> None:
    words = random_words(100, seed=3)
    known = set(words[::2])
    source = DictSource({w: [w + "z"] for w in known})
    result = SynonymSpinner(source, rate=0.2).rewrite(" ".join(words), 0)
    assert 15 <= len(result.substitutions) <= 25
    assert {s.original for s in result.substitutions} <= known


def test_capitalisation_is_preserved() -> None:
    spinner = SynonymSpinner(DictSource({"house": ["home"]}), rate=1.0)
    result = spinner.rewrite("The White House. HOUSE rules; a house.", 0)
    assert result.text == "The White Home. HOME rules; a home."
    assert [s.original for s in result.substitutions] == ["House", "HOUSE", "house"]


def test_mixed_case_tokens_and_url_parts_are_left_alone() -> None:
    spinner = SynonymSpinner(DictSource({"iphone": ["mobile"], "example": ["sample"]}), rate=1.0)
    text = "My iPhone and www.example.com and mail@example.org"
    assert spinner.rewrite(text, 0).text == text


def test_random_choice_versus_first_choice() -> None:
    source = DictSource({"big": ["large", "huge", "vast", "great", "grand"]})
    text = " ".join(["big"] * 40)
    random_pick = SynonymSpinner(source, rate=1.0).rewrite(text, 0)
    assert len({s.replacement for s in random_pick.substitutions}) > 1
    first_pick = SynonymSpinner(source, rate=1.0, choice="first").rewrite(text, 0)
    assert {s.replacement for s in first_pick.substitutions} == {"large"}


def test_inflected_words_are_reinflected() -> None:
    source = DictSource(
        {"house": ["home"], "walk": ["stroll"], "carry": ["ferry"], "make": ["bake"], "stop": ["halt"]},
        lemmas={"houses": "house", "walked": "walk", "walking": "walk", "carries": "carry", "making": "make"},
    )
    spinner = SynonymSpinner(source, rate=1.0)
    result = spinner.rewrite("Houses walked walking carries making", 0)
    assert result.text == "Homes strolled strolling ferries baking"
    assert_consistent("Houses walked walking carries making", result)


def test_irregular_and_doubled_inflections_are_reinflected() -> None:
    source = DictSource(
        {"run": ["go"], "walk": ["go"], "tree": ["child"], "bank": ["ship"]},
        lemmas={"ran": "run", "walking": "walk", "trees": "tree", "banked": "bank"},
        pos={"run": "v", "walk": "v", "tree": "n", "bank": "v"},
    )
    text = "Ran walking trees banked"
    result = SynonymSpinner(source, rate=1.0).rewrite(text, 0)
    assert result.text == "Went going children shipped"
    assert_consistent(text, result)


def test_unsure_inflections_are_skipped() -> None:
    source = DictSource(
        {"walk": ["go", "jog step"], "bowl": ["dish"], "tree": ["child"]},
        lemmas={"walked": "walk", "bowles": "bowl", "trees": "tree"},
    )
    text = "walked bowles trees"
    # "walked" is past tense or participle and "go" has two ("went", "gone"); "jog step" is
    # multi-word; "bowles" is no inflection of "bowl"; without a part of speech "trees" may be a
    # verb, and "child" would be "children" or "childs": all skipped.
    assert SynonymSpinner(source, rate=1.0).rewrite(text, 0).text == text


def test_phrases_are_replaced_before_words() -> None:
    source = DictSource({"upper hand": ["higher hand"], "upper": ["top"], "hand": ["palm"]})
    spinner = SynonymSpinner(source, rate=1.0)
    for seed in range(5):
        result = spinner.rewrite("They had the upper hand. The Upper Hand.", seed)
        assert result.text == "They had the higher hand. The Higher Hand."
        assert [s.original for s in result.substitutions] == ["upper hand", "Upper Hand"]
        assert_consistent("They had the upper hand. The Upper Hand.", result)


def test_phrases_do_not_cross_punctuation_or_lines() -> None:
    source = DictSource({"upper hand": ["higher hand"]})
    text = "the upper, hand and the upper\nhand"
    assert SynonymSpinner(source, rate=1.0).rewrite(text, 0).text == text


def test_trigram_phrase() -> None:
    source = DictSource({"white house staff": ["executive mansion crew"]})
    result = SynonymSpinner(source, rate=1.0).rewrite("The White House staff left.", 0)
    assert result.text == "The Executive Mansion crew left."


def test_paragraph_share_zero_changes_nothing() -> None:
    words = random_words(60)
    text = "\n".join(" ".join(words[i : i + 10]) for i in range(0, 60, 10))
    for spinner in (
        SynonymSpinner(covering_source(words), rate=1.0, paragraph_share=0.0),
        SideEffectSpinner(1.0, paragraph_share=0.0),
    ):
        result = spinner.rewrite(text + "\nhe is two", 3)
        assert result.text == text + "\nhe is two"
        assert result.substitutions == ()


def test_paragraph_share_spins_that_share_of_paragraphs() -> None:
    words = random_words(40)
    paragraphs = [" ".join(words[i : i + 10]) for i in range(0, 40, 10)]
    text = "\n\n".join(paragraphs)
    spinner = SynonymSpinner(covering_source(words), rate=1.0, paragraph_share=0.5)
    seen = set()
    for seed in range(10):
        result = spinner.rewrite(text, seed)
        out_paragraphs = result.text.split("\n\n")
        changed = tuple(i for i, (a, b) in enumerate(zip(paragraphs, out_paragraphs, strict=True)) if a != b)
        assert len(changed) == 2
        seen.add(changed)
        assert_consistent(text, result)
    assert len(seen) > 1


def test_select_paragraphs_skips_blank_lines() -> None:
    text = "one\n\n  \ntwo\nthree"
    assert select_paragraphs(text, 1.0, 0) == [(0, 3), (8, 11), (12, 17)]
    assert len(select_paragraphs(text, 0.34, 0)) == 1
    assert select_paragraphs(text, 0.0, 0) == []


def test_generator_names_and_validation() -> None:
    source = DictSource({})
    assert SynonymSpinner(source, rate=0.1, name="wordnet-random").rewrite("x", 0).generator == (
        "wordnet-random@0.10"
    )
    assert SideEffectSpinner(0.5).rewrite("x", 0).generator == "side-effects@0.50"
    assert SynonymSpinner(source, 0.2, paragraph_share=0.5).rewrite("x", 0).generator == "synonym@0.20/p0.50"
    with pytest.raises(ValueError):
        SynonymSpinner(source, rate=1.5)
    with pytest.raises(ValueError):
        SideEffectSpinner(paragraph_share=-0.1)


WORDS = ["abc", "bad", "dab", "he", "is", "not", "two", "were", "also", "It's", "2", "House", "HOUSE"]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(WORDS), st.text(alphabet=st.sampled_from(list("abHI '’.,\n\t-2")))),
        max_size=40,
    ),
    seed=st.integers(0, 2**32),
    rate=st.floats(0.0, 1.0),
    share=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_offsets_hold_for_arbitrary_text(parts: list[str], seed: int, rate: float, share: float) -> None:
    text = " ".join(parts)
    # Synonyms that create side-effect opportunities make the two steps' edits overlap.
    source = DictSource(
        {"abc": ["he is"], "bad": ["were also"], "dab": ["xy"], "abc dab": ["two"], "house": ["is not"]}
    )
    spinner = Compose(
        SynonymSpinner(source, rate, paragraph_share=share), SideEffectSpinner(rate, paragraph_share=share)
    )
    result = spinner.rewrite(text, seed)
    assert_consistent(text, result)
    assert result == spinner.rewrite(text, seed)


# --------------------------------------------------------------------------- SideEffectSpinner


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two", "2"),
        ("Two cats", "2 cats"),
        ("thousands of people", "1000's of people"),
        ("he is here", "he's here"),
        ("He is here", "He's here"),
        ("She said it is fine", "She said it's fine"),
        ("I am sure", "I'm sure"),
        ("They do not care", "They don't care"),
        ("It's fine", "It is fine"),
        ("It’s fine", "It is fine"),
        ("we can't go", "we cannot go"),
        ("they were late", "they had been late"),
        ("we also left", "we additionally left"),
        ("Also, we left", "Additionally, we left"),
        ("I saw 3 cats", "I saw three cats"),
        ("DO NOT ENTER", "DON'T ENTER"),
    ],
)
def test_side_effect_examples(text: str, expected: str) -> None:
    result = SideEffectSpinner(1.0).rewrite(text, 0)
    assert result.text == expected
    assert_consistent(text, result)


@pytest.mark.parametrize(
    "text", ["3.5 percent", "at 10:30", "$5 each", "50% more", "the 3rd", "2,000 people"]
)
def test_numbers_in_context_are_left_alone(text: str) -> None:
    assert SideEffectSpinner(1.0).rewrite(text, 0).text == text


def test_overlapping_side_effects_pick_one() -> None:
    outputs = {SideEffectSpinner(1.0).rewrite("he is not here", seed).text for seed in range(30)}
    assert outputs == {"he's not here", "he isn't here"}


def test_side_effect_rate_is_a_probability() -> None:
    text = " ".join(["two"] * 400)
    changed = len(SideEffectSpinner(0.25).rewrite(text, 1).substitutions)
    assert 60 <= changed <= 140


# --------------------------------------------------------------------------- Compose


def test_compose_merges_overlapping_edits_into_one_substitution() -> None:
    synonyms = SynonymSpinner(DictSource({"big": ["also large"], "small": ["tiny"]}), rate=1.0)
    composed = Compose(synonyms, SideEffectSpinner(1.0))
    text = "A big dog and a small cat were here."
    result = composed.rewrite(text, 0)
    assert result.text == "A additionally large dog and a tiny cat had been here."
    assert [(s.original, s.replacement) for s in result.substitutions] == [
        ("big", "additionally large"),
        ("small", "tiny"),
        ("were", "had been"),
    ]
    assert result.generator == "synonym@1.00+side-effects@1.00"
    assert_consistent(text, result)


def test_compose_uses_the_same_paragraphs_in_every_step() -> None:
    words = random_words(40)
    paragraphs = [" ".join(words[i : i + 10]) + " two" for i in range(0, 40, 10)]
    text = "\n".join(paragraphs)
    composed = Compose(
        SynonymSpinner(covering_source(words), 1.0, paragraph_share=0.5),
        SideEffectSpinner(1.0, paragraph_share=0.5),
    )
    result = composed.rewrite(text, 11)
    changed = [a != b for a, b in zip(paragraphs, result.text.split("\n"), strict=True)]
    assert sum(changed) == 2
    for original, out, was_changed in zip(paragraphs, result.text.split("\n"), changed, strict=True):
        assert out.endswith(" 2") == was_changed
        assert (out == original) == (not was_changed)


def test_article_example_end_to_end() -> None:
    source = DictSource({"upper hand": ["higher hand"], "phone": ["cellphone"], "house": ["home"]})
    result = Compose(SynonymSpinner(source, 1.0), SideEffectSpinner(1.0)).rewrite(ARTICLE, 5)
    assert "White Home" in result.text
    assert "higher hand" in result.text
    assert "cellphone" in result.text
    assert "had been" in result.text
    assert_consistent(ARTICLE, result)


# --------------------------------------------------------------------------- WordNet


def test_lexnames_is_the_standard_file() -> None:
    lines = lexnames_text().splitlines()
    assert len(lines) == 45
    assert lines[0] == "00\tadj.all\t3"
    assert lines[3] == "03\tnoun.Tops\t1"
    assert lines[28] == "28\tnoun.time\t1"
    assert lines[29] == "29\tverb.body\t2"
    assert lines[43] == "43\tverb.weather\t2"
    assert lines[44] == "44\tadj.ppl\t3"


def test_missing_wordnet_raises_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTDETECT_WORDNET_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(WordNetUnavailable, match="apt-get install wordnet-base"):
        load_wordnet(tmp_path / "cache")


@pytest.fixture(scope="module")
def wordnet(tmp_path_factory: pytest.TempPathFactory) -> WordNetCorpusReader:
    if not Path("/usr/share/wordnet/data.noun").is_file():
        pytest.skip("WordNet (apt-get install wordnet-base) is not installed")
    return load_wordnet(tmp_path_factory.mktemp("wordnet"))


def test_wordnet_backed_spinning(wordnet: WordNetCorpusReader) -> None:
    assert wordnet.synsets("phone")
    source = WordNetSynonyms(wordnet, "random_sense")
    assert "telephone" in source.synonyms("phone")
    assert "phone" not in source.synonyms("phone")
    assert source.lemmatize("houses") == "house"
    assert source.synonyms("houses") == ()  # inflected: the spinner re-inflects the base's synonyms
    first = WordNetSynonyms(wordnet, "first_sense").synonyms("phone")
    assert set(first) <= set(source.synonyms("phone"))
    assert WordNetSynonyms(wordnet, "frequent_lemma").synonyms("phone")[0] == "call"

    text = (
        "The White House said on Tuesday that the president had the upper hand in the talks. "
        "Officials were worried that thousands of angry voters would call the offices."
    )
    spinner = SynonymSpinner(source, rate=0.3, name="wordnet-random")
    result = spinner.rewrite(text, 0)
    assert result.generator == "wordnet-random@0.30"
    assert 3 <= len(result.substitutions) <= 12
    assert result.text != text
    assert_consistent(text, result)
    assert result == spinner.rewrite(text, 0)
