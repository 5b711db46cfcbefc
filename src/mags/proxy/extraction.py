"""Fact extraction off the request path: a bounded queue, one worker, resumable.

The proxy stores each turn as an episode before it answers (nothing acknowledged is lost)
and hands the user to this queue; the worker extracts the user's episodes it has not read
yet, in order, and records the last one it finished as the user's mark (a file beside the
memory, or a row in the database; `mags.proxy.directory`). After a restart, `resume`
queues every user whose memory holds episodes past that mark. A full queue drops nothing:
the user's unread episodes stay stored and are read when the user is queued again or at the
next start.

Example
-------
>>> import tempfile
>>> from mags.proxy.users import UserMemories
>>> users = UserMemories(tempfile.mkdtemp())
>>> with users.turn("Ana") as (memory, t):
...     _ = memory.observe_turn("I work as a nurse.", t, "Ana", source="user", extract=False)
>>> queue = ExtractionQueue(users).start()
>>> queue.submit("Ana"), queue.drain()
(True, True)
>>> [(f.relation, f.object) for f in users.open("Ana").facts_about("Ana", t=1)]
[('works_as', 'nurse')]
>>> queue.stop(); users.close()
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from mags.core.errors import ExtractionError
from mags.proxy.users import UserMemories

log = logging.getLogger(__name__)

#: Users waiting at most; beyond it a submit is dropped (the episodes wait on disk).
QUEUE_SIZE = 1024
#: The roles a turn's episode records as its ``source``; only a user's turn is evidence
#: about the user (an assistant's reply is remembered, never extracted as user facts).
USER_SOURCE = "user"
ASSISTANT_SOURCE = "assistant"


class ExtractionQueue:
    """Extract users' new turns in a background thread (see the module)."""

    def __init__(self, users: UserMemories, size: int = QUEUE_SIZE) -> None:
        self.users = users
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=size)
        self._waiting: set[str] = set()
        self._working: str | None = None
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.extracted = 0
        self.failed = 0

    def start(self) -> ExtractionQueue:
        """Start the worker (again, after `stop`)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="mags-extract", daemon=True)
            self._thread.start()
        return self

    def submit(self, user: str) -> bool:
        """Queue ``user``'s unread turns; False when the queue is full (they wait on disk)."""
        with self._lock:
            if user in self._waiting:
                return True
            try:
                self._queue.put_nowait(user)
            except queue.Full:
                log.warning("extraction queue full; %r's turns wait for the next pass", user)
                return False
            self._waiting.add(user)
            self._idle.clear()
            return True

    def resume(self) -> int:
        """Queue every user with turns not yet extracted (after a restart); returns how
        many were queued."""
        queued = 0
        for user in self.users.names():
            memory = self.users.open(user)
            if memory is not None and memory.episodes(since=self.mark(user)):
                queued += self.submit(user)
        return queued

    def mark(self, user: str) -> int:
        """The id of the last episode of ``user`` that extraction finished."""
        return self.users.mark(user)

    def pending(self) -> int:
        """Users queued or being worked on."""
        with self._lock:
            return len(self._waiting) + (self._working is not None)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until the queue is empty and the worker idle; False on timeout."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the user in hand and stop (what is still queued waits on disk)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            user = self._queue.get()
            if user is None:
                return
            with self._lock:
                # Out of the waiting set before reading: a turn stored while this user is
                # worked on queues them again (else that turn would wait for their next one).
                self._waiting.discard(user)
                self._working = user
            try:
                self._extract(user)
            except Exception:  # never let one user's trouble stop the others'
                log.exception("extraction for %r failed; its turns are kept", user)
            finally:
                with self._lock:
                    self._working = None
                    if not self._waiting:
                        self._idle.set()

    def _extract(self, user: str) -> None:
        memory = self.users.open(user)
        if memory is None:
            return  # deleted meanwhile
        for episode in memory.episodes(since=self.mark(user)):
            if episode.source != ASSISTANT_SOURCE:  # the assistant's words are not evidence
                started = time.perf_counter()
                try:
                    memory.extract_episode(episode.id, role=USER_SOURCE)
                    self.extracted += 1
                except ExtractionError as exc:
                    self.failed += 1
                    log.warning("%s (user %r)", exc, user)
                log.debug(
                    "episode %d extracted in %.1f ms",
                    episode.id,
                    1000 * (time.perf_counter() - started),
                )
            self.users.set_mark(user, episode.id)
