import json

import pytest

from mtdetect.training import data


def write(tmp_path, rows, name="d.jsonl"):
    path = tmp_path / name
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_pairs_and_singles_are_read_with_shared_groups(tmp_path):
    path = write(
        tmp_path,
        [
            {"original": "A b c.", "rewritten": "A d c.", "kind": "spun", "id": "x1", "source": "news"},
            {"text": "Some text.", "label": "translated"},
            "",
        ],
    )
    ds = data.load([path])
    assert [(e.label, e.group, e.source) for e in ds.examples[:2]] == [
        ("original", "x1", "news"),
        ("spun", "x1", "news"),
    ]
    assert ds.examples[2].label == "translated" and ds.examples[2].group.startswith("h:")
    assert len(ds.pairs) == 1 and ds.pairs[0].kind == "spun"
    assert ds.label_counts() == {"original": 1, "spun": 1, "translated": 1}
    assert len(ds.sha256) == 64


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "d.jsonl:1: not valid JSON"),
        ('["a list"]', "d.jsonl:1: each line must be a JSON object"),
        ({"original": "a", "rewritten": "b", "kind": "paraphrased"}, "'kind' must be one of"),
        ({"text": "a", "label": "human"}, "'label' must be one of"),
        ({"text": "   ", "label": "original"}, "field 'text' must be a non-empty string"),
        ({"original": "a", "kind": "spun"}, "field 'rewritten' must be"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, row, message):
    with pytest.raises(data.DataError, match=message):
        data.load([write(tmp_path, [row])])


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(data.DataError, match="cannot read"):
        data.load([tmp_path / "nope.jsonl"])
    with pytest.raises(data.DataError, match="no training rows"):
        data.load([write(tmp_path, [""])])


def test_invalid_utf8_is_a_data_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "caf\xe9", "label": "original"}\n')
    with pytest.raises(data.DataError, match="not UTF-8"):
        data.load([path])


def test_split_keeps_groups_whole_and_is_stable(tmp_path):
    rows = [
        {"original": f"text {i}", "rewritten": f"txet {i}", "kind": "spun", "id": f"g{i}"} for i in range(200)
    ]
    ds = data.load([write(tmp_path, rows)])
    parts = data.split(ds, {"a": 0.5, "b": 0.3, "c": 0.2}, seed=1)
    groups = [{e.group for e in p.examples} for p in parts.values()]
    assert sum(len(g) for g in groups) == 200
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2])
    assert all(
        len([e for e in p.examples if e.group == g]) == 2
        for p in parts.values()
        for g in {e.group for e in p.examples}
    )
    assert 70 < len(groups[0]) < 130
    again = data.split(ds, {"a": 0.5, "b": 0.3, "c": 0.2}, seed=1)
    assert [len(p.examples) for p in again.values()] == [len(p.examples) for p in parts.values()]
    assert data.assign_split("g1", {"a": 0.5, "b": 0.5}, seed=1) == data.assign_split(
        "g1", {"a": 0.5, "b": 0.5}, seed=1
    )


def test_write_and_iter_jsonl_round_trip(tmp_path):
    rows = [{"text": "ü ✓", "label": "original"}, {"x": 1}]
    path = tmp_path / "o.jsonl"
    assert data.write_jsonl(rows, path) == 2
    assert list(data.iter_jsonl(path)) == rows
