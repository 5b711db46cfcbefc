"""`mags bench`: a grid of games (tracks × seeds × policies × memories), resumable.

Each *cell* is one `play_game` call. Cells run in worker processes (in-process with one
worker) and every finished cell is appended at once to ``DIR/results.jsonl`` as one JSON
object per line: `PlayResult.to_json()` plus ``game`` (the track name or game file asked
for), ``max_steps``, ``config`` (the `MemoryConfig` as a dict), ``config_hash``,
``git_revision``, ``started_at`` and ``error`` (null, or why the cell failed).

**Resume**: a cell whose key (game, seed, policy, memory, config_hash, max_steps) already has
a row without error is not played again, so running the same command after an interruption
finishes the grid. A last line cut short by a killed process is dropped with a warning; a
failed cell is tried again. Only the main process writes, one whole line at a time, so
Ctrl-C (which stops the workers) leaves a valid file.

Example
-------
>>> cells = expand_grid(["tiny"], [1, 2], ["planner", "random"], ["liquid"], max_steps=30)
>>> len(cells), cells[0].describe()
(4, 'tiny seed 1: planner + liquid (30 steps)')
>>> cells[0].key("abc")
('tiny', 1, 'planner', 'liquid', 'abc', 30)
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mags.agents.memories import MEMORY_VARIANTS
from mags.agents.play import PlayResult, PlaySpec, play_game
from mags.agents.policies import POLICIES
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError, MagsError
from mags.worlds.cache import WorldCache
from mags.worlds.generate import make_games
from mags.worlds.seeds import parse_seeds
from mags.worlds.tracks import TRACKS, get_track

RESULTS_FILE = "results.jsonl"
SUMMARY_FILE = "summary.md"

CellKey = tuple[str, int | None, str, str, str, int | None]
"""(game, seed, policy, memory, config_hash, max_steps): what makes a result reusable."""

Row = dict[str, Any]


@dataclass(frozen=True)
class Cell:
    """One game of the grid: a track (or game file) and seed, a policy, a memory."""

    game: str
    seed: int | None
    policy: str
    memory: str
    max_steps: int | None = None

    def spec(self) -> PlaySpec:
        """What `play_game` plays."""
        return PlaySpec(self.game, self.seed, self.policy, self.memory, self.max_steps)

    def key(self, config_hash: str) -> CellKey:
        """The key of this cell's row under a config (see `CellKey`)."""
        return (self.game, self.seed, self.policy, self.memory, config_hash, self.max_steps)

    def describe(self) -> str:
        """A short label, e.g. ``tiny seed 1: planner + liquid (30 steps)``."""
        steps = f" ({self.max_steps} steps)" if self.max_steps is not None else ""
        return self.spec().describe() + steps


def expand_grid(
    games: Sequence[str],
    seeds: Sequence[int | None] | Mapping[str, Sequence[int | None]],
    policies: Sequence[str],
    memories: Sequence[str],
    max_steps: int | None = None,
) -> list[Cell]:
    """Every (game, seed, policy, memory) combination, game-major.

    `seeds` is one list for every game, or a list per game (seeds that a track skips left
    out). Duplicates are removed, order is kept.

    Example
    -------
    >>> [c.seed for c in expand_grid(["a", "b"], {"a": [1, 2], "b": [3]}, ["p"], ["m"])]
    [1, 2, 3]
    """
    cells: dict[Cell, None] = {}
    for game in games:
        game_seeds = seeds.get(game, ()) if isinstance(seeds, Mapping) else seeds
        for seed in game_seeds:
            for policy in policies:
                for memory in memories:
                    cells[Cell(game, seed, policy, memory, max_steps)] = None
    return list(cells)


def config_hash(config: MemoryConfig) -> str:
    """A short, stable hash of a config's values (12 hex digits).

    Example
    -------
    >>> config_hash(MemoryConfig()) == config_hash(MemoryConfig())
    True
    >>> config_hash(MemoryConfig()) == config_hash(MemoryConfig(eta=0.4))
    False
    """
    text = json.dumps(config.to_dict(), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def git_revision(where: str | os.PathLike[str] | None = None) -> str:
    """``git rev-parse --short HEAD`` of the checkout holding `where` (default: this
    package), with ``+dirty`` when tracked files changed; ``unknown`` outside git.

    Example
    -------
    >>> import tempfile
    >>> git_revision(tempfile.mkdtemp())
    'unknown'
    """
    folder = Path(where) if where is not None else Path(__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=True
        )
        return done.stdout.strip()

    try:
        revision = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return revision + ("+dirty" if dirty else "") if revision else "unknown"


def row_key(row: Mapping[str, Any]) -> CellKey | None:
    """The `CellKey` of a row; None for a row that lacks one.

    Example
    -------
    >>> row_key({"game": "tiny", "seed": 1, "policy": "planner", "memory": "none",
    ...          "config_hash": "abc", "max_steps": None})
    ('tiny', 1, 'planner', 'none', 'abc', None)
    >>> row_key({"policy": "planner"}) is None
    True
    """
    try:
        game = row["game"] if "game" in row else row["track"]
        seed, max_steps = row.get("seed"), row.get("max_steps")
        key = (game, seed, row["policy"], row["memory"], row["config_hash"], max_steps)
    except (KeyError, TypeError):
        return None
    if not all(isinstance(k, str) for k in (game, *key[2:5])):
        return None
    if not (_optional_int(seed) and _optional_int(max_steps)):
        return None
    return key


def _optional_int(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


@dataclass
class ResultsLog:
    """The rows of a ``results.jsonl`` and what was wrong with its lines."""

    rows: list[Row] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def done(self) -> set[CellKey]:
        """Keys of the cells that have a row without error."""
        keys = (row_key(r) for r in self.rows if not r.get("error"))
        return {k for k in keys if k is not None}


def read_results(path: str | os.PathLike[str]) -> ResultsLog:
    """Read a ``results.jsonl``; never fails on its content.

    A missing file has no rows. A line that is not a JSON object is left out with a warning
    (the last one, without its newline, is a write cut short by a killed process).

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> _ = p.write_text('{"a": 1}\\n{"a": 2, "b"')
    >>> log = read_results(p)
    >>> log.rows, log.warnings
    ([{'a': 1}], ['results.jsonl: ignored a truncated last line (line 2)'])
    """
    path = Path(path)
    log = ResultsLog()
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return log
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if isinstance(row, dict):
            log.rows.append(row)
        elif number == len(lines):
            log.warnings.append(f"{path.name}: ignored a truncated last line (line {number})")
        else:
            log.warnings.append(f"{path.name}: ignored line {number}, not a JSON object")
    return log


def repair_results(path: str | os.PathLike[str]) -> str | None:
    """Make `path` end with a whole line before appending to it; say what was done.

    A last line without its newline is cut off when it is not a JSON object (a write cut
    short), or given its newline when it is one.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> _ = p.write_text('{"a": 1}\\n{"a": 2, "b"')
    >>> repair_results(p)
    'results.jsonl: removed a truncated last line; its cell runs again'
    >>> p.read_text()
    '{"a": 1}\\n'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not data or data.endswith(b"\n"):
        return None
    start = data.rfind(b"\n") + 1
    try:
        whole = isinstance(json.loads(data[start:].decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        whole = False
    with path.open("r+b") as f:
        if whole:
            f.seek(0, os.SEEK_END)
            f.write(b"\n")
            return None
        f.truncate(start)
    return f"{path.name}: removed a truncated last line; its cell runs again"


class ResultsWriter:
    """Appends rows to a ``results.jsonl``, one whole line per write, at once on disk.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> with ResultsWriter(p) as w:
    ...     w.append({"a": 1})
    >>> read_results(p).rows
    [{'a': 1}]
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one row as one line (a single append)."""
        data = (json.dumps(row) + "\n").encode("utf-8")
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def close(self) -> None:
        """Close the file."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class RunContext:
    """What every row of one run records, and what a worker needs besides its cell."""

    config: MemoryConfig
    config_hash: str
    git_revision: str
    cache_root: str | None = None

    @classmethod
    def make(
        cls, config: MemoryConfig | None = None, cache_root: str | os.PathLike[str] | None = None
    ) -> RunContext:
        """A context for `config` (default: the defaults) at this checkout's revision."""
        config = config or MemoryConfig()
        root = str(cache_root) if cache_root is not None else None
        return cls(config, config_hash(config), git_revision(), root)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(cell: Cell, context: RunContext, result: Row, started_at: str, error: str | None) -> Row:
    return {
        **result,
        "game": cell.game,
        "max_steps": cell.max_steps,
        "config": context.config.to_dict(),
        "config_hash": context.config_hash,
        "git_revision": context.git_revision,
        "started_at": started_at,
        "error": error,
    }


def failed_row(cell: Cell, context: RunContext, message: str, started_at: str) -> Row:
    """The row of a cell that could not be played: every result figure null.

    Example
    -------
    >>> context = RunContext(MemoryConfig(), "abc", "unknown")
    >>> row = failed_row(Cell("tiny", 1, "llm", "liquid"), context, "no model", "2025-01-01")
    >>> row["error"], row["score"], row_key(row)
    ('no model', None, ('tiny', 1, 'llm', 'liquid', 'abc', None))
    """
    result: Row = {f.name: None for f in fields(PlayResult)}
    result.update(track=cell.game, seed=cell.seed, policy=cell.policy, memory=cell.memory)
    return _row(cell, context, result, started_at, message)


def run_cell(cell: Cell, context: RunContext) -> Row:
    """Play one cell; its row. A cell that raises is a failed row, not an exception.

    Example
    -------
    >>> context = RunContext(MemoryConfig(), "abc", "unknown")
    >>> run_cell(Cell("no/such.z8", None, "planner", "liquid"), context)["error"]
    ... # doctest: +ELLIPSIS
    'game file .../no/such.z8 does not exist...'
    """
    started_at = _now()
    cache = WorldCache(context.cache_root) if context.cache_root else None
    try:
        result = play_game(cell.spec(), cache=cache, config=context.config)
    except MagsError as exc:
        return failed_row(cell, context, str(exc), started_at)
    except Exception as exc:  # one broken game must not lose the grid: record and go on
        return failed_row(cell, context, f"{type(exc).__name__}: {exc}", started_at)
    return _row(cell, context, result.to_json(), started_at, None)


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the main process, which stops them and keeps the file valid.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def run_cells(
    cells: Sequence[Cell],
    context: RunContext,
    *,
    workers: int = 1,
    on_row: Callable[[Row], None],
    on_start: Callable[[], None] | None = None,
) -> None:
    """Play `cells`, calling `on_row` in this process with each row as it finishes.

    With ``workers > 1`` cells run in that many worker processes; `on_start` is called once
    they are started (start progress displays then: no thread is running when they fork).
    An exception here (Ctrl-C included) stops the workers and propagates.

    Example
    -------
    >>> rows = []
    >>> run_cells([], RunContext(MemoryConfig(), "abc", "unknown"), on_row=rows.append)
    >>> rows
    []
    """
    if workers <= 1 or len(cells) <= 1:
        if on_start is not None:
            on_start()
        for cell in cells:
            on_row(run_cell(cell, context))
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(cells)), initializer=_ignore_sigint)
    try:
        futures: dict[Future[Row], Cell] = {
            pool.submit(run_cell, cell, context): cell for cell in cells
        }
        if on_start is not None:
            on_start()
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as exc:  # a worker died (killed, out of memory): record the cell
                message = f"worker failed: {type(exc).__name__}: {exc}"
                row = failed_row(futures[future], context, message, _now())
            on_row(row)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()


def latest_rows(rows: Iterable[Row], keys: Sequence[CellKey]) -> list[Row]:
    """One row per key of `keys` that has any: its last row without error, or else its last
    failed row; in the order of `keys`.

    Example
    -------
    >>> rows = [{"game": "t", "seed": 1, "policy": "p", "memory": "m", "config_hash": "h",
    ...          "error": e, "n": n} for n, e in enumerate([None, "boom", None, "boom"])]
    >>> [r["n"] for r in latest_rows(rows, [("t", 1, "p", "m", "h", None)])]
    [2]
    """
    wanted = set(keys)
    best: dict[CellKey, Row] = {}
    for row in rows:
        key = row_key(row)
        if key is None or key not in wanted:
            continue
        if not row.get("error") or key not in best or best[key].get("error"):
            best[key] = row
    return [best[k] for k in keys if k in best]


@dataclass
class GridOutcome:
    """What `run_grid` did: cells run and resumed, and the grid's rows from the file."""

    cells: list[Cell]
    ran: int
    resumed: int
    rows: list[Row]
    warnings: list[str]

    @property
    def failed(self) -> list[Row]:
        """The grid's rows that carry an error."""
        return [r for r in self.rows if r.get("error")]


def run_grid(
    cells: Sequence[Cell],
    out_dir: str | os.PathLike[str],
    context: RunContext,
    *,
    workers: int = 1,
    on_row: Callable[[Row], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> GridOutcome:
    """Play the cells that ``out_dir/results.jsonl`` lacks, appending each row at once.

    `on_start` gets the number of cells to run once they start; `on_row` each new row after
    it is written.

    Example
    -------
    >>> import tempfile
    >>> outcome = run_grid([], tempfile.mkdtemp(), RunContext(MemoryConfig(), "h", "unknown"))
    >>> outcome.ran, outcome.resumed, outcome.rows
    (0, 0, [])
    """
    path = Path(out_dir) / RESULTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    log = read_results(path)
    warnings = list(log.warnings)
    repaired = repair_results(path)
    if repaired:
        warnings = [w for w in warnings if "truncated last line" not in w] + [repaired]
    done = log.done()
    todo = [c for c in cells if c.key(context.config_hash) not in done]
    written: list[Row] = []
    with ResultsWriter(path) as writer:

        def finished(row: Row) -> None:
            writer.append(row)
            written.append(row)
            if on_row is not None:
                on_row(row)

        run_cells(
            todo,
            context,
            workers=workers,
            on_row=finished,
            on_start=(lambda: on_start(len(todo))) if on_start is not None else None,
        )
    keys = [c.key(context.config_hash) for c in cells]
    return GridOutcome(
        cells=list(cells),
        ran=len(written),
        resumed=len(cells) - len(todo),
        rows=latest_rows([*log.rows, *written], keys),
        warnings=warnings,
    )


def _names(text: str, option: str, known: Sequence[str]) -> list[str]:
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
) -> str:
    parts = ["mags", "bench", "--tracks", tracks]
    parts += ["--seeds", seeds] if seeds else []
    parts += ["--policies", policies, "--memories", memories, "--out", out]
    parts += ["--workers", str(workers)]
    parts += ["--config", config] if config else []
    parts += ["--max-steps", str(max_steps)] if max_steps is not None else []
    parts += ["--cache", str(cache.root)]
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
) -> int:
    """`mags bench`: validate, run the grid with a progress bar, write the summary and plots.

    Returns 0, or 1 when some cell failed (its message is in the summary and the row).
    """
    from mags.bench.plots import write_plots
    from mags.bench.summary import ReportHeader, markdown_report, rich_table, summarize

    games = _games(tracks)
    policy_names = _names(policies, "--policies", POLICIES)
    memory_names = _names(memories, "--memories", MEMORY_VARIANTS)
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
    context = RunContext.make(memory_config, cache.root)
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
    failures = 0

    def started(todo: int) -> None:
        progress.update(task, completed=len(cells) - todo)
        progress.start()

    def finished(row: Row) -> None:
        nonlocal failures
        failures += bool(row.get("error"))
        label = f"{row.get('track')} {row.get('seed')} {row.get('policy')}+{row.get('memory')}"
        progress.update(task, advance=1, last=label)

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
            tracks, seeds, policies, memories, out, workers, config, max_steps, cache
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
    summary_path = out_dir / SUMMARY_FILE
    summary_path.write_text(
        markdown_report(summaries, header, failures=failed, plots=plots), encoding="utf-8"
    )
    show.print(rich_table(summaries, title=f"Benchmark ({context.git_revision})"))
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
