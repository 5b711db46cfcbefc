"""Persistence behind the `Store` protocol: SQLite (default for a path) and in-memory."""

from mags.store.base import Store, StoredState
from mags.store.memory import InMemoryStore
from mags.store.sqlite import SQLiteStore

__all__ = ["InMemoryStore", "SQLiteStore", "Store", "StoredState"]
