"""Tests for mtdetect.training.rewrite.thesaurus: the MyThes synonym source and its spinner."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtdetect.training.rewrite import (
    MythesSynonyms,
    Rewrite,
    Rewriter,
    SynonymSource,
    ThesaurusUnavailable,
    thesaurus_spinner,
)
from mtdetect.training.rewrite.thesaurus import DEFAULT_MYTHES_PATH

FIXTURE = """UTF-8
big|2
(adj)|large|ample (similar term)|humongous (similar term)|Brobdingnagian (similar term)|small (antonym)
(adj)|important (similar term)|BIG|big
house|2
(noun)|dwelling (generic term)|home (generic term)|building (generic term)
(verb)|put up|shelter|home
go|1
(noun)|Adam|ecstasy|XTC|X|e2
saida|1
(noun)|Sayda|Saida|Sidon|city (generic term)
announce|1
(verb)|declare|proclaim
make|1
(verb)|create|produce
mak|1
(noun)|obscure thing
upper hand|1
(noun)|whip hand|superiority
"""


@pytest.fixture
def dat(tmp_path: Path) -> Path:
    path = tmp_path / "th_test.dat"
    path.write_text(FIXTURE, encoding="utf-8")
    return path


def assert_consistent(source: str, result: Rewrite) -> None:
    restored = result.text
    for sub in result.substitutions:
        assert result.text[sub.start : sub.end] == sub.replacement
    for sub in reversed(result.substitutions):
        restored = restored[: sub.start] + sub.original + restored[sub.end :]
    assert restored == source


def test_listed_keeps_file_order_strips_notes_drops_antonyms(dat: Path) -> None:
    source = MythesSynonyms(dat, rank="listed")
    assert isinstance(source, SynonymSource)
    # "Brobdingnagian" is capitalised in a common sense, "BIG" is an acronym-like form, "big" is the word
    assert source.synonyms("big") == ("large", "ample", "humongous", "important")
    assert source.synonyms("house") == ("dwelling", "home", "building", "put up", "shelter")
    assert source.synonyms("Upper Hand") == ("whip hand", "superiority")
    assert source.synonyms("unknown") == ()
    assert len(source) == 8
    assert "house" in source and "houses" not in source


def test_frequency_rank_orders_by_wordfreq(dat: Path) -> None:
    from wordfreq import zipf_frequency

    ranked = MythesSynonyms(dat).synonyms("big")
    assert ranked[0] == "important"
    assert set(ranked) == {"large", "ample", "humongous", "important"}
    zipfs = [zipf_frequency(w, "en") for w in ranked]
    assert zipfs == sorted(zipfs, reverse=True)
    assert MythesSynonyms(dat).synonyms("house")[0] == "home"


def test_capitalised_and_odd_candidates(dat: Path) -> None:
    source = MythesSynonyms(dat, rank="listed")
    # common sense: capitalised names, acronyms, single letters and digits are dropped
    assert source.synonyms("go") == ("ecstasy",)
    # proper-noun sense (the word itself is listed capitalised): names are kept, lower-cased
    assert source.synonyms("saida") == ("sayda", "sidon", "city")


def test_synonyms_pos(dat: Path) -> None:
    source = MythesSynonyms(dat, rank="listed")
    assert source.synonyms_pos("house", "v") == ("put up", "shelter", "home")
    assert source.synonyms_pos("house", "n") == ("dwelling", "home", "building")
    assert source.synonyms_pos("house", "a") == ()


def test_lemmatize(dat: Path) -> None:
    source = MythesSynonyms(dat)
    assert source.lemmatize("houses") == "house"
    assert source.lemmatize("announced") == "announce"
    assert source.lemmatize("housing") == "house"
    assert source.lemmatize("making") == "make"  # not the rarer headword "mak"
    assert source.lemmatize("house") == "house"
    assert source.lemmatize("upper") is None
    assert source.lemmatize("runs") is None


def test_lazy_load_and_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.dat"
    source = MythesSynonyms(missing)  # constructing never touches the file
    with pytest.raises(ThesaurusUnavailable, match="apt-get install mythes-en-us"):
        source.synonyms("big")
    with pytest.raises(ThesaurusUnavailable, match="not found"):
        thesaurus_spinner(path=missing)
    with pytest.raises(ValueError, match="rank"):
        MythesSynonyms(missing, rank="random")  # type: ignore[arg-type]


def test_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dat"
    bad.write_text("UTF-8\nbig|two\n(adj)|large\n", encoding="utf-8")
    with pytest.raises(ThesaurusUnavailable, match="malformed"):
        MythesSynonyms(bad).synonyms("big")


def test_latin1_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.dat"
    path.write_bytes("ISO8859-1\ncafe|1\n(noun)|café|coffee shop\n".encode("latin-1"))
    assert MythesSynonyms(path, rank="listed").synonyms("cafe") == ("café", "coffee shop")


def test_thesaurus_spinner_on_fixture(dat: Path) -> None:
    text = "The big house was announced.\nA big, big house!"
    spinner = thesaurus_spinner(1.0, path=dat)
    assert isinstance(spinner, Rewriter)
    assert spinner.name == "mythes-frequency"
    result = spinner.rewrite(text, seed=3)
    assert result.generator == "mythes-frequency@1.00"
    assert result.text == "The important home was declared.\nA important, important home!"
    assert_consistent(text, result)
    assert [(s.original, s.replacement) for s in result.substitutions][:3] == [
        ("big", "important"),
        ("house", "home"),
        ("announced", "declared"),
    ]


def test_thesaurus_spinner_listed_and_side_effects(dat: Path) -> None:
    text = "They were in the big house with two dogs."
    spinner = thesaurus_spinner(1.0, rank="listed", side_effect_rate=1.0, path=dat)
    assert spinner.name == "mythes-listed+side-effects"
    result = spinner.rewrite(text, seed=0)
    assert_consistent(text, result)
    assert "had been" in result.text and "2 dogs" in result.text
    assert result == spinner.rewrite(text, seed=0)


# --------------------------------------------------------------------------- real Debian file

needs_mythes = pytest.mark.skipif(
    not DEFAULT_MYTHES_PATH.is_file(), reason="mythes-en-us is not installed (apt-get install mythes-en-us)"
)


@needs_mythes
def test_real_thesaurus() -> None:
    source = MythesSynonyms()
    assert len(source) > 140_000
    house = source.synonyms("house")
    assert "home" in house and "house" not in house
    assert house[0] == "home"
    assert "small" not in source.synonyms("big") and "large" in source.synonyms("big")
    assert all(c == c.lower() for c in source.synonyms("go"))
    assert "adam" not in source.synonyms("go")
    assert source.lemmatize("officials") == "official"


@needs_mythes
def test_real_spin_changes_words_with_correct_offsets() -> None:
    text = (
        "The minister said the government would announce a new budget for schools next week. "
        "Officials warned that prices could rise sharply after the storm damaged the main road."
    )
    result = thesaurus_spinner(0.3).rewrite(text, seed=1)
    assert result.generator == "mythes-frequency@0.30"
    assert 3 <= len(result.substitutions) <= 8
    assert result.text != text
    assert_consistent(text, result)
    listed = thesaurus_spinner(0.3, rank="listed").rewrite(text, seed=1)
    assert listed.text != text
    assert_consistent(text, listed)
