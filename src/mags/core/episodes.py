"""Episodes in recall: score the candidates of every channel, render them dated and grouped.

An episode reaches recall through one or more *channels*: a lexical or dense search hit
(scored by the caller's index, 0..1), the fact channel (it is the evidence behind a chosen
fact), or as a neighbour of a hit in the same conversation (a reply right after a hit that
asked a question is most often what answers it). A time window from the query boosts the
episodes dated inside it; a query that names a speaker boosts that speaker's turns. An
episode whose every fact has since been closed (the world or the person changed, or they
said it no longer holds) is *stale*: it weighs `STALE_WEIGHT` of its score and, when packed,
says so (`STALE_MARK`), so that the turn that states the current value comes first. All of
it is arithmetic over ids and scores: no I/O, no LLM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from mags.core.model import Episode
from mags.core.names import tokens

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph

# The fact channel's weight, the shares passed to neighbouring turns and the time and
# speaker boosts are `MemoryConfig`'s recall weights (chosen by cross-validation on
# LoCoMo: `mags tune --objective locomo`).
TokenCount = Callable[[str], int]
#: Weight of the current channel: the turn that stated the current value of a slot (where
#: someone lives now, the job they have now) that the query's best facts reach.
CURRENT_WEIGHT = 1.0
#: Share of its score a stale episode keeps (its facts no longer hold).
STALE_WEIGHT = 0.25
STALE_MARK = " [no longer current]"


@dataclass(frozen=True, slots=True)
class EpisodeHit:
    """An episode found by a search channel, with a score in (0, 1]."""

    episode: int
    score: float
    via: str


class Window(Protocol):
    """A time window (see `mags.search.timeq.TimeWindow`)."""

    @property
    def phrase(self) -> str:
        """What the query said ("last week")."""
        ...

    def contains(self, when: str | None) -> bool:
        """Whether an ISO date falls inside."""
        ...


def is_stale(graph: LiquidGraph, episode: Episode) -> bool:
    """Whether every fact the episode stated has since been closed (superseded, negated,
    forgotten or faded): what it says is history, not the present."""
    return bool(episode.fact_ids) and not any(f in graph.active for f in episode.fact_ids)


def same_thread(a: Episode, b: Episode) -> bool:
    """Whether two consecutive episodes belong to one exchange (same session date, or both
    undated and one step apart)."""
    if a.when is not None or b.when is not None:
        return a.when == b.when
    return abs(a.t - b.t) <= 1


@lru_cache(maxsize=1024)
def speaker_words(speaker: str) -> frozenset[str]:
    """A speaker's name as query words (a chat has few speakers: computed once each)."""
    return frozenset(tokens(speaker))


def score_episodes(
    graph: LiquidGraph,
    hits: Iterable[EpisodeHit],
    fact_support: Mapping[int, float],
    query: str,
    window: Window | None,
    current: Mapping[int, float] | None = None,
) -> tuple[dict[int, float], dict[int, set[str]]]:
    """Every candidate episode's score and the channels that found it.

    ``fact_support`` maps an episode id to the (normalized) score of the best chosen fact
    it supports; ``current`` the same for the best facts that hold a slot (their turn
    stated a current value, which a changed world makes worth more than older turns).
    """
    episodes = graph.episodes
    cfg = graph.config
    scores: dict[int, float] = {}
    via: defaultdict[int, set[str]] = defaultdict(set)
    get = scores.get  # the loops below run a thousand times per recall of a long chat

    def credit(eid: int, score: float, channel: str) -> None:
        if eid in episodes and score > 0:
            scores[eid] = get(eid, 0.0) + score
            via[eid].add(channel)

    direct: dict[int, float] = {}
    for hit in hits:
        eid = hit.episode
        found = episodes.get(eid)
        if found is None:
            continue
        score = hit.score * (STALE_WEIGHT if is_stale(graph, found) else 1.0)
        if score > 0:
            scores[eid] = get(eid, 0.0) + score
            via[eid].add(hit.via)
        direct[eid] = direct.get(eid, 0.0) + score
    for eid, support in fact_support.items():
        credit(eid, cfg.fact_weight * support, "fact")
        direct[eid] = direct.get(eid, 0.0) + cfg.fact_weight * support
    for eid, support in (current or {}).items():
        credit(eid, CURRENT_WEIGHT * support, "current")
    for eid, score in direct.items():
        episode = episodes.get(eid)
        if episode is None:
            continue
        after, before = episodes.get(eid + 1), episodes.get(eid - 1)
        if after is not None and same_thread(episode, after):
            asks = episode.text.rstrip().endswith("?")
            share = cfg.next_after_question_weight if asks else cfg.next_weight
            credit(after.id, score * share, "neighbour")
        if before is not None and same_thread(before, episode):
            credit(before.id, score * cfg.previous_weight, "neighbour")
    named = set(tokens(query))
    for eid in scores:
        episode = episodes[eid]
        if window is not None and window.contains(episode.when):
            scores[eid] *= cfg.time_boost
            via[eid].add("time")
        if episode.speaker and speaker_words(episode.speaker) <= named:
            scores[eid] *= cfg.speaker_boost
    return scores, via


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def date_label(when: str | None) -> str | None:
    """How a date heads a group of episodes: ``8 May 2023`` (the ISO text as it is when it
    is not a date).

    Example
    -------
    >>> date_label("2023-05-08T13:56:00")
    '8 May 2023'
    """
    if not when:
        return None
    year, month, day = when[:4], when[5:7], when[8:10]
    if not (year.isdigit() and month.isdigit() and day.isdigit() and 1 <= int(month) <= 12):
        return when
    return f"{int(day)} {MONTHS[int(month) - 1]} {year}"


def episode_line(episode: Episode, stale: bool = False) -> str:
    """One episode as a prompt line: ``- Caroline: ...`` for a turn, ``- t=3: ...`` else;
    a ``stale`` one ends with `STALE_MARK`.

    Example
    -------
    >>> episode_line(Episode(1, 3.0, "You see a  key.", None, ()))
    '- t=3: You see a key.'
    >>> episode_line(Episode(2, 4.0, "I live in Porto.", None, (1,), "ana"), stale=True)
    '- ana: I live in Porto. [no longer current]'
    """
    text = " ".join(episode.text.split())
    line = f"- {episode.speaker}: {text}" if episode.speaker else f"- t={episode.t:g}: {text}"
    return line + STALE_MARK if stale else line


def render_episodes(
    episodes: Iterable[Episode], stale: frozenset[int] | set[int] = frozenset()
) -> list[str]:
    """Lines for the chosen episodes: in time order, a ``[date]`` line before each new date."""
    lines: list[str] = []
    current: str | None = None
    for episode in sorted(episodes, key=lambda e: (e.t, e.id)):
        label = date_label(episode.when)
        if label != current and (label is not None or lines):
            # An undated turn after dated ones must not seem to share their date.
            lines.append(f"[{label or 'undated'}]")
        current = label
        lines.append(episode_line(episode, episode.id in stale))
    return lines


def pack_episodes(
    ranked: Iterable[Episode],
    room: int,
    count: TokenCount,
    header: str,
    stale: frozenset[int] | set[int] = frozenset(),
) -> tuple[list[Episode], int]:
    """The best-ranked episodes whose lines (with ``header`` before the first and a date
    line before each new date; the ``stale`` ones marked) fit in ``room`` tokens; returns
    them and the tokens used.

    Example
    -------
    >>> eps = [Episode(1, 0.0, "Hello there", None, (), "Ann", "2023-05-08")]
    >>> picked, used = pack_episodes(eps, 100, lambda text: len(text.split()), "Turns:")
    >>> [e.id for e in picked], used
    ([1], 11)
    """
    picked: list[Episode] = []
    dates: set[str | None] = set()
    used = 0
    for episode in ranked:
        label = date_label(episode.when)
        line = episode_line(episode, episode.id in stale)
        cost = count(line) + 1 + (0 if picked else count(header) + 1)
        if label not in dates and (label is not None or picked):
            cost += count(f"[{label or 'undated'}]") + 1
        if used + cost > room:
            continue  # a shorter one further down may still fit
        picked.append(episode)
        dates.add(label)
        used += cost
        if room - used < 8:
            break
    return picked, used
