import pytest

from mtdetect.model.collocations import BigramTable
from mtdetect.model.synonyms import SynonymTable, restorations
from mtdetect.training.thesauri import build_table, reversed_table

ZIPF = {
    "upper": 4.5,
    "higher": 5.0,
    "hand": 5.5,
    "artificial": 4.3,
    "intelligence": 4.6,
    "counterfeit": 3.2,
    "consciousness": 4.1,
    "officer": 4.5,
    "official": 4.9,
    "officers": 4.2,
    "officials": 4.9,
    "rare": 4.0,
    "uncommon": 3.4,
}


def test_build_keeps_common_single_word_synonyms_and_inflections():
    table = build_table(
        [
            ("officer", "official"),
            ("higher", "upper"),
            ("rare", "uncommon"),
            ("higher", "higher"),
            ("x", "two words"),
        ],
        ZIPF,
    )
    assert table.get("officer") == ("official",)
    assert table.get("officers") == ("officials",)  # regular plural of both words
    assert table.get("higher") == ("upper",)
    assert table.get("rare") == ("uncommon",)  # 3.4 is common enough
    assert table.get("x") == ()


def test_origins_map_a_listed_synonym_back_to_the_words_that_list_it():
    pairs = [("hand", "manus"), ("higher", "upper"), ("top", "upper")]
    zipf = {"hand": 5.5, "manus": 1.5, "higher": 5.0, "upper": 4.5, "top": 5.2}
    forward = build_table(pairs, zipf, inflect=False)
    origins = build_table(((s, w) for w, s in pairs), zipf, inflect=False)
    assert forward.get("manus") == () and forward.get("hand") == ()  # "manus" is too rare to offer
    assert origins.get("manus") == ("hand",)  # but a swap to it can be undone
    assert origins.get("upper") == ("top", "higher")  # most frequent first
    # A saved table keeps only common synonyms, so its reverse knows only common origins.
    assert dict(reversed_table(forward, zipf).items()) == {"upper": ("top", "higher")}


def test_restorations_single_and_joint_swaps():
    bigrams = BigramTable.build([[["the", "upper", "hand"], ["artificial", "intelligence"]]] * 4, bits=12)
    table = SynonymTable(
        {"higher": ("upper",), "counterfeit": ("artificial",), "consciousness": ("intelligence",)}
    )
    words = ["the", "higher", "hand", "counterfeit", "consciousness"]
    found = restorations(words, [(1, 2), (3, 4)], bigrams, table, ZIPF)
    assert [(r.first, r.last, r.suggestion, r.count) for r in found] == [
        (1, 2, "upper hand", 4),
        (3, 4, "artificial intelligence", 4),
    ]
    assert found[0].gain == pytest.approx(4.5 - 5.0)
    assert found[1].gain == pytest.approx((4.3 - 3.2 + 4.6 - 4.1) / 2)


def test_no_restoration_below_the_minimum_count():
    bigrams = BigramTable.build([[["upper", "hand"]]], bits=10)
    assert (
        restorations(["higher", "hand"], [(0, 1)], bigrams, SynonymTable({"higher": ("upper",)}), ZIPF) == []
    )


def test_gzip_round_trip_and_bad_file(tmp_path):
    table = SynonymTable({"higher": ("upper", "greater"), "officers": ("officials",)})
    table.save(tmp_path / "s.tsv.gz")
    assert dict(SynonymTable.load(tmp_path / "s.tsv.gz").items()) == dict(table.items())
    import gzip

    with gzip.open(tmp_path / "bad.gz", "wt") as f:
        f.write("word\tsyn\n")
    with pytest.raises(ValueError, match="not an mtdetect synonym table"):
        SynonymTable.load(tmp_path / "bad.gz")
    with gzip.open(tmp_path / "no-tab.gz", "wt") as f:
        f.write("# mtdetect-synonyms v1\nhigher upper\n")
    with pytest.raises(ValueError, match="has no tab"):
        SynonymTable.load(tmp_path / "no-tab.gz")


def test_training_reads_a_saved_table_with_its_origins(tmp_path):
    from mtdetect.training.trainer import load_synonyms

    SynonymTable({"higher": ("upper",)}).save(tmp_path / "s.tsv.gz")
    table, origins = load_synonyms(str(tmp_path / "s.tsv.gz"))
    assert table.get("higher") == ("upper",) and origins.get("upper") == ("higher",)
    assert [len(t) for t in load_synonyms("none")] == [0, 0]
