"""The coordinate sampler: one parameter at a time over its grid, the prototype's method.

Trial ``k`` sets one parameter to one grid value — the ``k``-th pair of the plan that
sweeps the first parameter's grid, then the second's, and so on, starting again at the end
— and every other parameter to its value in the best trial so far (the defaults before any
trial completes). That is hand tuning written down: vary one knob, keep the best setting,
move to the next knob. It is here as the baseline that TPE is measured against.

Example
-------
>>> import optuna
>>> optuna.logging.set_verbosity(optuna.logging.WARNING)
>>> sampler = CoordinateSampler(["eta", "kappa"])
>>> study = optuna.create_study(sampler=sampler)
>>> def loss(trial: optuna.Trial) -> float:
...     eta = trial.suggest_float("eta", 0.05, 1.0)
...     kappa = trial.suggest_float("kappa", 0.0, 5.0)
...     return (eta - 0.25) ** 2 + (kappa - 2.0) ** 2
>>> study.optimize(loss, n_trials=len(sampler.plan))
>>> [(t.params["eta"], t.params["kappa"]) for t in study.trials][:6]
[(0.1, 0.5), (0.25, 0.5), (0.5, 0.5), (0.75, 0.5), (1.0, 0.5), (0.25, 0.0)]
>>> study.best_params
{'eta': 0.25, 'kappa': 2.0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from mags.tune.space import SPACE, check_names, default_params, distributions


class CoordinateSampler(BaseSampler):
    """Sweep one parameter at a time over its `SPACE` grid, the others at their best so far."""

    def __init__(self, names: Sequence[str], start: Mapping[str, Any] | None = None) -> None:
        self.names = check_names(names)
        self.plan: list[tuple[str, Any]] = [
            (name, value) for name in self.names for value in SPACE[name].grid_values()
        ]
        self.start = default_params(self.names) | dict(start or {})
        self._distributions = distributions(self.names)
        self._fallback = RandomSampler()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._distributions)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        self._raise_error_if_multi_objective(study)
        name, value = self.plan[trial.number % len(self.plan)]
        params = self.best_so_far(study) | {name: value}
        return {key: params[key] for key in search_space if key in params}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        # Only parameters outside the plan get here; they have no grid to step through.
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def best_so_far(self, study: Study) -> dict[str, Any]:
        """The best completed trial's values of the plan's parameters (else the start)."""
        done = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and all(name in t.params for name in self.names)
        ]
        if not done:
            return dict(self.start)
        sign = 1.0 if study.direction.name == "MINIMIZE" else -1.0
        best = min(done, key=lambda t: (sign * float(t.value or 0.0), t.number))
        return {name: best.params[name] for name in self.names}
