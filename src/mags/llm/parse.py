"""Tolerant JSON extraction from what a model wrote (pure: no I/O).

Local models asked for JSON often wrap it: a ``<think>`` block of reasoning first, a
Markdown code fence around it, a sentence before or after. `extract_json` finds the JSON
anyway, so an endpoint without structured output still works.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mags.llm.errors import LLMParseError, quote

# Reasoning models (DeepSeek-R1, Qwen3, ...) emit their thoughts in <think> blocks; some
# servers drop the opening tag, so a lone closing tag also ends the reasoning.
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_THINK_END = re.compile(r"</think>", re.IGNORECASE)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)


def strip_think(text: str) -> str:
    """``text`` without ``<think>...</think>`` blocks (and anything before a lone ``</think>``).

    Example
    -------
    >>> strip_think("<think>the user wants JSON</think>\\n{}")
    '{}'
    >>> strip_think("reasoning without an opening tag</think> ok")
    'ok'
    """
    text = _THINK.sub("", text)
    parts = _THINK_END.split(text)
    return parts[-1].strip()


def extract_json(text: str) -> Any:
    """The JSON value in a model's reply, tolerating what models put around it.

    Tried in order: the whole text (without ``<think>`` blocks); each fenced code block
    (```` ```json ... ``` ````); the first ``{`` or ``[`` from which a complete JSON value
    parses, ignoring whatever follows it.

    Raises
    ------
    LLMParseError: no JSON could be found; the message quotes (a truncated) ``text``.

    Example
    -------
    >>> extract_json('{"a": 1}')
    {'a': 1}
    >>> extract_json('<think>hmm</think>```json\\n{"a": [1, 2]}\\n```')
    {'a': [1, 2]}
    >>> extract_json('Sure! Here it is: {"facts": []} Hope this helps.')
    {'facts': []}
    >>> extract_json('[1, 2] and more')
    [1, 2]
    >>> extract_json("I cannot do that.")
    Traceback (most recent call last):
    ...
    mags.llm.errors.LLMParseError: no JSON found in the reply 'I cannot do that.'
    """
    body = strip_think(text)
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        pass
    for block in _FENCE.findall(body):
        try:
            return json.loads(block)
        except json.JSONDecodeError:
            continue
    found = _first_embedded(body)
    if found is not None:
        return found[0]
    raise LLMParseError(f"no JSON found in the reply {quote(text)}")


def _first_embedded(text: str) -> tuple[Any] | None:
    """The first JSON object or array embedded in ``text`` (boxed, since it may be null-like).

    ``raw_decode`` from the first opening bracket returns the outermost value, nested ones
    included, and stops at its end, so trailing prose is ignored.

    Example
    -------
    >>> _first_embedded('see [note] then {"a": {"b": 2}} end')
    ({'a': {'b': 2}},)
    >>> _first_embedded("none") is None
    True
    """
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[{\[]", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        return (value,)
    return None
