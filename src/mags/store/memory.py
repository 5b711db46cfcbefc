"""`InMemoryStore`: a memory's history for as long as the process lives."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from mags.core.graph import ChangeSet
from mags.core.model import Event, FactRecord
from mags.store.base import Retention, StoredState


class InMemoryStore:
    """The store of a memory opened without a path: history kept in RAM, nothing on disk.

    The graph holds the active facts; this store keeps what the graph lets go (closed facts,
    events) so that ``history`` and ``events`` answer as they do on a file. Records are
    shared with the graph, not copied: there is only one process and one copy.

    Example
    -------
    >>> store = InMemoryStore()
    >>> store.load().facts
    []
    """

    def __init__(self, retention: Retention | None = None) -> None:
        self.retention = retention or Retention()
        self._facts: dict[int, FactRecord] = {}
        self._ends: dict[int, tuple[int, int]] = {}
        self._by_entity: dict[int, set[int]] = {}
        self._events: list[Event] = []
        self._closing: list[tuple[float, int]] = []  # (closed at, fact id), for retention
        self._closed: set[int] = set()

    def load(self) -> StoredState:
        """An empty state: an in-memory memory always starts empty."""
        return StoredState()

    def catch_up(self) -> StoredState:
        """Nothing: no other process writes this memory."""
        return StoredState()

    @contextmanager
    def turn(self) -> Iterator[StoredState]:
        """Every turn is this process's (its `Memory` serializes the calls)."""
        yield StoredState()

    def write(self, changes: ChangeSet) -> None:
        """Keep the changed facts and new events as history."""
        for fact in changes.facts:
            self._facts[fact.id] = fact
            ends = (fact.subject, fact.object)
            before = self._ends.get(fact.id)
            if before != ends:  # new, or moved by a merge or a split
                for end in before or ():
                    self._by_entity[end].discard(fact.id)
                for end in ends:
                    self._by_entity.setdefault(end, set()).add(fact.id)
                self._ends[fact.id] = ends
            closed = fact.valid_to if fact.valid_to is not None else fact.archived_t
            if closed is not None and fact.id not in self._closed:
                self._closed.add(fact.id)
                heapq.heappush(self._closing, (closed, fact.id))
        self._events.extend(changes.events)
        if changes.events:
            self._retain(changes.events[-1])

    def _retain(self, last: Event) -> None:
        keep = self.retention
        if keep.events is not None and len(self._events) > keep.events:
            del self._events[: len(self._events) - keep.events]
        if keep.closed_for is not None:
            newest = max(self._facts, default=0)
            while self._closing and self._closing[0][0] < last.t - keep.closed_for:
                _, fid = heapq.heappop(self._closing)
                if fid == newest:  # ids are never reused: the newest fact stays
                    continue
                self._closed.discard(fid)
                for end in self._ends.pop(fid):
                    self._by_entity[end].discard(fid)
                del self._facts[fid]

    def history(self, entity_ids: Iterable[int]) -> list[FactRecord]:
        """Every kept fact about one of ``entity_ids``."""
        ids: set[int] = set()
        for eid in entity_ids:
            ids |= self._by_entity.get(eid, set())
        return [self._facts[i] for i in sorted(ids)]

    def facts(self) -> list[FactRecord]:
        """Every kept fact, in id order."""
        return [self._facts[i] for i in sorted(self._facts)]

    def events(self, since: int = 0) -> list[Event]:
        """Kept events after ``since``."""
        events = self._events
        return events[bisect.bisect_right(events, since, key=lambda e: e.seq) :]

    def counts(self) -> dict[str, int]:
        """How many facts and events are kept."""
        return {"facts": len(self._facts), "events": len(self._events)}

    def close(self) -> None:
        """Nothing to release."""
