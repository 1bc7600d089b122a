"""`mtdetect score --resume` reads what is done before loading the model, and loads none if nothing is left.

A model whose manifest is broken after the first run shows which runs load it: those fail with exit
code 1, and a resume with nothing left to score still exits 0 without touching its output.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_original, make_translated, spin


def make_articles(folder: Path, n: int) -> Path:
    rng = random.Random(2)
    folder.mkdir()
    for i in range(n):
        text = (make_original(rng), spin(make_original(rng)), make_translated(rng))[i % 3]
        (folder / f"doc{i:04d}.txt").write_text(text, encoding="utf-8")
    return folder


def score(*argv: object) -> subprocess.CompletedProcess:
    """`python -m mtdetect score ...` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "mtdetect", "score", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


@pytest.fixture
def model(bundle: Path, tmp_path: Path) -> Path:
    """A copy of the tiny bundle, for a test to break."""
    return Path(shutil.copytree(bundle, tmp_path / "model"))


def break_manifest(model: Path) -> None:
    (model / "manifest.json").write_text("{ not a manifest", encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_with_nothing_left_does_not_load_the_model(tmp_path, model, fmt) -> None:
    folder = make_articles(tmp_path / "in", 6)
    out = tmp_path / f"out.{fmt}"
    first = score(folder, "-o", out, "--format", fmt, "--model", model)
    assert first.returncode == 0, first.stderr
    rows = out.read_bytes()
    break_manifest(model)

    again = score(folder, "-o", out, "--format", fmt, "--model", model, "--resume")
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == rows
    assert "resuming: 6 of 6 files already in" in again.stderr
    assert "scored 0 files (0 with errors)" in again.stderr

    # The same model fails every run that does load it: the resume above did not.
    fresh = score(folder, "-o", tmp_path / f"fresh.{fmt}", "--format", fmt, "--model", model)
    assert fresh.returncode == 1 and "mtdetect: error:" in fresh.stderr
    assert not (tmp_path / f"fresh.{fmt}").exists()  # a bad model still fails before -o is created


def test_resume_with_files_left_loads_the_model_and_adds_only_them(tmp_path, model) -> None:
    folder = make_articles(tmp_path / "in", 6)
    clean, out = tmp_path / "clean.jsonl", tmp_path / "out.jsonl"
    assert score(folder, "-o", clean, "--model", model).returncode == 0
    data = clean.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    out.write_bytes(data[:cut] + b'{"path": "torn')  # half the rows, then a torn one
    kept = data[:cut].count(b"\n")

    resumed = score(folder, "-o", out, "--model", model, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == data
    assert f"resuming: {kept} of 6 files already in" in resumed.stderr
    assert f"scored {6 - kept} files (0 with errors)" in resumed.stderr


def test_resume_with_files_left_and_a_broken_model_fails_and_keeps_the_rows(tmp_path, model) -> None:
    folder = make_articles(tmp_path / "in", 4)
    out = tmp_path / "out.jsonl"
    assert score(folder / "doc0000.txt", "-o", out, "--model", model).returncode == 0
    rows = out.read_bytes()
    break_manifest(model)
    failed = score(folder, "-o", out, "--model", model, "--resume")
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1].startswith("mtdetect: error:")
    assert out.read_bytes() == rows
