"""A child process for the store contract: one writer adding facts, one call each.

``python -m tests.store.many_writers TARGET NAME CALLS [SECONDS]`` adds ``NAME item k in NAME
box`` for k = 0, 1, ... (``CALLS`` calls, or as many as fit in ``SECONDS``), then prints how
many calls it made.
"""

from __future__ import annotations

import sys
import time

from mags import Memory


def main(target: str, name: str, calls: int, seconds: float = 0.0) -> None:
    memory = Memory.open(target)
    deadline = time.monotonic() + seconds
    k = 0
    while k < calls or (seconds and time.monotonic() < deadline):
        memory.add([(f"{name} item {k}", "in", f"{name} box")], t=max(memory.now, 0) + 1)
        k += 1
        if seconds and time.monotonic() >= deadline:
            break
    memory.close()
    print(k, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0)
