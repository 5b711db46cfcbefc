"""Conversation turns as every system renders and packs them (LoCoMo, LongMemEval, peers).

Example
-------
>>> from mags.eval.locomo import Turn
>>> turn_episode(Turn("D1:1", "Ann", "Hi!", "2023-05-08T13:56:00", 1), 0).speaker
'Ann'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mags.core.episodes import episode_line, pack_episodes, render_episodes
from mags.core.model import Episode
from mags.core.retrieve import EPISODES_HEADER
from mags.eval.locomo import Turn


def turn_episode(turn: Turn, index: int) -> Episode:
    """A turn as the episode MAGS stores for it (for the baselines' rendering)."""
    return Episode(index + 1, float(index), turn.text, turn.source, (), turn.speaker, turn.when)


def pack_turns(ranked: Sequence[Episode], budget: int, count: Callable[[str], int]) -> str:
    """The best-ranked turns that fit ``budget``, packed and rendered as MAGS packs them."""
    chosen, _ = pack_episodes(ranked, budget, count, EPISODES_HEADER)
    return "\n".join([EPISODES_HEADER, *render_episodes(chosen)]) if chosen else ""


def turn_lines(turns: Sequence[Turn]) -> dict[str, str]:
    """Each turn's id and its rendered line (``- Speaker: text``): what evidence recall
    looks for in a packed context."""
    return {turn.source: episode_line(turn_episode(turn, i)) for i, turn in enumerate(turns)}
