"""Train an mtdetect model bundle: `python train.py --data pairs.jsonl --out models/mine`.

Same flags as `mtdetect train` (see `mtdetect train --help`); this script only forwards to it.
"""

import sys

from mtdetect.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
