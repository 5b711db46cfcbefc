"""``mags eval updates``: does a person's news become what the memory tells?

Thin: load the set, play it through the library and the proxy (`mags.eval.updates`), print
one table per surface and the misses.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from mags.eval.updates import DEFAULT_SET, SMALL_BUDGET, UpdateResult, load_cases

SURFACES = ("library", "proxy")


def add_updates_command(benchmarks: Any) -> None:
    """Register ``mags eval updates`` under ``mags eval``."""
    updates = benchmarks.add_parser(
        "updates",
        help="knowledge updates in chat: changed values, endings, corrections, forgetting",
        description="Play the hand-written knowledge-update dialogues (moves, jobs, endings, "
        "corrections, forget requests; distractor turns before the question) through "
        "Memory and through a real mags proxy, and score: the new value held, no stale "
        "value held or asserted, the news packed at --budget tokens, forgotten text absent.",
    )
    updates.add_argument("--data", default=str(DEFAULT_SET), help="a set file (default: ours)")
    updates.add_argument(
        "--budget", type=int, default=SMALL_BUDGET, help="recall budget (default %(default)s)"
    )
    updates.add_argument(
        "--surfaces", default=",".join(SURFACES), help="library, proxy (default: both)"
    )
    updates.add_argument("--json", action="store_true", help="one JSON object per dialogue")
    updates.set_defaults(run=run_updates)


def run_updates(args: argparse.Namespace) -> int:
    """The ``mags eval updates`` command."""
    from mags.core.errors import InvalidInputError
    from mags.eval.updates import score_library, score_proxy

    surfaces = [s.strip() for s in args.surfaces.split(",") if s.strip()]
    unknown = sorted(set(surfaces) - set(SURFACES))
    if unknown or not surfaces:
        raise InvalidInputError(f"--surfaces: unknown {unknown}; choose from library, proxy")
    if args.budget < 1:
        raise InvalidInputError(f"--budget must be a positive number of tokens, got {args.budget}")
    cases = load_cases(args.data)
    results: list[UpdateResult] = []
    if "library" in surfaces:
        results += [score_library(case, args.budget) for case in cases]
    if "proxy" in surfaces:
        results += score_proxy(cases, args.budget)
    if args.json:
        for result in results:
            print(json.dumps(result.to_dict()))
        return 0
    print(render(results, args.budget))
    return 0


def render(results: list[UpdateResult], budget: int) -> str:
    """A markdown table per surface, then the misses."""
    lines = [
        f"| surface | dialogues | current held | stale held or asserted | news packed at "
        f"{budget} tok | forgotten absent |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for surface in dict.fromkeys(r.surface for r in results):
        rows = [r for r in results if r.surface == surface]
        n = len(rows)
        lines.append(
            f"| {surface} | {n} | {sum(r.current for r in rows)}/{n} "
            f"| {sum(r.stale for r in rows)}/{n} | {sum(r.packed for r in rows)}/{n} "
            f"| {sum(r.forgotten for r in rows)}/{n} |"
        )
    misses = [r for r in results if not r.current or r.stale or not r.packed or not r.forgotten]
    for r in misses:
        what = [
            name
            for name, bad in (
                ("current not held", not r.current),
                ("stale", r.stale),
                ("news not packed", not r.packed),
                ("forgotten text recalled", not r.forgotten),
            )
            if bad
        ]
        lines.append(f"\nmiss: {r.surface} {r.case}: {', '.join(what)}")
    return "\n".join(lines)
