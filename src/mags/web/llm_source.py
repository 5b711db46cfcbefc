"""Which LLM the demo's sessions use: the configured endpoint, else a running local model.

`mags web` started with ``MAGS_LLM_*`` set uses that endpoint for good. Without it, the
demo looks, each time the page asks, for a server `mags local-llm` announced (a running one
that answers), so a local model started after the demo is offered on the next reload.

Example
-------
>>> source = LLMSource(None, None)
>>> source.current() is None, source.config is None
(True, True)
"""

from __future__ import annotations

import threading
from pathlib import Path

from mags.llm.client import LLMClient
from mags.llm.config import LLMConfig
from mags.llm.local import running_servers

#: What the page says when no LLM is there, in the page's words.
NO_LLM = (
    "no LLM is available: start a small local model with `make llm-local` and then "
    "`.venv/bin/mags local-llm` in another terminal, and reload this page (or start the "
    "demo with MAGS_LLM_BASE_URL and MAGS_LLM_MODEL set for an OpenAI-compatible API)"
)


class LLMSource:
    """The configured endpoint, or the first local server announced in ``announcements``."""

    def __init__(self, configured: LLMConfig | None, announcements: Path | None) -> None:
        self._configured = configured
        self._announcements = announcements
        self._lock = threading.Lock()
        self._client: LLMClient | None = LLMClient(configured) if configured else None

    @property
    def config(self) -> LLMConfig | None:
        """The endpoint in use now (None: no LLM)."""
        client = self._client
        return client.config if client is not None else None

    def current(self) -> LLMClient | None:
        """A client of the LLM to use now, looking for a local server when none is set up."""
        if self._configured is not None or self._announcements is None:
            return self._client
        found = running_servers(self._announcements)
        with self._lock:
            wanted = found[0].config() if found else None
            if self._client is not None and (wanted is None or wanted != self._client.config):
                # The local server went away or changed: its sessions keep their own client
                # reference until they end; new ones get the new server or none.
                self._client = None
            if wanted is not None and self._client is None:
                self._client = LLMClient(wanted)
            return self._client

    def close(self) -> None:
        """Close the current client's connections."""
        with self._lock:
            if self._client is not None:
                self._client.close()
