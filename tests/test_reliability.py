"""Batch runs that survive being killed: whole rows only, `--resume`, `--overwrite`, output locking."""

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from conftest import make_original, make_translated, spin

from mtdetect.batch.output import OutputConflict, RowWriter, format_row, open_output, read_done
from mtdetect.cli import main

ROW = {"path": "a.txt", "score": 0.25, "label": "original", "probabilities": None, "flags": [], "error": None}


def row(path, **changes):
    return {**ROW, "path": path, **changes}


def make_articles(folder, n, seed=0):
    """`n` articles of all three kinds, named so that folder order is index order."""
    rng = random.Random(seed)
    folder.mkdir()
    for i in range(n):
        text = (make_original(rng), spin(make_original(rng)), make_translated(rng))[i % 3]
        (folder / f"doc{i:04d}.txt").write_text(text, encoding="utf-8")
    return folder


def jsonl_rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(*argv):
    return main([str(a) for a in argv])


# -- output.py --------------------------------------------------------------------------------
def test_jsonl_torn_tail_is_cut_and_whole_rows_are_kept(tmp_path):
    out = tmp_path / "out.jsonl"
    whole = format_row(row("a.txt"), "jsonl") + format_row(row("b c.txt"), "jsonl")
    out.write_bytes(whole + format_row(row("d.txt"), "jsonl")[:17])
    writer, done = open_output(out, "jsonl", resume=True)
    assert done == {"a.txt", "b c.txt"}
    assert out.read_bytes() == whole
    writer.write(row("d.txt"))
    writer.close()
    assert [r["path"] for r in jsonl_rows(out)] == ["a.txt", "b c.txt", "d.txt"]


def test_csv_row_torn_inside_a_quoted_newline_is_cut(tmp_path):
    out = tmp_path / "out.csv"
    header_and_one = csv_bytes("a.txt")
    torn = format_row(row("new\nline.txt"), "csv")
    assert torn.startswith(b'"') and b"\n" in torn[:-1]  # the path is quoted and spans two lines
    out.write_bytes(header_and_one + torn[: torn.index(b"\n") + 1])
    assert read_done(out, "csv") == ({"a.txt"}, len(header_and_one))
    writer, _ = open_output(out, "csv", resume=True)
    writer.write(row("new\nline.txt"))
    writer.write(row("cr\rreturn.txt"))
    writer.close()
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode(), newline="")))
    assert [r["path"] for r in rows] == ["a.txt", "new\nline.txt", "cr\rreturn.txt"]
    assert read_done(out, "csv") == ({"a.txt", "new\nline.txt", "cr\rreturn.txt"}, out.stat().st_size)


def csv_bytes(*paths):
    """The header and a row per path, as RowWriter writes them to a stream."""
    sink = io.BytesIO()
    writer = RowWriter(sink, "csv")
    for p in paths:
        writer.write(row(p))
    return sink.getvalue()


def test_csv_header_only_when_the_file_is_new_or_empty(tmp_path):
    out = tmp_path / "out.csv"
    for paths in (["a.txt"], ["b.txt"]):
        writer, _ = open_output(out, "csv", resume=True)
        for p in paths:
            writer.write(row(p))
        writer.close()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert (
        lines[0].startswith(
            "path,score,label,verdict,threshold,threshold_spun,threshold_translated,p_original"
        )
        and len(lines) == 3
    )
    assert [line.split(",")[0] for line in lines[1:]] == ["a.txt", "b.txt"]
    out.write_bytes(b"path,sco")  # a header torn by a crash: written again
    writer, done = open_output(out, "csv", resume=True)
    writer.close()
    assert done == set() and out.read_bytes() == csv_bytes()


def test_file_names_that_are_not_utf8_round_trip(tmp_path):
    name = os.fsdecode(b"caf\xe9 \xff.txt")  # surrogate escapes, as os.listdir returns them
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"out.{fmt}"
        writer, _ = open_output(out, fmt)
        writer.write(row(name))
        writer.close()
        assert read_done(out, fmt)[0] == {name}
    assert json.loads(tmp_path.joinpath("out.jsonl").read_bytes())["path"] == name
    assert b"caf\xe9 \xff.txt" in tmp_path.joinpath("out.csv").read_bytes()  # the name's own bytes


def test_foreign_or_non_empty_files_are_refused(tmp_path):
    out = tmp_path / "notes.jsonl"
    out.write_text('{"path": "a.txt"}\nmy shopping list\n', encoding="utf-8")
    with pytest.raises(OutputConflict, match="not empty; pass --resume"):
        open_output(out, "jsonl")
    with pytest.raises(OutputConflict, match=r"notes.jsonl:2: not an mtdetect JSON row"):
        open_output(out, "jsonl", resume=True)
    with pytest.raises(OutputConflict, match=r":1: not an mtdetect CSV header"):
        open_output(out, "csv", resume=True)
    assert out.read_text(encoding="utf-8") == '{"path": "a.txt"}\nmy shopping list\n'  # untouched


def test_a_csv_of_other_columns_is_refused_on_resume_and_left_as_it_is(tmp_path):
    out = tmp_path / "old.csv"
    old = "path,score,label,verdict,threshold,p_original,p_spun,p_translated,flags,error\na.txt,0.1,,,,,,,,\n"
    out.write_text(old, encoding="utf-8")
    with pytest.raises(OutputConflict, match=r"old.csv:1: not an mtdetect CSV header of this version"):
        open_output(out, "csv", resume=True)
    assert out.read_text(encoding="utf-8") == old


def test_a_second_writer_on_the_same_file_is_refused(tmp_path):
    pytest.importorskip("fcntl")
    out = tmp_path / "out.jsonl"
    first, _ = open_output(out, "jsonl")
    try:
        with pytest.raises(OutputConflict, match="being written by another mtdetect run"):
            open_output(out, "jsonl", resume=True)
    finally:
        first.close()
    second, _ = open_output(out, "jsonl", resume=True)  # the lock went with the first writer
    second.close()


# -- the command line -------------------------------------------------------------------------
def test_existing_output_needs_resume_or_overwrite(tmp_path, bundle, capsys):
    folder = make_articles(tmp_path / "in", 4)
    out = tmp_path / "out.jsonl"
    assert run("score", folder, "--model", bundle, "-o", out, "-q") == 0
    first = out.read_bytes()
    with pytest.raises(SystemExit) as info:
        run("score", folder, "--model", bundle, "-o", out, "-q")
    assert info.value.code == 2 and out.read_bytes() == first
    assert "pass --resume to add only the files missing from it, or --overwrite" in capsys.readouterr().err
    assert run("score", folder / "doc0000.txt", "--model", bundle, "-o", out, "--overwrite", "-q") == 0
    assert [r["path"] for r in jsonl_rows(out)] == [str(folder / "doc0000.txt")]
    for bad in (["--resume", "--overwrite", "-o", out], ["--resume"], ["--overwrite"]):
        with pytest.raises(SystemExit) as info:
            run("score", folder, "--model", bundle, *bad)
        assert info.value.code == 2
    err = capsys.readouterr().err
    assert "not allowed with argument" in err and "--resume and --overwrite need -o FILE" in err


def test_empty_existing_output_is_fine_and_repeats_are_scored_once(tmp_path, bundle):
    folder = make_articles(tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    out.touch()
    assert run("score", folder, folder / "doc0001.txt", "--model", bundle, "-o", out, "-q") == 0
    assert [r["path"] for r in jsonl_rows(out)] == [str(folder / f"doc{i:04d}.txt") for i in range(3)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_appends_only_missing_files_and_matches_a_clean_run(tmp_path, bundle, fmt):
    folder = make_articles(tmp_path / "in", 40)
    clean, partial = tmp_path / f"clean.{fmt}", tmp_path / f"partial.{fmt}"
    assert run("score", folder, "--model", bundle, "--format", fmt, "-o", clean, "-q") == 0
    data = clean.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 25  # half the rows, then a torn one
    partial.write_bytes(data[:cut])
    assert run("score", folder, "--model", bundle, "--format", fmt, "-o", partial, "--resume", "-q") == 0
    assert partial.read_bytes() == data


# -- kill -9 and resume, with a real process ----------------------------------------------------
def _start(folder, out, bundle, *extra):
    cmd = [sys.executable, "-m", "mtdetect", "score", folder, "-o", out, "--model", bundle]
    return subprocess.Popen([str(c) for c in [*cmd, "--evidence", "-q", *extra]], stderr=subprocess.PIPE)


def _kill_when_rows_pass(proc, out, count, timeout=60):
    """SIGKILL `proc` as soon as `out` holds more than `count` lines; returns its exit status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") > count:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    status = proc.wait(timeout=timeout)
    proc.stderr.close()
    return status


def test_kill_9_then_resume_gives_every_file_exactly_once(tmp_path, bundle):
    n = 300
    folder = make_articles(tmp_path / "in", n, seed=3)
    out, clean = tmp_path / "out.jsonl", tmp_path / "clean.jsonl"
    seen = 0
    for extra in ([], ["--resume"]):  # kill a fresh run, then kill a resumed one
        proc = _start(folder, out, bundle, *extra)
        assert _kill_when_rows_pass(proc, out, seen) == -signal.SIGKILL, "the run ended before the kill"
        lines = out.read_bytes().split(b"\n")[:-1]  # whole lines; a torn tail is left to --resume
        paths = [json.loads(line)["path"] for line in lines]
        assert seen < len(paths) < n and len(set(paths)) == len(paths)
        seen = len(paths)
    proc = _start(folder, out, bundle, "--resume")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert run("score", folder, "--model", bundle, "--evidence", "-o", clean, "-q") == 0
    resumed, expected = jsonl_rows(out), jsonl_rows(clean)
    assert len(resumed) == n
    assert sorted(r["path"] for r in resumed) == sorted(r["path"] for r in expected)
    by_path = {r["path"]: r for r in resumed}
    for want in expected:
        got = by_path[want["path"]]
        assert got["score"] == pytest.approx(want["score"], rel=1e-9, abs=1e-12)
        assert (got["label"], got["flags"], got["evidence"]) == (
            want["label"],
            want["flags"],
            want["evidence"],
        )


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "mtdetect", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith("mtdetect ")


def test_output_to_a_device_is_written_not_synced(bundle, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("short text here", encoding="utf-8")
    assert main(["score", str(folder), "--model", str(bundle), "-q", "-o", "/dev/null"]) == 0
