"""`mags web` (serve the demo) and `mags web-bench` (measure it over HTTP).

Example
-------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="mags")
>>> add_web_commands(parser.add_subparsers())
>>> args = parser.parse_args(["web", "--port", "9000"])
>>> args.host, args.port, args.config
('127.0.0.1', 9000, None)
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from mags.core.errors import InvalidInputError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_web_commands(commands: Any) -> None:
    """Register ``web`` and ``web-bench`` on the `mags` parser's subcommands."""
    web = commands.add_parser(
        "web",
        help="the web demo: watch an agent play and its memory graph change, live",
        description="Serve the web demo (FastAPI + a static page) and print its URL. Each "
        "browser session gets its own game, agent and memory. A game the world cache lacks "
        "is generated when a session asks for it (seconds to a minute). The llm policy and "
        "the summary memory use the endpoint in MAGS_LLM_BASE_URL / MAGS_LLM_MODEL, if set.",
    )
    web.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (%(default)s)")
    web.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (%(default)s)")
    web.add_argument(
        "--insecure",
        action="store_true",
        help="listen on a non-loopback --host (the demo has no login: anyone who reaches it "
        "can use it and upload games)",
    )
    web.add_argument("--config", help="a TOML file of memory hyperparameters (new sessions)")
    web.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    web.add_argument(
        "--max-sessions", type=int, default=32, help="sessions open at once (%(default)s)"
    )
    web.add_argument(
        "--idle-minutes",
        type=float,
        default=30.0,
        help="close a session after this long without a request (%(default)s)",
    )
    web.set_defaults(run=run_web)

    bench = commands.add_parser(
        "web-bench",
        help="measure the web demo over HTTP: first graph, step round trip, 8 sessions",
        description="Start the server on a free local port and measure, over real HTTP: the "
        "time from POST /api/sessions to the first graph (kitchen-hard seed 1001, already "
        "cached), the step round trip over 100 steps, and 8 sessions stepping at once.",
    )
    bench.add_argument("--track", default="kitchen-hard", help="track (%(default)s)")
    bench.add_argument("--seed", type=int, default=1001, help="seed (%(default)s)")
    bench.add_argument("--steps", type=int, default=100, help="steps timed (%(default)s)")
    bench.add_argument("--sessions", type=int, default=8, help="concurrent sessions (8)")
    bench.add_argument(
        "--seconds", type=float, default=30.0, help="length of the concurrent run (30)"
    )
    bench.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.set_defaults(run=run_web_bench)


def _cache(args: argparse.Namespace) -> Any:
    from mags.worlds.cache import WorldCache

    return WorldCache(args.cache) if args.cache else WorldCache.default()


def _llm_from_environment() -> Any:
    """The endpoint in MAGS_LLM_* / OPENAI_* variables, or None when none is named."""
    from mags.llm.config import LLMConfig, endpoint_named

    return LLMConfig.from_env(os.environ) if endpoint_named(os.environ) else None


def run_web(args: argparse.Namespace) -> int:
    """Serve the demo until interrupted."""
    import uvicorn

    from mags.config import MemoryConfig
    from mags.listening import check_listener
    from mags.llm.local import state_folder
    from mags.web.app import create_app

    if not 0 < args.port < 65536:
        raise InvalidInputError(f"--port must be between 1 and 65535, got {args.port}")
    if args.max_sessions < 1:
        raise InvalidInputError(f"--max-sessions must be at least 1, got {args.max_sessions}")
    if not args.idle_minutes > 0:
        raise InvalidInputError(f"--idle-minutes must be positive, got {args.idle_minutes}")
    check_listener(
        "mags web",
        args.host,
        credentials=False,
        how="the demo has no login: keep it on 127.0.0.1 or behind an authenticating proxy",
        insecure=args.insecure,
        risk="run games and upload files on this machine",
    )
    app = create_app(
        MemoryConfig.from_toml(args.config) if args.config else None,
        _cache(args),
        llm=_llm_from_environment(),
        local_llm=state_folder(os.environ),
        inform_home=os.environ.get("INFORM_HOME") or None,
        max_sessions=args.max_sessions,
        idle_s=60.0 * args.idle_minutes,
    )
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    print(f"MAGS web demo: http://{shown}:{args.port}/  (Ctrl-C to stop)", flush=True)
    # Open event streams never end by themselves: give them two seconds at shutdown.
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=2
    )
    uvicorn.Server(config).run()
    return 0


def run_web_bench(args: argparse.Namespace) -> int:
    """Measure the demo's targets against a real server and print the table."""
    from mags.web.bench import BenchSettings, render_table, run_bench

    settings = BenchSettings(
        track=args.track,
        seed=args.seed,
        steps=args.steps,
        sessions=args.sessions,
        seconds=args.seconds,
    )
    report = run_bench(settings, _cache(args))
    if args.json:
        import json

        print(json.dumps(report.to_json(), indent=2))
    else:
        print(render_table(report))
    return 0 if report.all_met else 1
