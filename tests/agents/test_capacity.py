"""Capacities given as facts or as a share of the game's true state."""

from __future__ import annotations

from pathlib import Path

import pytest

from mags.agents.capacity import Capacity
from mags.agents.play import PlaySpec, play_game
from mags.core.errors import InvalidInputError
from mags.probes.beliefs import true_state_size
from mags.worlds.cache import WorldCache
from mags.worlds.env import open_game


@pytest.mark.parametrize("text", ["0", "5", "0%", "150%", "a lot", "25 %%"])
def test_a_capacity_that_means_nothing_is_refused_with_the_fix(text: str) -> None:
    with pytest.raises(InvalidInputError, match="--capacity"):
        Capacity.parse(text)


def test_a_share_binds_each_game_to_part_of_its_true_state(world_cache: WorldCache) -> None:
    env, evaluator = open_game("tiny", 1, cache=world_cache)
    env.reset()
    size = true_state_size(evaluator.facts())
    evaluator.close()
    for memory in ("capacity", "lru", "random-evict"):
        spec = PlaySpec("tiny", 1, "planner", memory, 30, capacity=Capacity(share=0.5))
        result = play_game(spec, cache=world_cache)
        assert result.capacity == max(10, round(0.5 * size))
        assert result.active_facts <= result.capacity


def test_the_cli_takes_a_share(
    world_cache: WorldCache, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mags.cli import main

    code = main(
        [
            "play",
            "tiny",
            "--seed",
            "1",
            "--memory",
            "lru",
            "--capacity",
            "50%",
            "--json",
            "--cache",
            str(world_cache.root),
        ]
    )
    assert code == 0
    assert '"capacity": ' in capsys.readouterr().out
