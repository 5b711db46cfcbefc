"""Merging entities that are one thing; splitting one that is two."""

from __future__ import annotations

import pytest

from mags import InvalidInputError, Memory, MemoryConfig


def _distinct(memory: Memory, t: float) -> set[tuple[str, str, str]]:
    return {(f["subject"], f["relation"], f["object"]) for f in memory.snapshot(t)["facts"]}


def test_articles_case_and_plurals_name_one_entity(memory: Memory) -> None:
    memory.add([("The Red Apples", "in", "fridge"), ("a red apple", "is", "sliced")], t=0)
    snapshot = memory.snapshot(0)
    apples = [e for e in snapshot["entities"] if e["name"].lower().endswith(("apple", "apples"))]
    assert len(apples) == 1
    assert apples[0]["aliases"] == ["red apple"]


def test_similar_name_with_compatible_facts_merges(memory: Memory) -> None:
    memory.add([("kitchen cupboard", "at", "kitchen"), ("kitchen cupboard", "is", "open")], t=0)
    memory.add([("kitchen cupbaord", "at", "kitchen")], t=1)
    entities = {e["name"] for e in memory.snapshot(1)["entities"]}
    assert "kitchen cupbaord" not in entities
    merge = [e for e in memory.events() if e.kind == "merge"]
    assert len(merge) == 1 and merge[0].data["duplicates"]
    cupboard = memory.facts_about("kitchen cupbaord", t=1)  # the alias still resolves
    assert {(f.relation, f.object) for f in cupboard} == {("at", "kitchen"), ("is", "open")}
    assert next(f for f in cupboard if f.relation == "at").evidence == 2


def test_similar_name_with_conflicting_facts_stays_apart(memory: Memory) -> None:
    memory.add([("kitchen cupboard", "at", "kitchen")], t=0)
    memory.add([("kitchen cupbaord", "at", "pantry")], t=1)
    assert not [e for e in memory.events() if e.kind == "merge"]
    assert memory.where_is("kitchen cupboard", t=1).object == "kitchen"  # type: ignore[union-attr]


def test_names_differing_in_a_number_never_merge(memory: Memory) -> None:
    memory.add([("locker 12", "at", "gym")], t=0)
    memory.add([("locker 13", "at", "gym")], t=1)
    assert len(memory.facts_about("gym", t=1)) == 2


def test_fuzzy_merging_can_be_switched_off() -> None:
    memory = Memory.open(config=MemoryConfig(merge_threshold=1.0))
    memory.add([("kitchen cupboard", "at", "kitchen")], t=0)
    memory.add([("kitchen cupbaord", "at", "kitchen")], t=1)
    assert len(memory.facts_about("kitchen", t=1)) == 2


def test_explicit_merge_keeps_every_distinct_fact(memory: Memory) -> None:
    memory.add([("bob", "likes", "tea"), ("bob", "at", "office"), ("robert", "owns", "car")], t=0)
    memory.add([("robert", "likes", "tea"), ("robert", "knows", "alice")], t=1)
    before = {
        (s.replace("robert", "bob"), r, o.replace("robert", "bob"))
        for s, r, o in _distinct(memory, 1)
    }
    memory.merge("bob", "robert", t=2)
    assert _distinct(memory, 2) == before
    assert memory.facts_about("robert", t=2) == memory.facts_about("bob", t=2)
    tea = next(f for f in memory.facts_about("bob", t=2) if f.object == "tea")
    assert tea.evidence == 2


def test_explicit_merge_of_two_locations_keeps_the_newer(memory: Memory) -> None:
    memory.add([("bob", "at", "office")], t=0)
    memory.add([("robert", "at", "home")], t=1)
    memory.merge("bob", "robert", t=2)
    assert memory.where_is("bob", t=2).object == "home"  # type: ignore[union-attr]
    assert [f.valid_to for f in memory.history("bob") if f.object == "office"] == [2]


def test_merge_errors_are_clear(memory: Memory) -> None:
    memory.add([("bob", "at", "office")], t=0)
    with pytest.raises(KeyError, match="no entity named 'carol'"):
        memory.merge("bob", "carol", t=1)
    with pytest.raises(InvalidInputError, match="already one entity"):
        memory.merge("bob", "Bob", t=1)


def test_explicit_split_moves_facts_to_a_new_entity(memory: Memory) -> None:
    ids = memory.add([("mercury", "is_a", "planet"), ("mercury", "is_a", "metal")], t=0)
    memory.split("mercury", [ids[1]], t=1, new_name="mercury (element)")
    assert [f.object for f in memory.facts_about("mercury", t=1)] == ["planet"]
    assert [f.object for f in memory.facts_about("mercury (element)", t=1)] == ["metal"]
    event = memory.events()[-1]
    assert event.kind == "split" and event.facts == (ids[1],)


def test_split_rejects_facts_of_another_entity(memory: Memory) -> None:
    ids = memory.add([("mercury", "is_a", "planet"), ("venus", "is_a", "planet")], t=0)
    with pytest.raises(InvalidInputError, match="not a current fact about 'mercury'"):
        memory.split("mercury", [ids[1]], t=1)
