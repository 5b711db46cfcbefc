"""Entry point of a generation child process: ``python -m mags.worlds._child WORKDIR``."""

from __future__ import annotations

import sys
from pathlib import Path

from mags.worlds.generate import run_child

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m mags.worlds._child WORKDIR")
    sys.exit(run_child(Path(sys.argv[1])))
