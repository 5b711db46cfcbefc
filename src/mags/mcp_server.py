"""`mags mcp`: the users' memories as an MCP server (the official `mcp` SDK), for
assistants and IDEs, over stdio or streamable HTTP.

Tools, each scoped by a ``user`` argument (one SQLite memory per user, as the proxy keeps
them, `mags.proxy.users`): ``remember`` (a chat turn, or one fact), ``recall`` (a query
under a token budget), ``facts_about``, ``history`` and ``forget``. Resource
``mags://users/{user}/facts``: the user's current facts as JSON. Reading a user who was
never written returns nothing and creates nothing.

Example
-------
>>> import asyncio, tempfile
>>> from mcp import Client
>>> server = create_server(tempfile.mkdtemp())
>>> async def demo():
...     async with Client(server) as client:
...         await client.call_tool("remember", {"user": "ana", "text": "I live in Lisbon."})
...         found = await client.call_tool("recall", {"user": "ana", "query": "Lisbon"})
...         return found.structured_content["text"]
>>> print(asyncio.run(demo()))  # doctest: +ELLIPSIS
Known facts (strength in brackets):
- ana lives_in Lisbon [0.45]
Observations:
[...]
- ana: I live in Lisbon.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mags.core.errors import MagsError
from mags.core.model import Fact
from mags.proxy.users import UserMemories

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

DEFAULT_BUDGET = 300
DEFAULT_PORT = 8200


def create_server(data: str | Path) -> MCPServer:
    """An MCP server over the memories under ``data`` (see the module)."""
    # The SDK takes half a second to import: only a command that serves pays for it.
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError  # reaches the model as is_error

    users = UserMemories(data)
    server = MCPServer(
        "mags",
        instructions="Long-term memory per user: remember what the user says, recall it "
        "under a token budget before you answer, forget on request.",
    )

    def existing(user: str) -> Any:
        try:
            return users.open(user)
        except MagsError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def remember(
        user: str,
        text: str | None = None,
        speaker: str | None = None,
        subject: str | None = None,
        relation: str | None = None,
        object: str | None = None,
    ) -> dict[str, Any]:
        """Remember what ``user`` said (``text``; ``speaker`` defaults to the user, use
        "assistant" for your own words) or one fact (``subject``, ``relation``,
        ``object``, e.g. "ana", "lives_in", "Lisbon"). Returns the new fact ids."""
        has_fact = subject is not None or relation is not None or object is not None
        if (text is None) == (not has_fact):
            raise ToolError("give either text, or subject, relation and object")
        try:
            with users.turn(user) as (memory, t):
                if text is not None:
                    who = speaker or user
                    episode = memory.observe_turn(
                        text,
                        t,
                        who,
                        role="assistant" if who == "assistant" else "user",
                        when=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
                    )
                    return {"episode": episode.id, "facts": list(episode.fact_ids)}
                if not (subject and relation and object):
                    raise ToolError("a fact needs subject, relation and object")
                return {"facts": memory.add([Fact(subject, relation, object)], t)}
        except MagsError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def recall(user: str, query: str, budget: int = DEFAULT_BUDGET) -> dict[str, Any]:
        """What ``user``'s memory holds that is relevant to ``query``, packed into
        ``budget`` tokens: ``text`` (for a prompt), its ``tokens``, the facts' ids."""
        memory = existing(user)
        if memory is None:
            return {"text": "", "tokens": 0, "facts": []}
        try:
            with users.lock(user):
                found = memory.recall(query, max(memory.now, 0.0), budget)
        except MagsError as exc:
            raise ToolError(str(exc)) from None
        return {"text": found.text, "tokens": found.tokens, "facts": [f.id for f in found.facts]}

    @server.tool()
    def facts_about(user: str, name: str) -> list[dict[str, Any]]:
        """The current facts about entity ``name`` (the user's own name for the user)."""
        memory = existing(user)
        return [] if memory is None else [f.to_dict() for f in _about(memory, name)]

    @server.tool()
    def history(user: str, name: str) -> list[dict[str, Any]]:
        """Every fact ever stored about ``name``, closed ones with when they closed."""
        memory = existing(user)
        if memory is None:
            return []
        try:
            return [f.to_dict() for f in memory.history(name)]
        except MagsError:
            return []

    @server.tool()
    def forget(user: str, fact_id: int) -> dict[str, Any]:
        """Forget one current fact of ``user`` (its id from recall or facts_about)."""
        memory = existing(user)
        if memory is None:
            raise ToolError(f"no memory for user {user!r}")
        try:
            with users.lock(user):
                memory.forget(fact_id, max(memory.now, 0.0))
        except MagsError as exc:
            raise ToolError(str(exc)) from None
        return {"forgotten": fact_id}

    @server.resource("mags://users/{user}/facts", mime_type="application/json")
    def current_facts(user: str) -> str:
        """The user's current facts (the active graph) as JSON."""
        memory = existing(user)
        if memory is None:
            return json.dumps({"user": user, "facts": []})
        t = max(memory.now, 0.0)
        return json.dumps({"user": user, "t": t, "facts": memory.snapshot(t)["facts"]})

    return server


def _about(memory: Any, name: str) -> list[Any]:
    try:
        now = memory.now
        return list(memory.facts_about(name, 0.0 if now == -math.inf else now))
    except MagsError:
        return []


def add_mcp_command(commands: Any) -> None:
    """Register ``mcp`` on the `mags` parser's subcommands."""
    mcp = commands.add_parser(
        "mcp",
        help="the users' memories as an MCP server (stdio or streamable HTTP)",
        description="Serve the tools remember, recall, facts_about, history and forget "
        "(each with a user argument) and the resource mags://users/{user}/facts. "
        "Give an assistant the command `mags mcp --data DIR` (stdio), or run "
        "`mags mcp --transport streamable-http` and point it at http://HOST:PORT/mcp.",
    )
    mcp.add_argument(
        "--data",
        help="folder of the users' memories, or a postgresql:// URL (default: $MAGS_DATA/mcp)",
    )
    mcp.add_argument(
        "--transport", choices=("stdio", "streamable-http"), default="stdio", help="(stdio)"
    )
    mcp.add_argument("--host", default="127.0.0.1", help="HTTP address (%(default)s)")
    mcp.add_argument("--port", type=int, default=DEFAULT_PORT, help="HTTP port (%(default)s)")
    mcp.add_argument(
        "--insecure",
        action="store_true",
        help="serve HTTP on a non-loopback --host (it has no authentication yet: anyone who "
        "reaches it can name any user)",
    )
    mcp.set_defaults(run=run_mcp)


def run_mcp(args: argparse.Namespace) -> int:
    from mags.listening import check_listener
    from mags.proxy.command import default_data_dir

    if args.transport == "streamable-http":
        check_listener(
            "mags mcp",
            args.host,
            credentials=False,
            how="its HTTP transport has no authentication yet: keep it on 127.0.0.1 behind "
            "an authenticating reverse proxy",
            insecure=args.insecure,
        )
    data: str | Path = args.data or default_data_dir().parent / "mcp"  # or postgresql://
    server = create_server(data)
    if args.transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=args.host, port=args.port)
    return 0
