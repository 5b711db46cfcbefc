"""Cleaning TextWorld's game text: the ASCII-art banner and the prompt/status line."""

from __future__ import annotations

import re

_BANNER_CHARS = frozenset(" _|\\/$<>")
# The interpreter's prompt and status line: "\n>" then padding then "-= Room =-score/turns".
_PROMPT_RE = re.compile(r"\n>[^\n]*\Z")
_BLANK_LINES_RE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def strip_banner(text: str) -> str:
    """Drop the leading ASCII-art "TEXTWORLD" banner of a game's first text.

    Example
    -------
    >>> strip_banner("\\n  ___  \\n |   \\\\$$ \\n\\nYou are hungry!\\n\\n-= Kitchen =-")
    'You are hungry!\\n\\n-= Kitchen =-'
    """
    lines = text.split("\n")
    start = 0
    while start < len(lines) and set(lines[start]) <= _BANNER_CHARS:
        start += 1
    return "\n".join(lines[start:]).strip()


def strip_prompt(text: str) -> str:
    """Drop the trailing ``>`` prompt and the status line the interpreter prints after it.

    Example
    -------
    >>> strip_prompt("\\nYou take the knife.\\n\\n>            -= Kitchen =-2/6")
    'You take the knife.'
    """
    return _PROMPT_RE.sub("", text).strip()


def clean_feedback(text: str, *, first: bool = False) -> str:
    """The text an agent reads: no prompt or status line, at most one blank line in a row,
    and at reset no banner.

    Example
    -------
    >>> clean_feedback("\\nYou take it.\\n\\n\\n\\nYour score went up.\\n\\n>   -= Hall =-1/5")
    'You take it.\\n\\nYour score went up.'
    """
    text = strip_prompt(text)
    if first:
        text = strip_banner(text)
    return _BLANK_LINES_RE.sub("\n\n", text)
