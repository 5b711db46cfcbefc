"""One writer per memory file: an advisory lock the second writer meets at open.

Two processes (or two `Memory` objects) writing one SQLite memory would each apply their
calls to their own copy of the graph and collide on the store's sequence numbers mid-write.
Instead the writer holds ``flock`` on ``<file>.lock`` (with its pid inside) for as long as
the memory is open; a second writer gets a clear `StoreError` at open, and readers
(``read_only=True``) need no lock. The kernel releases the lock when the process dies,
kill -9 included, so a crash never leaves a memory locked.

Example
-------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "memory.db")
>>> first = WriterLock.acquire(path)
>>> WriterLock.acquire(path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mags.core.errors.StoreError: .../memory.db is open for writing in this process (pid ...)...
>>> first.release(); WriterLock.acquire(path).release()
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from mags.core.errors import StoreError


class WriterLock:
    """The exclusive right to write one memory file (see the module)."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, memory_path: str | Path) -> WriterLock:
        """Take the lock of ``memory_path`` or raise `StoreError` naming its holder."""
        memory = Path(memory_path)
        path = memory.with_name(memory.name + ".lock")
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            where = "this process" if holder == str(os.getpid()) else "another process"
            raise StoreError(
                f"{memory} is open for writing in {where} (pid {holder}); one writer at a "
                "time: close it there first, or open this one with read_only=True to read"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        """Give the lock up (closing the file does; the lock file itself stays)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
