"""Reconciliation supersedes under the schema, keeps history, honours negative evidence."""

from __future__ import annotations

from mags import Fact, Memory


def test_new_location_supersedes_old_and_keeps_history(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge")], t=0)
    memory.add([("apple", "held_by", "player")], t=2)
    memory.add([("apple", "on", "table")], t=5)
    assert memory.where_is("apple", t=5).object == "table"  # type: ignore[union-attr]
    history = [(f.relation, f.object, f.valid_from, f.valid_to) for f in memory.history("apple")]
    assert history == [
        ("in", "fridge", 0, 2),
        ("held_by", "player", 2, 5),
        ("on", "table", 5, None),
    ]
    kinds = [e.kind for e in memory.events()]
    assert kinds.count("reconcile") == 2
    reconcile = next(e for e in memory.events() if e.kind == "reconcile")
    assert len(reconcile.facts) == 2  # the old fact and the one that replaced it


def test_exclusive_states_replace_each_other_but_not_other_groups(memory: Memory) -> None:
    memory.add([("door", "is", "closed"), ("carrot", "is", "sliced")], t=0)
    memory.add([("door", "is", "locked"), ("carrot", "is", "fried")], t=1)
    door = {f.object for f in memory.facts_about("door", t=1)}
    carrot = {f.object for f in memory.facts_about("carrot", t=1)}
    assert door == {"locked"}
    assert carrot == {"sliced", "fried"}  # cut and cooking are different exclusive sets
    memory.add([("carrot", "is", "diced")], t=2)
    assert {f.object for f in memory.facts_about("carrot", t=2)} == {"diced", "fried"}


def test_map_directions_are_functional_both_ways(memory: Memory) -> None:
    memory.add([("kitchen", "north_of", "hall")], t=0)
    memory.add([("pantry", "north_of", "hall")], t=1)  # a maze that was misread
    assert memory.neighbours("hall", t=1) == {"north": "pantry"}
    assert memory.neighbours("kitchen", t=1) == {}


def test_non_functional_relations_accumulate(memory: Memory) -> None:
    memory.add([("recipe", "needs", "carrot"), ("recipe", "needs", "salt")], t=0)
    assert len(memory.facts_about("recipe", t=0)) == 2


def test_same_fact_again_reinforces_instead_of_duplicating(memory: Memory) -> None:
    first = memory.add([("apple", "in", "fridge")], t=0)
    again = memory.add([("the apples", "in", "Fridge")], t=1)
    assert first == again
    assert memory.stats()["facts"] == 1
    assert [e.kind for e in memory.events()] == ["add", "reinforce"]


def test_negative_evidence_empties_a_container(memory: Memory) -> None:
    memory.add(
        [("apple", "in", "fridge"), ("milk", "in", "fridge"), ("fridge", "at", "kitchen")], t=0
    )
    closed = memory.negate("in", object="fridge", t=3)
    assert len(closed) == 2
    assert memory.where_is("apple", t=3) is None
    assert memory.where_is("fridge", t=3).object == "kitchen"  # type: ignore[union-attr]
    assert all(f.valid_to == 3 for f in memory.history("milk"))


def test_negation_of_unknown_entity_changes_nothing(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge")], t=0)
    assert memory.negate("in", object="cellar", t=1) == []
    assert memory.stats()["active_facts"] == 1


def test_conflict_within_one_observation_splits_the_entity(memory: Memory) -> None:
    # "There is a key on the table. There is a key in the box." -- two keys, not a move.
    memory.add([("key", "on", "table"), ("key", "in", "box")], t=0)
    split = [e for e in memory.events() if e.kind == "split"]
    assert len(split) == 1
    locations = {(f.subject, f.object) for f in memory.facts_about("key", 0)}
    assert locations == {("key", "table")}
    assert memory.where_is("key #2", t=0).object == "box"  # type: ignore[union-attr]
    assert not [e for e in memory.events() if e.kind == "reconcile"]


def test_weak_conflict_within_one_call_supersedes_instead_of_splitting(memory: Memory) -> None:
    memory.add([Fact("key", "on", "table", confidence=0.3), ("key", "in", "box")], t=0)
    assert not [e for e in memory.events() if e.kind == "split"]
    assert memory.where_is("key", t=0).object == "box"  # type: ignore[union-attr]
