"""A life-long agent: one memory across a sequence of real games."""

from __future__ import annotations

import pytest

from mags.agents.memories import Belief
from mags.agents.planner import PlannerPolicy
from mags.agents.world_model import WorldModel
from mags.bench.lifelong import play_lifelong
from mags.cli import main
from mags.core.model import Negation
from mags.worlds.cache import WorldCache
from tests.games import SEEDS


def test_one_memory_plays_the_games_in_order_on_one_clock(world_cache: WorldCache) -> None:
    seeds = list(SEEDS)[:2]
    result = play_lifelong("tiny", seeds, "liquid", cache=world_cache)
    assert [g.seed for g in result.games] == seeds
    assert all(g.won for g in result.games)  # the second house is not the first one
    assert result.first == 1.0 and result.later == 1.0
    assert result.active_facts > 0  # what the houses left behind, reported


def test_the_command_says_what_is_wrong(
    world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ["--cache", str(world_cache.root)]
    assert main(["bench-lifelong", "tiny", "--seeds", "1", *cache]) == 2
    assert "--seeds" in capsys.readouterr().err
    assert main(["bench-lifelong", "tiny", "--seeds", "1-2", "--memories", "psychic"]) == 2
    assert "--memories" in capsys.readouterr().err
    assert main(["bench-lifelong", "nowhere", "--seeds", "1-2"]) == 2
    assert "TRACK" in capsys.readouterr().err


def b(subject: str, relation: str, obj: str, strength: float = 1.0) -> Belief:
    return Belief(subject, relation, obj, {}, None, strength)


def test_a_way_learnt_elsewhere_is_walked_weakest_first_when_nothing_is_left() -> None:
    # A map from another house: hall -> east -> cellar (strong), hall -> north -> attic (weak).
    world = [
        b("player", "at", "hall"),
        b("player", "goal", "crown"),
        b("cellar", "east_of", "hall", 0.9),
        b("attic", "north_of", "hall", 0.4),
        b("hall", "exit", "east"),
        b("hall", "exit", "north"),
    ]
    planner = PlannerPolicy()
    assert planner.choose(WorldModel.read(world), ["go east", "go north"]) == "go north"
    # Walked in this game: the other one next.
    world[0] = b("player", "at", "attic")
    world.append(b("attic", "exit", "south"))
    assert planner.choose(WorldModel.read(world), ["go south"]) == "go south"


def test_a_false_link_is_refuted_both_ways_and_empty_hands_refute_what_was_carried() -> None:
    world = WorldModel.read(
        [b("player", "at", "hall"), b("attic", "north_of", "hall"), b("coin", "held_by", "player")]
    )
    refuted = world.contradicted_by(["go east", "examine rug"], ["coin"])
    assert Negation("north_of", "attic", "hall") in refuted
    assert Negation("south_of", "hall", "attic") in refuted
    assert Negation("held_by", "coin", "player") in refuted
