"""The `Store` protocol: what a memory needs from persistence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from mags.core.graph import ChangeSet
from mags.core.model import EntityRecord, Episode, Event, FactRecord


@dataclass
class StoredState:
    """Every record a store holds, as loaded when a memory is opened."""

    entities: list[EntityRecord] = field(default_factory=list)
    facts: list[FactRecord] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class Store(Protocol):
    """Durable storage of a memory's records.

    ``write`` applies one call's `ChangeSet` atomically: after a crash the store holds either
    all of it or none of it.
    """

    def load(self) -> StoredState:
        """Every stored record."""
        ...

    def write(self, changes: ChangeSet) -> None:
        """Persist one call's changes atomically."""
        ...

    def close(self) -> None:
        """Release resources; further calls are errors."""
        ...
