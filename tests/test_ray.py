"""The Ray backend gives the rows of the local `mtdetect score`, from article files and from tables.

One local Ray instance (2 CPUs) serves the whole module. The module is skipped when ray is not
installed; it checks for ray without importing it, because `ray_session` must set up a local
instance's loopback-only binding before ray is first imported.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_original, make_translated, spin

from mtdetect.batch.distributed import ray_session, score_with_ray
from mtdetect.batch.output import format_row
from mtdetect.cli import main

NOT_UTF8_NAME = os.fsdecode(b"caf\xe9 \xff.txt")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install 'mtdetect[ray]')"
)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    with ray_session(num_cpus=2):
        yield


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(11)
    folder = tmp_path_factory.mktemp("articles")
    for i in range(3):
        original = make_original(rng)
        (folder / f"original_{i}.txt").write_text(original, encoding="utf-8")
        (folder / f"spun_{i}.txt").write_text(spin(original), encoding="utf-8")
    (folder / "translated_0.md").write_text(make_translated(rng), encoding="utf-8")
    (folder / "translated_1.txt").write_text(make_translated(rng), encoding="utf-8")
    (folder / "page.html").write_text(
        f"<html><body><script>x()</script><article><p>{make_original(rng)}</p></article></body></html>"
    )
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "empty.txt").write_text("")
    (folder / "short.txt").write_text("Too short.")
    (folder / NOT_UTF8_NAME).write_text(make_original(rng))
    (folder / "ignored.json").write_text("{}")
    return folder


def local_rows(paths: list[Path], bundle: Path, out: Path) -> list[dict[str, Any]]:
    """Rows of the local CLI backend, sorted by path."""
    assert main(["score", *map(str, paths), "--model", str(bundle), "-q", "-o", str(out)]) == 0
    return sorted((json.loads(line) for line in out.read_bytes().splitlines()), key=lambda r: r["path"])


def ray_lines(folder: Path) -> list[bytes]:
    lines = [line for f in folder.glob("*.jsonl") for line in f.read_bytes().splitlines(keepends=True)]
    return sorted(lines, key=lambda line: json.loads(line)["path"])


def assert_same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [r["path"] for r in got] == [r["path"] for r in want]
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        assert [g[k] for k in ("label", "flags", "error")] == [w[k] for k in ("label", "flags", "error")]
        if w["score"] is None:
            assert g["score"] is None and g["probabilities"] is None
        else:
            assert math.isclose(g["score"], w["score"], rel_tol=0, abs_tol=1e-12)
            assert list(g["probabilities"]) == list(w["probabilities"])
            for lab, p in w["probabilities"].items():
                assert math.isclose(g["probabilities"][lab], p, rel_tol=0, abs_tol=1e-12)


def test_folder_gives_the_rows_of_the_local_backend(local_ray, articles, bundle, tmp_path):
    out = tmp_path / "out"
    n = score_with_ray([articles], out, bundle, batch_size=4)

    want = local_rows([articles], bundle, tmp_path / "local.jsonl")
    lines = ray_lines(out)
    assert n == len(lines) == len(want) == 13
    got = [json.loads(line) for line in lines]
    assert_same_rows(got, want)
    assert all(line == format_row(row, "jsonl") for line, row in zip(lines, got, strict=True))
    by_name = {Path(r["path"]).name: r for r in got}
    assert by_name["binary.txt"]["error"] == "binary file, not text"
    assert by_name["empty.txt"]["flags"] == ["empty"] and by_name["empty.txt"]["score"] is None
    assert by_name["spun_0.txt"]["label"] == "spun" and by_name["page.html"]["score"] is not None


def test_parquet_output_holds_the_same_rows(local_ray, articles, bundle, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out"
    assert score_with_ray([articles], out, bundle, output_format="parquet", batch_size=5) == 13

    got = sorted(pq.read_table(out).to_pylist(), key=lambda r: r["path"])
    assert str(pq.read_schema(next(out.glob("*.parquet"))).field("probabilities").type) == (
        "struct<original: double, spun: double, translated: double>"
    )
    want = local_rows([articles], bundle, tmp_path / "local.jsonl")
    for row in want:  # Parquet strings are UTF-8: bytes of other names are kept as \udcXX text
        row["path"] = row["path"].encode("utf-8", "backslashreplace").decode("utf-8")
    assert_same_rows(got, sorted(want, key=lambda r: r["path"]))
    assert any(r["path"].endswith("caf\\udce9 \\udcff.txt") for r in got)


def test_jsonl_table_rows_score_like_the_same_texts_in_files(local_ray, articles, bundle, tmp_path):
    # Arrow's JSON reader refuses the \udcXX escapes JSON gives a name that is not UTF-8.
    files = sorted(p for p in articles.glob("*.txt") if p.name != NOT_UTF8_NAME)
    table = tmp_path / "articles.jsonl"
    with table.open("w", encoding="utf-8") as f:
        for p in files:
            if p.name != "binary.txt":
                f.write(json.dumps({"id": str(p), "text": p.read_text(), "source": "test"}) + "\n")
        f.write(json.dumps({"id": "no-text", "text": None}) + "\n")

    out = tmp_path / "out"
    assert score_with_ray([table], out, bundle) == len(files)

    got = {r["path"]: r for r in map(json.loads, ray_lines(out))}
    assert got.pop("no-text") == {
        "path": "no-text",
        "score": None,
        "label": None,
        "verdict": None,
        "threshold": None,
        "kind_thresholds": None,
        "probabilities": None,
        "flags": [],
        "error": "no text",
    }
    want = [r for r in local_rows(files, bundle, tmp_path / "local.jsonl") if r["error"] is None]
    assert_same_rows(sorted(got.values(), key=lambda r: r["path"]), want)


def test_refuses_unusable_tables_and_a_cluster_too_small(local_ray, articles, bundle, tmp_path):
    nameless = tmp_path / "nameless.jsonl"
    nameless.write_text(json.dumps({"text": "An article."}) + "\n")
    with pytest.raises(ValueError, match="rows need a 'path' or 'id' column"):
        score_with_ray([nameless], tmp_path / "a", bundle)
    textless = tmp_path / "textless.jsonl"
    textless.write_text(json.dumps({"id": 1, "body": "An article."}) + "\n")
    with pytest.raises(ValueError, match="no 'text' column"):
        score_with_ray([textless], tmp_path / "b", bundle)
    with pytest.raises(ValueError, match="more than 2 CPUs"):
        score_with_ray([articles], tmp_path / "c", bundle, concurrency=2)


def test_refuses_a_non_empty_output_folder(articles, bundle, tmp_path):
    (tmp_path / "old.jsonl").write_text("{}\n")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        score_with_ray([articles], tmp_path, bundle)


def test_missing_ray_gives_the_install_hint(monkeypatch, articles, bundle, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    with pytest.raises(RuntimeError, match=r"pip install 'mtdetect\[ray\]'"):
        score_with_ray([articles], tmp_path / "out", bundle)


def test_cli_engine_ray_matches_the_local_rows(local_ray, bundle, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate([make_original(random.Random(i)) for i in range(3)]):
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    local = tmp_path / "local.jsonl"
    assert main(["score", str(folder), "--model", str(bundle), "-q", "-o", str(local)]) == 0
    out = tmp_path / "ray_out"
    assert main(["score", str(folder), "--model", str(bundle), "-q", "--engine", "ray", "-o", str(out)]) == 0
    ray_lines = sorted(line for f in out.glob("*.jsonl") for line in f.read_text().splitlines())
    assert ray_lines == sorted(local.read_text().splitlines())


def test_cli_engine_ray_usage_errors(bundle, tmp_path):
    for extra in (["--format", "csv"], ["--evidence"], []):
        argv = ["score", str(tmp_path), "--model", str(bundle), "--engine", "ray", *extra]
        if extra:
            argv += ["-o", str(tmp_path / "o")]
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
