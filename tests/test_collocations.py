import numpy as np
import pytest

from mtdetect.model.collocations import BigramTable, word_pairs


def test_build_counts_pairs_within_sentences_only():
    table = BigramTable.build(
        [[["the", "upper", "hand"], ["hand", "over"]], [["the", "upper", "class"]]], bits=12
    )
    assert table.count("the", "upper") == 2
    assert table.count("upper", "hand") == 1
    assert table.count("hand", "hand") == 0  # across a sentence boundary
    assert table.count("higher", "hand") == 0
    assert table.n_docs == 2
    assert list(table.counts_for([("the", "upper"), ("higher", "hand")])) == [2, 0]


def test_counts_saturate_at_255():
    table = BigramTable.build([[["a", "b"] * 1]] * 300, bits=8)
    assert table.count("a", "b") == 255


def test_save_load_round_trip(tmp_path):
    table = BigramTable.build([[["x", "y", "z"]]], bits=10)
    table.save(tmp_path / "b.npz")
    again = BigramTable.load(tmp_path / "b.npz")
    assert np.array_equal(again.counts, table.counts) and again.n_docs == 1


def test_rejects_bad_arrays():
    with pytest.raises(ValueError, match="power of two"):
        BigramTable(np.zeros(1000, dtype=np.uint8))


def test_word_pairs():
    assert list(word_pairs([["a", "b", "c"], ["d"]])) == [("a", "b"), ("b", "c")]
