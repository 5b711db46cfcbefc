"""The web demo: a FastAPI server (`mags.web.app.create_app`) and its static page.

Run it with ``mags web`` (or ``make demo``); every browser session gets its own game,
agent and memory (see `mags.web.sessions`). Importing this package stays cheap (the CLI
imports it): the app and FastAPI load on first use of `create_app`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from mags.web.app import create_app

        return create_app
    raise AttributeError(f"module 'mags.web' has no attribute {name!r}")
