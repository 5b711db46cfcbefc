"""A child process for durability tests: adds batches forever, printing each committed step."""

from __future__ import annotations

import sys

from mags import Memory

BATCH = 50


def main(path: str) -> None:
    memory = Memory.open(path)
    step = int(memory.now) + 1 if memory.now >= 0 else 0
    while True:
        memory.add([(f"item {step} {i}", "in", f"box {i % 7}") for i in range(BATCH)], t=step)
        print(step, flush=True)
        step += 1


if __name__ == "__main__":
    main(sys.argv[1])
