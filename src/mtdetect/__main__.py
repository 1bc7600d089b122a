"""`python -m mtdetect ...`: the same command line as the `mtdetect` script."""

import sys

from mtdetect.cli import main

if __name__ == "__main__":
    sys.exit(main())
