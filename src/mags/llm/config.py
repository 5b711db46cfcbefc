"""Where the LLM is and how to call it: `LLMConfig`, read from the environment only when asked."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mags.core.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """An OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio).

    Parameters
    ----------
    base_url: the API root, e.g. ``https://api.openai.com/v1`` or ``http://localhost:11434/v1``.
    api_key: the bearer token; local servers accept any non-empty string.
    model: the model name the endpoint serves.
    timeout_s: seconds one HTTP attempt may take before it counts as a timeout.
    max_retries: retries after the first attempt, on 429, 5xx, timeouts and lost connections.
    max_concurrency: calls in flight at once from one client (local servers queue or fail).
    temperature: sampling temperature; 0 keeps runs as repeatable as the endpoint allows.
    cache_path: an SQLite file of replies (`mags.llm.cache.ResponseCache`); a request made
        before is answered from it with no call, so reruns are repeatable and free. None: no
        cache.
    max_tokens: the most tokens one reply may have (sent as ``max_tokens``). None: not sent,
        the server's default. Small local models can repeat themselves until their context
        is full, so `mags local-llm` advises a bound; OpenAI's reasoning models refuse the
        field, so it is not sent by default.

    Example
    -------
    >>> LLMConfig("http://localhost:8000/v1", "none", "qwen2.5-7b").max_concurrency
    4
    """

    base_url: str
    api_key: str
    model: str
    timeout_s: float = 30.0
    max_retries: int = 3
    max_concurrency: int = 4
    temperature: float = 0.0
    cache_path: str | None = None
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        if not self.base_url.strip():
            raise InvalidInputError("LLMConfig.base_url is empty: give the endpoint's API root")
        if not self.model.strip():
            raise InvalidInputError("LLMConfig.model is empty: give the model's name")
        if not (math.isfinite(self.timeout_s) and self.timeout_s > 0):
            raise InvalidInputError(
                f"LLMConfig.timeout_s must be > 0 seconds, got {self.timeout_s}"
            )
        if self.max_retries < 0:
            raise InvalidInputError(f"LLMConfig.max_retries must be >= 0, got {self.max_retries}")
        if self.max_concurrency < 1:
            raise InvalidInputError(
                f"LLMConfig.max_concurrency must be >= 1, got {self.max_concurrency}"
            )
        if not (math.isfinite(self.temperature) and 0 <= self.temperature <= 2):
            raise InvalidInputError(
                f"LLMConfig.temperature must be in [0, 2], got {self.temperature}"
            )
        if self.max_tokens is not None and self.max_tokens < 1:
            raise InvalidInputError(
                f"LLMConfig.max_tokens must be >= 1, or None for the server's default, got "
                f"{self.max_tokens}"
            )
        if self.cache_path is not None and not self.cache_path.strip():
            raise InvalidInputError(
                "LLMConfig.cache_path is blank: give a file path, or None for no cache"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> LLMConfig:
        """The endpoint named by ``MAGS_LLM_*`` (or ``OPENAI_*``) variables in ``environ``.

        ``MAGS_LLM_BASE_URL`` (else ``OPENAI_BASE_URL``), ``MAGS_LLM_API_KEY`` (else
        ``OPENAI_API_KEY``; local servers need none, so it defaults to ``"none"``) and
        ``MAGS_LLM_MODEL``; ``MAGS_LLM_CACHE``, when set, is the response cache's file
        (``cache_path``), and ``MAGS_LLM_MAX_TOKENS`` bounds each reply (``max_tokens``).
        ``overrides`` set the other fields (``timeout_s=10``). The caller passes the mapping
        (``os.environ`` in a CLI), so nothing else reads the environment.

        Example
        -------
        >>> env = {"OPENAI_BASE_URL": "http://localhost:11434/v1", "MAGS_LLM_MODEL": "llama3"}
        >>> c = LLMConfig.from_env(env, timeout_s=5)
        >>> c.base_url, c.api_key, c.model, c.timeout_s, c.cache_path
        ('http://localhost:11434/v1', 'none', 'llama3', 5, None)
        >>> LLMConfig.from_env({**env, "MAGS_LLM_CACHE": "runs/llm.db"}).cache_path
        'runs/llm.db'
        >>> LLMConfig.from_env({**env, "MAGS_LLM_MAX_TOKENS": "512"}).max_tokens
        512
        >>> LLMConfig.from_env({"MAGS_LLM_BASE_URL": "http://h/v1"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        mags.core.errors.InvalidInputError: no LLM model configured: set MAGS_LLM_MODEL ...
        """
        base_url = _first(environ, "MAGS_LLM_BASE_URL", "OPENAI_BASE_URL")
        api_key = _first(environ, "MAGS_LLM_API_KEY", "OPENAI_API_KEY") or "none"
        model = _first(environ, "MAGS_LLM_MODEL")
        if not model:
            raise InvalidInputError(
                "no LLM model configured: set MAGS_LLM_MODEL to the model's name "
                "(e.g. gpt-4o-mini, or the name your vLLM/Ollama server serves)"
            )
        if not base_url:
            raise InvalidInputError(
                "no LLM endpoint configured: set MAGS_LLM_BASE_URL (or OPENAI_BASE_URL) to the "
                "API root, e.g. https://api.openai.com/v1 or http://localhost:11434/v1"
            )
        fields: dict[str, Any] = {"cache_path": _first(environ, "MAGS_LLM_CACHE") or None}
        max_tokens = _first(environ, "MAGS_LLM_MAX_TOKENS")
        if max_tokens:
            try:
                fields["max_tokens"] = int(max_tokens)
            except ValueError:
                raise InvalidInputError(
                    f"MAGS_LLM_MAX_TOKENS must be a whole number of tokens, got {max_tokens!r}"
                ) from None
        fields.update(overrides)
        return cls(base_url=base_url, api_key=api_key, model=model, **fields)


def endpoint_named(environ: Mapping[str, str]) -> bool:
    """Whether ``environ`` names an endpoint at all (a base URL or a model): then a command
    uses `LLMConfig.from_env`, whose error says what is still missing; else it runs without.

    Example
    -------
    >>> endpoint_named({"MAGS_LLM_MODEL": "llama3"}), endpoint_named({"HOME": "/root"})
    (True, False)
    """
    return bool(_first(environ, "MAGS_LLM_BASE_URL", "OPENAI_BASE_URL", "MAGS_LLM_MODEL"))


def _first(environ: Mapping[str, str], *names: str) -> str:
    """The first of ``names`` set to a non-blank value in ``environ``, stripped; else ''."""
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return ""
