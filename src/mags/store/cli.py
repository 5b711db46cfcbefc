"""`mags demo` and `mags compact`: the scripted tour, and a retention pass on a memory file."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(commands: Any) -> None:
    """Register this package's commands on the `mags` parser's subcommands."""
    demo = commands.add_parser("demo", help="a scripted tour of the memory on the embedded default")
    demo.add_argument("--db", help="keep the demo memory in this SQLite file (default: temporary)")
    demo.set_defaults(run=_run_demo)

    compact = commands.add_parser(
        "compact",
        help="drop old history from a memory file for good (old events, long-closed facts)",
        description="An explicit retention pass on a SQLite memory that no process has open "
        "for writing: delete every event but the last --keep-events and every fact closed "
        "(superseded or archived) before logical time --closed-before, then shrink the file. "
        "Current facts and episodes are never touched.",
    )
    compact.add_argument("file", help="the memory's SQLite file")
    compact.add_argument("--keep-events", type=int, help="events to keep, newest first")
    compact.add_argument(
        "--closed-before", type=float, help="drop facts closed before this logical time"
    )
    compact.set_defaults(run=_run_compact)


def _run_demo(args: argparse.Namespace) -> int:
    from mags.demo import run_demo

    return run_demo(args.db)


def _run_compact(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mags.core.errors import InvalidInputError
    from mags.store.sqlite import SQLiteStore

    if args.keep_events is None and args.closed_before is None:
        raise InvalidInputError("say what to drop: --keep-events N and/or --closed-before T")
    if not Path(args.file).is_file():
        raise InvalidInputError(f"{args.file} does not exist; give the path of a memory file")
    store = SQLiteStore(args.file)
    try:
        removed = store.compact(keep_events=args.keep_events, closed_before=args.closed_before)
    finally:
        store.close()
    print(
        f"{args.file}: removed {removed['events']} events and {removed['facts']} closed facts; "
        f"{removed['bytes_before']:,} -> {removed['bytes_after']:,} bytes"
    )
    return 0
