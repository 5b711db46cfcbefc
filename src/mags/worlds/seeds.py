"""Seed lists from the command line: ``"1001-1020"``, ``"5"``, ``"1,3,7-9"``."""

from __future__ import annotations

import re

from mags.worlds.errors import WorldError

MAX_SEED = 2**32 - 1
"""TextWorld seeds numpy's RandomState, which takes 0 .. 2**32 - 1."""

MAX_SEEDS = 100_000
"""A guard against typos such as ``1-10000000``."""

REPORTING_SEEDS = range(1001, 1021)
"""The seeds figures are reported on; development (and any search) uses 1-999."""


def parse_seeds(text: str) -> list[int]:
    """Parse a comma-separated list of seeds and inclusive ranges, in order, without repeats.

    Example
    -------
    >>> parse_seeds("1001-1003")
    [1001, 1002, 1003]
    >>> parse_seeds("1, 3, 7-9, 3")
    [1, 3, 7, 8, 9]
    >>> parse_seeds("9-7")
    Traceback (most recent call last):
    ...
    mags.worlds.errors.WorldError: seed range '9-7' runs backwards; write it as '7-9'
    """
    if not text.strip():
        raise WorldError("no seeds given; write e.g. '1001-1020', '5' or '1,3,7-9'")
    seeds: list[int] = []
    seen: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise WorldError(f"empty item in seed list {text!r}; write e.g. '1,3,7-9'")
        low_text, sep, high_text = part.partition("-")
        low = _seed(low_text, part)
        high = _seed(high_text, part) if sep else low
        if high < low:
            raise WorldError(f"seed range {part!r} runs backwards; write it as '{high}-{low}'")
        if len(seen) + (high - low + 1) > MAX_SEEDS:
            raise WorldError(f"seed list {text!r} has more than {MAX_SEEDS} seeds")
        for seed in range(low, high + 1):
            if seed not in seen:
                seen.add(seed)
                seeds.append(seed)
    return seeds


def _seed(text: str, part: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"[0-9]+", text):
        raise WorldError(
            f"bad seed item {part!r}: seeds are non-negative integers, ranges are 'LOW-HIGH' "
            "(e.g. '1001-1020', '5' or '1,3,7-9')"
        )
    seed = int(text)
    if seed > MAX_SEED:
        raise WorldError(f"seed {seed} is too large: TextWorld seeds go up to {MAX_SEED}")
    return seed
