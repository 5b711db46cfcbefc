"""A proxy over real HTTP in front of the project's scripted OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mags.llm.testserver import ChatServer, Reply
from mags.proxy.app import ProxySettings, create_app
from mags.proxy.serving import serving

ADMIN = "admin-secret"


@dataclass
class Proxied:
    """A running proxy: its ``/v1`` URL, its root URL, the upstream and the data folder."""

    url: str
    root: str
    upstream: ChatServer
    data: Path

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def upstream() -> Iterator[ChatServer]:
    with ChatServer(default=Reply.text("Okay.")) as server:
        yield server


@pytest.fixture
def proxy(upstream: ChatServer, tmp_path: Path) -> Iterator[Proxied]:
    settings = ProxySettings(
        upstream=upstream.url, data=tmp_path / "data", admin_token=ADMIN, keep_turns=2
    )
    with serving(create_app(settings)) as root:
        yield Proxied(f"{root}/v1", root, upstream, tmp_path / "data")
