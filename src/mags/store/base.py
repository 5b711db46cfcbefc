"""The `Store` protocol: what a memory needs from persistence.

A memory keeps its active graph in RAM and leaves history to the store: superseded and
archived facts and the event log are read on demand (`history`, `events`). Several
processes may write one stored memory: each write happens in a *turn* (`turn`), which
other writers wait for, and starts by reading what they committed since (so every write
applies on top of theirs and nothing is lost). A reader catches up the same way
(`catch_up`), reading only what was committed since its last read.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from mags.core.graph import ChangeSet
from mags.core.model import EntityRecord, Episode, Event, FactRecord


@dataclass
class StoredState:
    """Records read from a store: at open, the active graph (every entity and episode,
    the active facts); on a catch-up, what was committed since the last read (closed facts
    included, so that the active graph can let them go). The counters are the store's:
    it has seen facts and events that RAM never holds."""

    entities: list[EntityRecord] = field(default_factory=list)
    facts: list[FactRecord] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    last_seq: int = 0
    now: float = float("-inf")
    next_fact_id: int = 1
    next_batch: int = 1

    def __bool__(self) -> bool:
        return bool(self.entities or self.facts or self.episodes or self.last_seq)


@dataclass(frozen=True)
class Retention:
    """How much history a store keeps; applied on every write, a little at a time.

    ``events``: keep the newest this many events (None: all). ``closed_for``: keep a
    superseded or archived fact until this much logical time has passed since it closed
    (None: for ever). The newest event and fact always stay, so ids are never reused.

    Example
    -------
    >>> Retention(events=10_000, closed_for=1_000.0).events
    10000
    """

    events: int | None = None
    closed_for: float | None = None

    def __post_init__(self) -> None:
        if self.events is not None and (isinstance(self.events, bool) or self.events < 1):
            raise ValueError(f"Retention.events must be at least 1, got {self.events!r}")
        if self.closed_for is not None and not self.closed_for >= 0:
            raise ValueError(f"Retention.closed_for must be >= 0, got {self.closed_for!r}")

    @property
    def keeps_everything(self) -> bool:
        """Whether nothing is ever dropped."""
        return self.events is None and self.closed_for is None


class Store(Protocol):
    """Durable storage of a memory's records.

    ``write`` applies one call's `ChangeSet` atomically: after a crash the store holds either
    all of it or none of it.
    """

    def load(self) -> StoredState:
        """The active graph (and counters); marks everything as read."""
        ...

    def catch_up(self) -> StoredState:
        """What other writers committed since the last read; marks it as read."""
        ...

    def turn(self) -> AbstractContextManager[StoredState]:
        """Take the write turn: other writers wait until it ends. Yields what they
        committed since the last read; a `write` inside commits when the turn ends, and an
        exception rolls it back."""
        ...

    def write(self, changes: ChangeSet) -> None:
        """Persist one call's changes atomically."""
        ...

    def history(self, entity_ids: Iterable[int]) -> list[FactRecord]:
        """Every stored fact with one of ``entity_ids`` as subject or object."""
        ...

    def facts(self) -> list[FactRecord]:
        """Every stored fact, current and closed, in id order."""
        ...

    def events(self, since: int = 0) -> list[Event]:
        """Stored events with sequence number greater than ``since``, oldest first."""
        ...

    def counts(self) -> dict[str, int]:
        """How many facts and events are stored: ``{"facts": n, "events": n}``."""
        ...

    def close(self) -> None:
        """Release resources; further calls are errors."""
        ...
