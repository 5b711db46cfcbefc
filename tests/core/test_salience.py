"""Salience as a flow of its own beside belief (issue 35 item 4, `mags.core.salience`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mags import Fact, Memory, MemoryConfig
from mags.core.salience import activation, salience


def test_traces_decay_as_a_power_law_and_add_up() -> None:
    assert salience(1, 0.0, 0.0, 0.0) == 0.5
    assert salience(1, 0.0, 0.0, 10.0) > salience(1, 0.0, 0.0, 100.0)  # older, less
    assert salience(5, 0.0, 10.0, 10.0) > salience(1, 10.0, 10.0, 10.0)  # more, more
    # Petrov's approximation is exact for one trace: B = -d ln(age + 1).
    assert activation(1, 0.0, 0.0, 99.0) == pytest.approx(-0.5 * 4.60517, rel=1e-4)


def test_use_raises_salience_and_never_belief() -> None:
    memory = Memory.open(config=MemoryConfig(belief=1))
    memory.add([Fact("apple", "in", "fridge", confidence=0.9)], t=0)
    before = memory.facts_about("apple", t=5)[0]
    memory.use([before.id], t=5)
    after = memory.facts_about("apple", t=5)[0]
    assert after.strength == before.strength
    assert after.salience is not None and before.salience is not None
    assert after.salience > before.salience


def test_recall_ranks_by_belief_times_salience() -> None:
    memory = Memory.open(config=MemoryConfig(belief=1))
    memory.add([Fact("ana", "likes", "tea", confidence=0.9)], t=0)
    memory.add([Fact("ana", "likes", "chess", confidence=0.9)], t=0)
    tea = memory.facts_about("tea", t=0)[0]
    for t in range(1, 6):  # tea keeps being useful; chess never is
        memory.use([tea.id], t=t)
    lines = memory.recall("ana", t=20, budget_tokens=200).facts
    assert [f.object for f in lines[:2]] == ["tea", "chess"]


def test_capacity_archives_the_least_salient() -> None:
    memory = Memory.open(config=MemoryConfig(belief=1, capacity=10, capacity_slack=0.0))
    memory.add([Fact("knife", "in", "drawer", confidence=0.9)], t=0)
    knife = memory.facts_about("knife", t=0)[0].id
    for t in range(1, 4):
        memory.use([knife], t=t)
    for t in range(4, 13):  # nine things seen once each, never used
        memory.add([Fact(f"cup {t}", "in", "sink", confidence=0.9)], t=t)
    memory.add([Fact("fork", "in", "box", confidence=0.9)], t=40)
    held = {f.subject for f in memory.all_facts() if f.archived_t is None}
    assert {"knife", "fork", "cup 5"} <= held and "cup 4" not in held


def test_salience_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with Memory.open(path, config=MemoryConfig(belief=1)) as memory:
        memory.add([Fact("apple", "in", "fridge", confidence=0.9)], t=0)
        fid = memory.facts_about("apple", t=0)[0].id
        memory.use([fid], t=3)
        memory.use([fid], t=4)
        kept = memory.facts_about("apple", t=9)[0].salience
    with Memory.open(path, config=MemoryConfig(belief=1)) as reopened:
        assert reopened.facts_about("apple", t=9)[0].salience == kept
