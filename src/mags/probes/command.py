"""`mags probe`: belief-accuracy probes over a track's games, with a table, JSON and a plot."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from mags.agents.capacity import Capacity
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.extract.noise import NoiseSpec
from mags.llm import LLMConfig
from mags.probes.report import plot_over_steps, plot_reliability, summary_table
from mags.probes.runner import POLICIES, STRATEGIES, ProbeResult, ProbeSpec, run_probes
from mags.worlds.cache import WorldCache
from mags.worlds.generate import make_games
from mags.worlds.seeds import parse_seeds
from mags.worlds.tracks import get_track


def probe_command(
    game: str,
    seeds: str | None,
    *,
    strategies: str = "liquid",
    policy: str = "walkthrough",
    steps: int | None = None,
    capacity: Capacity | None = None,
    as_json: bool = False,
    plot: str | None = None,
    workers: int = 1,
    cache: WorldCache | None = None,
    config: MemoryConfig | None = None,
    llm: LLMConfig | None = None,
    noise: NoiseSpec | None = None,
    noise_seed: int = 0,
) -> int:
    """Run the probes and render them; returns the exit status."""
    chosen = [s.strip() for s in strategies.split(",") if s.strip()]
    for name in chosen:
        if name not in STRATEGIES:
            raise InvalidInputError(
                f"--strategy {name!r} is not one of {', '.join(STRATEGIES)} "
                "(several may be given, comma-separated)"
            )
    if policy not in POLICIES:
        raise InvalidInputError(f"--policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if steps is not None and steps < 1:
        raise InvalidInputError(f"--steps must be at least 1, got {steps}")
    is_file = Path(game).suffix in (".z8", ".ulx") or Path(game).exists()
    seed_list: list[int | None] = [None] if is_file and not seeds else []
    if not seed_list:
        if not seeds:
            raise InvalidInputError(f"a track needs --seeds, e.g. mags probe {game} --seeds 1-5")
        seed_list = list(parse_seeds(seeds))
    # Wide enough for the table when the output is a file or a pipe.
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 150)
    cache = cache or WorldCache.default()
    if not is_file:
        seed_list = _available_seeds(game, [s for s in seed_list if s is not None], cache, err)
    specs = [
        ProbeSpec(game, seed, strategy, policy, steps, capacity, llm, noise, noise_seed)
        for seed in seed_list
        for strategy in chosen
    ]
    out = err if as_json else Console(width=None if sys.stdout.isatty() else 150)
    results: list[ProbeResult] = []
    with Progress(
        TextColumn("[bold]probe[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{game} ({policy})", total=len(specs))

        def done(result: ProbeResult) -> None:
            results.append(result)
            if as_json:
                print(json.dumps(result.to_json()), flush=True)
            progress.advance(task)

        run_probes(specs, cache.root, workers=workers, on_result=done, config=config)
    out.print(summary_table(results))
    if plot:
        written = plot_over_steps(results, Path(plot))
        reliability = plot_reliability(
            results, Path(plot).with_name(Path(plot).stem + "-reliability.png")
        )
        out.print(f"plots written to {written} and {reliability}")
    sys.stdout.flush()
    return 0


def _available_seeds(
    track: str, seeds: list[int], cache: WorldCache, err: Console
) -> list[int | None]:
    """Generate what the cache lacks; leave out (and say so) seeds that are skipped."""
    results = make_games(get_track(track), seeds, cache=cache)
    for result in results:
        if result.status == "skipped":
            err.print(f"[yellow]seed {result.seed} of {track} is skipped: {result.reason}[/]")
    return [r.seed for r in results if r.status != "skipped"]
