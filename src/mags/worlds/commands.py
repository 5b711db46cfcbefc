"""`mags worlds make` and `mags worlds list`: render the library's results with rich."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mags.worlds.cache import WorldCache
from mags.worlds.generate import GenerationResult, make_games
from mags.worlds.seeds import parse_seeds
from mags.worlds.tracks import get_track

_STYLE = {"generated": "green", "cached": "cyan", "skipped": "yellow"}


def make_command(
    track_name: str,
    seeds_text: str,
    *,
    cache: WorldCache,
    workers: int = 1,
    timeout_s: float | None = None,
    retry_skipped: bool = False,
    console: Console | None = None,
) -> int:
    """Generate a track's missing games with a progress bar, then print one row per seed.

    Returns the exit status: 0, also when some seeds are skipped (that is expected and
    deterministic; the table says why).
    """
    console = console or Console()
    track = get_track(track_name)
    seeds = parse_seeds(seeds_text)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"worlds {track.name}", total=len(seeds), last="")

        def advance(result: GenerationResult) -> None:
            progress.update(task, advance=1, last=f"seed {result.seed}: {result.status}")

        results = make_games(
            track,
            seeds,
            cache=cache,
            workers=workers,
            time_bound_s=timeout_s,
            retry_skipped=retry_skipped,
            on_result=advance,
        )
    console.print(_results_table(track.name, results))
    counts = {status: sum(r.status == status for r in results) for status in _STYLE}
    console.print(
        f"{counts['generated']} generated, {counts['cached']} cached, "
        f"{counts['skipped']} skipped in {escape(str(cache.track_dir(track.name)))}"
    )
    if counts["skipped"]:
        console.print(
            "Skipped seeds stay skipped on later runs (see skipped.json); "
            "add --retry-skipped to try them again."
        )
    return 0


def list_command(*, cache: WorldCache, console: Console | None = None) -> int:
    """Print one row per cached track: games, skipped seeds, seed range, size."""
    console = console or Console()
    summaries = cache.summaries()
    if not summaries:
        console.print(
            f"No worlds in {escape(str(cache.root))} yet; make some with "
            "`mags worlds make TRACK --seeds 1-5`."
        )
        return 0
    table = Table(title=escape(f"Worlds in {cache.root}"))
    for column in ("track", "games", "skipped", "seeds", "size", "settings"):
        table.add_column(column, justify="right" if column in {"games", "skipped"} else "left")
    for s in summaries:
        seeds = "-" if s.first_seed is None else f"{s.first_seed}-{s.last_seed}"
        skipped = "?" if s.skipped < 0 else str(s.skipped)
        size = _size(s.size_bytes)
        table.add_row(s.name, str(s.games), skipped, seeds, size, escape(s.command_line))
    console.print(table)
    return 0


def _results_table(track: str, results: Sequence[GenerationResult]) -> Table:
    table = Table(title=f"Track {track}")
    table.add_column("seed", justify="right")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("walkthrough", justify="right")
    table.add_column("note")
    for r in results:
        seconds = "-" if r.seconds is None else f"{r.seconds:.1f}"
        length = "-" if r.walkthrough_length is None else str(r.walkthrough_length)
        status = f"[{_STYLE[r.status]}]{r.status}[/]"
        table.add_row(str(r.seed), status, seconds, length, escape(r.reason or ""))
    return table


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover
