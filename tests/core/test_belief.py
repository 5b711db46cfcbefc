"""Belief mode (`MemoryConfig(belief=1)`, issue 35): strength is the probability a value
holds now, filtered per slot with the relation's hazard and the source's reliability."""

from __future__ import annotations

import pytest

from mags import Fact, Memory, MemoryConfig
from mags.core.errors import InvalidInputError
from mags.core.schema import RelationSpec

VIEW = 0.9


def belief_memory() -> Memory:
    return Memory.open(config=MemoryConfig(belief=1))


def where(memory: Memory, thing: str, t: float) -> list[tuple[str, float]]:
    return [(f.object, round(f.strength, 3)) for f in memory.facts_about(thing, t=t)]


def seen(memory: Memory, obj: str, t: float, relation: str = "in") -> None:
    memory.add([Fact("apple", relation, obj, confidence=VIEW)], t=t, source="eyes")


def test_a_misreading_votes_and_a_repeated_one_wins() -> None:
    memory = belief_memory()
    for t in range(3):
        seen(memory, "fridge", t)
    seen(memory, "table", 3, relation="on")
    assert [o for o, _ in where(memory, "apple", 3)] == ["fridge"]  # one misreading waits
    seen(memory, "table", 4, relation="on")
    assert [o for o, _ in where(memory, "apple", 4)] == ["table"]  # the world changed


def test_a_certain_outcome_or_a_change_supersedes_at_once() -> None:
    memory = belief_memory()
    for t in range(5):
        seen(memory, "fridge", t)
    memory.add([Fact("apple", "held_by", "player")], t=5)
    assert where(memory, "apple", 5) == [("player", 1.0)]
    memory.add([Fact("apple", "on", "table", confidence=0.8, change=True)], t=6)
    assert [o for o, _ in where(memory, "apple", 6)] == ["table"]


def test_belief_fades_at_the_hazard_and_a_map_link_never() -> None:
    memory = belief_memory()
    seen(memory, "fridge", 0)
    memory.add([Fact("kitchen", "north_of", "hall", confidence=VIEW)], t=0)
    p0 = where(memory, "apple", 0)[0][1]
    assert where(memory, "apple", 100)[0][1] == pytest.approx(p0 * 2.718281828**-1, rel=1e-2)
    assert where(memory, "hall", 100)[0][1] == where(memory, "hall", 0)[0][1]


def test_what_outcomes_refute_lowers_the_source_reliability() -> None:
    memory = Memory.open(config=MemoryConfig(belief=1))
    memory.observe("view", t=0, source="eyes")  # an episode whose source claims things
    assert memory.sources() == {}
    for t in range(1, 4):
        memory.add([Fact(f"cup {t}", "in", "box", confidence=VIEW)], t=t, source="eyes")
        memory.negate("in", subject=f"cup {t}", object="box", t=t)
    learned = memory.sources()["eyes/location"]
    assert learned["refuted"] == 3 and learned["reliability"] < VIEW


def test_use_does_not_raise_belief() -> None:
    memory = belief_memory()
    seen(memory, "fridge", 0)
    before = where(memory, "apple", 1)
    memory.use(memory.recall("apple", t=1), t=1)
    assert where(memory, "apple", 1) == before


def test_a_hazard_outside_zero_one_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="hazard must be a chance per step"):
        RelationSpec("moves", hazard=1.5)


def test_after_a_boundary_the_first_reading_decides() -> None:
    memory = belief_memory()
    for t in range(5):
        seen(memory, "fridge", t)
    memory.add([Fact("kitchen", "north_of", "hall", confidence=VIEW)], t=4)
    touched = memory.boundary(t=5)  # a new house: the apple may be anywhere, the map is not
    assert len(touched) == 1
    seen(memory, "table", 6, relation="on")
    assert [o for o, _ in where(memory, "apple", 6)] == ["table"]


def test_a_boundary_says_what_is_wrong() -> None:
    memory = belief_memory()
    seen(memory, "fridge", 3)
    with pytest.raises(InvalidInputError, match="keep must be a share"):
        memory.boundary(t=4, keep=2)
    with pytest.raises(InvalidInputError, match="earlier than the memory's latest change"):
        memory.boundary(t=1)
    with pytest.raises(InvalidInputError, match="flies_to"):
        memory.boundary(t=4, relations=["flies_to"])
