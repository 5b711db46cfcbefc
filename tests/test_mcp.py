"""`mags mcp` through the official SDK's own client over stdio: tools and resources, each
user apart."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

MAIN = "from mags.cli import main; raise SystemExit(main())"


def structured(result: Any) -> Any:
    assert not result.is_error, result.content
    value = result.structured_content
    return value.get("result", value) if isinstance(value, dict) else value


def wait_for(server: Any, port: int) -> None:
    """Until the server process listens on ``port`` (it fails the test if it exits)."""
    import socket
    import time

    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "no MCP server"
            time.sleep(0.1)


def test_the_tools_over_stdio(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-c", MAIN, "mcp", "--data", str(tmp_path)]
    )

    async def session() -> None:
        async with Client(params, read_timeout_seconds=60) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            assert tools == {"remember", "recall", "facts_about", "history", "forget"}

            said = await client.call_tool(
                "remember", {"user": "ana", "text": "I moved to Berlin and I work as a nurse."}
            )
            assert len(structured(said)["facts"]) == 2
            await client.call_tool(
                "remember",
                {"user": "ana", "subject": "ana", "relation": "lives_in", "object": "Munich"},
            )
            found = structured(await client.call_tool("recall", {"user": "ana", "query": "Munich"}))
            assert "Munich" in found["text"] and found["tokens"] > 0

            about = structured(
                await client.call_tool("facts_about", {"user": "ana", "name": "ana"})
            )
            assert {(f["relation"], f["object"]) for f in about} == {
                ("lives_in", "Munich"),
                ("works_as", "nurse"),
            }
            past = structured(await client.call_tool("history", {"user": "ana", "name": "ana"}))
            assert [f["object"] for f in past if f["relation"] == "lives_in"] == [
                "Berlin",
                "Munich",
            ]

            (nurse,) = [f["id"] for f in about if f["object"] == "nurse"]
            await client.call_tool("forget", {"user": "ana", "fact_id": nurse})
            about = structured(
                await client.call_tool("facts_about", {"user": "ana", "name": "ana"})
            )
            assert [f["object"] for f in about] == ["Munich"]

            resource = await client.read_resource("mags://users/ana/facts")
            listed = json.loads(resource.contents[0].text)  # type: ignore[union-attr]
            assert [f["object"] for f in listed["facts"]] == ["Munich"]

            # Write as ana, read as bob: nothing; and reading bob created nothing.
            bob = structured(await client.call_tool("recall", {"user": "bob", "query": "Munich"}))
            assert bob == {"text": "", "tokens": 0, "facts": []}
            assert (
                structured(await client.call_tool("facts_about", {"user": "bob", "name": "ana"}))
                == []
            )

            bad = await client.call_tool("remember", {"user": "ana"})
            assert bad.is_error and "either text" in bad.content[0].text  # type: ignore[union-attr]
            unknown = await client.call_tool(
                "remember", {"user": "ana", "subject": "a", "relation": "teleports", "object": "b"}
            )
            assert unknown.is_error and "teleports" in unknown.content[0].text  # type: ignore[union-attr]

    asyncio.run(session())
    assert len(list((tmp_path / "users").iterdir())) == 1  # ana's folder only


def test_streamable_http(tmp_path: Path) -> None:
    import socket
    import subprocess

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["mcp", "--data", str(tmp_path), "--transport", "streamable-http", "--port", str(port)]
    server = subprocess.Popen([sys.executable, "-c", MAIN, *args], stderr=subprocess.DEVNULL)

    async def session() -> str:
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            await client.call_tool("remember", {"user": "ana", "text": "I live in Oslo."})
            return str(
                structured(await client.call_tool("recall", {"user": "ana", "query": "Oslo"}))[
                    "text"
                ]
            )

    try:
        wait_for(server, port)
        assert "Oslo" in asyncio.run(session())
    finally:
        server.terminate()
        server.wait(10)


def test_keys_over_http_decide_the_user(tmp_path: Path) -> None:
    """Issue 29 item 2: over HTTP with --keys the bearer key decides whose memory a tool
    touches; a key for ana cannot read, write or forget for bob, and no key is refused."""
    import socket
    import subprocess

    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    from mags.proxy.keys import KeyStore
    from mags.proxy.users import UserMemories

    ana = KeyStore(tmp_path / "keys.json").create(["ana"]).key
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path / "data"
    args = ["mcp", "--data", str(data), "--transport", "streamable-http", "--port", str(port),
            "--keys", str(tmp_path / "keys.json")]  # fmt: skip
    server = subprocess.Popen([sys.executable, "-c", MAIN, *args], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/mcp"

    def client(key: str | None) -> Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers)))

    async def as_ana() -> tuple[str, list[bool]]:
        async with client(ana) as mcp:
            await mcp.call_tool("remember", {"text": "I live in Oslo."})  # no user: the key's
            found = structured(await mcp.call_tool("recall", {"query": "Oslo"}))["text"]
            refused = [
                (await mcp.call_tool(tool, {"user": "bob", **extra})).is_error
                for tool, extra in [("remember", {"text": "I live in Rome."}),
                                    ("recall", {"query": "Rome"}),
                                    ("facts_about", {"name": "bob"}),
                                    ("history", {"name": "bob"}),
                                    ("forget", {"fact_id": 1})]
            ]  # fmt: skip
            return str(found), refused

    async def anonymous() -> None:
        async with client(None) as mcp:
            await mcp.call_tool("recall", {"user": "ana", "query": "Oslo"})

    try:
        wait_for(server, port)
        found, refused = asyncio.run(as_ana())
        assert "Oslo" in found and all(refused)
        refusal: BaseException | None = None
        try:
            asyncio.run(anonymous())
        except BaseException as exc:  # the SDK raises on the 401, possibly in a group
            refusal = exc
        # The SDK reports the 401 as "Server returned an error response", inside task groups.
        assert "Server returned an error response" in repr(refusal), repr(refusal)
    finally:
        server.terminate()
        server.wait(10)
    users = UserMemories(data)
    assert users.open("bob") is None  # nothing was written for bob
    users.close()
