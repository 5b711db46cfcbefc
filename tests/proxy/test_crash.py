"""`mags proxy` as its own process: kill -9 after a response loses no acknowledged turn,
and extraction resumes after a restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import openai

from mags.llm.testserver import ChatServer
from mags.proxy.serving import wait_for_extraction
from mags.proxy.users import UserMemories

TOKEN = "t0ken"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def proxy_process(upstream: str, data: str | Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-c", "from mags.cli import main; raise SystemExit(main())"]
    args = ["proxy", "--upstream", upstream, "--data", str(data), "--port", str(port)]
    process = subprocess.Popen(
        [*command, *args, "--admin-token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            try:
                httpx.get(f"{root}/v1/models", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the proxy did not start within 60 s"
                time.sleep(0.1)
        yield root, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def test_kill_9_after_a_response_loses_no_acknowledged_turn(tmp_path: Path) -> None:
    data = tmp_path / "data"
    said = ["I work as a nurse.", "I moved to Lisbon.", "My dog is called Rex."]
    with ChatServer() as upstream:
        from mags.llm.testserver import Reply

        upstream.default = Reply.text("Noted.")
        with proxy_process(upstream.url, data) as (root, process):
            ai = openai.OpenAI(base_url=f"{root}/v1", api_key="none", max_retries=0)
            for text in said:
                ai.chat.completions.create(
                    model="m", user="ana", messages=[{"role": "user", "content": text}]
                )
            os.killpg(process.pid, signal.SIGKILL)  # no shutdown of any kind
            process.wait(10)
        users = UserMemories(data)
        memory = users.open("ana")
        assert memory is not None
        texts = [(e.speaker, e.text) for e in memory.episodes()]
        assert texts == [p for text in said for p in (("ana", text), ("assistant", "Noted."))]
        users.close()
        # Extraction of what was acknowledged resumes after a restart (if the kill came
        # before it ran) and every turn is read exactly once.
        with proxy_process(upstream.url, data) as (root, _):
            admin = {"Authorization": f"Bearer {TOKEN}"}
            assert wait_for_extraction(root, TOKEN)
            known = httpx.get(f"{root}/admin/users/ana/facts", headers=admin).json()["facts"]
            triples = {(f["subject"], f["relation"], f["object"]) for f in known}
            assert ("ana", "works_as", "nurse") in triples
            assert ("ana", "lives_in", "Lisbon") in triples
