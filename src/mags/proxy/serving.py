"""Serve an ASGI app on a free local port in a background thread, and wait for a running
proxy's background extraction (tests, benchmarks).

Example
-------
>>> from fastapi import FastAPI
>>> import urllib.request
>>> app = FastAPI()
>>> _ = app.get("/ping")(lambda: "pong")
>>> with serving(app) as url:
...     urllib.request.urlopen(url + "/ping").read()
b'"pong"'
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn

START_TIMEOUT_S = 30.0


@contextlib.contextmanager
def serving(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run ``app`` under uvicorn until the block ends; yields its base URL."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped while starting (is the port free?)")
        if time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_for_extraction(root: str, admin_token: str, timeout_s: float = 30.0) -> bool:
    """Wait until the proxy at ``root`` has no user queued for extraction (read from its
    ``/admin/status``); False on timeout."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = httpx.get(f"{root}/admin/status", headers=headers, timeout=5).json()
        if status["extraction"]["queued"] == 0:
            return True
        time.sleep(0.05)
    return False
