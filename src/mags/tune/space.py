"""The search space: DESIGN §1's hyperparameters, with ranges, scales and grids for tuning.

Each `Param` narrows a `MemoryConfig` field's valid range to what is worth searching (the
valid range of ``capacity`` runs to 10 million facts; a text game holds a few hundred) and
says whether the search is on a log scale: time constants, the capacity and the fan-out
span orders of magnitude, so a uniform draw would almost never try the small values. The
grids are what the ``grid`` and ``coordinate`` samplers step through.

``tau0`` and ``tau_max`` have disjoint ranges (1–1000 and 1000–10⁶ steps), so every point
of the space satisfies ``tau_max >= tau0`` and no trial is lost to an invalid config.

Example
-------
>>> SPACE["tau0"].log, SPACE["eta"].log
(True, False)
>>> config = config_from_params({"tau0": 10.0, "capacity": 80})
>>> config.tau0, config.capacity, config.eta
(10.0, 80, 0.5)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution
from optuna.trial import Trial

from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError


@dataclass(frozen=True)
class Param:
    """One searched hyperparameter: its range, scale and grid.

    Example
    -------
    >>> SPACE["capacity"].distribution()
    IntDistribution(high=2000, log=True, low=10, step=1)
    """

    name: str
    low: float
    high: float
    grid: tuple[float, ...]
    log: bool = False
    integer: bool = False

    def distribution(self) -> BaseDistribution:
        """The Optuna distribution the samplers draw from."""
        if self.integer:
            return IntDistribution(int(self.low), int(self.high), log=self.log)
        return FloatDistribution(self.low, self.high, log=self.log)

    def suggest(self, trial: Trial) -> float | int:
        """Ask a trial for this parameter's value."""
        if self.integer:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)

    def grid_values(self) -> list[float | int]:
        """The grid, as integers for an integer parameter."""
        return [int(v) if self.integer else float(v) for v in self.grid]


SPACE: dict[str, Param] = {
    p.name: p
    for p in (
        Param("eta", 0.05, 1.0, (0.1, 0.25, 0.5, 0.75, 1.0)),
        Param("eta_use", 0.0, 0.5, (0.0, 0.1, 0.25, 0.5)),
        Param("tau0", 1.0, 1000.0, (2.0, 10.0, 50.0, 250.0, 1000.0), log=True),
        Param("tau_max", 1000.0, 1e6, (1000.0, 5000.0, 50000.0, 1e6), log=True),
        Param("kappa", 0.0, 5.0, (0.0, 0.25, 0.5, 1.0, 2.0, 5.0)),
        Param("rho", 0.0, 1.0, (0.0, 0.2, 0.5, 0.8)),
        Param("theta_prune", 0.001, 0.5, (0.005, 0.02, 0.05, 0.1, 0.2, 0.4), log=True),
        Param("capacity", 10, 2000, (20, 40, 80, 160, 320, 1000), log=True, integer=True),
        Param("capacity_slack", 0.0, 0.5, (0.0, 0.1, 0.25, 0.5)),
        Param("s_floor", 0.0, 1.0, (0.0, 0.3, 0.6, 0.9)),
        Param("hops", 0, 4, (0, 1, 2, 3, 4), integer=True),
        Param("damping", 0.0, 1.0, (0.25, 0.5, 0.75, 1.0)),
        Param("budget_tokens", 50, 8000, (100, 300, 600, 1500, 4000), log=True, integer=True),
        Param("max_fanout", 4, 1000, (8, 32, 64, 256, 1000), log=True, integer=True),
        Param("max_seeds", 1, 64, (2, 4, 8, 16, 32), log=True, integer=True),
        Param("recency", 0.0, 20.0, (0.0, 1.0, 2.0, 4.0, 8.0)),
        Param("merge_threshold", 0.5, 1.0, (0.6, 0.7, 0.8, 0.9, 1.0)),
        Param("split_confidence", 0.0, 1.0, (0.5, 0.8, 0.95)),
        Param("contest", 0.0, 1.0, (0.02, 0.05, 0.1, 0.3, 1.0)),
    )
}
"""Every hyperparameter of DESIGN §1 that tuning may search, by name."""

DYNAMICS = (
    "eta",
    "eta_use",
    "tau0",
    "tau_max",
    "kappa",
    "rho",
    "theta_prune",
    "capacity",
    "capacity_slack",
    "s_floor",
    "merge_threshold",
    "split_confidence",
    "contest",
)
"""What shapes the memory's beliefs: evidence, use, decay, reconciliation, pruning, merging.

``eta_use`` is here because the planner's memory reinforces the beliefs each decision
consulted. The recall parameters (``hops``, ``damping``, ``budget_tokens``, ``max_fanout``,
``max_seeds``, ``recency``) are left out of the ``play`` and ``belief`` searches: the
planner plays from the memory's beliefs and never recalls, and the probes read beliefs
too, so those parameters cannot change either loss and would only add dimensions."""


def check_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names, checked against `SPACE`; an unknown one is an error listing the known.

    Example
    -------
    >>> check_names(["eta", "tau0"])
    ('eta', 'tau0')
    >>> check_names(["eta", "speed"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.core.errors.InvalidInputError: unknown hyperparameter 'speed'...
    """
    chosen = tuple(dict.fromkeys(names))
    for name in chosen:
        if name not in SPACE:
            raise InvalidInputError(
                f"unknown hyperparameter {name!r}; the searchable ones are {', '.join(SPACE)}"
            )
    if not chosen:
        raise InvalidInputError("no hyperparameter to search; name at least one")
    return chosen


def distributions(names: Iterable[str]) -> dict[str, BaseDistribution]:
    """The Optuna distributions of some parameters, by name."""
    return {name: SPACE[name].distribution() for name in names}


def config_from_params(params: Mapping[str, Any], base: MemoryConfig | None = None) -> MemoryConfig:
    """A config with the searched values on top of `base` (default: the defaults)."""
    return (base or MemoryConfig()).with_changes(**dict(params))


def default_params(names: Iterable[str]) -> dict[str, Any]:
    """The default config's values of some parameters (``capacity`` unlimited: the top of
    its searched range), where the coordinate sampler starts.

    Example
    -------
    >>> default_params(["eta", "capacity"])
    {'eta': 0.5, 'capacity': 2000}
    """
    defaults = {f.name: f.default for f in fields(MemoryConfig)}
    out: dict[str, Any] = {}
    for name in names:
        value = defaults[name]
        out[name] = SPACE[name].high if value is None else value
    return out
