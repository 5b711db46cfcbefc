"""What a trial minimizes: documented functions of quantities measured on real games.

A trial plays (or probes) each search seed's game under one config; each game gives a
`GameMeasure`, and the trial's value is the mean of the per-game values.

``play`` — the planner on the track, from the liquid memory::

    loss = (1 - normalized_score) + a * steps / walkthrough_steps + b * active_facts / fact_scale

The first term is what the game is about; the second charges the steps beyond (and up to)
the shortest solution; the third charges the memory the agent kept (active facts at the
end of the game). Without it the search would have no reason to prefer a small memory; with
it, the best config is the smallest memory that still solves the game. Active facts, not
recall tokens, are the honest budget here: the planner plays from ``memory.beliefs`` and
never calls recall, so recall tokens would be zero whatever the config.

``belief`` — belief accuracy under a capacity budget: the memory, capped at ``capacity =
capacity_budget`` active facts, follows a random policy's game and after every step is
scored against the true state (`mags.probes`)::

    loss = 1 - F1   (F1 averaged over the steps)

``multi`` — two objectives at once, both minimized, for a Pareto front of score against
memory: ``((1 - normalized_score) + a * steps / walkthrough_steps, active_facts /
fact_scale)``. Its scalar (for choosing one config off the front and for the held-out
comparison) is the ``play`` loss with the same ``a``, ``b``.

Example
-------
>>> play_loss(1.0, 30, 25, 80, a=0.1, b=0.1, fact_scale=100)
0.2
>>> belief_loss(0.85)
0.15
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mags.agents.play import PlaySpec, play_game
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.extract.noise import NoiseSpec, regime
from mags.probes.runner import ProbeSpec, probe_game
from mags.tune.choices import OBJECTIVES
from mags.tune.space import DYNAMICS
from mags.worlds.cache import WorldCache


def play_loss(
    normalized_score: float,
    steps: int,
    walkthrough_steps: int,
    active_facts: int,
    *,
    a: float,
    b: float,
    fact_scale: float,
) -> float:
    """``(1 - score) + a * steps / walkthrough + b * active_facts / fact_scale``.

    Example
    -------
    >>> play_loss(0.0, 100, 25, 18, a=0.1, b=0.1, fact_scale=100)
    1.418
    """
    return round(
        (1.0 - normalized_score)
        + a * steps / max(1, walkthrough_steps)
        + b * active_facts / fact_scale,
        12,
    )


def belief_loss(f1: float) -> float:
    """``1 - F1``.

    Example
    -------
    >>> belief_loss(1.0)
    0.0
    """
    return round(1.0 - f1, 12)


@dataclass(frozen=True)
class GameMeasure:
    """What one game measured (play and probe runs fill what they measure)."""

    seed: int
    normalized_score: float = 0.0
    steps: int = 0
    walkthrough_steps: int = 0
    active_facts: int = 0
    won: bool = False
    f1: float = 0.0
    wall_s: float = 0.0


@dataclass(frozen=True)
class Objective:
    """A named objective with its weights; picklable, so worker processes get it whole.

    Example
    -------
    >>> objective = Objective("play")
    >>> objective.values(GameMeasure(1, 1.0, 30, 25, 80))
    (0.2,)
    >>> Objective("multi").values(GameMeasure(1, 1.0, 30, 25, 80))
    (0.12, 0.8)
    >>> Objective("multi").scalar(GameMeasure(1, 1.0, 30, 25, 80))
    0.2
    """

    name: str
    a: float = 0.1
    b: float = 0.1
    fact_scale: float = 100.0
    capacity_budget: int = 20
    probe_steps: int = 100
    parameters: tuple[str, ...] = field(default=())
    noise: NoiseSpec | None = None
    """Seeded extraction errors every game of the study is played or probed under."""
    noise_seed: int = 0

    def __post_init__(self) -> None:
        if self.name not in OBJECTIVES:
            raise InvalidInputError(
                f"unknown objective {self.name!r}; choose one of {', '.join(OBJECTIVES)}"
            )
        for label, value in (("a", self.a), ("b", self.b)):
            if value < 0:
                raise InvalidInputError(f"the weight {label} must be >= 0, got {value}")
        if self.fact_scale <= 0:
            raise InvalidInputError(f"the fact scale must be > 0, got {self.fact_scale}")
        if self.capacity_budget < 10:
            raise InvalidInputError(
                f"the capacity budget must be at least 10 facts, got {self.capacity_budget}"
            )
        if self.probe_steps < 1:
            raise InvalidInputError(f"probe steps must be at least 1, got {self.probe_steps}")
        if not self.parameters:
            default = DYNAMICS if self.name != "belief" else BELIEF_DYNAMICS
            object.__setattr__(self, "parameters", default)
        if self.name == "belief" and "capacity" in self.parameters:
            raise InvalidInputError(
                "the belief objective holds capacity at its budget (--capacity-budget); "
                "leave capacity out of its parameters"
            )

    @property
    def directions(self) -> list[Literal["minimize", "maximize"]]:
        """Optuna's directions: one per value."""
        return ["minimize", "minimize"] if self.name == "multi" else ["minimize"]

    @property
    def prunable(self) -> bool:
        """Whether a trial reports per-game values to a pruner (Optuna prunes one objective)."""
        return self.name != "multi"

    def fixed(self) -> dict[str, Any]:
        """Config values the objective holds fixed (the belief objective's capacity)."""
        return {"capacity": self.capacity_budget} if self.name == "belief" else {}

    def values(self, m: GameMeasure) -> tuple[float, ...]:
        """The objective's values for one game."""
        if self.name == "belief":
            return (belief_loss(m.f1),)
        if self.name == "multi":
            score_term = play_loss(
                m.normalized_score,
                m.steps,
                m.walkthrough_steps,
                0,
                a=self.a,
                b=0.0,
                fact_scale=self.fact_scale,
            )
            return (score_term, round(m.active_facts / self.fact_scale, 12))
        return (self.scalar(m),)

    def scalar(self, m: GameMeasure) -> float:
        """One number per game: the loss, or for ``multi`` the ``play`` loss."""
        if self.name == "belief":
            return belief_loss(m.f1)
        return play_loss(
            m.normalized_score,
            m.steps,
            m.walkthrough_steps,
            m.active_facts,
            a=self.a,
            b=self.b,
            fact_scale=self.fact_scale,
        )

    def formula(self) -> str:
        """The loss as a line of text, with the weights (and the noise regime) filled in."""
        noisy = f", extraction noise {regime(self.noise, self.noise_seed)}" if self.noise else ""
        if self.name == "belief":
            return (
                f"1 - F1 (random policy, {self.probe_steps} steps, capacity "
                f"{self.capacity_budget}{noisy})"
            )
        score = f"(1 - normalized_score) + {self.a} * steps / walkthrough_steps"
        facts = f"active_facts / {self.fact_scale:g}"
        if self.name == "multi":
            return f"minimize ({score}, {facts}); scalar: the play loss with b = {self.b}{noisy}"
        return f"{score} + {self.b} * {facts}{noisy}"


BELIEF_DYNAMICS = tuple(name for name in DYNAMICS if name not in ("capacity", "eta_use"))
"""The belief objective's default space: its capacity is the budget, and its random policy
acts on no belief, so nothing is reinforced by use."""


def mean_values(objective: Objective, measures: Sequence[GameMeasure]) -> tuple[float, ...]:
    """The trial's values: the mean over games of each value.

    Example
    -------
    >>> games = [GameMeasure(1, f1=0.9), GameMeasure(2, f1=0.7)]
    >>> mean_values(Objective("belief"), games)
    (0.2,)
    """
    if not measures:
        raise InvalidInputError("no game was measured; give at least one seed")
    per_game = [objective.values(m) for m in measures]
    return tuple(round(statistics.fmean(column), 12) for column in zip(*per_game, strict=True))


def measure_game(
    objective: Objective, track: str, seed: int, config: MemoryConfig, cache: WorldCache
) -> GameMeasure:
    """Play (``play``, ``multi``) or probe (``belief``) one game under `config`."""
    started = time.perf_counter()
    if objective.name == "belief":
        probe_spec = ProbeSpec(
            track,
            seed,
            "liquid",
            "random",
            steps=objective.probe_steps,
            noise=objective.noise,
            noise_seed=objective.noise_seed,
        )
        probe = probe_game(probe_spec, cache, config.with_changes(**objective.fixed()))
        return GameMeasure(
            seed, f1=probe.f1, steps=probe.steps, wall_s=time.perf_counter() - started
        )
    spec = PlaySpec(
        track, seed, "planner", "liquid", noise=objective.noise, noise_seed=objective.noise_seed
    )
    result = play_game(spec, cache=cache, config=config)
    return GameMeasure(
        seed,
        normalized_score=result.normalized_score,
        steps=result.steps,
        walkthrough_steps=result.walkthrough_steps,
        active_facts=result.active_facts,
        won=result.won,
        wall_s=time.perf_counter() - started,
    )
