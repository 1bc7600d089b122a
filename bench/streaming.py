"""Peak memory of `mtdetect score` against the number of files: it must not grow with the folder.

    python bench/streaming.py [--sizes 2000,20000] [--shared ../shared/data]

Writes N small article files (Wikinews train texts, cycled) into a temporary folder, scores the folder
with the command line in a fresh process, and reports wall time, files/s and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_files(shared: Path, n: int, folder: Path) -> None:
    with (shared / "wikinews" / "train.jsonl").open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line, _ in zip(f, range(1000), strict=False)]
    for i in range(n):
        (folder / f"{i:06d}.txt").write_text(texts[i % len(texts)], encoding="utf-8")


def peak_rss_of(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of a child process (via wait4's rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"{argv} exited with status {status}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    print("| files | seconds | files/s | peak RSS MB |\n|---:|---:|---:|---:|")
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "in"
            folder.mkdir()
            write_files(args.shared, n, folder)
            out = Path(tmp) / "rows.jsonl"
            seconds, rss = peak_rss_of(
                [sys.executable, "-m", "mtdetect", "score", str(folder), "-q", "-o", str(out)]
            )
            assert sum(1 for _ in out.open()) == n
        print(f"| {n} | {seconds:.1f} | {n / seconds:.1f} | {rss:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
