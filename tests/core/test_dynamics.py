"""Strength dynamics follow DESIGN §1's equations."""

from __future__ import annotations

import math

import pytest

from mags import Fact, Memory, MemoryConfig


def test_first_evidence_sets_strength_eta_times_confidence(memory: Memory) -> None:
    memory.add([Fact("apple", "in", "fridge", confidence=0.8)], t=0)
    fact = memory.facts_about("apple", t=0)[0]
    assert fact.strength == pytest.approx(0.5 * 0.8)
    assert fact.tau == 50.0 and fact.evidence == 1


def test_strength_decays_exponentially(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge")], t=0)
    s10 = memory.facts_about("apple", t=10)[0].strength
    assert s10 == pytest.approx(0.5 * math.exp(-10 / 50))


def test_evidence_raises_strength_and_grows_tau(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge")], t=0)
    memory.add([("apple", "in", "fridge")], t=10)
    fact = memory.facts_about("apple", t=10)[0]
    s_before = 0.5 * math.exp(-10 / 50)
    assert fact.strength == pytest.approx(s_before + 0.5 * (1 - s_before))
    assert fact.tau == pytest.approx(75.0)
    assert fact.evidence == 2


def test_tau_is_capped_by_tau_max() -> None:
    memory = Memory.open(config=MemoryConfig(tau0=10, tau_max=20, kappa=5))
    for t in range(5):
        memory.add([("apple", "in", "fridge")], t=t)
    assert memory.facts_about("apple", t=5)[0].tau == 20


def test_use_reinforces_by_eta_use(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge")], t=0)
    recalled = memory.recall("apple", t=5)
    before = recalled.facts[0].strength
    memory.use(recalled, t=5)
    after = memory.facts_about("apple", t=5)[0].strength
    assert after == pytest.approx(before + 0.1 * (1 - before))


def test_stable_relations_keep_a_floor(memory: Memory) -> None:
    memory.add([("kitchen", "north_of", "hall")], t=0)
    assert memory.facts_about("kitchen", t=10_000)[0].strength == pytest.approx(0.3)


def test_superseded_fact_keeps_rho_of_its_strength(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge")], t=0)
    memory.add([("apple", "on", "table")], t=10)
    old = memory.history("apple")[0]
    assert old.valid_to == 10
    assert old.strength == pytest.approx(0.5 * math.exp(-10 / 50) * 0.2)
