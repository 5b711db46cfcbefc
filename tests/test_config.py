"""Configuration files round-trip and are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from mags import InvalidInputError, Memory, MemoryConfig


def test_toml_round_trip(tmp_path: Path) -> None:
    config = MemoryConfig(eta=0.7, capacity=1000, hops=3, theta_prune=0.01)
    path = tmp_path / "best.toml"
    path.write_text(config.to_toml(), encoding="utf-8")
    assert MemoryConfig.from_toml(path) == config


def test_toml_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        MemoryConfig.from_toml(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[memory\neta = ", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not valid TOML"):
        MemoryConfig.from_toml(broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[memory]\netaa = 0.3\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="unknown MemoryConfig keys \\['etaa'\\]"):
        MemoryConfig.from_toml(unknown)


def test_describe_lists_every_hyperparameter() -> None:
    names = {p["name"] for p in MemoryConfig.describe()}
    design = {"eta", "eta_use", "tau0", "tau_max", "kappa", "rho", "theta_prune", "capacity"}
    assert design | {"hops", "damping", "budget_tokens", "merge_threshold"} <= names


def test_configure_applies_live() -> None:
    memory = Memory.open()
    memory.add([(f"thing {i}", "at", "hall") for i in range(30)], t=0)
    memory.configure(memory.config.with_changes(capacity=10))
    memory.add([("cat", "at", "hall")], t=1)
    assert memory.stats()["active_facts"] <= 10


def test_raising_theta_prune_live_archives_weak_facts() -> None:
    memory = Memory.open()
    memory.add([("apple", "in", "fridge")], t=0)
    memory.configure(memory.config.with_changes(theta_prune=0.4))
    memory.add([("pear", "in", "bowl")], t=20)  # apple: 0.5 e^(-20/50) = 0.34 < 0.4
    assert memory.where_is("apple", t=20) is None
