"""`mags play`: one game from memory, from the command line."""

from __future__ import annotations

import argparse
import os
from typing import Any

from mags.agents.flags import capacity_from_flags, memory_config
from mags.extract.noise_flags import add_noise_flags, noise_from_flags
from mags.llm.flags import add_llm_flags, llm_settings
from mags.worlds.flags import world_cache


def add_commands(commands: Any) -> None:
    """Register this package's commands on the `mags` parser's subcommands."""
    play = commands.add_parser(
        "play",
        help="play one game from memory and show it (or --json)",
        description="Play TRACK (with --seed) or a game FILE: observe -> memory -> policy -> "
        "act, shown as it goes, then the result.",
    )
    play.add_argument("game", metavar="TRACK|FILE", help="a track name or a .z8 game file")
    play.add_argument("--seed", type=int, help="the game's seed (tracks only)")
    play.add_argument("--policy", default="planner", help="planner (default), random or llm")
    play.add_argument(
        "--memory",
        default="liquid",
        help="liquid (default), none, window, full-history, rag, summary, append-only, "
        "one-per-relation, latest-slot, lru, random-evict, "
        "no-decay, no-use, no-contest, belief, no-reconcile, capacity",
    )
    play.add_argument("--config", help="a TOML file of memory hyperparameters")
    play.add_argument("--max-steps", type=int, help="step budget (default: the track's)")
    play.add_argument("--trace", help="write a JSONL trace of every step to this file")
    play.add_argument("--json", action="store_true", help="print the result as one JSON object")
    play.add_argument("--quiet", action="store_true", help="a progress bar instead of the game")
    play.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    play.add_argument(
        "--capacity",
        help="the memory's capacity: facts (e.g. 40) or a share of the game's true state "
        "(e.g. 25%%)",
    )
    play.add_argument(
        "--task",
        help='what to do, in your words (e.g. "Find the ruby crown and take it"); it stands '
        "in for the game's objective (hand-made games often have none)",
    )
    add_noise_flags(play)
    add_llm_flags(play)
    play.set_defaults(run=_run_play)


def _run_play(args: argparse.Namespace) -> int:
    from mags.agents.command import play_command

    return play_command(
        args.game,
        seed=args.seed,
        policy=args.policy,
        memory=args.memory,
        config=memory_config(args),
        max_steps=args.max_steps,
        trace=args.trace,
        as_json=args.json,
        quiet=args.quiet,
        cache=world_cache(args),
        llm_base_url=args.llm_base_url,
        llm_model=args.llm_model,
        llm_api_key=args.llm_api_key,
        llm_settings=llm_settings(args),
        environ=os.environ,
        noise=noise_from_flags(args),
        noise_seed=args.noise_seed,
        capacity=capacity_from_flags(args),
        task=args.task,
    )
