"""Shared fixtures: an empty memory, and real TextWorld games generated once per session."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mags import Memory
from mags.worlds import Track, WorldCache, make_games
from tests.games import GAME_TRACKS, SEED, SEEDS


@pytest.fixture
def memory() -> Memory:
    """An empty in-memory memory with the default config."""
    return Memory.open()


@pytest.fixture(scope="session")
def world_cache(tmp_path_factory: pytest.TempPathFactory) -> WorldCache:
    """A session-wide cache holding `SEEDS` of every track in `GAME_TRACKS`."""
    cache = WorldCache(tmp_path_factory.mktemp("worlds"))

    def make(track: Track) -> None:
        for result in make_games(track, list(SEEDS), cache=cache):
            assert result.status == "generated", result

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(make, GAME_TRACKS.values()))
    return cache


@pytest.fixture(scope="session")
def game_paths(world_cache: WorldCache) -> dict[str, Path]:
    """The .z8 path of seed `SEED` of each track in `GAME_TRACKS`, by short name."""
    return {key: world_cache.game_path(t.name, SEED) for key, t in GAME_TRACKS.items()}
