"""Writing score rows (JSON Lines or CSV) so that a run killed at any moment can be resumed.

Each row is encoded to bytes first and then written with `os.write` on an `O_APPEND` descriptor,
one row per write and no user-space buffer, so a killed run leaves whole rows behind and at most
one torn row at the end. `open_output(..., resume=True)` cuts that torn tail off, returns the
paths already written, and appends after them; the caller skips those paths. Rows reach the
operating system as they are written (they survive the process being killed); the file is
fsynced once, on close, not per row, so a power cut can still lose the last rows.

An output file is locked (`flock`, where the platform has it) while a run writes to it, so a
second run on the same file fails at once instead of interleaving rows. File names that are not
valid UTF-8 (surrogate escapes in Python) are kept exact: as `\\udcXX` escapes in JSON, as the
original bytes in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from mtdetect.model.detector import LABELS, REWRITE_KINDS

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; concurrent runs on one file are not detected
    fcntl = None  # type: ignore[assignment]

CSV_COLUMNS = (
    "path",
    "score",
    "label",
    "verdict",
    "threshold",
    *(f"threshold_{kind}" for kind in REWRITE_KINDS),
    *(f"p_{lab}" for lab in LABELS),
    "flags",
    "error",
)
FORMATS = ("jsonl", "csv")


class OutputConflict(Exception):
    """The output file cannot be used as asked: it has rows, is not ours, or is in use."""


def format_row(row: dict[str, Any], fmt: str) -> bytes:
    """One row as a whole line of UTF-8 bytes, newline included.

    >>> format_row({"path": "a.txt", "score": None, "flags": []}, "jsonl")
    b'{"path": "a.txt", "score": null, "flags": []}\\n'
    """
    if fmt == "jsonl":
        try:
            return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a surrogate-escaped file name: \u escapes round-trip exactly
            return (json.dumps(row) + "\n").encode("ascii")
    probs = row["probabilities"] or {}
    kind_cuts = row.get("kind_thresholds") or {}
    fields = [
        row["path"],
        _fmt(row["score"]),
        row["label"] or "",
        row.get("verdict") or "",
        _fmt(row.get("threshold")),
        *(_fmt(kind_cuts.get(kind)) for kind in REWRITE_KINDS),
        *(_fmt(probs.get(lab)) for lab in LABELS),
        ";".join(row["flags"]),
        row["error"] or "",
    ]
    return _csv_line(fields)


def csv_header() -> bytes:
    """The CSV header line."""
    return _csv_line(list(CSV_COLUMNS))


def _csv_line(fields: list[str]) -> bytes:
    # QUOTE_MINIMAL does not quote a lone "\r" when the terminator is "\n"; readers would split there.
    quoting = csv.QUOTE_ALL if any("\r" in f for f in fields) else csv.QUOTE_MINIMAL
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=quoting).writerow(fields)
    return buf.getvalue().encode("utf-8", "surrogateescape")


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.6f}"


class RowWriter:
    """Writes rows to a file descriptor or a stream: one whole line per write, flushed at once."""

    def __init__(self, sink: int | BinaryIO | TextIO, fmt: str, header: bool = True) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}, expected one of {FORMATS}")
        self.fmt = fmt
        self._fd = sink if isinstance(sink, int) else None
        self._write: Callable[[bytes], None] = (
            self._write_fd if isinstance(sink, int) else _stream_writer(sink)
        )
        if fmt == "csv" and header:
            self._write(csv_header())

    def write(self, row: dict[str, Any]) -> None:
        """Append one row."""
        self._write(format_row(row, self.fmt))

    def close(self) -> None:
        """Sync and close the file descriptor, if this writer owns one."""
        if self._fd is not None:
            try:
                if stat.S_ISREG(os.fstat(self._fd).st_mode):  # /dev/null and pipes cannot be synced
                    os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None

    def _write_fd(self, data: bytes) -> None:
        assert self._fd is not None, "write after close"
        view = memoryview(data)
        while view:  # one write for a row in practice; loop in case the kernel takes only part
            view = view[os.write(self._fd, view) :]


def _stream_writer(stream: BinaryIO | TextIO) -> Callable[[bytes], None]:
    """A function writing bytes to `stream` and flushing; a text stream's bytes go to its buffer."""
    if isinstance(stream, io.TextIOBase):
        text = stream
        if getattr(text, "buffer", None) is None:

            def write_text(data: bytes) -> None:
                text.write(data.decode("utf-8", "surrogateescape"))
                text.flush()

            return write_text
        text.flush()
        stream = text.buffer  # type: ignore[attr-defined]

    def write(data: bytes) -> None:
        stream.write(data)  # type: ignore[arg-type]
        stream.flush()

    return write


def check_output(path: Path, resume: bool, overwrite: bool) -> None:
    """Raise OutputConflict when `path` holds rows and neither `resume` nor `overwrite` was asked for."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size and not (resume or overwrite):
        raise _not_empty(path)


def _not_empty(path: Path) -> OutputConflict:
    return OutputConflict(
        f"{path} already exists and is not empty; pass --resume to add only the files missing "
        "from it, or --overwrite to replace it"
    )


def open_output(
    path: Path, fmt: str, resume: bool = False, overwrite: bool = False
) -> tuple[RowWriter, set[str]]:
    """Open `path` for appending rows; returns the writer and the paths it already holds.

    With `resume`, a torn last row is cut off and the remaining rows' paths are returned; with
    `overwrite`, the file is emptied. Otherwise a non-empty file raises OutputConflict, as does a
    file that is not mtdetect output of this format, or one that another run is writing.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o644)
    try:
        _lock(fd, path)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a device or pipe (-o /dev/null): just write to it
            return RowWriter(fd, fmt, header=True), set()
        if overwrite:
            os.ftruncate(fd, 0)
        size = os.fstat(fd).st_size
        if size and not resume:
            raise _not_empty(path)
        done: set[str] = set()
        if size:
            done, keep = read_done(path, fmt)
            if keep < size:
                os.ftruncate(fd, keep)
                size = keep
        return RowWriter(fd, fmt, header=size == 0), done
    except BaseException:
        os.close(fd)
        raise


def _lock(fd: int, path: Path) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OutputConflict(f"{path} is being written by another mtdetect run") from None
    except OSError:  # the file system has no locks (some network mounts): go on without
        pass


def read_done(path: Path, fmt: str) -> tuple[set[str], int]:
    """The `path` of every whole row in an output file, and the byte length of those rows.

    Bytes after the last whole row (a row torn by a crash) are not counted. Raises OutputConflict
    when a whole row does not parse: the file is not mtdetect output of this format.
    """
    done: set[str] = set()
    keep = 0
    with path.open("rb") as f:
        for lineno, record in _records(f, fmt):
            if fmt == "jsonl":
                if record.strip():
                    done.add(_json_path(record, path, lineno))
            else:
                fields = next(csv.reader(io.StringIO(record.decode("utf-8", "surrogateescape"), newline="")))
                if keep == 0:
                    if tuple(fields) != CSV_COLUMNS:
                        raise OutputConflict(
                            f"{path}:1: not an mtdetect CSV header of this version (columns "
                            f"{','.join(CSV_COLUMNS)}); choose another -o"
                        )
                elif len(fields) != len(CSV_COLUMNS):
                    raise OutputConflict(f"{path}:{lineno}: not an mtdetect CSV row; choose another -o")
                else:
                    done.add(fields[0])
            keep += len(record)
    return done, keep


def _records(f: BinaryIO, fmt: str) -> Iterator[tuple[int, bytes]]:
    """(first line number, bytes) of each whole record; stops at a torn tail."""
    record = b""
    start = 1
    for lineno, line in enumerate(f, start=1):
        if not line.endswith(b"\n"):
            return  # torn: the newline is the last byte of every row written
        if not record:
            start = lineno
        record += line
        # CSV quotes a path holding a newline, so one row may span lines; quotes come in pairs.
        if fmt == "csv" and record.count(b'"') % 2:
            continue
        yield start, record
        record = b""


def _json_path(record: bytes, path: Path, lineno: int) -> str:
    try:
        row = json.loads(record)
    except ValueError:
        row = None
    if not isinstance(row, dict) or not isinstance(row.get("path"), str):
        raise OutputConflict(f"{path}:{lineno}: not an mtdetect JSON row; choose another -o")
    return row["path"]
