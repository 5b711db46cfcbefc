"""`mags bench`'s grid: games (tracks × seeds × policies × memories), played resumably.

Each *cell* is one `play_game` call. Cells run in worker processes (in-process with one
worker) and every finished cell is appended at once to ``DIR/results.jsonl`` (see
`mags.bench.results`) as one JSON object per line: `PlayResult.to_json()` plus ``game`` (the
track name or game file asked for), ``max_steps``, ``config`` (the `MemoryConfig` as a dict),
``config_hash``, ``git_revision``, ``started_at`` and ``error`` (null, or why the cell failed).

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
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from mags.agents.capacity import Capacity
from mags.agents.play import DEFAULT_MAX_STEPS, PlayResult, PlaySpec, play_game
from mags.bench.replay import REPLAY_MODEL, replay_actions, replay_client
from mags.bench.results import (
    RESULTS_FILE,
    CellKey,
    ResultsWriter,
    Row,
    read_results,
    repair_results,
    row_key,
)
from mags.config import MemoryConfig
from mags.core.errors import MagsError
from mags.extract.noise import NoiseSpec, regime
from mags.llm.client import LLMClient
from mags.llm.config import LLMConfig
from mags.worlds.cache import WorldCache
from mags.worlds.tracks import TRACKS


@dataclass(frozen=True)
class Cell:
    """One game of the grid: a track (or game file) and seed, a policy, a memory."""

    game: str
    seed: int | None
    policy: str
    memory: str
    max_steps: int | None = None

    def spec(
        self, noise: NoiseSpec | None = None, noise_seed: int = 0, capacity: Capacity | None = None
    ) -> PlaySpec:
        """What `play_game` plays (through ``noise`` and under ``capacity``, if given)."""
        return PlaySpec(
            self.game,
            self.seed,
            self.policy,
            self.memory,
            self.max_steps,
            noise,
            noise_seed,
            capacity=capacity,
        )

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


def config_hash(config: MemoryConfig, llm: str | None = None) -> str:
    """A short, stable hash of a config's values and the LLM endpoint's label (12 hex digits).

    Example
    -------
    >>> config_hash(MemoryConfig()) == config_hash(MemoryConfig())
    True
    >>> config_hash(MemoryConfig()) == config_hash(MemoryConfig(eta=0.4))
    False
    >>> config_hash(MemoryConfig()) == config_hash(MemoryConfig(), "replay")
    False
    """
    values = config.to_dict() if llm is None else {**config.to_dict(), "llm": llm}
    text = json.dumps(values, sort_keys=True)
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


@dataclass(frozen=True)
class RunContext:
    """What every row of one run records, and what a worker needs besides its cell.

    LLM cells (the ``llm`` policy, the ``summary`` memory) call ``llm``, or with
    ``llm_replay`` a replay endpoint per game (`mags.bench.replay`); which one is part of
    the config hash, so replayed and real rows never stand in for each other on resume.
    """

    config: MemoryConfig
    config_hash: str
    git_revision: str
    cache_root: str | None = None
    llm: LLMConfig | None = None
    llm_replay: bool = False
    noise: NoiseSpec | None = None
    """Seeded extraction errors for every game (`mags.extract.noise`); part of the hash."""
    noise_seed: int = 0
    capacity: Capacity | None = None
    """Every memory's capacity (facts or a share of the true state); part of the hash."""

    @classmethod
    def make(
        cls,
        config: MemoryConfig | None = None,
        cache_root: str | os.PathLike[str] | None = None,
        *,
        llm: LLMConfig | None = None,
        llm_replay: bool = False,
        noise: NoiseSpec | None = None,
        noise_seed: int = 0,
        capacity: Capacity | None = None,
    ) -> RunContext:
        """A context for `config` (default: the defaults) at this checkout's revision."""
        config = config or MemoryConfig()
        root = str(cache_root) if cache_root is not None else None
        capped = f"capacity={capacity.label()}" if capacity else None
        label = "|".join(
            filter(None, (llm_label(llm, llm_replay), regime(noise, noise_seed), capped))
        )
        return cls(
            config,
            config_hash(config, label or None),
            git_revision(),
            root,
            llm,
            llm_replay,
            noise,
            noise_seed,
            capacity,
        )

    @property
    def llm_label(self) -> str | None:
        """What answers the LLM cells: ``replay``, ``MODEL@BASE_URL``, or None."""
        return llm_label(self.llm, self.llm_replay)


def llm_label(llm: LLMConfig | None, replay: bool) -> str | None:
    """How a run names its LLM endpoint in rows and hashes.

    Example
    -------
    >>> llm_label(None, True), llm_label(None, False)
    ('replay', None)
    """
    if replay:
        return REPLAY_MODEL
    return f"{llm.model}@{llm.base_url}" if llm is not None else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(cell: Cell, context: RunContext, result: Row, started_at: str, error: str | None) -> Row:
    return {
        **result,
        "game": cell.game,
        "max_steps": cell.max_steps,
        "config": context.config.to_dict(),
        "config_hash": context.config_hash,
        "llm": context.llm_label,
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
        with _llm_client(cell, context, cache) as llm:
            spec = cell.spec(context.noise, context.noise_seed, context.capacity)
            result = play_game(spec, cache=cache, config=context.config, llm=llm)
    except MagsError as exc:
        return failed_row(cell, context, str(exc), started_at)
    except Exception as exc:  # one broken game must not lose the grid: record and go on
        return failed_row(cell, context, f"{type(exc).__name__}: {exc}", started_at)
    return _row(cell, context, result.to_json(), started_at, None)


@contextmanager
def _llm_client(
    cell: Cell, context: RunContext, cache: WorldCache | None
) -> Iterator[LLMClient | None]:
    """The client an LLM cell calls (a replay endpoint per game with ``llm_replay``)."""
    if cell.policy != "llm" and cell.memory != "summary":
        yield None
    elif context.llm_replay:
        steps = cell.max_steps or _step_budget(cell.game)
        with replay_client(replay_actions(cell.game, cell.seed, steps, cache)) as client:
            yield client
    elif context.llm is not None:
        with LLMClient(context.llm) as client:
            yield client
    else:
        yield None  # play_game then says what is missing


def _step_budget(game: str) -> int:
    """The steps a game gets when the cell sets none: its track's budget, or the default."""
    return TRACKS[game].step_budget if game in TRACKS else DEFAULT_MAX_STEPS


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the main process, which stops them and keeps the file valid.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor, patience_s: float = 10.0) -> None:
    """Cancel what is queued and end every worker, including one the pool is still starting
    (a snapshot of the workers taken once can miss it)."""
    seen = dict(pool._processes or {})
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        seen.update(pool._processes or {})
        alive = [process for process in seen.values() if process.is_alive()]
        if not alive:
            return
        for process in alive:
            process.terminate()
        for process in alive:
            process.join(timeout=0.2)


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
