"""`mags bench`, `bench-memory`, `bench-hunts`, `bench-lifelong` and `proxy-bench`: how
agents play and how fast the memory runs."""

from __future__ import annotations

import argparse
from typing import Any

from mags.agents.flags import capacity_from_flags
from mags.bench.hunts import add_hunts_command
from mags.bench.lifelong import add_lifelong_command
from mags.bench.proxy_bench import add_proxy_bench_command
from mags.extract.noise_flags import add_noise_flags, noise_from_flags
from mags.llm.flags import add_llm_flags, endpoint_from_flags
from mags.worlds.flags import world_cache


def add_commands(commands: Any) -> None:
    """Register this package's commands on the `mags` parser's subcommands."""
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
    store = bench.add_argument_group(
        "store rows (--store)",
        "open time and RSS as closed history grows, PostgreSQL inserts and concurrent "
        "writers, a conversation's size on disk (mags.bench.store_bench)",
    )
    store.add_argument("--store", action="store_true", help="measure the store rows instead")
    store.add_argument(
        "--history", default="10k,1M,10M", help="closed facts of history (default %(default)s)"
    )
    store.add_argument(
        "--agent-facts",
        type=int,
        default=1_000_000,
        help="the synthetic agent's facts under the history; 1M leaves about 120k active",
    )
    store.add_argument(
        "--writers", type=int, default=8, help="PostgreSQL writers at once (0: no PostgreSQL)"
    )
    store.add_argument(
        "--writer-seconds", type=float, default=60.0, help="how long they write (%(default)s)"
    )
    store.add_argument("--conversation", help="a LoCoMo JSON file: the 600-turn disk size row")
    bench.set_defaults(run=_run_bench_memory)
    grid = commands.add_parser(
        "bench",
        help="play a grid of games (tracks x seeds x policies x memories), resumable",
        description="Play every (track, seed, policy, memory) cell, in --workers processes; "
        "each finished game is appended to OUT/results.jsonl, and cells already there are "
        "skipped (run the same command again to resume). Writes OUT/summary.md and plots.",
    )
    grid.add_argument(
        "--tracks", required=True, help="comma-separated tracks (or .z8 game files), e.g. tiny"
    )
    grid.add_argument("--seeds", help="seeds and ranges, e.g. 1001-1020 (needed for tracks)")
    grid.add_argument("--policies", default="planner", help="comma-separated: planner, random, llm")
    grid.add_argument(
        "--memories",
        default="liquid",
        help="comma-separated memory variants, e.g. liquid,none,window (see mags play --help)",
    )
    grid.add_argument("--out", required=True, help="folder for results.jsonl, summary.md, plots")
    grid.add_argument("--workers", type=int, default=1, help="games played at once")
    grid.add_argument("--config", help="a TOML file of memory hyperparameters")
    grid.add_argument("--max-steps", type=int, help="step budget (default: each track's)")
    grid.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    add_noise_flags(grid)
    grid.add_argument(
        "--capacity",
        help="every memory's capacity: facts (e.g. 40) or a share of each game's true state "
        "(e.g. 25%%)",
    )
    add_llm_flags(grid)
    grid.add_argument(
        "--llm-replay",
        action="store_true",
        help="no model: the llm policy's endpoint replays a fixed random walk per game (the "
        "same for every memory), to measure what each memory puts into its prompts",
    )
    grid.set_defaults(run=_run_bench)
    add_hunts_command(commands)
    add_lifelong_command(commands)
    add_proxy_bench_command(commands)


def _run_bench_memory(args: argparse.Namespace) -> int:
    if args.store:
        from mags.bench.store_bench import run_store_bench

        return run_store_bench(args)
    from mags.bench.memory_bench import run_from_cli

    return run_from_cli(args)


def _run_bench(args: argparse.Namespace) -> int:
    from mags.bench.command import bench_command

    llm_policy = "llm" in args.policies.split(",")
    llm = None
    if (llm_policy or "summary" in args.memories.split(",")) and not args.llm_replay:
        what = "--policies llm" if llm_policy else "--memories summary"
        llm = endpoint_from_flags(args, what + " (or --llm-replay)")
    return bench_command(
        args.tracks,
        args.seeds,
        policies=args.policies,
        memories=args.memories,
        out=args.out,
        workers=args.workers,
        config=args.config,
        max_steps=args.max_steps,
        cache=world_cache(args),
        llm=llm,
        llm_replay=args.llm_replay,
        noise=noise_from_flags(args),
        noise_seed=args.noise_seed,
        capacity=capacity_from_flags(args),
    )
