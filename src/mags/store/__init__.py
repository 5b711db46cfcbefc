"""Persistence behind the `Store` protocol: in memory, SQLite (a path) and PostgreSQL (a
``postgresql://`` URL, `mags.store.postgres`, imported only when used)."""

from mags.store.base import Retention, Store, StoredState
from mags.store.memory import InMemoryStore
from mags.store.sqlite import SQLiteStore

__all__ = ["InMemoryStore", "Retention", "SQLiteStore", "Store", "StoredState"]
