"""`mags eval sufficiency`: the share of what each walkthrough command needs inside recall."""

from __future__ import annotations

import argparse
from pathlib import Path

from mags.core.errors import InvalidInputError

SUFFICIENCY_HELP = (
    "Walk each game's walkthrough with every --memories variant reading it; before each "
    "command, ask each memory for its context (objective + last observation) at each of "
    "--budgets tokens and count the facts that command needs (from the game's true state) "
    "that the context holds. One line per game as it finishes, then a table."
)


def add_sufficiency_command(
    benchmarks: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register ``mags eval sufficiency``."""
    from mags.eval.sufficiency import BUDGETS, MEMORIES

    parser = benchmarks.add_parser(
        "sufficiency",
        help="is what each walkthrough command needs inside the memory's recall?",
        description=SUFFICIENCY_HELP,
    )
    parser.add_argument("--tracks", required=True, help="comma-separated tracks, e.g. tiny")
    parser.add_argument("--seeds", required=True, help="seeds and ranges, e.g. 1-3")
    parser.add_argument(
        "--memories", default=",".join(MEMORIES), help="comma-separated (default %(default)s)"
    )
    parser.add_argument(
        "--budgets",
        default=",".join(map(str, BUDGETS)),
        help="comma-separated token budgets (default %(default)s)",
    )
    parser.add_argument("--config", help="a TOML file of memory hyperparameters")
    parser.add_argument("--out", help="also write the table as Markdown to this file")
    parser.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    parser.set_defaults(run=run_sufficiency_command)


def run_sufficiency_command(args: argparse.Namespace) -> int:
    """The ``mags eval sufficiency`` command."""
    from mags.agents.memories import MEMORY_VARIANTS
    from mags.config import MemoryConfig
    from mags.eval.sufficiency import markdown, run_sufficiency
    from mags.worlds.cache import WorldCache
    from mags.worlds.seeds import parse_seeds

    memories = [m.strip() for m in args.memories.split(",") if m.strip()]
    bad = [m for m in memories if m not in MEMORY_VARIANTS or m in ("summary", "full-history")]
    if bad or not memories:
        raise InvalidInputError(
            f"--memories: cannot measure {', '.join(bad) or '(none given)'}; choose from "
            f"{', '.join(m for m in MEMORY_VARIANTS if m not in ('summary', 'full-history'))}"
        )
    try:
        budgets = [int(b) for b in args.budgets.split(",") if b.strip()]
    except ValueError:
        raise InvalidInputError(
            f"--budgets must be whole token counts, e.g. 100,200,400; got {args.budgets!r}"
        ) from None
    if not budgets or min(budgets) < 1:
        raise InvalidInputError("--budgets must be at least one positive token count")
    cache = WorldCache(args.cache) if args.cache else WorldCache.default()
    tracks = [t.strip() for t in args.tracks.split(",") if t.strip()]
    config = MemoryConfig.from_toml(args.config) if args.config else None
    totals = run_sufficiency(tracks, parse_seeds(args.seeds), memories, budgets, cache, config)
    table = markdown(totals, memories, budgets)
    print(table)
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")
    return 0
