"""Hand-made treasure hunts: built with GameMaker, played by the planner from a task."""

from __future__ import annotations

from pathlib import Path

import pytest

from mags.agents.play import PlaySpec, play_game
from mags.extract.base import ExtractionContext
from mags.extract.textworld import TextWorldExtractor
from mags.worlds.hunts import Hunt, build_hunt, plan_hunt

HUNT_SEEDS = (11, 12)


@pytest.fixture(scope="module")
def hunts(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Hunt]:
    folder = tmp_path_factory.mktemp("hunts")
    return {seed: build_hunt(plan_hunt(seed), folder / f"hunt-{seed}.z8") for seed in HUNT_SEEDS}


def test_a_plan_is_the_same_for_a_seed_and_keeps_its_promises() -> None:
    plan = plan_hunt(5)
    assert plan == plan_hunt(5)
    assert plan != plan_hunt(6)
    assert len(plan.rooms) == 12
    doors = [lock for lock in plan.locks if lock.direction]
    assert len(doors) >= 2
    assert plan.locks[-2].direction is None  # the treasure's locker
    assert any(not any(c.isupper() for c in lock.key) for lock in plan.locks)
    assert plan.walkthrough[-1].startswith(f"take {plan.treasure} from ")
    assert "objective" not in plan.task.lower() and plan.treasure in plan.task


@pytest.mark.parametrize("seed", HUNT_SEEDS)
def test_the_planner_finds_the_treasure_from_the_task_alone(
    hunts: dict[int, Hunt], seed: int
) -> None:
    hunt = hunts[seed]
    result = play_game(PlaySpec(str(hunt.path), max_steps=150, task=hunt.task))
    assert result.won, f"hunt {seed} not won in {result.steps} steps"
    assert result.steps <= 150


def test_without_a_task_the_game_says_nothing_to_do(hunts: dict[int, Hunt]) -> None:
    hunt = hunts[HUNT_SEEDS[0]]
    result = play_game(PlaySpec(str(hunt.path), max_steps=60))
    assert not result.won


def test_a_note_says_which_key_opens_what() -> None:
    extractor = TextWorldExtractor(room="Hall")
    extra = {"command": "examine note", "admissible_commands": ["examine note", "go east"]}
    text = "> examine note\nSomeone noted that the golden key fits the blue locker."
    facts = extractor.extract(text, ExtractionContext(3, None, (), extra)).facts
    assert ("golden key", "opens", "blue locker") in {
        (f.subject, f.relation, f.object) for f in facts
    }


def test_a_task_stands_in_for_the_games_objective() -> None:
    extractor = TextWorldExtractor()
    extra = {"command": None, "task": "get me the ruby crown", "admissible_commands": []}
    intro = "Your task is to take the passkey from the bench.\n-= Hall =-"
    facts = extractor.extract(intro, ExtractionContext(0, None, (), extra)).facts
    goals = [f.object for f in facts if f.relation == "goal"]
    assert goals == ["ruby crown"]


def test_a_hunt_is_written_only_as_a_z8_game(tmp_path: Path) -> None:
    from mags.worlds.errors import WorldError

    with pytest.raises(WorldError, match="z8"):
        build_hunt(plan_hunt(1), tmp_path / "hunt.ulx")
