"""The search space, the objectives' formulas and the coordinate sampler, on numbers."""

from __future__ import annotations

from dataclasses import fields

import optuna
import pytest

from mags import InvalidInputError, MemoryConfig
from mags.tune.coordinate import CoordinateSampler
from mags.tune.holdout import relative_improvement
from mags.tune.objectives import GameMeasure, Objective, belief_loss, mean_values, play_loss
from mags.tune.space import DYNAMICS, SPACE, config_from_params, default_params

META = {f.name: f.metadata for f in fields(MemoryConfig)}


def test_space_stays_inside_the_valid_ranges() -> None:
    assert set(DYNAMICS) <= set(SPACE)
    for name, param in SPACE.items():
        assert META[name]["low"] <= param.low < param.high <= META[name]["high"], name
        for value in param.grid_values():
            assert param.low <= value <= param.high, (name, value)
            config_from_params({name: value})  # every grid point is a valid config
    # The corners of the time constants can never make tau_max < tau0.
    config_from_params({"tau0": SPACE["tau0"].high, "tau_max": SPACE["tau_max"].low})
    assert all(SPACE[n].log for n in ("tau0", "tau_max", "capacity", "max_fanout"))


def test_play_loss_charges_score_steps_and_memory() -> None:
    solved = play_loss(1.0, 25, 25, 50, a=0.1, b=0.2, fact_scale=100)
    assert solved == pytest.approx(0.1 + 0.1)
    assert play_loss(1.0, 50, 25, 50, a=0.1, b=0.2, fact_scale=100) > solved  # slower
    assert play_loss(1.0, 25, 25, 150, a=0.1, b=0.2, fact_scale=100) > solved  # bigger
    assert play_loss(0.5, 25, 25, 50, a=0.1, b=0.2, fact_scale=100) == pytest.approx(0.7)
    # A smaller memory that still solves the game beats a bigger one; one that fails does not.
    small = play_loss(1.0, 30, 25, 20, a=0.1, b=0.1, fact_scale=100)
    big = play_loss(1.0, 30, 25, 100, a=0.1, b=0.1, fact_scale=100)
    failed = play_loss(0.0, 100, 25, 18, a=0.1, b=0.1, fact_scale=100)
    assert small < big < failed
    assert belief_loss(0.75) == pytest.approx(0.25)


def test_objectives_average_games_and_check_their_settings() -> None:
    games = [GameMeasure(1, 1.0, 30, 25, 80), GameMeasure(2, 0.0, 100, 20, 10)]
    (value,) = mean_values(Objective("play", a=0.0, b=0.0), games)
    assert value == pytest.approx(0.5)
    score_term, facts = mean_values(Objective("multi", a=0.0), games)
    assert (score_term, facts) == pytest.approx((0.5, 0.45))
    assert Objective("belief").fixed() == {"capacity": 20}
    assert "capacity" not in Objective("belief").parameters
    assert "eta_use" not in Objective("belief").parameters  # a random policy uses nothing
    assert "eta_use" in Objective("play").parameters
    with pytest.raises(InvalidInputError, match="unknown objective"):
        Objective("speed")
    with pytest.raises(InvalidInputError, match="holds capacity"):
        Objective("belief", parameters=("eta", "capacity"))
    with pytest.raises(InvalidInputError, match="weight b"):
        Objective("play", b=-1)


def test_relative_improvement_and_its_interval() -> None:
    point, low, high = relative_improvement([1.0, 0.8, 1.2, 1.0], [0.5, 0.6, 0.4, 0.5])
    assert point == pytest.approx(0.5)
    assert 0 < low <= point <= high < 1
    worse, _, _ = relative_improvement([0.5, 0.5], [1.0, 1.0])
    assert worse == pytest.approx(-1.0)


def test_coordinate_sampler_moves_one_parameter_at_a_time() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = ["eta", "tau0", "capacity"]
    sampler = CoordinateSampler(names)
    study = optuna.create_study(sampler=sampler)

    def loss(trial: optuna.Trial) -> float:
        eta = trial.suggest_float("eta", SPACE["eta"].low, SPACE["eta"].high)
        tau0 = trial.suggest_float("tau0", SPACE["tau0"].low, SPACE["tau0"].high, log=True)
        cap = trial.suggest_int("capacity", 10, 2000, log=True)
        return abs(eta - 0.75) + abs(tau0 - 10.0) / 100 + abs(cap - 80) / 1000

    study.optimize(loss, n_trials=len(sampler.plan))
    best = default_params(names)
    for trial in study.trials:
        changed = [n for n in names if trial.params[n] != best[n]]
        assert len(changed) <= 1, (trial.number, trial.params, best)
        swept, value = sampler.plan[trial.number]
        assert trial.params[swept] == value
        earlier = [t.value for t in study.trials[: trial.number] if t.value is not None]
        if trial.value is not None and (not earlier or trial.value < min(earlier)):
            best = dict(trial.params)  # ties keep the earlier trial, as the sampler does
    # Each parameter's sweep kept its best value: the optimum on the grids.
    assert study.best_params == {"eta": 0.75, "tau0": 10.0, "capacity": 80}
