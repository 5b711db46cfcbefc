"""Fixtures for the LLM adapter tests: a scripted OpenAI-compatible server and clients of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mags.llm import LLMClient, LLMConfig
from mags.llm.client import TRANSIENT, Transient
from mags.llm.testserver import ChatServer

MODEL = "test-model"


@pytest.fixture
def server() -> Iterator[ChatServer]:
    """A started `ChatServer` on a random port, stopped after the test."""
    with ChatServer() as chat:
        yield chat


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff waits the clients made (recorded instead of slept, to keep tests fast)."""
    return []


@pytest.fixture
def make_client(server: ChatServer, sleeps: list[float]) -> Iterator[Callable[..., LLMClient]]:
    """``make_client(retry_on=..., **config_fields)``: an `LLMClient` of ``server``; closed
    after the test."""
    clients: list[LLMClient] = []

    def make(*, retry_on: frozenset[Transient] = TRANSIENT, **fields: Any) -> LLMClient:
        settings: dict[str, Any] = {"timeout_s": 5.0, "max_retries": 2, **fields}
        config = LLMConfig(base_url=server.url, api_key="test-key", model=MODEL, **settings)
        client = LLMClient(config, sleep=sleeps.append, retry_on=retry_on)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
