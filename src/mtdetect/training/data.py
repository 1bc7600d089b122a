"""Labelled training data: the JSON Lines format users train on, and group-aware splitting.

Each line is either a pair or a single text:

    {"original": str, "rewritten": str, "kind": "spun"|"translated", "id"?: str, "source"?: str}
    {"text": str, "label": "original"|"spun"|"translated", "id"?: str, "source"?: str}

Both may carry `"generator"`, the name of the rewriter that made the text, for per-generator metrics.

A pair yields two examples that share a group, so an original and its rewrite always land in
the same split. Rows without an `id` are grouped by a hash of their text. Splits are assigned by
hashing the group id with a seed: stable when rows are added, removed or reordered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mtdetect.model.text import word_tokens

REWRITE_KINDS = ("spun", "translated")
ALL_LABELS = ("original", *REWRITE_KINDS)


class DataError(ValueError):
    """A training file or row is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    label: str
    group: str
    source: str = "unknown"
    generator: str | None = None  # the rewriter that made a rewritten text, when known


@dataclass(frozen=True)
class Pair:
    """An original and its mechanical rewrite."""

    original: str
    rewritten: str
    kind: str
    group: str
    source: str = "unknown"
    generator: str | None = None


@dataclass
class Dataset:
    """Examples and pairs read from one or more JSONL files, with a hash of their bytes."""

    examples: list[Example] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        """One hash over the hashes of all files, in the order given."""
        return hashlib.sha256("".join(f["sha256"] for f in self.files).encode()).hexdigest()

    def subset(self, groups: set[str]) -> Dataset:
        """Only the examples and pairs whose group is in `groups`."""
        return Dataset(
            [e for e in self.examples if e.group in groups],
            [p for p in self.pairs if p.group in groups],
            self.files,
        )

    def label_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ALL_LABELS, 0)
        for e in self.examples:
            counts[e.label] += 1
        return counts


def _text_group(text: str) -> str:
    return "h:" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:16]


def _require_str(row: dict, key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: field {key!r} must be a non-empty string")
    return value


def parse_row(row: object, where: str) -> tuple[list[Example], Pair | None]:
    """Examples (and the pair, if any) of one decoded JSON row."""
    if not isinstance(row, dict):
        raise DataError(f"{where}: each line must be a JSON object")
    source = str(row.get("source") or "unknown")
    generator = str(row["generator"]) if row.get("generator") else None
    if "original" in row or "rewritten" in row:
        original = _require_str(row, "original", where)
        rewritten = _require_str(row, "rewritten", where)
        kind = row.get("kind")
        if kind not in REWRITE_KINDS:
            raise DataError(f"{where}: 'kind' must be one of {list(REWRITE_KINDS)}, got {kind!r}")
        group = str(row.get("id") or _text_group(original))
        pair = Pair(original, rewritten, kind, group, source, generator)
        examples = [
            Example(original, "original", group, source),
            Example(rewritten, kind, group, source, generator),
        ]
        return examples, pair
    text = _require_str(row, "text", where)
    label = row.get("label")
    if label not in ALL_LABELS:
        raise DataError(f"{where}: 'label' must be one of {list(ALL_LABELS)}, got {label!r}")
    return [Example(text, label, str(row.get("id") or _text_group(text)), source, generator)], None


def long_enough(examples: Iterable[Example], min_words: int) -> list[Example]:
    """The examples a detector with this `min_words` would score (the rule its length flag applies)."""
    return [e for e in examples if len(word_tokens(e.text)) >= min_words]


def load(paths: Sequence[Path]) -> Dataset:
    """Read training JSONL files; raises DataError on the first bad row or a missing file."""
    data = Dataset()
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        data.files.append({"path": str(path), "sha256": hashlib.sha256(raw).hexdigest()})
        try:
            lines = raw.decode("utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: not UTF-8 (byte {exc.start})") from exc
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: not valid JSON ({exc.msg})") from exc
            examples, pair = parse_row(row, where)
            data.examples.extend(examples)
            if pair is not None:
                data.pairs.append(pair)
    if not data.examples:
        raise DataError(f"no training rows in {', '.join(map(str, paths))}")
    return data


def assign_split(group: str, shares: dict[str, float], seed: int) -> str:
    """Deterministically map a group id to one of the named splits, in proportion to `shares`.

    >>> assign_split("doc-1", {"train": 1.0}, seed=0)
    'train'
    """
    h = int.from_bytes(hashlib.sha256(f"{seed}:{group}".encode()).digest()[:8], "big") / 2**64
    total = sum(shares.values())
    acc = 0.0
    for name, share in shares.items():
        acc += share / total
        if h < acc:
            return name
    return name


def split(data: Dataset, shares: dict[str, float], seed: int) -> dict[str, Dataset]:
    """Split by group into named parts; no group straddles two parts."""
    by_split: dict[str, set[str]] = {name: set() for name in shares}
    for group in {e.group for e in data.examples}:
        by_split[assign_split(group, shares, seed)].add(group)
    return {name: data.subset(groups) for name, groups in by_split.items()}


def write_jsonl(rows: Iterable[dict], path: Path) -> int:
    """Write rows as JSON Lines (UTF-8, one object per line); returns the row count."""
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def iter_jsonl(path: Path) -> Iterator[dict]:
    """Decoded rows of a JSON Lines file."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
