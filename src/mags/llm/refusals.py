"""What an HTTP error from an OpenAI-compatible endpoint means, and what to do about it.

One classification serves the client (retry, fall back to a weaker structured-output mode,
or fail at once) and `mags doctor` (what it reports and advises), so the two never disagree.

Real servers are not uniform. llama.cpp's Python server answers a ``response_format`` it
does not know with a **500** whose body is a pydantic message ("Input should be 'text' or
'json_object'"); others say 400 or 422 ("response_format is not supported"). A prompt longer
than the model's context is a 400 that no other mode can fix; a 429 is rate limiting, to be
waited out as ``Retry-After`` says.

Example
-------
>>> classify(500, "Input should be 'text' or 'json_object'").kind
'unsupported'
>>> classify(400, "This model's maximum context length is 2048 tokens.").kind
'context'
>>> classify(503, "loading model").kind, classify(429, "slow down").kind
('server', 'rate_limited')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "unsupported",  # the request's shape (a structured-output mode) is refused: try a weaker one
    "context",  # the prompt does not fit the model's context window: no retry can fix it
    "rate_limited",  # 429: wait (Retry-After) and try again
    "server",  # 5xx: the server failed, maybe for a moment: back off and try again
    "auth",  # 401/403: the key
    "not_found",  # 404: the URL or the model name
    "refused",  # any other 4xx: the request is wrong in a way retrying cannot fix
]

#: Kinds worth the same request again after a wait.
RETRYABLE: frozenset[Kind] = frozenset({"rate_limited", "server"})

# A body that says the prompt is too long, in the words of llama.cpp (both servers), vLLM,
# OpenAI and Ollama.
_CONTEXT = re.compile(
    r"context[ _-]?(length|window|size)|maximum context|exceeds? the (available )?context"
    r"|too many tokens|prompt is too long|input is too long",
    re.IGNORECASE,
)
# A body that says a parameter or value is not supported, or that names the structured-output
# fields in a validation error (llama-cpp-python: "Input should be 'text' or 'json_object'").
_UNSUPPORTED = re.compile(
    r"response_format|json_schema|json_object|not supported|unsupported|unknown (field|parameter)"
    r"|unrecognized (field|parameter|request argument)|extra (fields|inputs) not permitted"
    r"|Input should be 'text'",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """One HTTP error, understood: its ``kind`` and advice that fits it.

    Example
    -------
    >>> classify(401, "invalid key").advice
    'check --llm-api-key / MAGS_LLM_API_KEY (or OPENAI_API_KEY)'
    >>> classify(429, "").retryable
    True
    """

    status: int
    kind: Kind
    advice: str

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed after a wait."""
        return self.kind in RETRYABLE


_ADVICE: dict[Kind, str] = {
    "unsupported": "the endpoint does not support this request shape; MAGS falls back to a "
    "weaker structured-output mode",
    "context": "the prompt is longer than the model's context window: lower the memory's "
    "budget, or start the server with a larger context (mags local-llm --n-ctx, "
    "llama.cpp --ctx-size / --n_ctx)",
    "rate_limited": "the endpoint is rate limiting this key: wait and try again, lower the "
    "number of workers, or check the key's quota and plan",
    "server": "the server failed on its side: check its logs (a local server may be out of "
    "memory or still loading the model)",
    "auth": "check --llm-api-key / MAGS_LLM_API_KEY (or OPENAI_API_KEY)",
    "not_found": "check the base URL (it usually ends in /v1) and the model name (--llm-model)",
    "refused": "the endpoint refused the request: check the model name and the server's logs",
}


def classify(status: int, message: str) -> Refusal:
    """What an HTTP ``status`` with error text ``message`` means (see the module's doc).

    The body is read before the status: a 400 that says the context is full is not a mode
    problem, and a 500 that names ``response_format`` is not a crash to retry.

    Example
    -------
    >>> classify(422, "extra fields not permitted").kind, classify(500, "oops").kind
    ('unsupported', 'server')
    >>> classify(404, "no such model").kind, classify(409, "conflict").kind
    ('not_found', 'refused')
    """
    kind: Kind
    if status == 429:
        kind = "rate_limited"
    elif _CONTEXT.search(message):
        kind = "context"
    elif status in (400, 422) or (status >= 400 and _UNSUPPORTED.search(message)):
        kind = "unsupported"
    elif status in (401, 403):
        kind = "auth"
    elif status == 404:
        kind = "not_found"
    elif status >= 500:
        kind = "server"
    else:
        kind = "refused"
    return Refusal(status, kind, _ADVICE[kind])


def attempts_text(count: int) -> str:
    """``on 1 attempt`` / ``on all 4 attempts``, for error messages.

    Example
    -------
    >>> attempts_text(1), attempts_text(4)
    ('on 1 attempt', 'on all 4 attempts')
    """
    return "on 1 attempt" if count == 1 else f"on all {count} attempts"
