"""`InMemoryStore`: keeps nothing beyond the process (the graph already holds the state)."""

from __future__ import annotations

from mags.core.graph import ChangeSet
from mags.store.base import StoredState


class InMemoryStore:
    """A store for memories opened without a path: writes are no-ops.

    Example
    -------
    >>> store = InMemoryStore()
    >>> store.load().facts
    []
    """

    def load(self) -> StoredState:
        """An empty state: an in-memory memory always starts empty."""
        return StoredState()

    def write(self, changes: ChangeSet) -> None:
        """Nothing to do: the records live in the graph itself."""

    def close(self) -> None:
        """Nothing to release."""
