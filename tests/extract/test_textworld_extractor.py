"""The rule-based TextWorld extractor on sentences taken from generated games.

Real-game coverage (every generator, many seeds) is in tests/probes; these pin the rules.
"""

from __future__ import annotations

from typing import Any

import pytest

from mags import Memory
from mags.extract.textworld import TextWorldExtractor

KITCHEN = """-= Kitchen =-
You are in a kitchen. A typical one.

You make out an opened fridge here. The fridge contains a raw pork chop. You make out an
oven. The oven is empty! On the table you see a cookbook and a knife. You see a red hot
pepper and a sliced tomato on the counter.

There is an open patio door leading east. There is an exit to the north. Don't worry, there
is no door."""

KITCHEN_COMMANDS = [
    "close fridge",
    "close patio door",
    "examine counter",
    "examine cookbook",
    "examine fridge",
    "examine knife",
    "examine oven",
    "examine patio door",
    "examine table",
    "go east",
    "go north",
    "inventory",
    "look",
    "open oven",
    "take cookbook from table",
    "take knife from table",
    "take pork chop from fridge",
    "take red hot pepper from counter",
    "take tomato from counter",
]


def step(
    command: str | None,
    admissible: list[str],
    inventory: str,
    description: str = "",
) -> dict[str, Any]:
    return {
        "command": command,
        "admissible_commands": admissible,
        "inventory": inventory,
        "description": description,
    }


@pytest.fixture
def memory() -> Memory:
    return Memory.open(extractor=TextWorldExtractor())


def current(memory: Memory, t: float) -> set[tuple[str, str, str]]:
    return {(f["subject"], f["relation"], f["object"]) for f in memory.snapshot(t)["facts"]}


def test_a_room_view_places_everything(memory: Memory) -> None:
    memory.observe(
        KITCHEN, t=0, extra=step(None, KITCHEN_COMMANDS, "You are carrying nothing.", KITCHEN)
    )
    facts = current(memory, 0)
    assert {
        ("player", "at", "kitchen"),
        ("pork chop", "in", "fridge"),
        ("knife", "on", "table"),
        ("tomato", "on", "counter"),
        ("tomato", "is", "sliced"),
        ("fridge", "is", "open"),
        ("oven", "is", "closed"),
        ("oven", "at", "kitchen"),
        ("patio door", "is", "open"),
        ("patio door", "connects", "kitchen"),
        ("kitchen", "exit", "east"),
        ("kitchen", "exit", "north"),
    } <= facts
    assert ("patio door", "at", "kitchen") not in facts  # a door is a link, not furniture


def test_taking_moves_a_thing_and_the_view_forgets_where_it_was(memory: Memory) -> None:
    memory.observe(
        KITCHEN, t=0, extra=step(None, KITCHEN_COMMANDS, "You are carrying nothing.", KITCHEN)
    )
    after = [c for c in KITCHEN_COMMANDS if "knife" not in c] + ["drop knife"]
    memory.observe(
        "> take knife from table\nYou take the knife from the table.",
        t=1,
        extra=step(None, after, "You are carrying: a knife.", KITCHEN),
    )
    facts = current(memory, 1)
    assert ("knife", "held_by", "player") in facts
    assert ("knife", "on", "table") not in facts
    assert [f.relation for f in memory.history("knife")].count("on") == 1  # kept as history


def test_walking_maps_both_directions_and_the_door(memory: Memory) -> None:
    memory.observe(
        KITCHEN, t=0, extra=step(None, KITCHEN_COMMANDS, "You are carrying nothing.", KITCHEN)
    )
    backyard = (
        "-= Backyard =-\nYou're now in the backyard.\n\nThere is an open patio door leading west."
    )
    memory.observe(
        "> go east\n" + backyard,
        t=1,
        extra=step(
            "go east",
            ["close patio door", "examine patio door", "go west"],
            "You are carrying nothing.",
            backyard,
        ),
    )
    facts = current(memory, 1)
    assert {
        ("backyard", "east_of", "kitchen"),
        ("kitchen", "west_of", "backyard"),
        ("player", "at", "backyard"),
        ("patio door", "connects", "backyard"),
    } <= facts
    assert ("player", "at", "kitchen") not in facts


def test_a_door_that_cannot_be_opened_is_locked(memory: Memory) -> None:
    text = "-= Bedroom =-\nThere is a closed wooden door leading east."
    memory.observe(
        text,
        t=0,
        extra=step(None, ["examine wooden door", "look"], "You are carrying nothing.", text),
    )
    assert ("wooden door", "is", "locked") in current(memory, 0)


def test_inventory_states_and_cooking_feedback(memory: Memory) -> None:
    inv = "You are carrying: a sliced fried red hot pepper and a knife."
    memory.observe(
        "> cook red hot pepper with stove\nYou fried the red hot pepper.",
        t=0,
        extra=step("cook red hot pepper with stove", [], inv),
    )
    facts = current(memory, 0)
    assert {
        ("red hot pepper", "held_by", "player"),
        ("red hot pepper", "is", "fried"),
        ("red hot pepper", "is", "sliced"),
        ("knife", "held_by", "player"),
    } <= facts
    memory.observe(
        "> cook red hot pepper with stove\nYou burned the red hot pepper!",
        t=1,
        extra=step("cook red hot pepper with stove", [], inv),
    )
    facts = current(memory, 1)
    assert ("red hot pepper", "is", "burned") in facts
    assert ("red hot pepper", "is", "fried") in facts  # burning keeps how it was cooked


def test_the_cookbook_becomes_the_recipe(memory: Memory) -> None:
    text = """> examine cookbook
You open the copy of "Cooking: A Modern Approach (3rd Ed.)" and start reading:

Recipe #1
---------
Gather all following ingredients and follow the directions to prepare this tasty meal.

Ingredients:
green hot pepper
  red onion

Directions:
slice the green hot pepper
  fry the green hot pepper
  roast the red onion
  prepare meal"""
    memory.observe(text, t=0)
    needs = {f.object: f.qualifiers for f in memory.facts_about("recipe", t=0)}
    assert needs == {
        "green hot pepper": {"prepare": "sliced,fried"},
        "red onion": {"prepare": "roasted"},
    }


def test_the_objective_names_the_target(memory: Memory) -> None:
    text = (
        "Your task for today is to take the passkey from the bench in the bathroom.\n\n"
        "-= Dish-Pit =-\nYou've entered a dish-pit."
    )
    memory.observe(text, t=0)
    facts = current(memory, 0)
    assert ("player", "goal", "passkey") in facts and ("player", "at", "dish-pit") in facts


def test_without_admissible_commands_actions_still_count(memory: Memory) -> None:
    memory.observe("-= Kitchen =-\nYou are in a kitchen.", t=0)
    memory.observe("> take apple from table\nYou take the apple from the table.", t=1)
    memory.observe("> drop apple\nYou drop the apple on the ground.", t=2)
    assert memory.where_is("apple", t=2).object == "kitchen"
    memory.observe("> open fridge\nYou open the fridge, revealing a raw pork chop and a milk.", t=3)
    facts = current(memory, 3)
    assert {
        ("pork chop", "in", "fridge"),
        ("milk", "in", "fridge"),
        ("fridge", "is", "open"),
    } <= facts


def test_refused_commands_change_nothing(memory: Memory) -> None:
    memory.observe("-= Kitchen =-\nYou are in a kitchen.", t=0)
    before = current(memory, 0)
    memory.observe("> take unicorn\nYou can't see any such thing.", t=1)
    assert current(memory, 1) == before
