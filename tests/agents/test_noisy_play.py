"""Acting under noisy extraction: refuting what the game contradicts, doubting a recipe,
never cutting or cooking twice, and every memory variant taking certain evidence."""

from __future__ import annotations

import pytest

from mags.agents.memories import MEMORY_VARIANTS, Belief, make_memory
from mags.agents.planner import RECIPE_READS, PlannerPolicy
from mags.agents.policies import GraphPlanner
from mags.agents.world_model import WorldModel
from mags.core.model import Negation
from mags.extract import Extraction, ExtractionContext
from mags.extract.textworld import TextWorldExtractor
from mags.worlds.env import Observation


class Says:
    """A stand-in extractor: "a r b; c r d" are those facts (``r`` a relation)."""

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        facts = [tuple(part.split()) for part in text.split(";") if part.strip()]
        return Extraction(facts=facts)  # type: ignore[arg-type]


def observation(admissible: tuple[str, ...]) -> Observation:
    return Observation(
        text="",
        description="",
        inventory="You are carrying nothing.",
        score=0,
        max_score=1,
        moves=0,
        admissible_commands=admissible,
        done=False,
        won=False,
        lost=False,
        objective="",
        command=None,
    )


def b(subject: str, relation: str, obj: str, strength: float = 1.0, **q: str) -> Belief:
    return Belief(subject, relation, obj, q, None, strength)


@pytest.mark.parametrize("name", [v for v in MEMORY_VARIANTS if v != "summary"])
def test_every_variant_forgets_what_is_refuted(name: str) -> None:
    memory = make_memory(name, extractor=Says())
    memory.update("player at hall; coin at hall; hall exit north", 0, {})
    memory.refute([Negation("at", "coin", "hall"), Negation("exit", "hall", "north")], 1)
    beliefs = {(x.subject, x.relation, x.object) for x in memory.beliefs(1)}
    if name != "none":  # keeps nothing past its step: only what the step said, refuted
        assert ("player", "at", "hall") in beliefs
    assert ("coin", "at", "hall") not in beliefs and ("hall", "exit", "north") not in beliefs
    memory.close()


def test_a_false_exit_and_a_false_place_are_refuted_before_planning() -> None:
    memory = make_memory("liquid", extractor=Says())
    memory.update(
        "player at hall; player goal coin; hall exit north; hall exit east; coin at hall", 0, {}
    )
    decision = GraphPlanner().act(observation(("go east", "examine rug")), memory, 1)
    # The coin is not here and there is no way north: the memory is told, the plan
    # explores the one way there is.
    assert decision.command == "go east"
    beliefs = {(x.subject, x.relation, x.object) for x in memory.beliefs(1)}
    assert ("coin", "at", "hall") not in beliefs and ("hall", "exit", "north") not in beliefs
    assert ("hall", "exit", "east") in beliefs
    memory.close()


def test_a_believed_door_that_no_command_names_is_refuted() -> None:
    world = WorldModel.read(
        [b("player", "at", "hall"), b("oak door", "connects", "hall", direction="west")]
    )
    refuted = world.contradicted_by(["go east", "examine rug"], [])
    assert Negation("connects", "oak door", "hall") in refuted


def test_a_thing_in_a_closed_container_is_not_refuted() -> None:
    world = WorldModel.read(
        [b("player", "at", "hall"), b("coin", "in", "chest"), b("chest", "at", "hall")]
    )
    assert world.contradicted_by(["open chest", "go east"], ["coin"]) == []
    # Open (it can be closed) and the coin not named: not there.
    assert world.contradicted_by(["close chest", "go east"], ["coin"]) == [
        Negation("in", "coin", "chest")
    ]


KITCHEN = ("examine cookbook", "take knife", "go east")


def test_a_recipe_in_doubt_is_read_again_then_followed() -> None:
    two_ways = [
        b("player", "at", "kitchen"),
        b("player", "goal", "meal"),
        b("recipe", "needs", "apple", 0.9, prepare="sliced"),
        b("recipe", "needs", "apple", 0.5, prepare="diced"),
        b("cookbook", "at", "kitchen"),
        b("knife", "at", "kitchen"),
    ]
    planner = PlannerPolicy()
    commands = [planner.choose(WorldModel.read(two_ways), KITCHEN) for _ in range(RECIPE_READS)]
    assert commands == ["examine cookbook"] * RECIPE_READS  # not "stuck": reading again
    assert planner.choose(WorldModel.read(two_ways), KITCHEN) == "take knife"
    # One strong reading: no doubt, no reading.
    settled = [x for x in two_ways if x.qualifiers.get("prepare") != "diced"]
    assert WorldModel.read(settled).recipe_doubt == set()
    weak = [*settled[:2], b("recipe", "needs", "apple", 0.4, prepare="sliced")]
    assert WorldModel.read(weak).recipe_doubt == {"apple"}


def test_nothing_is_cooked_or_cut_twice_whatever_the_memory_says() -> None:
    world = [
        b("player", "at", "kitchen"),
        b("player", "goal", "meal"),
        b("recipe", "needs", "apple", prepare="sliced,fried"),
        b("apple", "held_by", "player"),
        b("knife", "held_by", "player"),
        b("stove", "at", "kitchen"),
        b("cookbook", "at", "kitchen"),
    ]
    admissible = ("slice apple with knife", "cook apple with stove", "prepare meal")
    planner = PlannerPolicy()
    assert planner.choose(WorldModel.read(world), admissible) == "slice apple with knife"
    # The view misread: the memory does not say the apple is sliced. It is not cut again.
    assert planner.choose(WorldModel.read(world), admissible) == "cook apple with stove"
    assert planner.choose(WorldModel.read(world), admissible) == "prepare meal"


def test_a_view_says_a_known_food_is_raw_and_uncut() -> None:
    extractor = TextWorldExtractor()
    extra = {
        "command": None,
        "admissible_commands": ["examine cookbook", "take carrot", "take knife"],
        "inventory": "You are carrying nothing.",
    }
    context = ExtractionContext(0, None, (), extra)
    recipe = (
        "-= Kitchen =-\nYou see a carrot and a knife.\n\nIngredients:\n  carrot\n\n"
        "Directions:\n  slice the carrot\n  prepare meal"
    )
    facts = {(f.subject, f.relation, f.object) for f in extractor.extract(recipe, context).facts}  # type: ignore[union-attr]
    extra = {**extra, "command": "look"}
    later = extractor.extract("-= Kitchen =-\nYou see a carrot and a knife.", context)
    facts |= {(f.subject, f.relation, f.object) for f in later.facts}  # type: ignore[union-attr]
    assert ("carrot", "is", "raw") in facts and ("carrot", "is", "uncut") in facts
    assert ("knife", "is", "raw") not in facts  # not a food
