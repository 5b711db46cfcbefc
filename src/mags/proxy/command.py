"""`mags proxy`: serve the memory proxy in front of an OpenAI-compatible upstream.

Example
-------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="mags")
>>> add_proxy_command(parser.add_subparsers())
>>> args = parser.parse_args(["proxy", "--upstream", "http://localhost:8080/v1"])
>>> args.host, args.port, args.budget, args.keep_turns
('127.0.0.1', 8100, 600, 6)
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mags.core.errors import InvalidInputError
from mags.extract.base import Extractor
from mags.memory import POSTGRES_SCHEMES
from mags.proxy.service import DEFAULT_BUDGET, DEFAULT_KEEP_TURNS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8100


def default_data_dir() -> Path:
    """``$MAGS_DATA/proxy``, else ``~/.local/share/mags/proxy``."""
    root = os.environ.get("MAGS_DATA") or Path.home() / ".local" / "share" / "mags"
    return Path(root) / "proxy"


def add_proxy_command(commands: Any) -> None:
    """Register ``proxy`` on the `mags` parser's subcommands."""
    proxy = commands.add_parser(
        "proxy",
        help="an OpenAI-compatible proxy that replaces chat history with the user's memory",
        description="Serve POST /v1/chat/completions and GET /v1/models in front of an "
        "OpenAI-compatible upstream. A request with a user (its 'user' field or the "
        "X-Mags-User header) has its new turns remembered and its history replaced by the "
        "caller's system message, one memory block and the last --keep-turns turns; one "
        "without a user passes through unchanged. The upstream key comes from "
        "MAGS_UPSTREAM_API_KEY, else OPENAI_API_KEY, else the client's own. Admin API and "
        "its OpenAPI schema at /docs.",
    )
    proxy.add_argument("--upstream", required=True, help="the upstream's /v1 URL")
    proxy.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (%(default)s)")
    proxy.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (%(default)s)")
    proxy.add_argument(
        "--data",
        help="folder of the users' memories, or a postgresql:// URL of a database that "
        "several proxies may share (default: $MAGS_DATA/proxy)",
    )
    proxy.add_argument(
        "--budget", type=int, default=DEFAULT_BUDGET, help="memory block tokens (%(default)s)"
    )
    proxy.add_argument(
        "--keep-turns",
        type=int,
        default=DEFAULT_KEEP_TURNS,
        help="latest turns sent as they are (%(default)s)",
    )
    proxy.add_argument(
        "--api-key", help="a key the proxy's clients must send (default: $MAGS_PROXY_API_KEY)"
    )
    proxy.add_argument(
        "--admin-token", help="bearer token of the admin API (default: $MAGS_ADMIN_TOKEN)"
    )
    proxy.add_argument(
        "--extract-llm",
        metavar="URL/MODEL",
        help="extract facts with an LLM, e.g. http://localhost:8934/v1/smollm2-135m "
        "(default: the chat rules, no LLM)",
    )
    proxy.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per upstream call (%(default)s)"
    )
    proxy.add_argument(
        "--keys",
        help="file of API keys bound to users (default: DATA/keys.json; made with POST "
        "/admin/keys); with keys, every request needs a key or the --api-key",
    )
    proxy.add_argument(
        "--max-body", type=float, default=8.0, help="largest request body, MB (%(default)s)"
    )
    proxy.add_argument(
        "--max-messages", type=int, default=2000, help="most messages a request (%(default)s)"
    )
    proxy.add_argument(
        "--rate-limit", type=int, default=600, help="requests a minute per user (%(default)s)"
    )
    proxy.add_argument(
        "--insecure",
        action="store_true",
        help="listen on a non-loopback --host without any credential (anyone who reaches it "
        "reads every memory)",
    )
    proxy.set_defaults(run=run_proxy)


def llm_extractor(spec: str) -> Callable[[], Extractor]:
    """The extractor factory for ``--extract-llm URL/MODEL``.

    >>> llm_extractor("no-model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.core.errors.InvalidInputError: --extract-llm must be URL/MODEL, ...; got 'no-model'
    """
    base, _, model = spec.rstrip("/").rpartition("/")
    if not base.startswith(("http://", "https://")) or not model:
        raise InvalidInputError(
            "--extract-llm must be URL/MODEL, e.g. http://localhost:8934/v1/smollm2-135m; "
            f"got {spec!r}"
        )

    def make() -> Extractor:
        from mags.extract.llm import LLMExtractor
        from mags.llm.client import LLMClient
        from mags.llm.config import LLMConfig

        key = os.environ.get("MAGS_LLM_API_KEY") or "none"
        client = LLMClient(LLMConfig(base, key, model))
        return LLMExtractor(client, chat=True, open_relations=True)

    return make


def run_proxy(args: argparse.Namespace) -> int:
    import uvicorn

    from mags.extract.chat_rules import ChatRuleExtractor
    from mags.listening import check_listener
    from mags.proxy.app import ProxySettings, create_app, upstream_key_from_env
    from mags.proxy.keys import KeyStore

    if not args.upstream.startswith(("http://", "https://")):
        raise InvalidInputError(
            f"--upstream must be an http(s) URL ending in /v1, got {args.upstream!r}"
        )
    if args.budget < 1 or args.keep_turns < 1:
        raise InvalidInputError("--budget and --keep-turns must be at least 1")
    if args.max_body <= 0 or args.max_messages < 1 or args.rate_limit < 1:
        raise InvalidInputError("--max-body, --max-messages and --rate-limit must be positive")
    data: str | Path = args.data or default_data_dir()  # a folder or a postgresql:// URL
    settings = ProxySettings(
        upstream=args.upstream,
        data=data,
        budget=args.budget,
        keep_turns=args.keep_turns,
        api_key=args.api_key or os.environ.get("MAGS_PROXY_API_KEY") or None,
        admin_token=args.admin_token or os.environ.get("MAGS_ADMIN_TOKEN") or None,
        upstream_key=upstream_key_from_env(),
        timeout_s=args.timeout,
        extractor=llm_extractor(args.extract_llm) if args.extract_llm else ChatRuleExtractor,
        keys=args.keys,
        max_body_bytes=int(args.max_body * 1024 * 1024),
        max_messages=args.max_messages,
        rate_per_minute=args.rate_limit,
    )
    check_listener(
        "mags proxy",
        args.host,
        credentials=settings.api_key is not None or bool(KeyStore(settings.key_file)),
        how="give --api-key, or make keys bound to users (POST /admin/keys) first",
        insecure=args.insecure,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    print(
        f"MAGS proxy on http://{args.host}:{args.port}/v1 -> {args.upstream}; memories in "
        f"{where(data)}; admin API {'on' if settings.admin_token else 'off (--admin-token)'}",
        flush=True,
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0


def where(data: str | Path) -> str:
    """Where memories are kept, for a log line (a database URL without its password)."""
    text = str(data)
    if text.startswith(POSTGRES_SCHEMES):
        from mags.store.postgres import describe

        return describe(text)
    return text
