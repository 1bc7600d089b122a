from mtdetect.align import align


def test_align_recovers_substitutions_with_offsets_in_both_texts():
    original = "The White House had the upper hand on Tuesday."
    rewritten = "The White Home had the higher hand on Tuesday."
    result = align(original, rewritten)
    assert [(e.original, e.replacement, e.op) for e in result.edits] == [
        ("House", "Home", "replace"),
        ("upper", "higher", "replace"),
    ]
    for e in result.edits:
        assert original[e.orig_start : e.orig_end] == e.original
        assert rewritten[e.new_start : e.new_end] == e.replacement
    assert abs(result.changed_share - 2 / 9) < 1e-9


def test_align_identical_texts_has_no_edits():
    assert align("same words here", "same words here").edits == []


def test_align_insertions_and_multiword_swaps():
    result = align("artificial intelligence helps", "counterfeit consciousness really helps")
    kinds = [(e.original, e.replacement, e.op) for e in result.edits]
    assert kinds == [("artificial intelligence", "counterfeit consciousness really", "replace")]
    assert result.edits[0].is_phrase_swap


def test_align_handles_empty_sides():
    result = align("", "new text")
    assert [(e.op, e.orig_start, e.orig_end) for e in result.edits] == [("insert", 0, 0)]
    assert result.changed_share == 0.0
