"""A life-long agent: one memory kept across a sequence of games (``mags bench-lifelong``).

The regime where decay should matter (issue 25, item 4): each game of a track is another
house whose rooms and things share names with the last one ("kitchen", "fridge", "red
apple"), so what the memory learnt of one house must fade or yield in the next, while what
holds everywhere (what a cookbook is, how a door opens) stays. The memory's clock runs on
from game to game; each game is played by a fresh planner. At a new game the agent knows
two things for certain and tells its memory: the old task is over (its goal and recipe are
refuted) and it stands in a new house (the extractor's sense of the current room and its
doors starts over; `Memory.boundary` weakens what may have changed, unless
``--no-boundary``). Everything else the memory keeps as it is.

Reported per memory: the score of the first game (a fresh memory), the mean score of the
later ones (a memory full of another house), so the difference is what carrying it costs,
and the facts the memory holds active at the end (what twenty houses leave behind).

Example
-------
>>> parser = argparse.ArgumentParser()
>>> add_lifelong_command(parser.add_subparsers())
>>> parser.parse_args(["bench-lifelong", "kitchen-difficult", "--seeds", "1-3"]).memories
'liquid,no-decay,latest-slot'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mags.agents.memories import MEMORY_VARIANTS, make_memory
from mags.agents.policies import make_policy
from mags.agents.stepper import AgentStepper
from mags.bench.command import option_names
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.core.model import Negation
from mags.extract.noise import NoiseSpec, noisy, regime
from mags.extract.noise_flags import add_noise_flags, noise_from_flags
from mags.extract.textworld import TextWorldExtractor
from mags.worlds.cache import WorldCache
from mags.worlds.env import open_game
from mags.worlds.generate import make_games
from mags.worlds.seeds import parse_seeds
from mags.worlds.tracks import TRACKS, get_track

DEFAULT_MAX_STEPS = 100
NEW_TASK = (Negation("goal", subject="player"), Negation("needs", subject="recipe"))
"""What a new game makes certainly false: the last game's task."""


@dataclass(frozen=True)
class GameResult:
    """One game of a sequence."""

    seed: int
    score: float
    won: bool
    steps: int


@dataclass(frozen=True)
class LifelongResult:
    """One memory's sequence of games."""

    memory: str
    games: tuple[GameResult, ...]
    active_facts: int
    """Facts the memory holds active after the last game."""

    @property
    def first(self) -> float:
        """The first game's normalized score (a fresh memory)."""
        return self.games[0].score

    @property
    def later(self) -> float:
        """The mean normalized score of the games after the first."""
        rest = self.games[1:]
        return sum(g.score for g in rest) / len(rest) if rest else float("nan")


def play_lifelong(
    track: str,
    seeds: Sequence[int],
    memory_name: str,
    *,
    cache: WorldCache | None = None,
    config: MemoryConfig | None = None,
    noise: NoiseSpec | None = None,
    noise_seed: int = 0,
    boundary: bool = True,
) -> LifelongResult:
    """Play ``seeds`` of ``track`` in order with one memory (see the module docstring);
    ``boundary``: tell the memory where each new game starts (`Memory.boundary`)."""
    reader = TextWorldExtractor()
    extractor = noisy(reader, noise, noise_seed, seeds[0] if seeds else 0) or reader
    memory = make_memory(memory_name, config, extractor=extractor)
    clock = 0.0
    games: list[GameResult] = []
    try:
        for index, seed in enumerate(seeds):
            env, evaluator = open_game(track, seed, cache=cache)
            try:
                if index:  # a new game: a new task, a new house
                    memory.refute(NEW_TASK, clock)
                    if boundary:
                        memory.boundary(clock)
                    reader.new_game()
                budget = evaluator.step_budget or DEFAULT_MAX_STEPS
                stepper = AgentStepper(
                    env, memory, make_policy("planner", seed), budget=budget, start_time=clock
                )
                record = stepper.start()
                while not record.done:
                    record = stepper.step()
                observation = record.observation
                score = observation.score / evaluator.max_score if evaluator.max_score else 0.0
                games.append(GameResult(seed, score, observation.won, record.step))
                clock += record.step + 1
            finally:
                evaluator.close()
        size = memory.size()
    finally:
        memory.close()
    return LifelongResult(memory_name, tuple(games), size)


def add_lifelong_command(commands: Any) -> None:
    """Register ``mags bench-lifelong``."""
    parser = commands.add_parser(
        "bench-lifelong",
        help="play a sequence of games with one memory (a life-long agent)",
        description="Play the --seeds of TRACK in order with one memory per variant and a "
        "fresh planner per game; the memory's clock runs on, the last game's task is "
        "refuted at each new game. Prints each memory's first-game score and the mean "
        "of the later games (what carrying another house's facts costs).",
    )
    parser.add_argument("track", help="a track, e.g. kitchen-difficult")
    parser.add_argument("--seeds", required=True, help="the games in order, e.g. 1-4")
    parser.add_argument(
        "--memories", default="liquid,no-decay,latest-slot", help="comma-separated variants"
    )
    parser.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    parser.add_argument(
        "--no-boundary",
        action="store_true",
        help="do not tell the memory where a new game starts (Memory.boundary)",
    )
    add_noise_flags(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    if args.track not in TRACKS:
        raise InvalidInputError(f"TRACK {args.track!r} is not one of {', '.join(sorted(TRACKS))}")
    seeds = parse_seeds(args.seeds)
    if len(seeds) < 2:
        raise InvalidInputError("--seeds: a sequence needs two games or more, e.g. 1-4")
    known = [name for name in MEMORY_VARIANTS if name != "summary"]  # that one needs an LLM
    memories = option_names(args.memories, "--memories", known)
    noise = noise_from_flags(args)
    cache = WorldCache(args.cache) if args.cache else WorldCache.default()
    # The games generated first; a seed the generator skips is left out, and said so.
    playable = []
    for made in make_games(get_track(args.track), seeds, cache=cache):
        if made.status == "skipped":
            print(f"note: {args.track} seed {made.seed} is skipped: {made.reason}", file=sys.stderr)
        else:
            playable.append(made.seed)
    if len(playable) < 2:
        raise InvalidInputError("--seeds: fewer than two of these games can be played")
    seeds = playable
    tag = regime(noise, args.noise_seed) or "clean"
    print(f"| memory | first game | later games (mean of {len(seeds) - 1}) | won | facts at end |")
    print("|---|---:|---:|---:|---:|")
    for name in memories:
        result = play_lifelong(
            args.track,
            seeds,
            name,
            cache=cache,
            noise=noise,
            noise_seed=args.noise_seed,
            boundary=not args.no_boundary,
        )
        won = sum(g.won for g in result.games)
        print(
            f"| {name} | {result.first:.2f} | {result.later:.2f} | {won}/{len(seeds)} "
            f"| {result.active_facts} |"
        )
        print(
            f"{name}: " + ", ".join(f"{g.seed}:{g.score:.2f}/{g.steps}" for g in result.games),
            file=sys.stderr,
        )
    print(f"\n{args.track} seeds {args.seeds} in order, one memory each; {tag}")
    return 0
