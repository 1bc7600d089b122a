from mtdetect.training.align import align, format_table
from mtdetect.training.diffpage import render_diff


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


def test_format_table_lists_edits_and_share():
    table = format_table(align("The White House had the upper hand.", "The White Home had the higher hand."))
    lines = table.splitlines()
    assert lines[0].split() == ["edit", "original", "rewritten"]
    assert lines[1].split() == ["replace", "House", "Home"]
    assert lines[-1] == "2 edits; 28.6% of the original's words changed"


def test_render_diff_marks_edits_and_escapes():
    original = "Keep <b>calm</b> and the upper hand."
    rewritten = "Keep <b>calm</b> and the higher hand <script>x</script>."
    page = render_diff(original, rewritten, align(original, rewritten))
    assert "<del>upper</del>" in page and '<ins title="was: upper">higher</ins>' in page
    assert "<script" not in page and "script&gt;x&lt;/script" in page
    assert page.count("<tr>") == 1 + len(align(original, rewritten).edits)
