import codecs
import os

import pytest

from mtdetect.batch.documents import decode, find_files, looks_binary, read_document

ARTICLE = (
    "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
    "<nav>Home | About</nav><article><h1>Council votes</h1>"
    + "".join(
        f"<p>The council met on day {i} and agreed to fund the new library for the town.</p>"
        for i in range(8)
    )
    + "</article><footer>Copyright</footer></body></html>"
)


def test_plain_text_and_markdown(tmp_path):
    (tmp_path / "a.txt").write_text("Hello\r\nworld\r", encoding="utf-8")
    doc = read_document(tmp_path / "a.txt")
    assert doc.text == "Hello\nworld\n" and doc.error is None and doc.flags == []


def test_html_extracts_article_without_scripts_or_styles(tmp_path):
    (tmp_path / "a.html").write_text(ARTICLE, encoding="utf-8")
    doc = read_document(tmp_path / "a.html")
    assert "agreed to fund the new library" in doc.text
    assert "alert" not in doc.text and "color:red" not in doc.text


def test_malformed_html_still_gives_text(tmp_path):
    (tmp_path / "m.html").write_text("<p>Unclosed <b>bold <i>text here</p></div></html><<<", encoding="utf-8")
    doc = read_document(tmp_path / "m.html")
    assert doc.error is None and "text here" in doc.text


def test_binary_is_an_error(tmp_path):
    (tmp_path / "img.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))
    assert read_document(tmp_path / "img.txt").error == "binary file, not text"


def test_encodings(tmp_path):
    assert decode(codecs.BOM_UTF8 + "naïve".encode()) == ("naïve", [])
    assert decode("naïve".encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""])) == ("naïve", [])
    text, flags = decode(b"na\xefve")
    assert text == "na\ufffdve" and flags == ["invalid_utf8"]
    assert not looks_binary("text".encode("utf-16"))


def test_truncates_huge_files(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000, encoding="utf-8")
    doc = read_document(tmp_path / "big.txt", max_bytes=1000)
    assert "truncated" in doc.flags and len(doc.text) <= 1000 and doc.text.endswith("word")


def test_missing_folder_and_unreadable(tmp_path):
    assert read_document(tmp_path / "nope.txt").error == "no such file"
    assert read_document(tmp_path).error.startswith("is a folder")
    locked = tmp_path / "locked.txt"
    locked.write_text("x")
    locked.chmod(0)
    try:
        if os.geteuid() == 0:
            pytest.skip("root can read anything")
        assert read_document(locked).error == "permission denied"
    finally:
        locked.chmod(0o644)


def test_find_files_order_filters_and_recursion(tmp_path):
    for name in ("b.txt", "a.md", "c.html", "skip.json", "sub/d.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    names = [p.relative_to(tmp_path).as_posix() for p in find_files([tmp_path])]
    assert names == ["a.md", "b.txt", "c.html"]
    names = [p.relative_to(tmp_path).as_posix() for p in find_files([tmp_path], recursive=True)]
    assert names == ["a.md", "b.txt", "c.html", "sub/d.txt"]
    assert [p.name for p in find_files([tmp_path], pattern="*.json")] == ["skip.json"]
    explicit = tmp_path / "skip.json"
    assert list(find_files([explicit, tmp_path / "missing.txt"])) == [explicit, tmp_path / "missing.txt"]


def test_symlink_loops_do_not_trap_the_walk(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("x")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    names = [p.name for p in find_files([tmp_path], recursive=True)]
    assert names == ["a.txt"]
