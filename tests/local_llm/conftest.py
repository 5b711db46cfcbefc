"""A real local model (llama.cpp's server with SmolLM2-135M, from `make llm-local`) for the
tests that must meet a real LLM, started once per session on a free loopback port.

Without llama-cpp-python these tests skip on a developer's machine and fail under CI
(``CI=true``), where `make test` has installed it: a real-model test must not pass by
not running.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mags.llm import LLMClient
from mags.llm.local import LocalModelError, LocalServer, check_installed


def _require_llama_cpp() -> None:
    try:
        check_installed()
    except LocalModelError as error:
        if os.environ.get("CI"):
            pytest.fail(f"make test installs the local model, but: {error}")
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def smollm2() -> Iterator[LocalServer]:
    """SmolLM2-135M-Instruct served on loopback for the whole session."""
    _require_llama_cpp()
    with LocalServer("smollm2-135m") as server:
        yield server


@pytest.fixture
def gemma3() -> Iterator[LocalServer]:
    """Gemma 3 270M (a base model) served on loopback for one test."""
    _require_llama_cpp()
    with LocalServer("gemma3-270m") as server:
        yield server


@pytest.fixture
def real_client(smollm2: LocalServer) -> Iterator[LLMClient]:
    """A client of the real server, with the settings `mags local-llm` prints (replies
    bounded tighter, to keep the tests short)."""
    with LLMClient(smollm2.config(max_tokens=200)) as client:
        yield client
