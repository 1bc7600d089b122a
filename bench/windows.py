"""How many windows the encoder should read per text: accuracy of its own columns against cost.

    python bench/windows.py [--model DIR] [--work work/default] [--n 1500] [--windows 1,2,3,4]

Reads validation-split texts of the built training data with the bundle's encoder, set to read 1, 2, ...
evenly spaced windows, and prints the AUROC (rewritten against original) of two pooling rules over
the windows, mean log-probability of `original` and the highest rewritten margin, with the word
pieces read per text and the seconds taken. The columns only: the stacking head is fitted for the
bundle's own setting, so a different one needs retraining (`--encoder-windows`).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from heldout import SPLITS

from mtdetect import Detector
from mtdetect.model.encoder import COLUMNS
from mtdetect.training import data as data_mod
from mtdetect.training.metrics import auroc

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--windows", default="1,2,3,4")
    args = parser.parse_args()
    encoder = Detector.load(args.model).encoder
    if encoder is None:
        print("the model has no encoder", file=sys.stderr)
        return 1
    dataset = data_mod.load(sorted(p for p in args.work.glob("*.jsonl") if p.name != "reference.jsonl"))
    val = data_mod.split(dataset, SPLITS, seed=0)["val"].examples
    sample = random.Random(0).sample(val, min(args.n, len(val)))
    texts = [e.text for e in sample]
    y = np.array([e.label != "original" for e in sample], dtype=int)
    pieces = [len(ids) for ids, _ in encoder.pieces(texts)]
    print(f"{len(texts)} validation texts, {np.median(pieces):.0f} word pieces each (median)\n")
    print("| windows read | pieces read per text | AUROC, mean P(original) | AUROC, max margin | seconds |")
    print("|---:|---:|---:|---:|---:|")
    for k in map(int, args.windows.split(",")):
        reader = encoder.with_settings(windows=k)
        start = time.perf_counter()
        columns = reader.transform(texts)
        seconds = time.perf_counter() - start
        read = np.mean([reader.pieces_read(n) for n in pieces])
        mean_original = auroc(y, -columns[:, COLUMNS.index("enc_logp_original")])
        margins = columns[
            :, [COLUMNS.index("enc_max_spun_margin"), COLUMNS.index("enc_max_translated_margin")]
        ]
        print(f"| {k} | {read:.0f} | {mean_original:.3f} | {auroc(y, margins.max(1)):.3f} | {seconds:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
