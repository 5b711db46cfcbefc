"""Shared fixtures: an empty memory, real TextWorld games generated once per session, a
scripted OpenAI-compatible server with a client of it, and a throwaway PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mags import Memory
from mags.llm import LLMClient, LLMConfig
from mags.llm.testserver import ChatServer
from mags.store.pg_cluster import TemporaryCluster
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


@pytest.fixture
def server() -> Iterator[ChatServer]:
    """A scripted OpenAI-compatible server on loopback (tests/llm has a richer one)."""
    with ChatServer() as chat:
        yield chat


@pytest.fixture
def client(server: ChatServer) -> Iterator[LLMClient]:
    """An `LLMClient` of ``server`` that never retries."""
    config = LLMConfig(server.url, "test-key", "test-model", timeout_s=5.0, max_retries=0)
    with LLMClient(config) as llm:
        yield llm


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryCluster]:
    """A throwaway PostgreSQL server for the session (initdb in a temporary folder, a Unix
    socket, stopped at the end). `make test` installs Debian's postgresql when missing."""
    with TemporaryCluster() as cluster:
        yield cluster
