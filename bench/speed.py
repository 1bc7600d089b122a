"""Speed of `mtdetect score` on Wikinews dev articles: articles/s, tokens/s, peak memory, first result.

    python bench/speed.py [--n 500] [--repeats 3] [--first-runs 5] [--model DIR] [--shared ../shared/data]
                          [--evidence] [--deep] [--cascade]

Each repeat runs the real command line in a fresh process over the same folder of .txt files and
measures wall time; peak RSS comes from the child's rusage. "First result" is a fresh process that
imports mtdetect, loads the model and scores one article. Both modes are measured: the full model
and `--fast` (feature-only head); with `--evidence`, also the full model writing evidence spans, and with
`--deep`, the full model scoring with its deep head (SmolLM2 reads each article's first 256 tokens), and with
`--cascade`, the deep head with SmolLM2 reading only the articles the main head does not call original.
Medians over the repeats are printed as a Markdown table, then:
- time to first result: the median wall time over `--first-runs` fresh processes of `mtdetect score`
  on one article (full and `--fast`), and of `python -c "import mtdetect; mtdetect.score(text)"`;
- two processes at once: two `mtdetect score --threads 1` on the two halves of the folder, started
  together, against one `mtdetect score --threads 2` on the whole folder (full model, median of the
  repeats; throughput counts articles over wall time from the first start to the last exit);
- `analyze(text)` (evidence and sentence scores) on 550-700-word articles: median and slowest seconds;
- the steps of start-up in a fresh process, and where the time goes inside one process (features,
  encoder, head), from a single pass.
The other jobs on the machine share its CPUs: compare numbers from one run, on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_articles(shared: Path, n: int, folder: Path) -> int:
    """Write the first n Wikinews dev articles as .txt files; returns their total word count."""
    words = 0
    with (shared / "wikinews" / "dev.jsonl").open(encoding="utf-8") as f:
        for i, line in zip(range(n), f, strict=False):
            text = json.loads(line)["text"]
            (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")
            words += len(text.split())
    return words


def timed_run(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (its own rusage, from wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed")
    return seconds, usage.ru_maxrss / 1024


def timed_together(argvs: list[list[str]]) -> float:
    """Wall seconds from starting all the child processes at once until the last one exits."""
    start = time.perf_counter()
    children = [subprocess.Popen(a, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for a in argvs]
    codes = [child.wait() for child in children]
    seconds = time.perf_counter() - start
    for argv, code in zip(argvs, codes, strict=True):
        if code != 0:
            raise RuntimeError(f"{' '.join(argv)} failed")
    return seconds


# What a Python user waits for: import, load the model on first use, one score.
SCORE_ONE = """
import sys
import mtdetect
text = open(sys.argv[1], encoding="utf-8").read()
mtdetect.score(text, model=None if sys.argv[2] == "-" else sys.argv[2], fast=sys.argv[3] == "fast")
"""


def where_the_time_goes(model: Path | None, texts: list[str]) -> dict[str, float]:
    """Seconds per stage of scoring `texts` in this process, one pass."""
    import numpy as np

    from mtdetect import Detector
    from mtdetect.model.text import Parsed

    clock = time.perf_counter()
    stages = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = now - clock
        clock = now

    detector = Detector.load(model)
    lap("load the model")
    parsed = [Parsed.of(t) for t in texts]
    columns = np.array([detector.extractor.vector(p) for p in parsed])
    lap("features (tokenise, look up, compute)")
    if detector.ngrams is not None:
        columns = np.hstack([columns, detector.ngrams.columns([p.judged_text for p in parsed])])
        lap("n-gram component (hash, weigh)")
    if detector.encoder is not None:
        judged = [p.judged_text for p in parsed]
        detector.encoder.pieces(judged)
        lap("encoder: word pieces")
        columns = np.hstack([columns, detector.encoder.transform(judged)])
        lap("encoder: word pieces and transformer")
    detector.head.predict_proba(columns)
    lap("calibrated head")
    return stages


STARTUP = """
import json, sys, time
t0 = time.perf_counter()
from mtdetect import Detector
t1 = time.perf_counter()
fast = sys.argv[2] == "fast"
if not fast:
    import torch  # what loading the encoder imports (a BERT encoder needs no transformers)
t2 = time.perf_counter()
detector = Detector.load(None if sys.argv[1] == "-" else sys.argv[1], fast=fast)
t3 = time.perf_counter()
detector.score(open(sys.argv[3], encoding="utf-8").read())
t4 = time.perf_counter()
print(json.dumps({"import mtdetect": t1 - t0, "import torch": t2 - t1,
                  "load the model": t3 - t2, "score one article": t4 - t3}))
"""


def startup(model: Path | None, mode: str, article: Path, repeats: int = 3) -> dict[str, float]:
    """Median seconds of each start-up step in a fresh process."""
    runs = []
    for _ in range(repeats):
        argv = [sys.executable, "-c", STARTUP, str(model or "-"), mode, str(article)]
        runs.append(json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def encoder_tokens(model: Path | None, texts: list[str]) -> int:
    """Word pieces the encoder reads for `texts` (0 without an encoder)."""
    from mtdetect import Detector

    encoder = Detector.load(model).encoder
    if encoder is None:
        return 0
    return sum(encoder.pieces_read(len(ids)) for ids, _ in encoder.pieces(texts))


def cascade_reads(model: Path | None, texts: list[str]) -> int:
    """How many of `texts` `--cascade`'s language model reads (the main head's verdicts decide it)."""
    from mtdetect import Detector
    from mtdetect.model.deep import Cascade
    from mtdetect.model.text import Parsed

    detector = Detector.load(model)
    proba = detector.predict_proba([Parsed.of(t) for t in texts])
    return int(Cascade.from_manifest(detector.manifest["deep"]).reads(proba).sum())


def analyze_seconds(model: Path | None, shared: Path, n: int = 20) -> tuple[int, float, float]:
    """Articles of 550-700 words, and the median and highest seconds of `analyze(text)` (evidence and
    sentence scores) on them, in one process after a warm-up call."""
    from mtdetect import Detector

    rows = (json.loads(line) for line in (shared / "wikinews" / "dev.jsonl").open(encoding="utf-8"))
    texts = [r["text"] for r in rows if 550 <= len(r["text"].split()) <= 700][:n]
    detector = Detector.load(model)
    detector.analyze(texts[0])
    seconds = []
    for text in texts:
        start = time.perf_counter()
        detector.analyze(text)
        seconds.append(time.perf_counter() - start)
    return len(texts), statistics.median(seconds), max(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--first-runs", type=int, default=5, help="fresh processes per time-to-first-result median"
    )
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--evidence", action="store_true", help="also time the full model with --evidence")
    parser.add_argument("--deep", action="store_true", help="also time the full model with --deep")
    parser.add_argument("--cascade", action="store_true", help="also time the full model with --cascade")
    args = parser.parse_args()
    if not (args.shared / "wikinews" / "dev.jsonl").is_file():
        print(f"no Wikinews dev set under {args.shared}", file=sys.stderr)
        return 1
    model = ["--model", str(args.model)] if args.model else []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        words = write_articles(args.shared, args.n, folder)
        # Children are timed before this process loads anything: a forked child's peak RSS counts the
        # parent's memory at the fork.
        measured = {}
        modes = [("full", []), ("fast", ["--fast"])]
        modes += [("full --evidence", ["--evidence"])] * args.evidence
        modes += [("full --deep", ["--deep"])] * args.deep
        modes += [("full --cascade", ["--cascade"])] * args.cascade
        for mode, flags in modes:
            score = [sys.executable, "-m", "mtdetect", "score", str(folder), "-q", *model, *flags]
            one = [sys.executable, "-m", "mtdetect", "score", str(folder / "00000.txt"), "-q", *model, *flags]
            measured[mode] = (
                [timed_run(score) for _ in range(args.repeats)],
                [timed_run(one) for _ in range(args.first_runs)],
            )
        python_one = [sys.executable, "-c", SCORE_ONE, str(folder / "00000.txt"), str(args.model or "-")]
        first_python = {}
        for mode in ("full", "fast"):
            first_python[mode] = [timed_run([*python_one, mode]) for _ in range(args.first_runs)]
        files = [str(p) for p in sorted(folder.glob("*.txt"))]
        halves = [files[: len(files) // 2], files[len(files) // 2 :]]
        cli = [sys.executable, "-m", "mtdetect", "score", "-q", *model]
        together = [
            timed_together([[*cli, "--threads", "1", *half] for half in halves]) for _ in range(args.repeats)
        ]
        alone = [timed_run([*cli, "--threads", "2", str(folder)])[0] for _ in range(args.repeats)]
        out = folder.parent / f"{folder.name}-rows.jsonl"
        timed_run([*cli, "--fast", str(folder), "-o", str(out)])
        resume = [
            timed_run([*cli, str(folder), "-o", str(out), "--resume"])[0] for _ in range(args.first_runs)
        ]
        out.unlink()
        starts = {mode: startup(args.model, mode, folder / "00000.txt") for mode in ("full", "fast")}
        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
        tokens = {"full": encoder_tokens(args.model, texts), "fast": 0}
        # As read for the score; evidence reads every window, and --deep's language model has its own tokens.
        tokens["full --evidence"] = tokens["full --deep"] = tokens["full --cascade"] = tokens["full"]
        print(
            "| mode | articles | words | encoder tokens | median s | articles/s | words/s | encoder tokens/s "
            "| after start-up, articles/s | peak RSS MB | first result s |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for mode, (runs, first) in measured.items():
            seconds = statistics.median(r[0] for r in runs)
            first_seconds = statistics.median(r[0] for r in first)
            print(
                f"| {mode} | {args.n} | {words} | {tokens[mode]} | {seconds:.2f} | {args.n / seconds:.1f} "
                f"| {words / seconds:.0f} | {tokens[mode] / seconds:.0f} "
                f"| {args.n / max(seconds - first_seconds, 1e-9):.0f} | {max(r[1] for r in runs):.0f} "
                f"| {first_seconds:.2f} |"
            )
        stages = where_the_time_goes(args.model, texts)
        read = cascade_reads(args.model, texts) if args.cascade else None
        analyzed, analyze_median, analyze_max = analyze_seconds(args.model, args.shared)
    if read is not None:
        print(f"\n--cascade: the language model read {read} of the {args.n} articles")
    print(f"\n| time to first result (median of {args.first_runs} fresh processes) | seconds |\n|---|---:|")
    for mode, (_, first) in measured.items():
        flags = "".join(f" {flag}" for flag in dict(modes)[mode])
        print(f"| `mtdetect score{flags} ONE_FILE` | {statistics.median(r[0] for r in first):.2f} |")
    for mode, runs in first_python.items():
        call = "mtdetect.score(text)" if mode == "full" else "mtdetect.score(text, fast=True)"
        print(f'| `python -c "import mtdetect; {call}"` | {statistics.median(r[0] for r in runs):.2f} |')
    print(
        f"| `mtdetect score FOLDER -o OUT --resume` with all {args.n} files already in OUT "
        f"| {statistics.median(resume):.2f} |"
    )
    pair, single = args.n / statistics.median(together), args.n / statistics.median(alone)
    print(
        f"\n| {args.n} articles, full model (median of {args.repeats}) | articles/s |\n|---|---:|\n"
        f"| two processes at once, --threads 1 each, half the folder each | {pair:.1f} |\n"
        f"| one process, --threads 2, the whole folder | {single:.1f} |\n"
        f"| ratio (two processes / one) | {pair / single:.2f} |"
    )
    print(
        f"\n| `analyze(text)` with evidence and sentence scores, {analyzed} articles of 550-700 words "
        f"| median s | slowest s |\n|---|---:|---:|\n| full model, one process, after a warm-up call "
        f"| {analyze_median:.2f} | {analyze_max:.2f} |"
    )
    print("\n| start-up step (fresh process, median of 3) | full s | fast s |\n|---|---:|---:|")
    for step in starts["full"]:
        print(f"| {step} | {starts['full'][step]:.2f} | {starts['fast'][step]:.2f} |")
    print(f"\n| stage ({args.n} articles, one process) | seconds |\n|---|---:|")
    for name, secs in stages.items():
        print(f"| {name} | {secs:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
