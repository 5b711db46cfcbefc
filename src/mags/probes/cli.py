"""`mags probe`: belief accuracy from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from mags.agents.flags import capacity_from_flags, memory_config
from mags.extract.noise_flags import add_noise_flags, noise_from_flags
from mags.llm.flags import add_llm_flags, endpoint_from_flags
from mags.worlds.flags import world_cache


def add_commands(commands: Any) -> None:
    """Register this package's commands on the `mags` parser's subcommands."""
    probe = commands.add_parser(
        "probe",
        help="belief accuracy: the memory's facts against the game's true state, every step",
        description="Play TRACK's games (or a game FILE) under a policy and, after every step, "
        "compare the memory's current facts with the true state: precision, recall, F1 and "
        "stale rate (DESIGN §4).",
    )
    probe.add_argument("game", metavar="TRACK|FILE", help="a track name or a .z8 game file")
    probe.add_argument("--seeds", help="seeds and ranges, e.g. 1001-1020 (tracks only)")
    probe.add_argument("--policy", default="walkthrough", help="walkthrough or random")
    probe.add_argument("--steps", type=int, help="steps per game (default: walkthrough / 500)")
    probe.add_argument(
        "--strategy",
        default="liquid",
        help="liquid, no-decay, latest-slot, append-only, one-per-relation; comma-separated "
        "for several",
    )
    probe.add_argument(
        "--capacity",
        help="the memory's capacity: facts (e.g. 40) or a share of the game's true state "
        "(e.g. 25%%); liquid, capacity, lru and random-evict honour it",
    )
    probe.add_argument(
        "--extractor",
        default="rules",
        choices=("rules", "llm"),
        help="what reads the steps: the rule extractor (default) or an LLM (--llm-*): a real, "
        "noisy extractor",
    )
    add_noise_flags(probe)
    probe.add_argument("--config", help="a TOML file of memory hyperparameters")
    probe.add_argument("--json", action="store_true", help="print one JSON object per game")
    probe.add_argument("--plot", help="write F1 and stale rate over steps to this PNG")
    probe.add_argument("--workers", type=int, default=1, help="games probed at once")
    probe.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    add_llm_flags(probe)
    probe.set_defaults(run=_run_probe)


def _run_probe(args: argparse.Namespace) -> int:
    from mags.probes.command import probe_command

    llm = None
    if args.extractor == "llm":
        llm = endpoint_from_flags(args, "--extractor llm")
    return probe_command(
        args.game,
        args.seeds,
        strategies=args.strategy,
        policy=args.policy,
        steps=args.steps,
        capacity=capacity_from_flags(args),
        as_json=args.json,
        plot=args.plot,
        workers=args.workers,
        cache=world_cache(args),
        config=memory_config(args),
        llm=llm,
        noise=noise_from_flags(args),
        noise_seed=args.noise_seed,
    )
