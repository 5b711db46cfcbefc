"""`LLMClient`: one adapter over the official `openai` client, for any OpenAI-compatible endpoint.

What real endpoints do, and what this module does about it:

* rate limits (429), overload (5xx), hangs and dropped connections: retried with exponential
  backoff, honouring ``Retry-After``, at most ``max_retries`` times; the `openai` client's own
  retries are off so that one policy (and one count) applies;
* no structured output, or only JSON mode (llama.cpp, older vLLM, Ollama): ``json_schema`` is
  tried first; a refusal of the mode (a 400 or 422, or any status whose body names the
  parameter, such as llama-cpp-python's 500) falls back at once to JSON mode with the
  schema as a grammar (llama-cpp-python's extension), plain JSON mode and then plain text,
  and the mode that worked is remembered for the next calls (`mags.llm.refusals.classify`
  decides, for `mags doctor` too);
* a prompt longer than the model's context: one clear error, no retry and no fallback;
* JSON wrapped in ``<think>`` blocks, code fences or prose: `mags.llm.parse.extract_json`;
* JSON of the wrong shape: validated with pydantic, then one repair attempt that shows the
  model its reply and the error;
* no ``usage`` in the response: tokens estimated at about four characters per token.

With ``config.cache_path`` set, replies are kept in a `mags.llm.cache.ResponseCache`: a
request made before (same endpoint, model, messages as sent, temperature and
``response_format``) is answered from it with no HTTP call, with the usage first reported.
The raw text is what is cached, so parsing and the repair attempt replay as they first ran.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, cast

import openai
import pydantic
from openai.types.chat import ChatCompletion

from mags.core.retrieve import estimate_tokens
from mags.llm.cache import CachedReply, ResponseCache
from mags.llm.config import LLMConfig
from mags.llm.errors import LLMError, LLMParseError, LLMTimeoutError, quote
from mags.llm.parse import extract_json
from mags.llm.refusals import attempts_text, classify

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

#: A chat message as the OpenAI schema has it: ``{"role": "user", "content": "..."}``.
Message = Mapping[str, str]

#: Structured-output modes, best first. ``json_object_schema`` is JSON mode with the schema
#: alongside (``{"type": "json_object", "schema": ...}``), which llama-cpp-python's server
#: turns into a grammar: constrained output from a server that refuses ``json_schema``.
Mode = Literal["json_schema", "json_object_schema", "json_object", "text"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object_schema", "json_object", "text")

#: Transient failures: a timeout, a lost connection, a 429, a 5xx; each can be retried.
Transient = Literal["timeout", "connection", "rate_limited", "server"]
TRANSIENT: frozenset[Transient] = frozenset({"timeout", "connection", "rate_limited", "server"})

BACKOFF_BASE_S = 0.5  # first wait; doubles on each retry
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 60.0  # a server asking for longer is treated as down, not waited on

_REPAIR_PROMPT = (
    "Your previous reply could not be used: {error}\n"
    "Reply again with only the corrected JSON object, matching the schema, and nothing else."
)
_JSON_INSTRUCTION = (
    "Reply with one JSON object only, no other text, matching this JSON schema:\n{schema}"
)


#: The one-line requests that check an endpoint (`supports`, `mags doctor`).
TEXT_PING: list[Message] = [{"role": "user", "content": "Reply with the single word OK."}]
_JSON_PING: list[Message] = [
    {"role": "user", "content": 'Reply with the JSON object {"ok": true} and nothing else.'}
]


class _Ping(pydantic.BaseModel):
    """The reply `LLMClient.supports` asks for."""

    ok: bool


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one call (or several, added up) cost.

    ``estimated`` is true when the endpoint reported no ``usage`` and the counts are an
    estimate (about four characters per token); a sum is estimated if any part is.

    Example
    -------
    >>> total = Usage(10, 2, False) + Usage(5, 1, True)
    >>> total, total.total_tokens
    (Usage(prompt_tokens=15, completion_tokens=3, estimated=True), 18)
    """

    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.estimated or other.estimated,
        )


class _Rejected(Exception):
    """The endpoint refused the request's shape (`classify`: "unsupported"): try a weaker mode."""

    def __init__(self, error: openai.APIStatusError) -> None:
        super().__init__(_status_text(error))
        self.error = error


class LLMClient:
    """Chat completions from an OpenAI-compatible endpoint, with retries and structured output.

    Thread-safe: one client can serve many threads; at most ``config.max_concurrency``
    requests are in flight at once.

    Example
    -------
    >>> from pydantic import BaseModel
    >>> class Answer(BaseModel):
    ...     command: str
    >>> client = LLMClient(LLMConfig("http://localhost:8000/v1", "none", "qwen2.5-7b"))
    >>> # answer, usage = client.complete_json([{"role": "user", "content": "..."}], Answer)
    >>> client.endpoint, client.mode
    ('http://localhost:8000/v1', None)
    >>> client.close()
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        cache: ResponseCache | None = None,
        retry_on: frozenset[Transient] = TRANSIENT,
    ) -> None:
        self.config = config
        # Which transient failures the retries apply to: `mags doctor` waits out a 429 but
        # reports a hang at once rather than hanging ``max_retries`` times over.
        self._retry_on = retry_on
        # A cache passed in is shared and stays open; one opened from config.cache_path is
        # this client's and closes with it. Opened first: a damaged file fails here, early.
        self._owns_cache = cache is None and config.cache_path is not None
        if cache is None and config.cache_path is not None:
            cache = ResponseCache(config.cache_path)
        self._cache = cache
        self._counts_lock = threading.Lock()
        self._cache_hits = 0
        self._cache_misses = 0
        # Our own retry loop (below) handles every retry, so the client's is disabled.
        self._openai = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            timeout=config.timeout_s,
            max_retries=0,
        )
        self._slots = threading.BoundedSemaphore(config.max_concurrency)
        self._sleep = sleep
        self._mode: Mode | None = None

    @property
    def endpoint(self) -> str:
        """The endpoint's base URL, as errors name it."""
        return self.config.base_url

    @property
    def model(self) -> str:
        """The model's name."""
        return self.config.model

    @property
    def mode(self) -> Mode | None:
        """The structured-output mode this endpoint accepted (None before the first call)."""
        return self._mode

    @property
    def cache(self) -> ResponseCache | None:
        """The response cache in use (None: every call goes to the endpoint)."""
        return self._cache

    @property
    def cache_hits(self) -> int:
        """Calls answered from the response cache, with no HTTP request."""
        return self._cache_hits

    @property
    def cache_misses(self) -> int:
        """Calls the response cache could not answer (0 when there is no cache)."""
        return self._cache_misses

    def close(self) -> None:
        """Close the HTTP connections (and the response cache this client opened)."""
        self._openai.close()
        if self._owns_cache and self._cache is not None:
            self._cache.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public calls -------------------------------------------------------------------

    def complete_text(self, messages: Sequence[Message]) -> tuple[str, Usage]:
        """The model's reply to ``messages`` as plain text, and what it cost.

        Raises `LLMError` when the endpoint fails for good (after retries).
        """
        hit = self._lookup([(messages, None)])
        if hit is not None:
            return hit[1].text, self._usage(hit[1], messages)
        try:
            response = self._create(messages, None)
        except _Rejected as rejected:
            raise self._error(f"the endpoint rejected the request: {rejected}") from None
        reply = self._reply(response)
        self._store(messages, None, reply)
        return reply.text, self._usage(reply, messages)

    def complete_json(
        self, messages: Sequence[Message], schema: type[ModelT]
    ) -> tuple[ModelT, Usage]:
        """The model's reply to ``messages`` as an instance of ``schema``, and what it cost.

        Structured output is asked for in the best mode the endpoint accepts; the reply is
        parsed tolerantly and validated. One reply that fails gets one repair attempt; the
        usage returned counts both calls.

        Raises
        ------
        LLMError: the endpoint failed for good, or the repaired reply still does not fit
            ``schema``; the message names the endpoint, the model and the reply.
        """
        text, usage = self._structured_call(messages, schema)
        try:
            return _validate(text, schema), usage
        except (LLMParseError, pydantic.ValidationError) as first:
            problem = _describe(first)
        # One repair attempt: the model sees what it wrote and why it does not fit; models
        # fix a missing field or a stray comment far more often than they repeat it.
        repair = [
            *messages,
            {"role": "assistant", "content": text},
            {"role": "user", "content": _REPAIR_PROMPT.format(error=problem)},
        ]
        text, repair_usage = self._structured_call(repair, schema)
        usage = usage + repair_usage
        try:
            return _validate(text, schema), usage
        except (LLMParseError, pydantic.ValidationError) as second:
            raise self._error(
                f"the reply does not fit {schema.__name__} even after a repair attempt: "
                f"{_describe(second)}",
                reply=text,
            ) from None

    def supports(self, mode: Mode) -> str | None:
        """None when the endpoint takes ``mode`` and answers it usably, else why not.

        One ping in that mode (for the JSON modes, a tiny schema whose reply must hold
        JSON; for text, any non-empty reply). A refusal is judged as `complete_json` judges
        it, so `mags doctor` concludes what the client will do. The cache is not used.

        Example
        -------
        >>> # LLMClient(config).supports("json_schema")  ->  None, or 'refused: HTTP 500: ...'
        """
        messages = TEXT_PING if mode == "text" else _JSON_PING
        try:
            response = self._create(
                _with_instruction(messages, _Ping, mode), _response_format(mode, _Ping)
            )
        except _Rejected as rejected:
            error = rejected.error
            return f"refused: HTTP {error.status_code}: {quote(_error_message(error), 80)}"
        except LLMError as error:
            return str(error)
        text = self._reply(response).text
        if mode == "text":
            return None if text.strip() else "empty reply"
        try:
            extract_json(text)
        except LLMParseError:
            return f"accepted, but the reply is not JSON: {quote(text, 60)}"
        return None

    # -- structured output --------------------------------------------------------------

    def _structured_call(
        self, messages: Sequence[Message], schema: type[pydantic.BaseModel]
    ) -> tuple[str, Usage]:
        """One reply in the best mode the endpoint accepts, from the remembered one down.

        A mode that worked once can still be refused later (a server that takes a flat
        schema but not a nested one), so a refusal falls back to the weaker modes here too.
        """
        modes: Sequence[Mode] = MODES[MODES.index(self._mode) :] if self._mode else MODES
        requests = [
            (_with_instruction(messages, schema, mode), _response_format(mode, schema))
            for mode in modes
        ]
        # The cache is asked for every mode still to try, before any HTTP call: a request
        # first answered in JSON mode (after a refused json_schema) replays with no call.
        hit = self._lookup(requests)
        if hit is not None:
            index, cached = hit
            self._mode = modes[index]
            return cached.text, self._usage(cached, messages)
        refusals: list[str] = []
        for mode, (sent, response_format) in zip(modes, requests, strict=True):
            try:
                response = self._create(sent, response_format)
            except _Rejected as rejected:
                refusals.append(f"{mode}: {rejected}")
                continue
            # Remembered so that later calls skip the modes this endpoint refuses.
            self._mode = mode
            reply = self._reply(response)
            self._store(sent, response_format, reply)
            return reply.text, self._usage(reply, messages)
        raise self._error("the endpoint rejected the request in every mode: " + "; ".join(refusals))

    # -- one HTTP call with retries -----------------------------------------------------

    def _create(
        self, messages: Sequence[Message], response_format: dict[str, Any] | None
    ) -> ChatCompletion:
        """One chat completion, retried on 429, 5xx, timeouts and lost connections."""
        # Omitted rather than null: some servers reject "response_format": null.
        fmt: Any = openai.omit if response_format is None else response_format
        max_tokens: Any = openai.omit if self.config.max_tokens is None else self.config.max_tokens
        attempts = self.config.max_retries + 1
        tried = 0
        for attempt in range(attempts):
            tried = attempt + 1
            try:
                # The slot is held only while the request is in flight, never while backing
                # off, so a waiting retry does not starve the other threads.
                with self._slots:
                    return self._openai.chat.completions.create(
                        model=self.config.model,
                        messages=cast(Any, [dict(m) for m in messages]),
                        temperature=self.config.temperature,
                        timeout=self.config.timeout_s,
                        response_format=fmt,
                        max_tokens=max_tokens,
                    )
            except openai.APITimeoutError as error:
                last: Exception = error
                kind: Transient = "timeout"
                wait = backoff_s(attempt)
            except openai.APIConnectionError as error:
                last = error
                kind = "connection"
                wait = backoff_s(attempt)
            except openai.APIStatusError as error:
                refusal = classify(error.status_code, _error_message(error))
                if refusal.kind == "unsupported":
                    raise _Rejected(error) from None
                if not refusal.retryable:
                    raise self._error(
                        f"the endpoint refused the call with {_status_text(error)}; "
                        f"{refusal.advice}",
                        status=error.status_code,
                    ) from None
                last = error
                kind = "rate_limited" if refusal.kind == "rate_limited" else "server"
                after = retry_after_s(error.response.headers.get("retry-after"))
                wait = backoff_s(attempt) if after is None else after
            if kind not in self._retry_on:
                break
            if tried < attempts:
                self._sleep(wait)
        if isinstance(last, openai.APITimeoutError):
            raise LLMTimeoutError(
                f"no answer within the {self.config.timeout_s:g} s timeout "
                f"({attempts_text(tried)}); raise --llm-timeout for a slow model, or check "
                "that the server is not stuck",
                endpoint=self.endpoint,
                model=self.model,
            ) from None
        if isinstance(last, openai.APIStatusError):
            refusal = classify(last.status_code, _error_message(last))
            raise self._error(
                f"{_status_text(last)} {attempts_text(tried)}; {refusal.advice}",
                status=last.status_code,
            ) from None
        raise self._error(
            f"could not reach the endpoint ({last}) {attempts_text(tried)}: "
            "is the server running at this base URL?"
        ) from None

    # -- the response cache ---------------------------------------------------------------

    def _cache_request(
        self, messages: Sequence[Message], response_format: dict[str, Any] | None
    ) -> dict[str, Any]:
        """What keys a request in the cache: everything sent that shapes the reply."""
        return {
            "endpoint": self.config.base_url.rstrip("/"),
            "model": self.config.model,
            "messages": [dict(m) for m in messages],
            "temperature": self.config.temperature,
            "response_format": response_format,
            # Only when set, so that replies cached before the setting existed still match.
            **({} if self.config.max_tokens is None else {"max_tokens": self.config.max_tokens}),
        }

    def _lookup(
        self, requests: Sequence[tuple[Sequence[Message], dict[str, Any] | None]]
    ) -> tuple[int, CachedReply] | None:
        """The first of ``requests`` the cache answers, with its index; counts a hit or miss."""
        if self._cache is None:
            return None
        for index, (messages, response_format) in enumerate(requests):
            cached = self._cache.get(self._cache_request(messages, response_format))
            if cached is not None:
                with self._counts_lock:
                    self._cache_hits += 1
                return index, cached
        with self._counts_lock:
            self._cache_misses += 1
        return None

    def _store(
        self,
        messages: Sequence[Message],
        response_format: dict[str, Any] | None,
        reply: CachedReply,
    ) -> None:
        """Keep a successful completion for the next identical request."""
        if self._cache is not None:
            self._cache.put(self._cache_request(messages, response_format), reply)

    # -- replies and usage ----------------------------------------------------------------

    def _reply(self, response: ChatCompletion) -> CachedReply:
        """The reply's text and the usage the endpoint reported (None when it reported none)."""
        if not response.choices:
            raise self._error("the response has no choices", reply=None)
        text = response.choices[0].message.content or ""
        if response.usage is None:
            return CachedReply(text, None, None)
        return CachedReply(text, response.usage.prompt_tokens, response.usage.completion_tokens)

    def _usage(self, reply: CachedReply, messages: Sequence[Message]) -> Usage:
        """The reply's usage as reported, else estimated from ``messages`` and its text."""
        if reply.prompt_tokens is not None and reply.completion_tokens is not None:
            return Usage(reply.prompt_tokens, reply.completion_tokens)
        prompt = sum(estimate_tokens(m.get("content", "")) for m in messages)
        text = reply.text
        return Usage(prompt, estimate_tokens(text) if text else 0, estimated=True)

    def _error(self, message: str, reply: str | None = None, status: int | None = None) -> LLMError:
        return LLMError(
            message, endpoint=self.endpoint, model=self.model, reply=reply, status=status
        )


# -- pure helpers ---------------------------------------------------------------------------


def backoff_s(attempt: int) -> float:
    """Seconds to wait after failed attempt ``attempt`` (0-based): 0.5, 1, 2, 4, ... up to 30.

    Example
    -------
    >>> [backoff_s(a) for a in range(4)], backoff_s(20)
    ([0.5, 1.0, 2.0, 4.0], 30.0)
    """
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0**attempt)


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date).

    None when absent or unreadable (the caller backs off instead); capped at 60 s.

    Example
    -------
    >>> retry_after_s("0"), retry_after_s("2.5"), retry_after_s(None), retry_after_s("soon")
    (0.0, 2.5, None, None)
    >>> now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    >>> retry_after_s("Wed, 21 Oct 2015 07:28:10 GMT", now)
    10.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(RETRY_AFTER_MAX_S, max(0.0, seconds))


def _response_format(mode: Mode, schema: type[pydantic.BaseModel]) -> dict[str, Any] | None:
    """The ``response_format`` request field for ``mode`` (None: plain text, no field)."""
    if mode == "json_schema":
        # The name must match ^[a-zA-Z0-9_-]{1,64}$; strict mode would reject pydantic's
        # optional fields and defaults, so the schema guides and pydantic checks.
        name = re.sub(r"[^a-zA-Z0-9_-]", "_", schema.__name__)[:64] or "reply"
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema.model_json_schema(), "strict": False},
        }
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": schema.model_json_schema()}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _with_instruction(
    messages: Sequence[Message], schema: type[pydantic.BaseModel], mode: Mode
) -> list[Message]:
    """``messages`` with the schema spelled out when the request itself cannot carry it.

    JSON mode and plain text only know the schema from the prompt (and OpenAI's JSON mode
    refuses a prompt that never says "JSON"). The instruction joins the first system message
    rather than adding one, since some chat templates allow only one, at the start.
    """
    if mode == "json_schema":
        return list(messages)
    instruction = _JSON_INSTRUCTION.format(schema=json.dumps(schema.model_json_schema()))
    out = [dict(m) for m in messages]
    if out and out[0].get("role") == "system":
        out[0]["content"] = f"{out[0].get('content', '')}\n\n{instruction}"
    else:
        out.insert(0, {"role": "system", "content": instruction})
    return list(out)


def _validate(text: str, schema: type[ModelT]) -> ModelT:
    """``text`` parsed tolerantly and validated as ``schema``."""
    return schema.model_validate(extract_json(text))


def _describe(error: Exception) -> str:
    """A short account of a parse or validation failure, for a repair prompt or an error."""
    if isinstance(error, pydantic.ValidationError):
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in error.errors()[:5]
        ]
        more = error.error_count() - len(problems)
        return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")
    if isinstance(error, LLMParseError):
        return "no JSON object found in the reply"
    return str(error)


def _error_message(error: openai.APIStatusError) -> str:
    """The server's own words for an HTTP error: OpenAI's ``{"message": ...}`` or the text."""
    body = error.body
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str):
        # Some servers (llama-cpp-python's validation errors) put the detail elsewhere.
        message = json.dumps(body) if isinstance(body, (dict, list)) else error.message
    return message


def _status_text(error: openai.APIStatusError) -> str:
    """``HTTP 500: <the server's message, truncated>``."""
    return f"HTTP {error.status_code}: {quote(_error_message(error), 200)}"
