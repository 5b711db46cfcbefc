"""`mags worlds make|list`: the world cache from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from mags.worlds.flags import world_cache


def add_commands(commands: Any) -> None:
    """Register this package's commands on the `mags` parser's subcommands."""
    worlds = commands.add_parser("worlds", help="TextWorld games: generate and list the cache")
    worlds_commands = worlds.add_subparsers(dest="worlds_command", required=True, metavar="ACTION")
    make = worlds_commands.add_parser(
        "make",
        help="generate a track's missing games into the cache",
        description="Generate the games of TRACK for SEEDS that the cache lacks. A seed whose "
        "generation fails or runs past the time bound is recorded in skipped.json and skipped "
        "on later runs; --retry-skipped tries such seeds again. The cache is "
        "$MAGS_CACHE/worlds, or ~/.cache/mags/worlds.",
    )
    make.add_argument("track", help="track name: maze-difficult, maze-hard, kitchen-difficult, ...")
    make.add_argument("--seeds", required=True, help="seeds and ranges, e.g. 1001-1020 or 1,3,7-9")
    make.add_argument(
        "--workers", type=int, default=1, help="games generated at once (default %(default)s)"
    )
    make.add_argument(
        "--timeout", type=float, help="time bound per game in seconds (default: the track's)"
    )
    make.add_argument(
        "--retry-skipped", action="store_true", help="try seeds recorded as skipped again"
    )
    make.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    make.set_defaults(run=_run_worlds_make)
    listing = worlds_commands.add_parser("list", help="list the cached tracks")
    listing.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    listing.set_defaults(run=_run_worlds_list)


def _run_worlds_make(args: argparse.Namespace) -> int:
    from mags.worlds.commands import make_command

    return make_command(
        args.track,
        args.seeds,
        cache=world_cache(args),
        workers=args.workers,
        timeout_s=args.timeout,
        retry_skipped=args.retry_skipped,
    )


def _run_worlds_list(args: argparse.Namespace) -> int:
    from mags.worlds.commands import list_command

    return list_command(cache=world_cache(args))
