"""The web app over the real test games, in process and behind a real HTTP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mags.web import create_app
from mags.worlds import WorldCache


def make_app(cache: WorldCache, *, max_sessions: int = 32, idle_s: float = 1800.0) -> FastAPI:
    """The demo's app on the test cache; games are never generated on demand in tests."""
    return create_app(
        cache=cache, generate=False, keepalive_s=0.5, max_sessions=max_sessions, idle_s=idle_s
    )


@pytest.fixture
def client(world_cache: WorldCache) -> Iterator[TestClient]:
    """A client of a fresh app (its lifespan running) on the test games."""
    with TestClient(make_app(world_cache)) as test_client:
        yield test_client


@pytest.fixture
def live_url(world_cache: WorldCache) -> Iterator[str]:
    """The base URL of the app served by uvicorn on a free local port."""
    config = uvicorn.Config(
        make_app(world_cache),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
