"""Abstraction turns a pattern over many instances into a general fact."""

from __future__ import annotations

import pytest

from mags import InvalidInputError, Memory


def _knives(memory: Memory, n: int, t: float = 0) -> None:
    for i in range(1, n + 1):
        memory.add([(f"knife {i}", "is_a", "knife"), (f"knife {i}", "has", "blade")], t=t)


def test_pattern_over_enough_instances_becomes_a_general_fact(memory: Memory) -> None:
    _knives(memory, 3)
    memory.add([("knife 3", "at", "kitchen"), ("knife 2", "at", "hall")], t=0)
    ids = memory.abstract(t=1)
    general = [f for f in memory.facts_about("knife", t=1) if f.subject == "knife"]
    assert [(f.relation, f.object, f.qualifiers) for f in general] == [
        ("has", "blade", {"general": True})
    ]
    assert [f.id for f in general] == ids
    assert memory.events()[-1].data == {"cause": "abstraction"}


def test_too_few_instances_or_exclusive_relations_do_not_generalize(memory: Memory) -> None:
    _knives(memory, 2)
    memory.add([(f"knife {i}", "at", "kitchen") for i in (1, 2, 3)], t=0)
    memory.add([("knife 3", "is_a", "knife")], t=0)
    assert memory.abstract(t=1) == []  # 2 have a blade; locations never generalize


def test_seeing_the_pattern_again_is_evidence(memory: Memory) -> None:
    _knives(memory, 3)
    first = memory.abstract(t=1)
    strength = memory.facts_about("knife", t=2)[0].strength
    again = memory.abstract(t=2)
    assert again == first
    assert memory.facts_about("knife", t=2)[0].strength > strength


def test_min_support_is_checked(memory: Memory) -> None:
    with pytest.raises(InvalidInputError, match="min_support"):
        memory.abstract(t=0, min_support=1)
