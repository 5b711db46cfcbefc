"""The held-out check: the tuned config against the defaults on seeds the search never saw.

Both configs play (or probe) the same held-out games; each game gives one loss per config
(the objective's scalar, `Objective.scalar`). The report is each side's mean ± standard
deviation over games and the relative improvement ``1 - mean(tuned) / mean(default)``,
with a paired bootstrap interval over the games (resampling games, both sides together).

Example
-------
>>> point, low, high = relative_improvement([0.4, 0.5, 0.6], [0.2, 0.25, 0.3])
>>> point, low <= point <= high
(0.5, True)
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from optuna.study import Study
from optuna.trial import FrozenTrial

from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.tune.objectives import GameMeasure, Objective, measure_game
from mags.tune.space import config_from_params
from mags.worlds.cache import WorldCache


@dataclass(frozen=True)
class Side:
    """One config's held-out games."""

    label: str
    config: MemoryConfig
    measures: tuple[GameMeasure, ...]
    losses: tuple[float, ...]

    @property
    def mean(self) -> float:
        """Mean loss over the games."""
        return statistics.fmean(self.losses)

    @property
    def std(self) -> float:
        """Standard deviation of the loss over the games (0 for one game)."""
        return statistics.stdev(self.losses) if len(self.losses) > 1 else 0.0


@dataclass(frozen=True)
class Holdout:
    """Default against tuned on the held-out seeds."""

    seeds: tuple[int, ...]
    default: Side
    tuned: Side
    improvement: float
    interval: tuple[float, float]
    """The 5th and 95th percentiles of the improvement over bootstrap resamples of games."""


def relative_improvement(
    default: Sequence[float], tuned: Sequence[float], resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """``1 - mean(tuned) / mean(default)`` and its paired-bootstrap 5–95% interval.

    Example
    -------
    >>> relative_improvement([1.0], [1.0])
    (0.0, 0.0, 0.0)
    """
    if len(default) != len(tuned) or not default:
        raise InvalidInputError("the two sides need the same games, at least one")

    def improvement(indices: Sequence[int]) -> float:
        base = statistics.fmean(default[i] for i in indices)
        new = statistics.fmean(tuned[i] for i in indices)
        return 0.0 if base == 0 else 1.0 - new / base

    everything = range(len(default))
    rng = random.Random(seed)
    samples = sorted(improvement(rng.choices(everything, k=len(default))) for _ in range(resamples))
    low = samples[int(0.05 * (resamples - 1))]
    high = samples[int(0.95 * (resamples - 1))]
    return round(improvement(everything), 12), round(low, 12), round(high, 12)


def best_trial(study: Study, objective: Objective) -> FrozenTrial:
    """The study's best trial; off a Pareto front, the one with the lowest scalar loss."""
    if objective.prunable or len(objective.directions) == 1:
        return study.best_trial
    front = study.best_trials
    if not front:
        raise InvalidInputError(f"study {study.study_name!r} has no completed trial yet")
    return min(front, key=lambda t: (t.values[0] + objective.b * t.values[1], t.number))


def tuned_config(trial: FrozenTrial, objective: Objective) -> MemoryConfig:
    """The config a trial ran (with what the objective holds fixed, e.g. the capacity)."""
    return config_from_params(trial.params).with_changes(**objective.fixed())


def measure_sides(
    objective: Objective,
    track: str,
    seeds: Sequence[int],
    configs: dict[str, MemoryConfig],
    cache_root: str,
    workers: int = 1,
    on_game: Callable[[], None] | None = None,
) -> dict[str, list[GameMeasure]]:
    """Every config on every seed (in `workers` processes); measures in seed order."""
    jobs = [(label, seed) for label in configs for seed in seeds]
    found: dict[tuple[str, int], GameMeasure] = {}
    if workers <= 1:
        cache = WorldCache(cache_root)
        for label, seed in jobs:
            found[label, seed] = measure_game(objective, track, seed, configs[label], cache)
            if on_game is not None:
                on_game()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(_measure, objective, track, seed, configs[label], cache_root): (
                    label,
                    seed,
                )
                for label, seed in jobs
            }
            for future in as_completed(futures):
                found[futures[future]] = future.result()
                if on_game is not None:
                    on_game()
    return {label: [found[label, seed] for seed in seeds] for label in configs}


def _measure(
    objective: Objective, track: str, seed: int, config: MemoryConfig, cache_root: str
) -> GameMeasure:
    return measure_game(objective, track, seed, config, WorldCache(cache_root))


def compare(
    objective: Objective,
    seeds: Sequence[int],
    measures: dict[str, list[GameMeasure]],
    configs: dict[str, MemoryConfig],
) -> Holdout:
    """The held-out comparison from both sides' measures (labels ``default``, ``tuned``)."""
    sides = {
        label: Side(
            label,
            configs[label],
            tuple(measures[label]),
            tuple(objective.scalar(m) for m in measures[label]),
        )
        for label in ("default", "tuned")
    }
    point, low, high = relative_improvement(sides["default"].losses, sides["tuned"].losses)
    return Holdout(tuple(seeds), sides["default"], sides["tuned"], point, (low, high))
