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
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mags.core.errors import InvalidInputError, MagsError
from mags.core.model import Fact
from mags.proxy.keys import KeyStore, OutOfScopeError, acting_user
from mags.proxy.users import UserMemories

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

DEFAULT_BUDGET = 300
DEFAULT_PORT = 8200


def create_server(
    data: str | Path, keys: KeyStore | None = None, url: str = "http://127.0.0.1:8200"
) -> MCPServer:
    """An MCP server over the memories under ``data`` (see the module). With ``keys`` (over
    HTTP at ``url``), every request needs a bearer key bound to users (`mags.proxy.keys`,
    checked through the SDK's token verifier): the key decides whose memory a tool reads,
    and a ``user`` argument, now optional, must be one of the key's users."""
    # The SDK takes half a second to import: only a command that serves pays for it.
    from mcp.server.auth.middleware.auth_context import get_access_token
    from mcp.server.auth.settings import AuthSettings
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError  # reaches the model as is_error
    from pydantic import AnyHttpUrl

    users = UserMemories(data)
    guarded: dict[str, Any] = {}
    if keys is not None:
        guarded = {
            "token_verifier": KeyVerifier(keys),
            "auth": AuthSettings(
                issuer_url=AnyHttpUrl(url),
                resource_server_url=AnyHttpUrl(f"{url}/mcp"),
                validate_token_resource=False,
            ),
        }
    server = MCPServer(
        "mags",
        instructions="Long-term memory per user: remember what the user says, recall it "
        "under a token budget before you answer, forget on request.",
        **guarded,
    )

    def who(user: str | None) -> str:
        """The user a call acts for: the one its key allows (over HTTP with keys), else the
        one it names (stdio: the person at the keyboard owns every memory)."""
        token = get_access_token()
        if token is None:
            if not user:
                raise ToolError("name the user whose memory this is (the 'user' argument)")
            return user
        try:
            return acting_user(user, list((token.claims or {}).get("users", ())), "'user'")
        except OutOfScopeError as exc:
            raise ToolError(str(exc)) from None

    def existing(user: str) -> Any:
        try:
            return users.open(user)
        except MagsError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def remember(
        user: str | None = None,
        text: str | None = None,
        speaker: str | None = None,
        subject: str | None = None,
        relation: str | None = None,
        object: str | None = None,
    ) -> dict[str, Any]:
        """Remember what ``user`` said (``text``; ``speaker`` defaults to the user, use
        "assistant" for your own words) or one fact (``subject``, ``relation``,
        ``object``, e.g. "ana", "lives_in", "Lisbon"). Returns the new fact ids."""
        user = who(user)
        has_fact = subject is not None or relation is not None or object is not None
        if (text is None) == (not has_fact):
            raise ToolError("give either text, or subject, relation and object")
        try:
            with users.turn(user) as (memory, t):
                if text is not None:
                    said_by = speaker or user
                    episode = memory.observe_turn(
                        text,
                        t,
                        said_by,
                        role="assistant" if said_by == "assistant" else "user",
                        when=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
                    )
                    return {"episode": episode.id, "facts": list(episode.fact_ids)}
                if not (subject and relation and object):
                    raise ToolError("a fact needs subject, relation and object")
                return {"facts": memory.add([Fact(subject, relation, object)], t)}
        except MagsError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def recall(query: str, budget: int = DEFAULT_BUDGET, user: str | None = None) -> dict[str, Any]:
        """What ``user``'s memory holds that is relevant to ``query``, packed into
        ``budget`` tokens: ``text`` (for a prompt), its ``tokens``, the facts' ids."""
        user = who(user)
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
    def facts_about(name: str, user: str | None = None) -> list[dict[str, Any]]:
        """The current facts about entity ``name`` (the user's own name for the user)."""
        memory = existing(who(user))
        return [] if memory is None else [f.to_dict() for f in _about(memory, name)]

    @server.tool()
    def history(name: str, user: str | None = None) -> list[dict[str, Any]]:
        """Every fact ever stored about ``name``, closed ones with when they closed."""
        memory = existing(who(user))
        if memory is None:
            return []
        try:
            return [f.to_dict() for f in memory.history(name)]
        except MagsError:
            return []

    @server.tool()
    def forget(fact_id: int, user: str | None = None) -> dict[str, Any]:
        """Forget one current fact of ``user`` (its id from recall or facts_about)."""
        user = who(user)
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
        user = who(user)
        memory = existing(user)
        if memory is None:
            return json.dumps({"user": user, "facts": []})
        t = max(memory.now, 0.0)
        return json.dumps({"user": user, "t": t, "facts": memory.snapshot(t)["facts"]})

    return server


class KeyVerifier:
    """The SDK's token verifier over `KeyStore`: a live key is an access token whose claims
    name the users it may act for."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    async def verify_token(self, token: str) -> Any:
        from mcp.server.auth.provider import AccessToken

        bound = self.keys.find(token)
        if bound is None:
            return None
        return AccessToken(
            token=token, client_id=bound.id, scopes=["memory"], claims={"users": list(bound.users)}
        )


def _about(memory: Any, name: str) -> list[Any]:
    try:
        return list(memory.facts_about(name, memory.now))
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
        "--keys",
        help="over HTTP, a file of API keys bound to users (the proxy's keys.json, made with "
        "its POST /admin/keys): each request needs one, and it decides the user",
    )
    mcp.add_argument(
        "--insecure",
        action="store_true",
        help="serve HTTP on a non-loopback --host without --keys (anyone who reaches it can "
        "name any user)",
    )
    mcp.set_defaults(run=run_mcp)


def run_mcp(args: argparse.Namespace) -> int:
    from mags.listening import check_listener
    from mags.proxy.command import default_data_dir

    keys = KeyStore(args.keys) if args.keys else None
    if args.transport == "streamable-http":
        check_listener(
            "mags mcp",
            args.host,
            credentials=bool(keys),
            how="give --keys FILE (keys bound to users)",
            insecure=args.insecure,
        )
    elif keys is not None:
        raise InvalidInputError("--keys is for --transport streamable-http; stdio has one user")
    data: str | Path = args.data or default_data_dir().parent / "mcp"  # or postgresql://
    server = create_server(data, keys, f"http://{args.host}:{args.port}")
    if args.transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=args.host, port=args.port)
    return 0
