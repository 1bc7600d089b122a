"""Tests for mtdetect.training.rewrite.contentfarm: the content-farm spinner family."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

from mtdetect.training import pairs
from mtdetect.training.rewrite import (
    MythesSynonyms,
    Rewrite,
    Rewriter,
    ThesaurusUnavailable,
    select_paragraphs,
)
from mtdetect.training.rewrite import contentfarm as cf
from mtdetect.training.rewrite.contentfarm import (
    NameSpinner,
    PhraseSpinner,
    contentfarm_spinner,
    load_phrase_table,
    parse_phrase_table,
    protected_spans,
)
from mtdetect.training.rewrite.thesaurus import DEFAULT_MYTHES_PATH

needs_mythes = pytest.mark.skipif(
    not DEFAULT_MYTHES_PATH.is_file(), reason="mythes-en-us is not installed (apt-get install mythes-en-us)"
)

FIXTURE = """UTF-8
study|1
(noun)|examine
war|1
(noun)|battle
conversation|1
(noun)|dialog
house|1
(noun)|home
upper|1
(adj)|higher
hand|1
(noun)|manus
artificial|1
(adj)|counterfeit
intelligence|1
(noun)|consciousness
mph|1
(noun)|miles per hour
photo|1
(noun)|picture
meeting|1
(noun)|assembly
river|1
(noun)|watercourse
"""

NAMES_TEXT = (
    "The Institute for the Study of War said the White House had the upper hand in artificial "
    "intelligence.\nThe Conversation reported it on Tuesday in New York."
)

LONG_TEXT = "\n".join(
    [
        "Officials said the river came up about three feet because of the rain, and many people were told "
        "to leave. However, the mayor also said the city is going to help, so residents need not buy "
        "sandbags. According to the police, more than a lot of homes were still very wet.",
        "For example, the school was closed and students were only allowed to start classes later. "
        "The council thinks it will get money to use for repairs as well as new drains, in order to show "
        "that it can act.",
    ]
    * 12
)


@pytest.fixture
def dat(tmp_path: Path) -> Path:
    path = tmp_path / "th_test.dat"
    path.write_text(FIXTURE, encoding="utf-8")
    return path


def input_spans(result: Rewrite) -> list[tuple[int, int]]:
    """Where each substitution of ``result`` sits in the input text."""
    spans, delta = [], 0
    for sub in result.substitutions:
        start = sub.start - delta
        spans.append((start, start + len(sub.original)))
        delta += len(sub.replacement) - len(sub.original)
    return spans


def assert_consistent(source: str, result: Rewrite) -> None:
    """Offsets slice the rewritten text, are sorted and disjoint, and undoing them gives ``source``."""
    previous_end = -1
    for sub in result.substitutions:
        assert result.text[sub.start : sub.end] == sub.replacement
        assert sub.start >= previous_end and sub.original != sub.replacement
        previous_end = sub.end
    restored = result.text
    for sub in reversed(result.substitutions):
        restored = restored[: sub.start] + sub.original + restored[sub.end :]
    assert restored == source


# --------------------------------------------------------------------------- the phrase table


def test_docstring_examples() -> None:
    result = doctest.testmod(cf, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_packaged_table_has_the_spinner_phrases() -> None:
    table = load_phrase_table()
    assert len(table.phrases) >= 150 and len(table.expressions) >= 30
    expected = {
        "came": "got here",
        "was": "used to be",
        "were": "had been",
        "only": "solely",
        "said": "mentioned",
        "feet": "ft",
        "officials": "officers",
        "also": "additionally",
        "however": "nevertheless",
        "because": "as a result of",
        "about": "roughly",
        "many": "quite a few",
        "help": "assist",
        "big": "huge",
        "start": "commence",
        "according to": "in accordance with",
        "as well as": "in addition to",
        "in order to": "so as to",
        "is going to": "goes to",
        "for example": "as an illustration",
        "a lot of": "numerous",
    }
    for phrase, replacement in expected.items():
        assert replacement in table.phrases[phrase], phrase
    assert "stated" in table.phrases["said"] and "round" in table.phrases["about"]
    assert {"upper hand", "artificial intelligence"} <= set(table.expressions)
    assert all(p == p.lower() for p in [*table.phrases, *table.expressions])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[phrases]\nsaid\tstated\n", "first line"),
        ("# mtdetect-contentfarm-phrases 1\n[phrases]\nsaid\tstated\nsaid\tmentioned\n", "duplicate"),
        ("# mtdetect-contentfarm-phrases 1\n[phrases]\nSaid\tstated\n", "lower-case"),
        ("# mtdetect-contentfarm-phrases 1\nsaid\tstated\n", "line 2: expected a section"),
        ("# mtdetect-contentfarm-phrases 1\n[phrases]\nsaid\tstated||x\n", "empty replacement"),
    ],
)
def test_bad_tables_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_phrase_table(text)


# --------------------------------------------------------------------------- function words


SMALL_TABLE = parse_phrase_table(
    "# mtdetect-contentfarm-phrases 1\n[phrases]\ncame\tgot here\nwere\thad been\nfeet\tft\n"
    "as well\ttoo\nas well as\tin addition to\naccording to\tin accordance with\n"
)


def test_phrases_keep_case_and_prefer_the_longest_match() -> None:
    text = "Came early. They came. THE FEET were sore, as well as wet.\nAccording to them, as well."
    result = PhraseSpinner(1.0, table=SMALL_TABLE).rewrite(text, 0)
    assert result.text == (
        "Got here early. They got here. THE FT had been sore, in addition to wet.\n"
        "In accordance with them, too."
    )
    assert [s.original for s in result.substitutions] == [
        "Came",
        "came",
        "FEET",
        "were",
        "as well as",
        "According to",
        "as well",
    ]
    assert_consistent(text, result)


def test_hyphenated_and_possessive_words_are_not_phrases() -> None:
    spinner = PhraseSpinner(1.0, table=load_phrase_table())
    assert spinner.rewrite("so-called help-desk, the so's", 0).substitutions == ()


@pytest.mark.parametrize("rate", [0.02, 0.1, 0.4])
def test_phrases_are_applied_at_the_requested_rate(rate: float) -> None:
    spinner = PhraseSpinner(rate)
    options = spinner.opportunities(LONG_TEXT)
    assert len(options) >= 450
    result = spinner.rewrite(LONG_TEXT, 7)
    assert abs(len(result.substitutions) - rate * len(options)) < 1
    assert set(input_spans(result)) <= set(options)
    assert_consistent(LONG_TEXT, result)
    if rate >= 0.1:  # a seeded sample over the whole text, not its first matches
        starts = [start for start, _ in input_spans(result)]
        assert min(starts) < len(LONG_TEXT) / 4 and max(starts) > 3 * len(LONG_TEXT) / 4


def test_rates_are_validated() -> None:
    with pytest.raises(ValueError, match="rate must be in"):
        PhraseSpinner(1.5)
    with pytest.raises(ValueError, match="word_rate must be in"):
        NameSpinner(MythesSynonyms(), word_rate=-0.1)


# --------------------------------------------------------------------------- names and idioms


def test_name_detection() -> None:
    spinner = NameSpinner(MythesSynonyms(Path("unused")), table=load_phrase_table())
    text = (
        "In New York, the Institute for the Study of War and the Museum of Modern Art met. "
        "On Tuesday, Chongqing, China said the upper hand was with The Conversation."
    )
    assert [text[a:b] for a, b in spinner.spans(text)] == [
        "New York",
        "Institute for the Study of War",
        "Museum of Modern Art",
        "upper hand",
        "The Conversation",
    ]


def test_names_and_expressions_are_swapped_word_by_word(dat: Path) -> None:
    spinner = NameSpinner(MythesSynonyms(dat, "listed"), 1.0, table=load_phrase_table(), word_rate=1.0)
    result = spinner.rewrite(NAMES_TEXT, 3)
    assert result.text == (
        "The Institute for the Examine of Battle said the White Home had the higher manus in counterfeit "
        "consciousness.\nThe Dialog reported it on Tuesday in New York."
    )
    assert [s.original for s in result.substitutions] == [
        "Study",
        "War",
        "House",
        "upper",
        "hand",
        "artificial",
        "intelligence",
        "Conversation",
    ]
    assert_consistent(NAMES_TEXT, result)


def test_name_rate_chooses_a_share_of_the_names(dat: Path) -> None:
    spinner = NameSpinner(MythesSynonyms(dat, "listed"), 0.5, table=load_phrase_table(), word_rate=1.0)
    names = spinner.spans(NAMES_TEXT)
    touched = {
        next(i for i, (a, b) in enumerate(names) if a <= start < b)
        for start, _ in input_spans(spinner.rewrite(NAMES_TEXT, 11))
    }
    assert len(names) == 6 and len(touched) <= 3 and touched


@needs_mythes
def test_a_name_is_spun_word_by_word_with_the_real_thesaurus() -> None:
    source = MythesSynonyms(rank="listed")
    spinner = NameSpinner(source, 1.0, word_rate=1.0)
    text = "Analysts at the Institute for the Study of War disagree."
    result = spinner.rewrite(text, 5)
    assert [s.original for s in result.substitutions] == ["Institute", "Study", "War"]
    for sub in result.substitutions:
        assert sub.replacement[0].isupper()
        assert sub.replacement.lower() in source.synonyms(sub.original.lower())
    first, second, third = (s.replacement for s in result.substitutions)
    assert result.text == f"Analysts at the {first} for the {second} of {third} disagree."
    assert_consistent(text, result)


# --------------------------------------------------------------------------- the composed family


def test_nothing_inside_urls_or_numbers_is_touched(dat: Path) -> None:
    text = (
        "See https://example.com/about/help?so=also or www.big.org/news and mail help@example.com "
        "about it: at 60mph (30 mph) the COVID-19 unit came 3.5 feet, about 10km, so they were "
        "also told to use the photos."
    )
    result = contentfarm_spinner(1.0, path=dat).rewrite(text, 0)
    protected = protected_spans(text)
    assert [text[a:b] for a, b in protected] == [
        "https://example.com/about/help?so=also",
        "www.big.org/news",
        "help@example.com",
        "60mph",
        "(30",
        "COVID-19",
        "3.5",
        "10km,",
    ]
    for a, b in protected:
        assert text[a:b] in result.text
    for start, end in input_spans(result):
        assert all(end <= a or b <= start for a, b in protected), text[start:end]
    # Outside them, the same words are rewritten.
    originals = {s.original for s in result.substitutions}
    assert {"mph", "feet", "about", "came", "so", "also", "use", "photos"} <= originals
    assert "(30 mi per hour)" in result.text and "3.5 ft" in result.text  # synonym, then phrase step
    assert_consistent(text, result)


def test_composed_spinner_is_deterministic_and_exact(dat: Path) -> None:
    spinner = contentfarm_spinner(0.3, path=dat)
    assert isinstance(spinner, Rewriter) and spinner.name == "contentfarm"
    first = spinner.rewrite(LONG_TEXT, 42)
    assert first == contentfarm_spinner(0.3, path=dat).rewrite(LONG_TEXT, 42)
    assert first != spinner.rewrite(LONG_TEXT, 43)
    assert first.generator == "contentfarm-names@0.30+contentfarm-synonyms@0.30+contentfarm-phrases@0.30"
    assert len(first.substitutions) > 50
    assert_consistent(LONG_TEXT, first)


def test_partial_spinning_touches_only_the_chosen_paragraphs(dat: Path) -> None:
    spinner = contentfarm_spinner(1.0, paragraph_share=0.5, path=dat)
    result = spinner.rewrite(LONG_TEXT, 9)
    chosen = select_paragraphs(LONG_TEXT, 0.5, 9)
    assert len(chosen) == 12
    for (a, b), before, after in zip(
        select_paragraphs(LONG_TEXT, 1.0, 9), LONG_TEXT.split("\n"), result.text.split("\n"), strict=True
    ):
        assert (before != after) == ((a, b) in chosen)
    assert_consistent(LONG_TEXT, result)


@needs_mythes
def test_real_thesaurus_spinner_is_deterministic_and_exact() -> None:
    spinner = contentfarm_spinner(0.2)
    result = spinner.rewrite(LONG_TEXT + "\n" + NAMES_TEXT, 1)
    assert result == contentfarm_spinner(0.2).rewrite(LONG_TEXT + "\n" + NAMES_TEXT, 1)
    assert_consistent(LONG_TEXT + "\n" + NAMES_TEXT, result)
    assert len(result.substitutions) > 0.1 * len(LONG_TEXT.split())


def test_a_missing_thesaurus_raises_thesaurus_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ThesaurusUnavailable, match="apt-get install mythes-en-us"):
        contentfarm_spinner(0.1, path=tmp_path / "missing.dat")


# --------------------------------------------------------------------------- registry


def test_registry_exposes_the_family() -> None:
    names = [n for n in pairs.REWRITERS if n.startswith("contentfarm")]
    assert names == [
        *(f"contentfarm-{pct}" for pct in (2, 5, 10, 20, 30, 40)),
        *(f"contentfarm-{pct}+partial" for pct in (10, 20, 40)),
    ]
    assert {pairs.family_of(n) for n in names} == {"contentfarm"}
    assert "contentfarm" in pairs.FAMILIES
    assert pairs.expand_generators(["contentfarm"]) == names
    assert all(pairs.KIND_OF[n] == "spun" for n in names)


@needs_mythes
def test_registry_builds_the_rates_it_names() -> None:
    built = pairs.build_rewriters(["contentfarm-5", "contentfarm-40+partial"])
    assert built["contentfarm-5"].generator.endswith("contentfarm-phrases@0.05")  # type: ignore[attr-defined]
    assert built["contentfarm-40+partial"].generator.endswith("@0.40/p0.50")  # type: ignore[attr-defined]


@needs_mythes
def test_make_pairs_cli_expands_the_family(tmp_path: Path) -> None:
    from mtdetect.cli import main

    originals = tmp_path / "originals.jsonl"
    rows = [{"id": f"d{i}", "text": LONG_TEXT.split("\n")[i % 2] * 2} for i in range(12)]
    originals.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "pairs.jsonl"
    argv = ["make-pairs", "--originals", str(originals), "--out", str(out), "-q"]
    assert main([*argv, "--generators", "contentfarm"]) == 0
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(written) == 12
    assert {r["generator"] for r in written} <= set(pairs.expand_generators(["contentfarm"]))
    assert len({r["generator"] for r in written}) > 1
