"""The ``--llm-*`` flags on the command line, for every command that talks to an endpoint.

Example
-------
>>> parser = argparse.ArgumentParser()
>>> add_llm_flags(parser)
>>> llm_settings(parser.parse_args(["--llm-timeout", "5"]))
{'timeout_s': 5.0}
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mags.llm.config import LLMConfig


def add_llm_flags(parser: argparse.ArgumentParser) -> None:
    """The ``--llm-*`` flags that name an OpenAI-compatible endpoint."""
    parser.add_argument(
        "--llm-base-url",
        help="OpenAI-compatible API root for --policy llm / --memory summary, e.g. "
        "http://localhost:11434/v1 (default: $MAGS_LLM_BASE_URL, else $OPENAI_BASE_URL)",
    )
    parser.add_argument("--llm-model", help="the model's name (default: $MAGS_LLM_MODEL)")
    parser.add_argument(
        "--llm-api-key",
        help="the endpoint's API key (default: $MAGS_LLM_API_KEY, else $OPENAI_API_KEY)",
    )
    parser.add_argument(
        "--llm-timeout", type=float, help="seconds one request may take (default 30)"
    )
    parser.add_argument(
        "--llm-temperature",
        type=float,
        help="sampling temperature (default 0; OpenAI's reasoning models accept only 1)",
    )
    parser.add_argument(
        "--llm-max-tokens",
        type=int,
        help="the most tokens one reply may have (default: $MAGS_LLM_MAX_TOKENS, else the "
        "server's; small local models need a bound)",
    )
    parser.add_argument(
        "--llm-cache",
        help="an SQLite file of replies: repeated requests are answered from it "
        "(default: $MAGS_LLM_CACHE, else none)",
    )


def endpoint_from_flags(args: argparse.Namespace, what: str) -> LLMConfig:
    """The endpoint the ``--llm-*`` flags name, each falling back to the environment; the
    error says that ``what`` needs one when neither does."""
    from mags.agents.command import llm_config

    return llm_config(
        what, args.llm_base_url, args.llm_model, args.llm_api_key, os.environ, llm_settings(args)
    )


def llm_settings(args: argparse.Namespace) -> dict[str, object]:
    """The ``--llm-*`` flags given beyond the endpoint's name, as `LLMConfig` fields."""
    given = {
        "timeout_s": args.llm_timeout,
        "temperature": args.llm_temperature,
        "cache_path": args.llm_cache,
        "max_tokens": args.llm_max_tokens,
    }
    return {name: value for name, value in given.items() if value is not None}
