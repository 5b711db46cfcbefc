"""Real TextWorld games, generated once per test session into a temporary cache."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mags.worlds import TRACKS, Track, WorldCache, custom_track, make_games

# Cheap settings of every generator: about 15 s of generation in all on two cores.
GAME_TRACKS: dict[str, Track] = {
    "tiny": TRACKS["tiny"],
    "coin": custom_track("tw-coin_collector", ["--level", "5"], only_last_action=True),
    "treasure": custom_track("tw-treasure_hunter", ["--level", "5"], only_last_action=True),
    "simple": custom_track("tw-simple", ["--rewards", "dense", "--goal", "detailed"]),
}
SEED = 1


@pytest.fixture(scope="session")
def world_cache(tmp_path_factory: pytest.TempPathFactory) -> WorldCache:
    """A session-wide cache holding seed 1 of every track in `GAME_TRACKS`."""
    cache = WorldCache(tmp_path_factory.mktemp("worlds"))

    def make(track: Track) -> None:
        (result,) = make_games(track, [SEED], cache=cache)
        assert result.status == "generated", result

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(make, GAME_TRACKS.values()))
    return cache


@pytest.fixture(scope="session")
def game_paths(world_cache: WorldCache) -> dict[str, Path]:
    """The .z8 path of seed 1 of each track in `GAME_TRACKS`, by short name."""
    return {key: world_cache.game_path(t.name, SEED) for key, t in GAME_TRACKS.items()}
