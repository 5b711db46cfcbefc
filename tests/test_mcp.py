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
    import time

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
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no MCP server"
                time.sleep(0.1)
        assert "Oslo" in asyncio.run(session())
    finally:
        server.terminate()
        server.wait(10)
