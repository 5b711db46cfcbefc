"""Probes on real games from every generator: the extractor copes with their grammars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mags.cli import main
from mags.probes.runner import ProbeSpec, probe_game
from mags.worlds import WorldCache
from tests.games import GAME_TRACKS, SEEDS

GAMES = [(key, seed) for key in GAME_TRACKS for seed in SEEDS]


@pytest.mark.parametrize(("key", "seed"), GAMES)
def test_liquid_beliefs_match_the_world_along_the_walkthrough(
    world_cache: WorldCache, key: str, seed: int
) -> None:
    path = world_cache.game_path(GAME_TRACKS[key].name, seed)
    result = probe_game(ProbeSpec(str(path), seed, "liquid", "walkthrough"), world_cache)
    assert result.won, f"{key} seed {seed}: the walkthrough should win"
    assert result.f1 >= 0.95 and result.stale_rate <= 0.02, result.to_json()


@pytest.mark.parametrize(("key", "seed"), GAMES)
def test_liquid_beats_the_baselines_under_a_random_policy(
    world_cache: WorldCache, key: str, seed: int
) -> None:
    path = str(world_cache.game_path(GAME_TRACKS[key].name, seed))
    results = {
        strategy: probe_game(ProbeSpec(path, seed, strategy, "random", steps=60), world_cache)
        for strategy in ("liquid", "append-only", "one-per-relation")
    }
    liquid = results["liquid"]
    assert liquid.f1 >= 0.9, liquid.to_json()
    for baseline in ("append-only", "one-per-relation"):
        # Same evidence, same steps: the baselines can only tie or fall behind on staleness.
        assert results[baseline].steps == liquid.steps
        assert results[baseline].stale_rate >= liquid.stale_rate


def test_probe_command_prints_json_rows_and_writes_a_plot(
    world_cache: WorldCache, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "probe.png"
    code = main(
        [
            "probe",
            "tiny",
            "--seeds",
            "1-2",
            "--strategy",
            "liquid,one-per-relation",
            "--policy",
            "random",
            "--steps",
            "20",
            "--json",
            "--plot",
            str(plot),
            "--cache",
            str(world_cache.root),
        ]
    )
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(rows) == 4
    for row in rows:
        for key in (
            "track",
            "seed",
            "strategy",
            "precision",
            "recall",
            "f1",
            "stale_rate",
            "steps",
            "memory_ms_per_step",
            "env_ms_per_step",
            "brier",
            "ece",
        ):
            assert key in row
        assert row["track"] == "tiny" and row["steps"] <= 20
        assert 0.0 <= row["brier"] <= 1.0 and 0.0 <= row["ece"] <= 1.0
    assert plot.stat().st_size > 10_000 and plot.read_bytes()[:4] == b"\x89PNG"
    reliability = tmp_path / "probe-reliability.png"
    assert reliability.stat().st_size > 10_000


def test_belief_is_better_calibrated_than_latest_slot_under_noise(
    world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    """A memory that believes everything alike has Brier = ECE = 1 - precision; belief mode
    says less than 1 where it is less sure, and is right about how sure."""
    args = ["probe", "tiny", "--seeds", "1-2", "--strategy", "belief,latest-slot", "--json"]
    args += ["--noise", "0.3", "--cache", str(world_cache.root)]
    assert main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    for row in rows:
        if row["strategy"] == "latest-slot":
            assert abs(row["brier"] - (1 - row["precision"])) < 0.05
    belief = sum(r["brier"] for r in rows if r["strategy"] == "belief")
    latest = sum(r["brier"] for r in rows if r["strategy"] == "latest-slot")
    assert belief < latest


def test_probe_command_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "tiny", "--seeds", "1", "--strategy", "magic"]) == 2
    assert "--strategy" in capsys.readouterr().err
    assert main(["probe", "tiny"]) == 2
    assert "--seeds" in capsys.readouterr().err
    assert main(["probe", "no/such/game.z8"]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(("key", "seed"), GAMES)
def test_latest_slot_keeps_slots_where_one_per_relation_loses_them(
    world_cache: WorldCache, key: str, seed: int
) -> None:
    path = str(world_cache.game_path(GAME_TRACKS[key].name, seed))
    results = {
        strategy: probe_game(ProbeSpec(path, seed, strategy, "random", steps=60), world_cache)
        for strategy in ("liquid", "latest-slot", "one-per-relation")
    }
    latest, lossy = results["latest-slot"], results["one-per-relation"]
    # Slots, sets and negations: as good as one value per (subject, relation) or better, and
    # on clean extraction about as good as liquid (strengths matter only under noise).
    assert latest.recall >= lossy.recall and latest.f1 >= lossy.f1 - 1e-9, latest.to_json()
    assert latest.f1 >= results["liquid"].f1 - 0.05, (latest.to_json(), results["liquid"].to_json())


def test_probe_with_noise_records_the_regime_and_costs_accuracy(
    world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["probe", "tiny", "--seeds", "1", "--strategy", "latest-slot", "--json"]
    args += ["--cache", str(world_cache.root)]
    assert main([*args, "--noise", "0.3", "--noise-seed", "5"]) == 0
    (noisy,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(args) == 0
    (clean,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (
        noisy["noise"] == "drop=0.3,false=0.3,swap=0.15,outcomes=certain,seed=5"
        and clean["noise"] == ""
    )
    assert noisy["f1"] < clean["f1"]
    assert main([*args, "--noise", "lots"]) == 2
    assert "--noise 'lots'" in capsys.readouterr().err
