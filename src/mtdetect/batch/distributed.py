"""Scoring on Ray Data: the rows `mtdetect score` writes, computed by a pool of Ray actors.

The pipeline has three stages. Article files (found with `documents.find_files`, each named once)
become a dataset of paths, each read with `read_document`; JSONL and Parquet tables (`.jsonl`,
`.parquet`) are read with Ray Data's readers and give one document per row. An actor pool
(`concurrency` actors, each loading the model once and reserving `threads` CPUs, on which it runs
that many torch threads) turns batches of documents into rows with
the CLI's own row builder, `scoring.score_documents`, and the rows are written to a folder: JSON Lines
files, or Parquet files. Rows come out in no particular order; sort them by `path` to compare runs.

Deliberate choices:
- JSONL lines are serialised by `output.format_row`, the CLI's encoder, and written by a small
  Ray file datasink, not `Dataset.write_json`: pandas' JSON writer rounds floats to 10 digits,
  escapes "/" and non-ASCII, and fails on file names that are not UTF-8. Each line is thus the
  line the CLI writes for the same row.
- In Parquet, `probabilities` is a struct (original, spun, translated; null when there is no
  verdict) and `flags` a list of strings. Parquet strings must be UTF-8, so in a file name that
  is not, each undecodable byte is written as the `\\udcXX` escape the JSONL shows.
- Paths inside the pipeline are bytes (`os.fsencode`), so names that are not UTF-8 survive Arrow.
  Files are opened by absolute path, but rows keep the path as given, like the CLI's rows.
- A table row is named by its `path` column, else its `id` column; a table with neither is refused.
- A Ray instance started here listens on loopback only (see `ray_session`) and is shut down at the
  end. With `address`, the call connects to that cluster and disconnects at the end; an already
  initialised Ray is used as it is and left running. On a cluster, every node needs mtdetect
  installed, and the input files and any `model` folder must be at the same paths on every node.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from mtdetect.batch.documents import Document, find_files, normalize_newlines, read_document
from mtdetect.batch.output import format_row
from mtdetect.batch.scoring import score_documents
from mtdetect.model.detector import LABELS, REWRITE_KINDS, Detector
from mtdetect.model.threads import apply_threads

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

TABLE_SUFFIXES = frozenset({".jsonl", ".parquet"})
OUTPUT_FORMATS = ("jsonl", "parquet")
INSTALL_HINT = "Ray is not installed; install it with: pip install 'mtdetect[ray]'"
# Ray's switch for keeping a one-machine instance on 127.0.0.1, read once when ray is imported.
_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def score_with_ray(
    inputs: Sequence[Path],
    output: Path,
    model: Path | None = None,
    *,
    address: str | None = None,
    concurrency: int = 1,
    batch_size: int = 64,
    output_format: Literal["jsonl", "parquet"] = "jsonl",
    pattern: str | None = None,
    recursive: bool = False,
    fast: bool = False,
    threads: int = 1,
) -> int:
    """Score articles and tables with Ray Data and write the rows into the folder `output`.

    `inputs`, `pattern` and `recursive` select article files as `mtdetect score` does; `.jsonl`
    and `.parquet` files are read as tables with a `text` column. `model` is a bundle folder
    (the shipped model when None); `fast` uses its feature-only head. Each of the `concurrency`
    actors reserves `threads` CPUs and runs the encoder on as many torch threads. Returns the number
    of rows written.

    Raises RuntimeError when Ray is not installed, FileExistsError when `output` is a non-empty
    folder, ValueError for bad arguments or a table without `text` or a row name, and BundleError
    for a missing or corrupt model.
    """
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {output_format!r}, expected one of {OUTPUT_FORMATS}")
    if concurrency < 1 or batch_size < 1 or threads < 1:
        raise ValueError("concurrency, batch_size and threads must be at least 1")
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise FileExistsError(f"{output} already exists and is not an empty folder")
    _import_ray(local=_on_this_machine(address))
    Detector.load(model, fast=fast)  # a bad model fails here with its own message, not as a dead Ray actor
    files, tables = _split_inputs(inputs, pattern, recursive)
    if not files and not tables:
        output.mkdir(parents=True, exist_ok=True)
        return 0
    reserved = concurrency * threads
    with ray_session(address, num_cpus=max(os.cpu_count() or 1, reserved + 1)):
        import ray
        from ray.data import ActorPoolStrategy

        cpus = ray.cluster_resources().get("CPU", 0)
        if cpus <= reserved:  # actors on every CPU starve the read and write tasks: a hang (ray#44687)
            raise ValueError(
                f"concurrency {concurrency} with {threads} CPU(s) each needs a Ray cluster with more than "
                f"{reserved} CPUs (this one has {cpus:g}): reading and writing need a CPU besides the "
                "scoring actors"
            )

        docs = _documents(files, tables)
        rows = docs.map_batches(
            _Scorer,
            batch_size=batch_size,
            batch_format="pyarrow",
            compute=ActorPoolStrategy(size=concurrency),
            num_cpus=threads,  # what Ray reserves per actor; the actor runs as many torch threads
            fn_constructor_args=(
                None if model is None else str(Path(model).absolute()),
                output_format,
                fast,
                threads,
            ),
        )
        if output_format == "jsonl":
            rows.write_datasink(_lines_datasink(str(output)))
        else:
            rows.write_parquet(str(output))
    return _count_rows(output, output_format)


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[None]:
    """Use Ray inside the block: the running instance, the cluster at `address`, or a new local one.

    Only what this call started or connected to is shut down or disconnected when the block ends.
    `num_cpus` applies to a new local instance only (default: the machine's CPU count).
    """
    ray = _import_ray(local=_on_this_machine(address))
    if ray.is_initialized():
        yield
        return
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(
            address="local",  # a new instance, even when RAY_ADDRESS names a cluster
            num_cpus=num_cpus,
            include_dashboard=False,
            ignore_reinit_error=True,
            log_to_driver=False,
        )
    try:
        yield
    finally:
        ray.shutdown()


def _on_this_machine(address: str | None) -> bool:
    """True for no address (a new local instance) and for a loopback address such as 127.0.0.1:6379."""
    if not address:
        return True
    host = address.rpartition(":")[0].strip("[]") if ":" in address else address
    return host == "localhost" or host == "::1" or host.startswith("127.")


def _import_ray(local: bool) -> ModuleType:
    """The ray module, or RuntimeError with the install hint."""
    if local:
        # Unless told before it is first imported that the "cluster" is this one machine, Ray binds a
        # new instance to the machine's network address, and rewrites a 127.0.0.1 address to it too.
        os.environ.setdefault(_LOOPBACK_ENV, "0")
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError(INSTALL_HINT) from exc
    return ray


def _count_rows(output: Path, output_format: Literal["jsonl", "parquet"]) -> int:
    """The number of rows in an output folder written by `score_with_ray` into an empty folder."""
    if output_format == "jsonl":
        return sum(f.read_bytes().count(b"\n") for f in sorted(output.glob("*.jsonl")))
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(f).num_rows for f in sorted(output.glob("*.parquet")))


# -- inputs -----------------------------------------------------------------------------------
def _split_inputs(
    inputs: Sequence[Path], pattern: str | None, recursive: bool
) -> tuple[list[str], list[Path]]:
    """Article paths (as given, each once) and table files, in the order `find_files` yields them."""
    files: dict[str, None] = {}
    tables: dict[Path, None] = {}
    for path in find_files(inputs, pattern, recursive):
        if path.suffix.lower() in TABLE_SUFFIXES and path.is_file():
            tables[path] = None
        else:
            files[str(path)] = None
    return list(files), list(tables)


def _documents(files: list[str], tables: list[Path]) -> ray.data.Dataset:
    """One dataset of documents (path bytes, text, flags, error) from article files and tables."""
    import ray.data

    parts = []
    if files:
        items = [{"path": os.fsencode(p), "file": os.fsencode(os.path.abspath(p))} for p in files]
        parts.append(ray.data.from_items(items).map_batches(_read_files, batch_format="pyarrow"))
    for suffix, reader in ((".jsonl", ray.data.read_json), (".parquet", ray.data.read_parquet)):
        chosen = [t for t in tables if t.suffix.lower() == suffix]
        if chosen:
            table = reader([str(t.absolute()) for t in chosen])
            name = _name_column(table.schema().names, [str(t) for t in chosen])
            parts.append(table.map_batches(_table_documents, batch_format="pyarrow", fn_args=(name,)))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def _name_column(columns: list[str], files: list[str]) -> str:
    if "text" not in columns:
        raise ValueError(f"{', '.join(files)}: no 'text' column (columns: {', '.join(columns)})")
    for name in ("path", "id"):
        if name in columns:
            return name
    raise ValueError(f"{', '.join(files)}: rows need a 'path' or 'id' column to name them")


def _documents_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            ("path", pa.binary()),
            ("text", pa.string()),
            ("flags", pa.list_(pa.string())),
            ("error", pa.string()),
        ]
    )


def _documents_table(docs: list[Document]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist(
        [{"path": os.fsencode(d.path), "text": d.text, "flags": d.flags, "error": d.error} for d in docs],
        schema=_documents_schema(),
    )


def _read_files(batch: pa.Table) -> pa.Table:
    """Read each file of a batch of paths into a document named by the path as given."""
    docs = []
    for path, file in zip(batch.column("path").to_pylist(), batch.column("file").to_pylist(), strict=True):
        doc = read_document(Path(os.fsdecode(file)))
        doc.path = os.fsdecode(path)
        docs.append(doc)
    return _documents_table(docs)


def _table_documents(batch: pa.Table, name: str) -> pa.Table:
    """Table rows as documents: the text as a file's text would be read, named by column `name`."""
    docs = []
    for key, text in zip(batch.column(name).to_pylist(), batch.column("text").to_pylist(), strict=True):
        doc = Document("" if key is None else str(key))
        if isinstance(text, str):
            doc.text = normalize_newlines(text)
        else:
            doc.error = "no text" if text is None else f"text is {type(text).__name__}, not a string"
        docs.append(doc)
    return _documents_table(docs)


# -- scoring and output -----------------------------------------------------------------------
class _Scorer:
    """A Ray actor's callable: loads the model once, then turns document batches into output rows."""

    def __init__(self, model: str | None, output_format: str, fast: bool = False, threads: int = 1) -> None:
        apply_threads(threads)  # as many as the CPUs Ray reserved for this actor, before the encoder loads
        self.detector = Detector.load(model, fast=fast)
        self.output_format = output_format

    def __call__(self, batch: pa.Table) -> pa.Table:
        docs = [
            Document(os.fsdecode(r["path"]), r["text"], list(r["flags"]), r["error"])
            for r in batch.to_pylist()
        ]
        rows = score_documents(self.detector, docs)
        if self.output_format == "jsonl":
            return _lines_table([format_row(row, "jsonl") for row in rows])
        return _parquet_table(rows)


def _lines_table(lines: list[bytes]) -> pa.Table:
    import pyarrow as pa

    return pa.table({"line": pa.array(lines, pa.binary())})


def _parquet_table(rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    schema = pa.schema(
        [
            ("path", pa.string()),
            ("score", pa.float64()),
            ("label", pa.string()),
            ("verdict", pa.string()),
            ("threshold", pa.float64()),
            ("kind_thresholds", pa.struct([(kind, pa.float64()) for kind in REWRITE_KINDS])),
            ("probabilities", pa.struct([(lab, pa.float64()) for lab in LABELS])),
            ("flags", pa.list_(pa.string())),
            ("error", pa.string()),
        ]
    )
    utf8 = [{**r, "path": r["path"].encode("utf-8", "backslashreplace").decode("utf-8")} for r in rows]
    return pa.Table.from_pylist(utf8, schema=schema)


def _lines_datasink(path: str) -> ray.data.Datasink:
    """A Ray datasink writing each block's `line` column as it is, one `.jsonl` file per block."""
    from ray.data.datasource import BlockBasedFileDatasink

    class LinesDatasink(BlockBasedFileDatasink):
        def write_block_to_file(self, block: Any, file: Any) -> None:
            for line in block.to_arrow().column("line").to_pylist():
                file.write(line)

    return LinesDatasink(path, file_format="jsonl")
