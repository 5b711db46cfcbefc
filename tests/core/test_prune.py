"""Pruning: decayed facts are archived, capacity is enforced, cost ignores history."""

from __future__ import annotations

import math

from mags import Memory, MemoryConfig
from mags.core.dynamics import strength_at


def test_decayed_fact_is_archived_with_its_lonely_entities() -> None:
    memory = Memory.open(config=MemoryConfig(tau0=10, theta_prune=0.1))
    memory.add([("apple", "in", "fridge"), ("kitchen", "north_of", "hall")], t=0)
    # 0.5 * exp(-t/10) < 0.1 once t > 10 ln 5 = 16.1
    memory.add([("cat", "at", "hall")], t=16)
    assert memory.stats()["active_facts"] == 3
    memory.add([("cat", "at", "hall")], t=17)
    assert memory.facts_about("apple", t=17) == []
    archived = memory.history("apple")[0]
    assert archived.archive_reason == "decay_archive" and archived.archived_t == 17
    assert archived.valid_to is None  # archived by decay, not contradicted
    assert [e.kind for e in memory.events()][-1] == "decay_archive"
    names = {e["name"] for e in memory.snapshot(17)["entities"]}
    assert names == {"kitchen", "hall", "cat"}  # the map link is stable (floor 0.3)


def test_reinforced_fact_outlives_a_single_observation() -> None:
    memory = Memory.open(config=MemoryConfig(tau0=10, theta_prune=0.1))
    for t in range(0, 30, 5):
        memory.add([("apple", "in", "fridge")], t=t)
    memory.add([("pear", "in", "bowl")], t=25)
    memory.add([("pear", "in", "bowl")], t=45)
    assert memory.where_is("apple", t=45) is not None


def test_capacity_is_never_exceeded_and_weakest_go_first() -> None:
    config = MemoryConfig(capacity=50, capacity_slack=0.2, theta_prune=0.0)
    memory = Memory.open(config=config)
    memory.add([("kitchen", "north_of", "hall")], t=0)  # importance 2, floor: survives
    for t in range(1, 40):
        memory.add([(f"thing {t} {i}", "at", "hall") for i in range(3)], t=t)
        assert memory.stats()["active_facts"] <= 50
    archived = [e for e in memory.events() if e.kind == "capacity_archive"]
    assert archived
    assert memory.neighbours("hall", t=40) == {"north": "kitchen"}
    survivors = memory.snapshot(40)["facts"]
    oldest_survivor = min(f["valid_from"] for f in survivors if f["relation"] == "at")
    assert oldest_survivor > 1  # the oldest (weakest) observations were the ones archived


def test_decay_pruning_pops_a_heap_instead_of_scanning() -> None:
    memory = Memory.open(config=MemoryConfig(tau0=5, theta_prune=0.1))
    graph = memory._core.graph  # white-box: the heap must not grow with history
    for t in range(2000):
        memory.add([(f"thing {t}", "at", "hall"), ("hall", "is", "lit")], t=t)
    assert len(graph.active) < 30
    assert len(graph.expiry) <= 2 * len(graph.active) + 1024
    assert len(graph.facts) == len(graph.active)  # closed facts left RAM for the store
    assert memory.stats()["facts"] == 2001


def test_expiry_time_matches_strength_threshold() -> None:
    memory = Memory.open(config=MemoryConfig(tau0=7, theta_prune=0.05))
    memory.add([("apple", "in", "fridge")], t=0)
    fact = memory._core.graph.facts[1]
    crossing = 7 * math.log(0.5 / 0.05)
    assert strength_at(fact, crossing - 1e-6) > 0.05 > strength_at(fact, crossing + 1e-6)


def test_capacity_archives_what_was_just_observed_last() -> None:
    # Consolidated facts outweigh a fresh observation; a full memory must still keep what
    # it saw this very step, or it would forget that it just cooked.
    memory = Memory.open(config=MemoryConfig(capacity=10, capacity_slack=0.0, theta_prune=0.0))
    for t in range(5):
        memory.add([(f"old {i}", "at", "hall") for i in range(10)], t=t)
    memory.add([("carrot", "is", "fried")], t=5)
    assert memory.stats()["active_facts"] == 10
    assert [(f.subject, f.object) for f in memory.facts_about("carrot", t=5)] == [
        ("carrot", "fried")
    ]
    # One step later it is an ordinary fact again, and the weakest one.
    memory.add([("old 0", "at", "hall")], t=6)
    memory.add([(f"new {i}", "at", "yard") for i in range(2)], t=7)
    assert memory.facts_about("carrot", t=7) == []
