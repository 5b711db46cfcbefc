"""`mags bench` on the command line: check the options, run the grid, report.

`bench_command` turns the options of ``mags bench`` into cells (names checked against the
known policies, memories and tracks, game files accepted by path, tracks' games generated
into the world cache first and skipped seeds left out), runs them with `run_grid` under a
progress bar on stderr, then writes ``summary.md`` (with the command line that reproduces the
run) and the plots next to ``results.jsonl``, and prints the summary table.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mags.agents.capacity import Capacity
from mags.agents.memories import MEMORY_VARIANTS
from mags.agents.policies import POLICIES
from mags.bench.grid import RunContext, expand_grid, run_grid
from mags.bench.results import RESULTS_FILE, Row
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.extract.noise import NoiseSpec
from mags.worlds.cache import WorldCache
from mags.worlds.generate import make_games
from mags.worlds.seeds import parse_seeds
from mags.worlds.tracks import TRACKS, get_track

if TYPE_CHECKING:
    from mags.llm.config import LLMConfig

SUMMARY_FILE = "summary.md"


def option_names(text: str, option: str, known: Sequence[str]) -> list[str]:
    """The comma-separated names of ``option``, each checked against ``known``."""
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise InvalidInputError(f"{option} is empty; choose from {', '.join(known)}")
    for name in names:
        if name not in known:
            raise InvalidInputError(
                f"{option} {name!r} is not one of {', '.join(known)} (comma-separated)"
            )
    return names


def _is_game_file(game: str) -> bool:
    return game not in TRACKS and ("/" in game or "\\" in game or bool(Path(game).suffix))


def _games(text: str) -> list[str]:
    games = list(dict.fromkeys(g.strip() for g in text.split(",") if g.strip()))
    if not games:
        raise InvalidInputError(f"--tracks is empty; choose from {', '.join(sorted(TRACKS))}")
    for game in games:
        if _is_game_file(game):
            if not Path(game).is_file():
                raise InvalidInputError(f"--tracks: game file {game} does not exist")
        elif game not in TRACKS:
            raise InvalidInputError(
                f"--tracks {game!r} is not one of {', '.join(sorted(TRACKS))} "
                "(or the path of a .z8 game file)"
            )
    return games


def _seeds_per_game(
    games: Sequence[str], seeds: str | None, cache: WorldCache, workers: int, err: Console
) -> dict[str, list[int | None]]:
    """Each game's seeds: tracks' games generated first, skipped seeds left out (said so)."""
    parsed: list[int] | None = parse_seeds(seeds) if seeds else None
    out: dict[str, list[int | None]] = {}
    for game in games:
        if _is_game_file(game):
            out[game] = list(parsed) if parsed else [None]
            continue
        if parsed is None:
            raise InvalidInputError(
                f"a track needs --seeds, e.g. --tracks {game} --seeds 1001-1020"
            )
        missing = [s for s in parsed if not cache.has_game(game, s)]
        if missing:
            err.print(f"generating {len(missing)} game(s) of {game} into {cache.root} ...")
        results = make_games(get_track(game), parsed, cache=cache, workers=workers)
        for result in results:
            if result.status == "skipped":
                err.print(f"[yellow]note: {game} seed {result.seed} is skipped: {result.reason}[/]")
        out[game] = [r.seed for r in results if r.status != "skipped"]
    return out


def _command_line(
    tracks: str,
    seeds: str | None,
    policies: str,
    memories: str,
    out: str,
    workers: int,
    config: str | None,
    max_steps: int | None,
    cache: WorldCache,
    llm: LLMConfig | None = None,
    llm_replay: bool = False,
    noise: NoiseSpec | None = None,
    noise_seed: int = 0,
    capacity: Capacity | None = None,
) -> str:
    parts = ["mags", "bench", "--tracks", tracks]
    parts += ["--seeds", seeds] if seeds else []
    parts += ["--policies", policies, "--memories", memories, "--out", out]
    parts += ["--workers", str(workers)]
    parts += ["--config", config] if config else []
    parts += ["--max-steps", str(max_steps)] if max_steps is not None else []
    parts += ["--cache", str(cache.root)]
    parts += ["--llm-replay"] if llm_replay else []
    if noise is not None and not noise.silent:
        parts += ["--noise", noise.label(), "--noise-seed", str(noise_seed)]
    parts += ["--capacity", capacity.label()] if capacity else []
    if llm is not None:  # the API key is never written into a report
        parts += ["--llm-base-url", llm.base_url, "--llm-model", llm.model]
    return shlex.join(parts)


def bench_command(
    tracks: str,
    seeds: str | None,
    *,
    policies: str = "planner",
    memories: str = "liquid",
    out: str,
    workers: int = 1,
    config: str | None = None,
    max_steps: int | None = None,
    cache: WorldCache | None = None,
    llm: LLMConfig | None = None,
    llm_replay: bool = False,
    noise: NoiseSpec | None = None,
    noise_seed: int = 0,
    capacity: Capacity | None = None,
) -> int:
    """`mags bench`: validate, run the grid with a progress bar, write the summary and plots.

    Returns 0, or 1 when some cell failed (its message is in the summary and the row).
    """
    from mags.bench.plots import write_plots
    from mags.bench.prompt_cost import markdown_section as prompt_markdown
    from mags.bench.prompt_cost import prompt_costs
    from mags.bench.prompt_cost import rich_table as prompt_table
    from mags.bench.prompt_cost import write_plot as write_prompt_plot
    from mags.bench.summary import ReportHeader, markdown_report, rich_table, summarize

    games = _games(tracks)
    policy_names = option_names(policies, "--policies", POLICIES)
    memory_names = option_names(memories, "--memories", MEMORY_VARIANTS)
    if workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, got {workers}")
    if max_steps is not None and max_steps < 1:
        raise InvalidInputError(f"--max-steps must be at least 1, got {max_steps}")
    memory_config = MemoryConfig.from_toml(config) if config else MemoryConfig()
    cache = cache or WorldCache.default()
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 150)
    show = Console(width=None if sys.stdout.isatty() else 200)
    seeds_by_game = _seeds_per_game(games, seeds, cache, workers, err)
    cells = expand_grid(games, seeds_by_game, policy_names, memory_names, max_steps)
    if not cells:
        raise InvalidInputError("no games to play: every seed of every track is skipped")
    context = RunContext.make(
        memory_config,
        cache.root,
        llm=llm,
        llm_replay=llm_replay,
        noise=noise,
        noise_seed=noise_seed,
        capacity=capacity,
    )
    out_dir = Path(out)
    progress = Progress(
        TextColumn("[bold]bench[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("done"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
        console=err,
        transient=True,
    )
    task = progress.add_task("bench", total=len(cells), last="")
    failures = done = 0
    # Not a terminal (a log, CI, a pipe): no live bar, a line per finished cell instead.
    lines = not err.is_terminal

    def started(todo: int) -> None:
        nonlocal done
        done = len(cells) - todo
        progress.update(task, completed=done)
        if lines:
            err.print(f"bench: {len(cells)} cells, {done} already done, {todo} to play")
        else:
            progress.start()

    def finished(row: Row) -> None:
        nonlocal failures, done
        failures += bool(row.get("error"))
        done += 1
        label = f"{row.get('track')} {row.get('seed')} {row.get('policy')}+{row.get('memory')}"
        progress.update(task, advance=1, last=label)
        if lines:
            result = "error" if row.get("error") else ("won" if row.get("won") else "lost")
            err.print(f"[{datetime.now():%H:%M:%S}] {done}/{len(cells)} {label}: {result}")

    try:
        outcome = run_grid(
            cells, out_dir, context, workers=workers, on_row=finished, on_start=started
        )
    except KeyboardInterrupt:
        progress.stop()
        err.print(
            f"[yellow]interrupted; finished cells are in {out_dir / RESULTS_FILE}: run the "
            "same command again to resume[/]"
        )
        raise
    finally:
        progress.stop()
    for warning in outcome.warnings:
        err.print(f"[yellow]warning: {warning}[/]")
    err.print(
        f"{len(cells)} cells: {outcome.resumed} already in {RESULTS_FILE}, {outcome.ran} played"
        + (f", {failures} failed" if failures else "")
    )
    summaries = summarize(outcome.rows)
    plots = [p.name for p in write_plots(outcome.rows, out_dir)]
    failed = [f"{_describe_row(r)}: {r['error']}" for r in outcome.failed]
    header = ReportHeader(
        command=_command_line(
            tracks,
            seeds,
            policies,
            memories,
            out,
            workers,
            config,
            max_steps,
            cache,
            llm,
            llm_replay,
            noise,
            noise_seed,
            capacity,
        ),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        git_revision=context.git_revision,
        machine=f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {workers} worker(s)",
        notes=(
            f"cells: {len(cells)} ({len(outcome.rows) - len(failed)} played, "
            f"{len(failed)} failed); config_hash {context.config_hash}; "
            f"max steps {max_steps if max_steps is not None else 'the track budget'}",
        ),
    )
    costs = prompt_costs(outcome.rows)
    if (plot := write_prompt_plot(costs, out_dir)) is not None:
        plots.append(plot.name)
    summary_path = out_dir / SUMMARY_FILE
    summary_path.write_text(
        markdown_report(summaries, header, failures=failed, plots=plots)
        + (("\n" + prompt_markdown(costs)) if costs else ""),
        encoding="utf-8",
    )
    show.print(rich_table(summaries, title=f"Benchmark ({context.git_revision})"))
    if costs:
        show.print(prompt_table(costs))
    for line in failed:
        show.print(f"[red]failed[/] {line}", markup=True, highlight=False)
    show.print(
        f"results in {out_dir / RESULTS_FILE}; summary in {summary_path}; plots: "
        + ", ".join(str(out_dir / p) for p in plots)
    )
    sys.stdout.flush()
    return 1 if failed else 0


def _describe_row(row: Mapping[str, Any]) -> str:
    where = row.get("game") or row.get("track")
    seed = f" seed {row['seed']}" if row.get("seed") is not None else ""
    return f"{where}{seed}: {row.get('policy')} + {row.get('memory')}"
