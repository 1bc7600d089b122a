"""Hostile and odd files through `mtdetect score`: each gets a row with a clear error or flag.

The command runs in a daemon thread with a time limit, so an input that blocks the reader (a FIFO,
a device) fails the test instead of hanging the suite.
"""

import io
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import zipfile

import pytest
from conftest import make_original

from mtdetect.batch.documents import MAX_BYTES, read_document
from mtdetect.cli import main

ARTICLE = make_original(random.Random(11), n_sentences=12)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(200)
HTML = (
    "<html><head><style>p { color: red }</style><script>alert('pwned')</script></head><body>"
    "<nav>Home | About | Contact</nav><article><p>" + ARTICLE + "</p></article>"
    "<script>document.write('tracking pixel')</script><footer>Copyright 2024</footer></body></html>"
)
RUSSIAN = "Министр сказал, что план будет реализован. Совет объявил о новом бюджете для школ. " * 8
CHINESE = "部长说计划将继续进行。理事会宣布了学校的新预算。警方确认了调查结果。" * 8


def score_folder(folder, out, *extra, timeout=120):
    """Run `mtdetect score folder -o out` in a thread; returns the rows by file name."""
    result = {}

    def target():
        result["code"] = main(["score", str(folder), "-o", str(out), "-q", *map(str, extra)])

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"mtdetect score did not finish within {timeout} s"
    assert result["code"] == 0
    rows = [json.loads(line) for line in out.read_bytes().splitlines()]
    by_name = {os.path.basename(r["path"]): r for r in rows}
    assert len(by_name) == len(rows)
    return by_name


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("article.txt", ARTICLE)
    return buf.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, bundle):
    folder = tmp_path_factory.mktemp("hostile")
    files = {
        "reference.txt": ARTICLE.encode(),
        "empty.txt": b"",
        "whitespace.txt": " \n\t\r\n \u00a0\u2003\n".encode(),
        "one_word.txt": b"Hello",
        "png_named.txt": PNG,
        "zip_named.txt": zip_bytes(),
        "invalid_utf8.txt": ARTICLE[:200].encode() + b"\xff\xfe\xc3(" + ARTICLE[200:].encode(),
        "utf16_bom.txt": ARTICLE.encode("utf-16"),
        "utf32_bom.txt": ARTICLE.encode("utf-32"),
        "mixed_endings.txt": _mixed_endings(ARTICLE).encode(),
        "long_line.txt": b"x" * 1_000_000,
        "long_multibyte.txt": b"x" + "é".encode() * (MAX_BYTES // 2 + 1000),  # the cut lands mid-character
        "scripts.html": HTML.encode(),
        "malformed.html": ("<p>Unclosed <b>bold <i>" + ARTICLE + "</p></div></html><<<").encode(),
        "fragment.html": f"<p>{ARTICLE}</p>".encode(),
        "deep.html": ("<div>" * 50_000 + ARTICLE).encode(),
        "russian.txt": RUSSIAN.encode(),
        "chinese.txt": CHINESE.encode(),
        "with space.txt": ARTICLE.encode(),
        "new\nline.txt": ARTICLE.encode(),
        "ünïcødé 文章.txt": ARTICLE.encode(),
        "-leading-dash.txt": ARTICLE.encode(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / os.fsdecode(b"latin1-caf\xe9.txt")).write_bytes(ARTICLE.encode())  # a name that is not UTF-8
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.symlink("self.txt", folder / "self.txt")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    os.symlink(os.devnull, folder / "devnull.txt")
    os.symlink("/dev/zero", folder / "devzero.txt")
    os.mkfifo(folder / "fifo.txt")
    (folder / "folder.txt").mkdir()  # a folder with a text name: skipped without --recursive
    sock = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(folder)  # AF_UNIX paths are short; bind relative to the folder
    try:
        sock.bind("socket.txt")
    finally:
        os.chdir(cwd)
    try:
        rows = score_folder(folder, folder.parent / "hostile.jsonl", "--model", bundle)
    finally:
        sock.close()
    assert set(rows) == {p.name for p in folder.iterdir()} - {"folder.txt"}  # one row per file
    return rows


def _mixed_endings(text):
    sentences = text.split(". ")
    return "".join(
        s + ".\r\n" if i % 3 == 0 else s + ".\r" if i % 3 == 1 else s + ".\n" for i, s in enumerate(sentences)
    )


def test_reference_article_is_scored(hostile):
    ref = hostile["reference.txt"]
    assert ref["error"] is None and ref["flags"] == [] and 0 <= ref["score"] <= 1


@pytest.mark.parametrize(
    ("name", "flags"),
    [
        ("empty.txt", ["empty"]),
        ("whitespace.txt", ["empty"]),
        ("one_word.txt", ["too_short"]),
        ("long_line.txt", ["too_short"]),
        ("long_multibyte.txt", ["too_short", "truncated"]),  # cut on a character: no invalid_utf8
        ("russian.txt", ["not_english"]),
        ("chinese.txt", ["not_english"]),
        ("deep.html", ["empty", "html_fallback"]),  # libxml2 gives up on 50,000 nested tags
    ],
)
def test_unscorable_text_gets_a_flag_and_no_score(hostile, name, flags):
    row = hostile[name]
    assert (row["error"], row["score"], row["label"], row["flags"]) == (None, None, None, flags)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("png_named.txt", "binary file, not text"),
        ("zip_named.txt", "binary file, not text"),
        ("loop_a.txt", "cannot read: Too many levels of symbolic links"),
        ("loop_b.txt", "cannot read: Too many levels of symbolic links"),
        ("self.txt", "cannot read: Too many levels of symbolic links"),
        ("dangling.txt", "broken symbolic link"),
        ("devnull.txt", "not a regular file: a character device"),
        ("devzero.txt", "not a regular file: a character device"),
        ("fifo.txt", "not a regular file: a FIFO (named pipe)"),
        ("socket.txt", "not a regular file: a socket"),
    ],
)
def test_unreadable_files_get_an_error(hostile, name, error):
    row = hostile[name]
    assert (row["error"], row["score"], row["flags"]) == (error, None, [])


@pytest.mark.parametrize(
    "name",
    [
        "utf16_bom.txt",
        "utf32_bom.txt",
        "mixed_endings.txt",
        "with space.txt",
        "new\nline.txt",
        "ünïcødé 文章.txt",
        "-leading-dash.txt",
        os.fsdecode(b"latin1-caf\xe9.txt"),
    ],
)
def test_odd_encodings_and_names_score_like_the_plain_file(hostile, name):
    row, ref = hostile[name], hostile["reference.txt"]
    assert row["error"] is None and row["flags"] == []
    assert (row["score"], row["label"], row["probabilities"]) == (
        ref["score"],
        ref["label"],
        ref["probabilities"],
    )


def test_invalid_utf8_is_replaced_and_flagged(hostile):
    row = hostile["invalid_utf8.txt"]
    assert row["error"] is None and row["flags"] == ["invalid_utf8"] and 0 <= row["score"] <= 1


@pytest.mark.parametrize("name", ["scripts.html", "malformed.html", "fragment.html"])
def test_html_pages_are_scored(hostile, name):
    row = hostile[name]
    assert row["error"] is None and 0 <= row["score"] <= 1 and "empty" not in row["flags"]


def test_html_text_drops_scripts_styles_and_navigation(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    text = read_document(tmp_path / "page.html").text
    assert ARTICLE[:80] in text
    assert not any(junk in text for junk in ("alert", "pwned", "color", "tracking", "Contact"))


def test_binary_files_are_refused_when_a_glob_lets_them_in(tmp_path, bundle):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "image.png").write_bytes(PNG)
    (folder / "archive.zip").write_bytes(zip_bytes())
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    rows = score_folder(folder, tmp_path / "out.jsonl", "--model", bundle, "--glob", "*")
    assert {name: r["error"] for name, r in rows.items()} == {
        "archive.zip": "binary file, not text",
        "article.txt": None,
        "image.png": "binary file, not text",
    }


def test_a_leading_dash_file_named_on_the_command_line(tmp_path, bundle, monkeypatch, capsys):
    (tmp_path / "-v.txt").write_text(ARTICLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["score", "--model", str(bundle), "-q", "--", "-v.txt"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["path"] == "-v.txt" and row["error"] is None and row["score"] is not None


def test_unreadable_file_when_not_root(tmp_path, bundle):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode; the FIFO, device and link tests cover read errors")
    (tmp_path / "in").mkdir()
    locked = tmp_path / "in" / "locked.txt"
    locked.write_text(ARTICLE)
    locked.chmod(0)
    rows = score_folder(tmp_path / "in", tmp_path / "out.jsonl", "--model", bundle)
    assert rows["locked.txt"]["error"] == "permission denied"


def test_a_50_mb_file_is_read_in_bounded_time_and_memory(tmp_path, bundle):
    line = (ARTICLE + "\n").encode()
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    with big.open("wb") as f:
        block = line * (1_000_000 // len(line) + 1)
        while f.tell() < 50_000_000:
            f.write(block)
    small.write_bytes(line)
    small_run, big_run = _measure(small, bundle), _measure(big, bundle)
    print(f"\n50 MB file: {big_run[0]:.1f} s, peak RSS {big_run[1]:.0f} MB", end=" ")
    print(f"(one-article file: {small_run[0]:.1f} s, {small_run[1]:.0f} MB)")
    assert big_run[2]["flags"] == ["truncated"] and big_run[2]["error"] is None
    assert big_run[0] < small_run[0] + 30
    assert big_run[1] < small_run[1] + 200  # 2 MB are read, never the 50


def _measure(path, bundle):
    """Wall time (s), peak resident memory (MB) and the row of a `python -m mtdetect score` run."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtdetect", "score", str(path), "--model", str(bundle), "-q"],
        stdout=subprocess.PIPE,
    )
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0
    return time.monotonic() - start, usage.ru_maxrss / 1024, json.loads(out)


def test_folders_nested_deeper_than_the_recursion_limit(tmp_path, bundle):
    chain = [tmp_path / "in"]
    for _ in range(1100):  # past Python's default recursion limit of 1000; paths stay under PATH_MAX
        chain[-1].mkdir()  # one level at a time: Path.mkdir(parents=True) itself recurses
        chain.append(chain[-1] / "d")
    article = chain[-2] / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    try:
        rows = score_folder(tmp_path / "in", tmp_path / "out.jsonl", "--model", bundle, "--recursive")
    finally:  # shutil.rmtree recurses too, so pytest could not clean this tree up later
        article.unlink()
        for folder in reversed(chain[:-1]):
            folder.rmdir()
    assert rows["article.txt"]["path"] == str(article)
    assert rows["article.txt"]["error"] is None and rows["article.txt"]["score"] is not None
