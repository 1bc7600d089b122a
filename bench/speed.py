"""Speed of `mtdetect score` on Wikinews dev articles: articles/s, words/s, peak memory, first result.

    python bench/speed.py [--n 500] [--repeats 3] [--model DIR] [--shared ../shared/data]

Each repeat runs the real command line in a fresh process over the same folder of .txt files and
measures wall time; peak RSS comes from the child's rusage. "First result" is a fresh process that
imports mtdetect, loads the model and scores one article. Medians over the repeats are printed as a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
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
    """Wall seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak_kb, before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    if not (args.shared / "wikinews" / "dev.jsonl").is_file():
        print(f"no Wikinews dev set under {args.shared}", file=sys.stderr)
        return 1
    model = ["--model", str(args.model)] if args.model else []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        words = write_articles(args.shared, args.n, folder)
        score = [sys.executable, "-m", "mtdetect", "score", str(folder), "-q", *model]
        runs = [timed_run(score) for _ in range(args.repeats)]
        one = folder / "00000.txt"
        first = [
            timed_run([sys.executable, "-m", "mtdetect", "score", str(one), "-q", *model]) for _ in range(3)
        ]
    seconds = statistics.median(r[0] for r in runs)
    first_seconds = statistics.median(r[0] for r in first)
    print(
        "| articles | words | median s | articles/s | words/s | after start-up, articles/s | peak RSS MB "
        "| first result s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.n} | {words} | {seconds:.2f} | {args.n / seconds:.1f} | {words / seconds:.0f} "
        f"| {args.n / max(seconds - first_seconds, 1e-9):.0f} | {max(r[1] for r in runs):.0f} "
        f"| {first_seconds:.2f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
