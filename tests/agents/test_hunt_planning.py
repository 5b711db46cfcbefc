"""Treasure hunts: notes are read when seen, and a key a note names is taken when seen."""

from __future__ import annotations

from mags.agents.memories import Belief
from mags.agents.planner import PlannerPolicy
from mags.agents.world_model import WorldModel


def b(subject: str, relation: str, obj: str) -> Belief:
    return Belief(subject, relation, obj, {})


HALL = [b("player", "at", "hall"), b("player", "goal", "crown"), b("hall", "exit", "north")]


def test_a_note_in_view_is_read_before_exploring_on() -> None:
    planner = PlannerPolicy()
    admissible = ["examine torn page", "examine rug", "go north", "take torn page"]
    assert planner.choose(WorldModel.read(HALL), admissible) == "examine torn page"
    # Read once: now the way on.
    assert planner.choose(WorldModel.read(HALL), admissible) == "go north"


def test_a_key_a_note_names_is_taken_when_seen_and_no_other() -> None:
    world = [*HALL, b("key 7", "opens", "iron door"), b("key 7", "at", "hall")]
    admissible = ["take key 7", "take brass key", "go north"]
    assert PlannerPolicy().choose(WorldModel.read(world), admissible) == "take key 7"
    # No note: no key is taken while nothing is known to be locked (a wrong one can lose).
    assert PlannerPolicy().choose(WorldModel.read(HALL), admissible) == "go north"
