"""The `mags` command: a table of command groups, each registered by its own package.

Every package that has commands gives an ``add_...(commands)`` that adds its subcommands,
each with a ``run`` that parses, calls the library and renders. `main` runs the chosen one
and turns a `MagsError` into one line and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mags.agents.cli import add_commands as add_agent_commands
from mags.bench.cli import add_commands as add_bench_commands
from mags.core.errors import MagsError
from mags.eval.locomo_command import add_eval_command
from mags.llm.cli import add_commands as add_llm_commands
from mags.mcp_server import add_mcp_command
from mags.probes.cli import add_commands as add_probe_commands
from mags.proxy.command import add_proxy_command
from mags.store.cli import add_commands as add_store_commands
from mags.tune.chat_command import add_tune_chat_command
from mags.tune.command import add_tune_command
from mags.viz.command import add_viz_command
from mags.web.command import add_web_commands
from mags.worlds.cli import add_commands as add_world_commands

COMMAND_GROUPS: tuple[Callable[[Any], None], ...] = (
    add_store_commands,  # demo, compact
    add_world_commands,  # worlds make|list
    add_probe_commands,  # probe
    add_bench_commands,  # bench-memory, bench, bench-hunts, bench-lifelong, proxy-bench
    add_agent_commands,  # play
    add_llm_commands,  # local-llm, doctor
    add_viz_command,  # viz
    add_web_commands,  # web, web-bench
    add_proxy_command,  # proxy
    add_mcp_command,  # mcp
    add_tune_command,  # tune
    add_tune_chat_command,  # tune-chat
    add_eval_command,  # eval locomo|longmemeval|updates|sufficiency|extraction|chat-rules
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every `mags` command."""
    parser = argparse.ArgumentParser(
        prog="mags", description="MAGS: long-term memory for LLM agents (liquid knowledge graphs)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_group in COMMAND_GROUPS:
        add_group(commands)
    return parser


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
