"""Bad input gets a clear error and leaves the memory exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest

from mags import (
    Fact,
    InvalidInputError,
    Memory,
    MemoryConfig,
    TimeOrderError,
    UnknownRelationError,
)
from tests.helpers import dump

BAD_FACTS: list[tuple[Any, str]] = [
    ([("", "in", "fridge")], "subject is empty"),
    ([("   ", "in", "fridge")], "subject is empty"),
    ([("apple", "in", "x" * 201)], "object is 201 characters long; the limit is 200"),
    ([("apple", "inside the", "fridge")], "unknown relation 'inside the'"),
    ([("apple", "teleported_to", "mars")], "unknown relation 'teleported_to'. Use one of"),
    ([Fact("apple", "in", "fridge", confidence=float("nan"))], r"confidence must be .* nan"),
    ([Fact("apple", "in", "fridge", confidence=0)], "confidence must be"),
    ([Fact("apple", "in", "fridge", confidence=1.5)], "confidence must be"),
    ([Fact("apple", "in", "fridge", confidence=True)], "confidence must be"),  # type: ignore[arg-type]
    ([(b"\xff\xfeapple", "in", "fridge")], "subject is not valid UTF-8"),
    ([("apple\udcff", "in", "fridge")], "not valid UTF-8"),
    ([("apple\nbanana", "in", "fridge")], "control characters"),
    ([(42, "in", "fridge")], "subject must be a string, got int"),
    ([("apple", "in")], "a fact must be a mags.Fact or a"),
    ([("apple", "in", "fridge", {"n": float("inf")})], "qualifier 'n' is inf"),
    ([("apple", "in", "fridge", {"n": [1, 2]})], "qualifier 'n' must be a string, number or bool"),
    ([("apple", "in", "fridge", "quantity=2")], "qualifiers must be a dict"),
    (("apple", "in", "fridge"), "pass a list of facts"),
    (42, "facts must be a list"),
]


@pytest.fixture
def filled() -> Memory:
    memory = Memory.open()
    memory.add([("apple", "in", "fridge"), ("door", "is", "open")], t=5)
    return memory


@pytest.mark.parametrize(("facts", "message"), BAD_FACTS)
def test_bad_facts_are_refused_and_change_nothing(filled: Memory, facts: Any, message: str) -> None:
    before = dump(filled)
    # A valid fact first: the whole call must be refused, not half applied.
    batch = [("pear", "in", "bowl"), *facts] if isinstance(facts, list) else facts
    with pytest.raises(InvalidInputError, match=message):
        filled.add(batch, t=6)
    assert dump(filled) == before


def test_unknown_relation_error_is_specific(filled: Memory) -> None:
    with pytest.raises(UnknownRelationError, match=r"Memory\.open\(schema=\.\.\.\)"):
        filled.add([("apple", "orbits", "sun")], t=6)


@pytest.mark.parametrize("t", [4, float("nan"), float("inf"), "6", None, True])
def test_bad_times_are_refused(filled: Memory, t: Any) -> None:
    before = dump(filled)
    with pytest.raises(InvalidInputError):
        filled.add([("pear", "in", "bowl")], t=t)
    with pytest.raises(InvalidInputError):
        filled.recall("apple", t=t)
    assert dump(filled) == before


def test_time_going_backwards_says_so(filled: Memory) -> None:
    with pytest.raises(TimeOrderError, match=r"t=4 is earlier than .* latest change at t=5\.0"):
        filled.add([("pear", "in", "bowl")], t=4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"relation": "in"}, "needs a subject or an object"),
        ({"relation": "floats_in", "object": "fridge"}, "unknown relation"),
        ({"relation": "in", "object": ""}, "object is empty"),
    ],
)
def test_bad_negations_are_refused(filled: Memory, kwargs: dict[str, Any], message: str) -> None:
    before = dump(filled)
    relation = kwargs.pop("relation")
    with pytest.raises(InvalidInputError, match=message):
        filled.negate(relation, t=6, **kwargs)
    assert dump(filled) == before


@pytest.mark.parametrize(
    ("query", "budget", "message"),
    [("", None, "query is empty"), ("apple", 0, "budget_tokens"), ("apple", 2.5, "budget_tokens")],
)
def test_bad_recalls_are_refused(filled: Memory, query: str, budget: Any, message: str) -> None:
    before = dump(filled)
    with pytest.raises(InvalidInputError, match=message):
        filled.recall(query, t=6, budget_tokens=budget)
    assert dump(filled) == before


def test_use_of_unknown_fact_is_refused(filled: Memory) -> None:
    before = dump(filled)
    with pytest.raises(KeyError, match="no fact with id 99"):
        filled.use([1, 99], t=6)
    assert dump(filled) == before


def test_queries_about_unknown_entities_are_empty(filled: Memory) -> None:
    assert filled.facts_about("unicorn", t=5) == []
    assert filled.where_is("unicorn", t=5) is None
    assert filled.history("unicorn") == []
    assert filled.neighbours("unicorn", t=5) == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"eta": 0.0}, "eta = 0.0 is out of range"),
        ({"capacity": 3}, "capacity = 3 is out of range"),
        ({"hops": 1.5}, "hops must be an integer"),
        ({"tau0": 100.0, "tau_max": 50.0}, "tau_max"),
        ({"rho": "high"}, "rho must be a number"),
    ],
)
def test_bad_config_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        MemoryConfig(**changes)
