"""Reading articles from disk: finding files, decoding bytes, extracting article text from HTML.

Every failure becomes a `Document` with `error` set, never an exception, so one bad file cannot
stop a batch. Work per file is bounded: at most `max_bytes` are read (the rest is dropped and the
document flagged `truncated`), binary files are refused after a look at their first bytes, and
folder walks do not follow symlinks, so link loops cannot trap them.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
MAX_BYTES = 2_000_000
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass
class Document:
    """An article read from `path`: its text and flags, or an error saying why there is no text."""

    path: str
    text: str | None = None
    flags: list[str] = field(default_factory=list)
    error: str | None = None


def find_files(inputs: Sequence[Path], pattern: str | None = None, recursive: bool = False) -> Iterator[Path]:
    """Files named by `inputs`, in a stable order: explicit files as given, folders walked and sorted.

    Inside folders only supported suffixes are taken, or names matching `pattern` when given.
    Paths that do not exist are yielded too, so the caller reports them as errors.
    """
    for item in inputs:
        if item.is_dir():
            yield from _walk(item, pattern, recursive)
        else:
            yield item


def _wanted(name: str, pattern: str | None) -> bool:
    if pattern is not None:
        return fnmatch.fnmatch(name, pattern)
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES


def _walk(folder: Path, pattern: str | None, recursive: bool) -> Iterator[Path]:
    if not recursive:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            yield folder  # reported as unreadable by read_document
            return
        yield from (Path(e.path) for e in entries if _is_file(e) and _wanted(e.name, pattern))
        return
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=None):
        dirs.sort()
        for name in sorted(files):
            if _wanted(name, pattern):
                yield Path(root) / name


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def decode(raw: bytes) -> tuple[str, list[str]]:
    """Bytes to text: honours a UTF-8/16/32 byte-order mark, else UTF-8; bad bytes are replaced and flagged.

    >>> decode("café".encode("utf-16"))
    ('café', [])
    >>> decode(b"caf\\xe9")
    ('caf�', ['invalid_utf8'])
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            text = raw[len(bom) :].decode(encoding, errors="replace")
            return text, ["invalid_encoding"] if "\ufffd" in text else []
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), ["invalid_utf8"]


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are not text in any encoding we read (NUL bytes without a UTF-16/32 BOM)."""
    head = raw[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    return b"\x00" in head


def html_to_text(html: str) -> tuple[str, list[str]]:
    """The main article text of an HTML page (boilerplate, scripts and styles removed)."""
    import trafilatura  # deferred: importing it costs about 0.3 s and plain-text runs never need it

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if text:
        return text, []
    # Pages too short or odd for article extraction: fall back to all visible text.
    return trafilatura.html2txt(html) or "", ["html_fallback"]


def normalize_newlines(text: str) -> str:
    r"""Unify line endings to "\n".

    >>> normalize_newlines("a\r\nb\rc")
    'a\nb\nc'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_document(path: Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read one article; errors and oddities come back in the Document, never raised."""
    doc = Document(str(path))
    try:
        if path.is_dir():
            doc.error = "is a folder (pass --recursive to read folders inside folders)"
            return doc
        with path.open("rb") as f:
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        doc.error = "no such file"
        return doc
    except PermissionError:
        doc.error = "permission denied"
        return doc
    except OSError as exc:
        doc.error = f"cannot read: {exc.strerror or exc}"
        return doc
    if len(raw) > max_bytes:
        cut = raw.rfind(b" ", 0, max_bytes)
        raw = raw[: cut if cut > max_bytes // 2 else max_bytes]
        doc.flags.append("truncated")
    if looks_binary(raw):
        doc.error = "binary file, not text"
        return doc
    text, flags = decode(raw)
    doc.flags.extend(flags)
    text = normalize_newlines(text)
    if path.suffix.lower() in HTML_SUFFIXES:
        try:
            text, flags = html_to_text(text)
        except Exception as exc:  # a parser bug on hostile markup must not stop the batch
            doc.error = f"HTML extraction failed: {type(exc).__name__}"
            return doc
        doc.flags.extend(flags)
    doc.text = text
    return doc
