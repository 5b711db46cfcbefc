"""The `mags` command: thin commands that parse, call the library and render."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mags.core.errors import MagsError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every `mags` command."""
    parser = argparse.ArgumentParser(
        prog="mags", description="MAGS: long-term memory for LLM agents (liquid knowledge graphs)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="a scripted tour of the memory on the embedded default")
    demo.add_argument("--db", help="keep the demo memory in this SQLite file (default: temporary)")
    demo.set_defaults(run=_run_demo)

    bench = commands.add_parser(
        "bench-memory", help="measure insert, recall and add-call cost against a networkx reference"
    )
    bench.add_argument(
        "--sizes", default="10000,100000", help="comma-separated fact counts (default %(default)s)"
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object per size")
    bench.add_argument("--seed", type=int, default=0, help="workload seed (default %(default)s)")
    bench.add_argument("--recalls", type=int, default=500, help="recall queries per size")
    bench.add_argument("--out", help="also write the figures as Markdown to this file")
    bench.set_defaults(run=_run_bench_memory)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    from mags.demo import run_demo

    return run_demo(args.db)


def _run_bench_memory(args: argparse.Namespace) -> int:
    from mags.bench.memory_bench import run_from_cli

    return run_from_cli(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mags` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except MagsError as exc:
        print(f"mags: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mags: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
