"""`mags tune` on real tiny games: runs, resumes by name, writes a config others accept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from mags import MemoryConfig
from mags.cli import main
from mags.store.pg_cluster import TemporaryCluster
from mags.tune.study import FINISHED
from mags.worlds import WorldCache


def _tune(out: Path, cache: WorldCache, *extra: str) -> int:
    return main(
        ["tune", "--track", "tiny", "--seeds", "1", "--holdout", "2", "--out", str(out),
         "--cache", str(cache.root), *extra]
    )  # fmt: skip


def _trials(out: Path, name: str) -> list[optuna.trial.FrozenTrial]:
    study = optuna.load_study(study_name=name, storage=f"sqlite:///{out / 'study.db'}")
    return study.get_trials(states=FINISHED)


def test_a_study_runs_resumes_and_writes_its_config(
    world_cache: WorldCache, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tune"
    assert _tune(out, world_cache, "--trials", "2", "--study", "tiny-test") == 0
    first = _trials(out, "tiny-test")
    assert len(first) == 2
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Held-out seeds" in summary and "Relative improvement" in summary
    for plot in ("history", "slice"):
        assert (out / f"{plot}.png").stat().st_size > 1000
    assert "plotly" in (out / "report.html").read_text(encoding="utf-8")[:2_000_000].lower()

    # Resumed by name in two worker processes: two more trials, the first two untouched.
    assert _tune(out, world_cache, "--trials", "4", "--study", "tiny-test", "--workers", "2") == 0
    again = _trials(out, "tiny-test")
    assert len(again) == 4
    assert [(t.number, t.params, t.datetime_complete) for t in again[:2]] == [
        (t.number, t.params, t.datetime_complete) for t in first
    ]
    # Asking for what is already there runs nothing.
    assert _tune(out, world_cache, "--trials", "3", "--study", "tiny-test") == 0
    assert len(_trials(out, "tiny-test")) == 4
    assert "no work" in capsys.readouterr().err

    best = MemoryConfig.from_toml(out / "best.toml")
    study = optuna.load_study(study_name="tiny-test", storage=f"sqlite:///{out / 'study.db'}")
    assert best == MemoryConfig().with_changes(**study.best_params)
    capsys.readouterr()
    code = main(["play", "tiny", "--seed", "1", "--config", str(out / "best.toml"), "--json",
                 "--cache", str(world_cache.root)])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["track"] == "tiny"


def test_a_study_made_for_other_settings_is_not_resumed(
    world_cache: WorldCache, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tune"
    assert _tune(out, world_cache, "--trials", "1", "--study", "s", "--pruner", "none") == 0
    code = _tune(out, world_cache, "--trials", "2", "--study", "s", "--objective", "belief")
    assert code == 2
    assert "was made with" in capsys.readouterr().err


def test_multi_objective_gives_a_pareto_front(world_cache: WorldCache, tmp_path: Path) -> None:
    out = tmp_path / "multi"
    assert _tune(out, world_cache, "--trials", "3", "--objective", "multi") == 0
    assert (out / "pareto.png").stat().st_size > 1000
    assert MemoryConfig.from_toml(out / "best.toml").eta > 0


def test_belief_and_coordinate(world_cache: WorldCache, tmp_path: Path) -> None:
    out = tmp_path / "belief"
    args = ("--trials", "2", "--objective", "belief", "--sampler", "coordinate")
    assert _tune(out, world_cache, *args, "--probe-steps", "20") == 0
    assert MemoryConfig.from_toml(out / "best.toml").capacity == 20
    trials = _trials(out, "tiny-belief-coordinate")
    # The coordinate sampler's first trials sweep eta's grid, the rest at defaults.
    assert [t.params["eta"] for t in trials] == [0.1, 0.25]
    assert {t.params["tau0"] for t in trials} == {50.0}
    assert "F1" in (out / "summary.md").read_text(encoding="utf-8")


def test_two_machines_tune_one_study_in_postgres(
    world_cache: WorldCache, tmp_path: Path, postgres: TemporaryCluster
) -> None:
    """Two `mags tune` runs in separate process groups ("machines") share nothing but the
    PostgreSQL storage: they split one study's trials between them."""
    storage = postgres.url()
    command = [sys.executable, "-c", "from mags.cli import main; raise SystemExit(main())"]
    machines = [
        subprocess.Popen(
            [
                *command,
                "tune",
                "--track",
                "tiny",
                "--seeds",
                "1",
                "--holdout",
                "2",
                "--trials",
                "4",
                "--study",
                "shared",
                "--storage",
                storage,
                "--out",
                str(tmp_path / f"machine{i}"),
                "--cache",
                str(world_cache.root),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        for i in range(2)
    ]
    for machine in machines:
        out, _ = machine.communicate(timeout=600)
        assert machine.returncode == 0, out[-2000:]
    url = "postgresql+psycopg://" + storage.split("://", 1)[1]
    trials = optuna.load_study(study_name="shared", storage=url).get_trials(states=FINISHED)
    # Trial numbers come from the one storage: never repeated. A trial still running when
    # the other machine reached 4 is finished, not thrown away: at most one extra.
    assert sorted(t.number for t in trials) == list(range(len(trials))) and 4 <= len(trials) <= 5
    workers = {t.user_attrs["worker"] for t in trials}
    assert len(workers) == 2, workers  # both machines ran trials of the one study
    for i in range(2):
        assert MemoryConfig.from_toml(tmp_path / f"machine{i}" / "best.toml").eta > 0
