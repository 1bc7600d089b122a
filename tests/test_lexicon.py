import pytest

from mtdetect.model.lexicon import Entry, Lexicon, normalize_phrase
from mtdetect.training.mining import learn


def test_find_whole_words_only_and_case_rules():
    lex = Lexicon(
        [
            Entry("higher hand", "upper hand", "spun_phrase", 0.9),
            Entry("The Dialog", "The Conversation", "spun_phrase", 0.8),
        ]
    )
    text = "They had the Higher hand. Writing for The Dialog, not the dialog. higher handle"
    hits = [(text[m.start : m.end], m.entry.suggestion) for m in lex.find(text)]
    assert hits == [("Higher hand", "upper hand"), ("The Dialog", "The Conversation")]


def test_overlapping_hits_keep_the_longest():
    lex = Lexicon(
        [
            Entry("examine of battle", "study of war", "spun_phrase", 0.9),
            Entry("battle", None, "spun_phrase", 0.1),
        ]
    )
    hits = lex.find("the Institute for the Examine of Battle said")
    assert [(m.start, m.end) for m in hits] == [(22, 39)]


def test_offsets_survive_unicode_whose_lowercase_changes_length():
    lex = Lexicon([Entry("higher hand", "upper hand", "spun_phrase", 0.9)])
    text = "İİİ had the higher hand"
    [m] = lex.find(text)
    assert text[m.start : m.end] == "higher hand"


def test_tsv_round_trip(tmp_path):
    lex = Lexicon(
        [
            Entry("counterfeit consciousness", "artificial intelligence", "spun_phrase", 0.9, 7),
            Entry("the tycoon", "Trump", "calque", 0.5, 2),
        ]
    )
    path = tmp_path / "lex.tsv"
    lex.save(path)
    again = Lexicon.load(path)
    assert again.entries == lex.entries


def test_load_rejects_foreign_files(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("phrase\tsuggestion\n")
    with pytest.raises(ValueError, match="not an mtdetect lexicon"):
        Lexicon.load(path)
    path.write_text(
        "# mtdetect-lexicon v1\nphrase\tsuggestion\tkind\tconfidence\tcount\n"
        "x\ty\tspun_phrase\tnotanumber\t1\n"
    )
    with pytest.raises(ValueError, match=r"x\.tsv:3: bad lexicon row"):
        Lexicon.load(path)


def test_builtin_lexicon_loads_and_knows_classic_tortured_phrases():
    lex = Lexicon.builtin()
    [m] = lex.find("Advances in counterfeit consciousness are rapid.")
    assert m.entry.suggestion == "artificial intelligence"
    assert lex.find("The White House said") == []


def test_learn_keeps_reliable_swaps_only():
    pairs = [
        ("They had the upper hand in the big talks.", "They had the higher hand in the large talks."),
        ("Both sides sought the upper hand.", "Both sides sought the higher hand."),
        ("A big crowd came.", "A large crowd came."),
        ("A large crowd came again.", "A large crowd came again."),
        ("It was a large room and a large hall.", "It was a large room and a large hall."),
    ]
    lex = learn(pairs, min_count=2)
    assert "higher" in lex
    assert lex.entries["higher"].suggestion == "upper"
    assert lex.entries["higher"].count == 2
    assert "large" not in lex  # "large" is mostly ordinary usage, not a swap


def test_normalize_phrase():
    assert normalize_phrase("  Higher   Hand’s ") == "higher hand's"
