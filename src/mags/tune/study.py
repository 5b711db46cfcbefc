"""Studies: created or resumed by name, run by worker processes against one storage.

A study lives in an Optuna storage: by default the SQLite file ``OUT/study.db``; a
PostgreSQL URL lets processes on many machines join the same study (docs/tuning.md).
Each worker process loads the study by name and runs its share of the trials; Optuna's
storage hands out trial numbers, so workers never repeat one another. The main process
watches the storage for finished trials (progress and ETA).

**Resume**: ``trials`` is the study's total. A study that already has finished (complete
or pruned) trials runs only the rest, so the same command after an interruption finishes
the study, and a larger ``trials`` extends it. Trials left running by a killed process are
failed by Optuna's heartbeat (after `GRACE_S`) and do not count.

A trial plays the search seeds' games in a fixed order; after each game it reports the
running mean loss, so the pruner compares trials game by game and stops a bad one early.

Example
-------
>>> split_trials(7, 3)
[3, 2, 2]
>>> default_storage(Path("/tmp/tune-out"))
'sqlite:////tmp/tune-out/study.db'
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import socket
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.pruners import BasePruner, MedianPruner, NopPruner
from optuna.samplers import BaseSampler, CmaEsSampler, GridSampler, TPESampler
from optuna.storages import RDBStorage
from optuna.study import MaxTrialsCallback, Study
from optuna.trial import FrozenTrial, Trial, TrialState

from mags.core.errors import InvalidInputError, MagsError
from mags.tune.choices import PRUNERS, SAMPLERS
from mags.tune.coordinate import CoordinateSampler
from mags.tune.objectives import GameMeasure, Objective, mean_values, measure_game
from mags.tune.space import SPACE, config_from_params
from mags.worlds.cache import WorldCache

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
"""Trial states that count towards a study's total."""
HEARTBEAT_S = 10
GRACE_S = 60
STUDY_FILE = "study.db"


@dataclass(frozen=True)
class TuneSpec:
    """Everything a worker process needs to run trials (picklable)."""

    track: str
    seeds: tuple[int, ...]
    objective: Objective
    study_name: str
    storage: str
    cache_root: str
    sampler: str = "tpe"
    pruner: str = "median"
    seed: int = 0

    def attrs(self) -> dict[str, Any]:
        """What a study records about itself, checked when it is resumed."""
        return {
            "track": self.track,
            "seeds": list(self.seeds),
            "objective": asdict(self.objective) | {"parameters": list(self.objective.parameters)},
            "sampler": self.sampler,
        }


@dataclass(frozen=True)
class RunRecord:
    """One `run_study` call: how many trials it finished, on how many workers, how fast."""

    trials: int
    workers: int
    wall_s: float

    @property
    def trials_per_minute(self) -> float:
        """Finished trials per minute of wall time."""
        return 60.0 * self.trials / self.wall_s if self.wall_s > 0 else 0.0


def default_storage(out: Path) -> str:
    """The SQLite file of a study in the output folder."""
    return f"sqlite:///{out.resolve() / STUDY_FILE}"


CREATE_ATTEMPTS = 5


def open_storage(url: str) -> RDBStorage:
    """An RDB storage with a heartbeat (stale trials fail) and, for SQLite, a lock wait."""
    engine: dict[str, Any] = {}
    if url.startswith(("postgresql://", "postgres://")):
        # SQLAlchemy's plain postgresql:// means psycopg2; MAGS ships psycopg 3.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        # Several local processes share one SQLite file: wait for its lock, don't fail.
        engine = {"connect_args": {"timeout": 120}}
    for attempt in range(CREATE_ATTEMPTS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            try:
                return RDBStorage(
                    url, engine_kwargs=engine, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S
                )
            except ImportError as exc:
                raise InvalidInputError(
                    f"the storage {url.split('://')[0]}:// needs a driver that is not installed "
                    f"({exc}); for PostgreSQL use a postgresql:// URL (psycopg 3 is installed)"
                ) from None
            except Exception as exc:  # SQLAlchemy's errors: a bad URL, a refused connection.
                # Machines that start at once race to create Optuna's tables; the loser's
                # CREATE fails on what the winner just made, and succeeds on a retry.
                if "already exists" in str(exc) and attempt + 1 < CREATE_ATTEMPTS:
                    time.sleep(0.5 * (attempt + 1))
                    continue
                raise InvalidInputError(f"cannot open the study storage {url!r}: {exc}") from None
    raise AssertionError("unreachable")


def make_sampler(name: str, objective: Objective, seed: int) -> BaseSampler:
    """The sampler called `name` over the objective's parameters."""
    names = objective.parameters
    if name == "tpe":
        # constant_liar: parallel workers don't all propose the same promising point.
        return TPESampler(seed=seed, multivariate=True, constant_liar=True, n_startup_trials=8)
    if name == "coordinate":
        if len(objective.directions) > 1:
            raise InvalidInputError(
                "the coordinate sampler optimizes one objective; use --sampler tpe for multi"
            )
        return CoordinateSampler(names)
    if name == "grid":
        grid = {n: SPACE[n].grid_values() for n in names}
        return GridSampler(grid, seed=seed)
    if name == "cmaes":
        if len(objective.directions) > 1:
            raise InvalidInputError("CMA-ES optimizes one objective; use --sampler tpe for multi")
        if importlib.util.find_spec("cmaes") is None:
            raise InvalidInputError("--sampler cmaes needs the cmaes package: pip install cmaes")
        return CmaEsSampler(seed=seed, warn_independent_sampling=False)
    raise InvalidInputError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")


def make_pruner(name: str, objective: Objective) -> BasePruner:
    """Median pruning on the per-game running mean (none for multi-objective studies)."""
    if name not in PRUNERS:
        raise InvalidInputError(f"unknown pruner {name!r}; choose one of {', '.join(PRUNERS)}")
    if name == "none" or not objective.prunable:
        return NopPruner()
    # Five trials before any pruning; a trial is judged from its third game on.
    return MedianPruner(n_startup_trials=5, n_warmup_steps=2)


def open_study(spec: TuneSpec, worker: int = 0) -> Study:
    """Create the study, or load it by name; a study made for other settings is an error."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=open_storage(spec.storage),
        study_name=spec.study_name,
        sampler=make_sampler(spec.sampler, spec.objective, spec.seed + worker),
        pruner=make_pruner(spec.pruner, spec.objective),
        directions=spec.objective.directions,
        load_if_exists=True,
    )
    wanted = spec.attrs()
    found = study.user_attrs
    if not found.get("track"):
        for key, value in wanted.items():
            study.set_user_attr(key, value)
        return study
    for key in ("track", "seeds", "objective"):
        if found.get(key) != wanted[key]:
            raise InvalidInputError(
                f"study {spec.study_name!r} was made with {key} = {found.get(key)!r}, not "
                f"{wanted[key]!r}; resume it with the same settings or name a new --study"
            )
    return study


def finished(study: Study) -> list[FrozenTrial]:
    """The study's complete and pruned trials."""
    return study.get_trials(deepcopy=False, states=FINISHED)


def split_trials(total: int, workers: int) -> list[int]:
    """`total` trials shared out over `workers` (the first ones take the remainder)."""
    return [total // workers + (1 if i < total % workers else 0) for i in range(workers)]


def trial_function(spec: TuneSpec, cache: WorldCache) -> Callable[[Trial], Any]:
    """The function Optuna calls per trial: play the seeds, report, return the mean."""
    objective = spec.objective

    def run(trial: Trial) -> float | Sequence[float]:
        params = {name: SPACE[name].suggest(trial) for name in objective.parameters}
        config = config_from_params(params)
        measures: list[GameMeasure] = []
        for step, seed in enumerate(spec.seeds):
            measures.append(measure_game(objective, spec.track, seed, config, cache))
            if objective.prunable:
                trial.report(mean_values(objective, measures)[0], step)
                if trial.should_prune():
                    _record(trial, measures)
                    raise optuna.TrialPruned(f"pruned after {step + 1} games")
        _record(trial, measures)
        values = mean_values(objective, measures)
        return values[0] if len(values) == 1 else values

    return run


def _record(trial: Trial, measures: list[GameMeasure]) -> None:
    n = len(measures)
    trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")  # which machine
    trial.set_user_attr("games", n)
    trial.set_user_attr("mean_score", sum(m.normalized_score for m in measures) / n)
    trial.set_user_attr("mean_active_facts", sum(m.active_facts for m in measures) / n)
    trial.set_user_attr("won", sum(m.won for m in measures))
    trial.set_user_attr("mean_f1", sum(m.f1 for m in measures) / n)


def run_trials(spec: TuneSpec, n_trials: int, total: int, worker: int = 0) -> None:
    """Run up to `n_trials` trials here, stopping when the study has `total` finished."""
    study = open_study(spec, worker)
    study.optimize(
        trial_function(spec, WorldCache(spec.cache_root)),
        n_trials=n_trials,
        # Trials running elsewhere count: a machine does not start one that another's
        # running trial will make superfluous (two that finish at the same moment may still
        # leave one extra).
        callbacks=[MaxTrialsCallback(total, states=(*FINISHED, TrialState.RUNNING))],
        catch=(MagsError,),
    )


def run_study(
    spec: TuneSpec,
    trials: int,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    poll_s: float = 1.0,
) -> RunRecord:
    """Bring the study to `trials` finished trials in `workers` processes.

    `on_progress(done, todo)` is called as trials finish (done counts this run's).
    """
    if trials < 1:
        raise InvalidInputError(f"--trials must be at least 1, got {trials}")
    if workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, got {workers}")
    study = open_study(spec)
    before = len(finished(study))
    todo = max(0, trials - before)
    started = time.perf_counter()
    if on_progress is not None:
        on_progress(0, todo)
    if todo == 0:
        return RunRecord(0, workers, 0.0)
    if workers == 1:
        _run_here(spec, study, todo, trials, on_progress)
    else:
        _run_in_processes(spec, study, todo, trials, workers, poll_s, on_progress)
    done = len(finished(study)) - before
    record = RunRecord(done, workers, time.perf_counter() - started)
    runs = list(study.user_attrs.get("runs", []))
    study.set_user_attr("runs", [*runs, asdict(record)])
    return record


def _run_here(
    spec: TuneSpec,
    study: Study,
    todo: int,
    total: int,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    count = [0]

    def advance(_: Study, trial: FrozenTrial) -> None:
        if trial.state in FINISHED:
            count[0] += 1
        if on_progress is not None:
            on_progress(count[0], todo)

    study.optimize(
        trial_function(spec, WorldCache(spec.cache_root)),
        n_trials=todo,
        callbacks=[MaxTrialsCallback(total, states=FINISHED), advance],
        catch=(MagsError,),
    )


def _run_in_processes(
    spec: TuneSpec,
    study: Study,
    todo: int,
    total: int,
    workers: int,
    poll_s: float,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    before = len(finished(study))
    # spawn, not fork: a forked child would inherit the parent's database connections.
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=run_trials, args=(spec, share, total, i), name=f"tune-{i}")
        for i, share in enumerate(split_trials(todo, workers))
        if share > 0
    ]
    for process in processes:
        process.start()
    try:
        while any(p.is_alive() for p in processes):
            if on_progress is not None:
                on_progress(min(todo, len(finished(study)) - before), todo)
            time.sleep(poll_s)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    if on_progress is not None:
        on_progress(min(todo, len(finished(study)) - before), todo)
    failed = [p.name for p in processes if p.exitcode != 0]
    if failed:
        raise MagsError(
            f"worker processes {', '.join(failed)} failed (their error is printed above); "
            "run the same command again to resume the study"
        )
