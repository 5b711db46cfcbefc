"""`CommitStore`: what the SQL stores share around their commit numbers.

Each store reads a snapshot (`load`: the active graph; `catch_up`: rows written since the
commit it last read) and writes in turns; this base turns those two primitives, which each
database does its own way, into the `Store` protocol's `load`, `catch_up` and `write`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager

from mags.core.errors import StoreError
from mags.core.graph import ChangeSet
from mags.store.base import StoredState


class CommitStore(ABC):
    """A store whose commits are numbered and whose rows carry their commit's number."""

    read_only: bool
    _seen: int  # the last commit this store has read (or written)
    _in_turn: bool
    _where: str  # the memory, as error messages name it
    _errors: tuple[type[Exception], ...] = ()  # the driver's errors, reported as StoreError

    @abstractmethod
    def _snapshot(self, since: int | None) -> StoredState:
        """Rows written after commit ``since`` (None: the active graph); marks them read."""

    @abstractmethod
    def turn(self) -> AbstractContextManager[StoredState]:
        """The write turn (see `mags.store.base.Store.turn`)."""

    @abstractmethod
    def _write(self, changes: ChangeSet) -> None:
        """Write one call's changes as the next commit, inside a turn."""

    def load(self) -> StoredState:
        """Every entity and episode, the active facts, and the counters."""
        return self._snapshot(None)

    def catch_up(self) -> StoredState:
        """Rows other writers committed since this store's last read."""
        return self._snapshot(self._seen)

    def write(self, changes: ChangeSet) -> None:
        """Persist one call's changes as one commit (inside a turn, or a turn of its own)."""
        if self.read_only:
            raise StoreError(f"{self._where} was opened read-only; open it without read_only")
        if not changes:
            return
        if not self._in_turn:
            with self.turn():
                self.write(changes)
            return
        try:
            self._write(changes)
        except self._errors as exc:
            raise StoreError(f"cannot write {self._where}: {str(exc).strip()}") from exc
