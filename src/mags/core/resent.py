"""A chat's history sent again: which of a request's turns the memory does not hold yet.

Every OpenAI-style app sends a chat's whole history (or its latest part) with each request.
Stored as it comes, each turn would be stored again at every request and counted as new
evidence ("I moved to Lisbon" said once would look said ten times). A turn is held when it
matches, in order, one of the memory's latest turns: the request's turns are walked
against the held ones, each match moving a cursor forward, so a history resent whole,
trimmed to its latest part, or with one message the client rewrote is stored once, and a
chat first seen mid-way (an app that changed its ``base_url``) has all its earlier turns
stored. Turns compare by role and text, whitespace aside.

Example
-------
>>> held = [("user", "I live in Porto."), ("assistant", "Nice!")]
>>> given = [("user", "I live in Porto."), ("assistant", "Nice!"), ("user", "Trip ideas?")]
>>> unseen(held, given)
[2]
>>> unseen([], given)   # a chat first seen mid-way: every turn is new
[0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mags.core.model import Episode


RESENT_WINDOW = 32
"""A request's latest turns matched first: a resent history of any length costs the same
(the whole request is matched only when the oldest of them is not held)."""
RESENT_MARGIN = 8
"""Held turns beyond twice the matched ones that they are matched against."""


def turn_key(role: str, text: str) -> tuple[str, str]:
    """How two turns compare: role, and text with its whitespace collapsed."""
    return (role, " ".join(text.split()))


def episode_key(episode: Episode) -> tuple[str | None, str, str]:
    """A stored turn by source, speaker and text (whitespace collapsed): what a forgotten
    turn is remembered by, so that a resent history cannot store it again."""
    return (episode.source, *turn_key(episode.speaker or "", episode.text))


def unseen(held: Sequence[Hashable], given: Sequence[Hashable]) -> list[int]:
    """Indexes of ``given`` (a request's turns, oldest first) that ``held`` (the memory's
    latest turns of the chat, oldest first) does not already hold in order."""
    held = list(held)
    new: list[int] = []
    cursor = 0
    for i, turn in enumerate(given):
        try:
            found = held.index(turn, cursor)
        except ValueError:
            new.append(i)
            continue
        cursor = found + 1
    return new


def unseen_latest(
    total: int,
    given: Callable[[int], Sequence[Hashable]],
    held: Callable[[int], Sequence[Hashable]],
    window: int = RESENT_WINDOW,
) -> list[int]:
    """`unseen` for a request of ``total`` turns, its latest ``window`` first: ``given(i)``
    gives the keys of turns ``i`` onwards, ``held(n)`` the memory's latest ``n`` turns
    (oldest first). Only when the oldest turn of the window is not held (a chat first seen
    mid-way, a long gap) is the whole request matched.

    Example
    -------
    >>> turns = list("abcdef")
    >>> unseen_latest(6, lambda i: turns[i:], lambda n: list("abcde")[-n:], window=2)
    [5]
    >>> unseen_latest(6, lambda i: turns[i:], lambda n: [], window=2)
    [0, 1, 2, 3, 4, 5]
    """

    def match(begin: int) -> list[int]:
        keys = given(begin)
        return [begin + i for i in unseen(held(2 * len(keys) + RESENT_MARGIN), keys)]

    start = max(0, total - window)
    fresh = match(start)
    return match(0) if start and start in fresh else fresh
