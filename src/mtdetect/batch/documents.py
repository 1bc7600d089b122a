"""Reading articles from disk: finding files, decoding bytes, extracting article text from HTML.

Every failure becomes a `Document` with `error` set, never an exception, so one bad file cannot
stop a batch. Work per file is bounded: at most `max_bytes` are read (the rest is dropped and the
document flagged `truncated`), binary files are refused after a look at their first bytes, only
regular files are opened (a FIFO or device would block or never end), and folder walks do not
follow symlinks, so link loops cannot trap them. Entries a walk cannot classify (dangling links,
link loops, FIFOs) are still yielded, so the reader reports them instead of skipping them silently.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
import stat
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
    """Each folder's wanted files sorted by name, then its sub-folders in name order (depth first)."""
    stack = [folder]
    while stack:  # a stack, not recursion: folder depth is unbounded
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            yield current  # reported as unreadable by read_document
            continue
        subfolders = []
        for entry in entries:
            if _is_dir(entry):
                if recursive and not entry.is_symlink():
                    subfolders.append(Path(entry.path))
            elif _wanted(entry.name, pattern):
                yield Path(entry.path)
        stack.extend(reversed(subfolders))


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop: not a folder; read_document will say what it is
        return False


def decode(raw: bytes, final: bool = True) -> tuple[str, list[str]]:
    """Bytes to text: honours a UTF-8/16/32 byte-order mark, else UTF-8; bad bytes are replaced and flagged.

    With `final=False` the bytes are a cut prefix: an incomplete character at the end is dropped
    instead of being replaced and flagged.

    >>> decode("café".encode("utf-16"))
    ('café', [])
    >>> decode(b"caf\\xe9")
    ('caf�', ['invalid_utf8'])
    >>> decode("café".encode()[:-1], final=False)
    ('caf', [])
    """
    encoding, skip = "utf-8", 0
    for bom, name in _BOMS:
        if raw.startswith(bom):
            encoding, skip = name, len(bom)
            break
    body = raw[skip:]
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(body, final), []
    except UnicodeDecodeError:
        text = codecs.getincrementaldecoder(encoding)("replace").decode(body, final)
        return text, ["invalid_encoding" if skip else "invalid_utf8"]


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are not text in any encoding we read (NUL bytes without a UTF-16/32 BOM)."""
    head = raw[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    return b"\x00" in head


def html_to_text(html: str) -> tuple[str, list[str]]:
    """The main article text of an HTML page (boilerplate, scripts and styles removed).

    Pages too short or odd for article extraction fall back to all visible text, flagged `html_fallback`.
    """
    import trafilatura  # deferred: importing it costs about 0.3 s and plain-text runs never need it

    # trafilatura rejects a bare fragment ("<p>...</p>" with no <html>) as not HTML: retry it wrapped.
    attempts = (html, f"<html><body>{html}</body></html>")
    for markup in attempts:
        text = trafilatura.extract(markup, include_comments=False, include_tables=False, favor_recall=True)
        if text:
            return text, []
    for markup in attempts:
        text = trafilatura.html2txt(markup)
        if text:
            return text, ["html_fallback"]
    return "", ["html_fallback"]


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
        raw = _read_head(path, max_bytes + 1)
    except _NotAFile as exc:
        doc.error = str(exc)
        return doc
    except FileNotFoundError:
        doc.error = "broken symbolic link" if os.path.islink(path) else "no such file"
        return doc
    except PermissionError:
        doc.error = "permission denied"
        return doc
    except OSError as exc:
        doc.error = f"cannot read: {exc.strerror or exc}"
        return doc
    truncated = len(raw) > max_bytes
    if truncated:
        raw = raw[:max_bytes]
        doc.flags.append("truncated")
    if looks_binary(raw):
        doc.error = "binary file, not text"
        return doc
    text, flags = decode(raw, final=not truncated)
    doc.flags.extend(flags)
    if truncated:
        cut = max(text.rfind(c) for c in " \t\n\r")
        if cut > len(text) // 2:  # end on a whole word unless that would drop too much
            text = text[:cut]
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


class _NotAFile(Exception):
    """The path exists but is not a regular file; the message says what it is."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _read_head(path: Path, n: int) -> bytes:
    """The first `n` bytes of a regular file; raises _NotAFile for folders, FIFOs, devices, sockets."""
    mode = os.stat(path).st_mode
    _check_regular(path, mode)
    # O_NONBLOCK: if the path was swapped for a FIFO after the stat, opening it must not hang.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        _check_regular(path, os.fstat(fd).st_mode)
        return f.read(n)


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        try:
            os.scandir(path).close()
        except OSError as exc:
            raise _NotAFile(f"cannot read folder: {exc.strerror or exc}") from None
        raise _NotAFile("is a folder (pass --recursive to read folders inside folders)")
    kind = next((name for test, name in _KINDS if test(mode)), None)
    raise _NotAFile(f"not a regular file: {kind}" if kind else "not a regular file")
