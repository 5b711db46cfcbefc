"""Errors of the LLM adapter: every message names the endpoint, the model and what came back."""

from __future__ import annotations

from mags.core.errors import MagsError

#: How much of a model's reply an error message quotes (replies can be pages long).
QUOTE_CHARS = 300


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` as a repr, cut to about ``limit`` characters with a note of what was cut.

    Example
    -------
    >>> quote("abc")
    "'abc'"
    >>> quote("x" * 10, limit=4)
    "'xxxx' ... (6 more characters)"
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r} ... ({len(text) - limit} more characters)"


class LLMError(MagsError):
    """An LLM call failed for good (after retries, fallbacks and the repair attempt).

    ``endpoint``, ``model``, ``reply`` (the last text the model returned, or ``None``
    when none came back) and ``status`` (the last HTTP status, or ``None`` when the failure
    was not an HTTP error) are kept as attributes for callers that log or act on them.

    Example
    -------
    >>> str(LLMError("no JSON object in the reply", endpoint="http://h/v1", model="m",
    ...              reply="sorry"))
    "no JSON object in the reply (endpoint http://h/v1, model m; it replied 'sorry')"
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        model: str,
        reply: str | None = None,
        status: int | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.model = model
        self.reply = reply
        self.status = status
        said = "" if reply is None else f"; it replied {quote(reply)}"
        super().__init__(f"{message} (endpoint {endpoint}, model {model}{said})")


class LLMTimeoutError(LLMError):
    """The endpoint did not answer within the timeout, on every attempt."""


class LLMParseError(MagsError, ValueError):
    """A model's text holds no JSON that can be parsed; the message quotes the text."""
