import pytest

from mtdetect.collocations import BigramTable
from mtdetect.synonyms import SynonymTable, restorations

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
    table = SynonymTable.build(
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
    assert SynonymTable.load(tmp_path / "s.tsv.gz").table == table.table
    import gzip

    with gzip.open(tmp_path / "bad.gz", "wt") as f:
        f.write("word\tsyn\n")
    with pytest.raises(ValueError, match="not an mtdetect synonym table"):
        SynonymTable.load(tmp_path / "bad.gz")
