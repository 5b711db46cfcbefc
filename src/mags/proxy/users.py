"""Each user's memory behind a hard storage boundary: its own file, or its own schema.

A user is any non-empty name (the OpenAI ``user`` field, an MCP tool's ``user`` argument).
Under a data folder each one gets a folder named by a readable slug and a hash of the name;
in a PostgreSQL database (``--data postgresql://...``) a schema of its own
(`mags.proxy.directory`). No query of one user's memory can reach another's. Reading a user
who was never written opens nothing and creates nothing.

Example
-------
>>> import tempfile
>>> users = UserMemories(tempfile.mkdtemp())
>>> with users.turn("Ana") as (memory, t):
...     _ = memory.observe_turn("I work as a nurse.", t, "Ana", source="user")
>>> users.names()
['Ana']
>>> users.open("Bob") is None          # write as Ana, read as Bob: nothing
True
>>> users.close()
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.core.schema import chat_schema
from mags.extract.base import Extractor
from mags.extract.chat_rules import ChatRuleExtractor
from mags.memory import Memory
from mags.proxy.directory import open_directory

#: Longest user name accepted (OpenAI's ``user`` field is an opaque id; 256 is generous).
MAX_USER_CHARS = 256
#: Memories kept open at once; the least recently used one is closed beyond this.
MAX_OPEN = 64


def check_user(user: object) -> str:
    """A valid user name, or `InvalidInputError` saying what is wrong with it."""
    if not isinstance(user, str) or not user.strip():
        raise InvalidInputError(f"a user must be a non-empty string, got {user!r:.80}")
    if len(user) > MAX_USER_CHARS:
        raise InvalidInputError(f"a user name has at most {MAX_USER_CHARS} characters")
    if any(ord(c) < 32 for c in user):
        raise InvalidInputError("a user name must not contain control characters")
    return user


class UserMemories:
    """The memories of many users under one folder, opened on demand and cached.

    ``extractor`` makes the extractor each memory uses (the chat rules by default);
    ``config`` its hyperparameters (`MemoryConfig.for_chat` by default). Thread-safe: a
    user's `turn` holds that user's lock, so turns of one user are numbered in order while
    other users proceed.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        config: MemoryConfig | None = None,
        extractor: Callable[[], Extractor] = ChatRuleExtractor,
        max_open: int = MAX_OPEN,
    ) -> None:
        self.directory = open_directory(root)
        self.config = config or MemoryConfig.for_chat()
        self._extractor = extractor
        self._max_open = max_open
        self._open: OrderedDict[str, Memory] = OrderedDict()
        self._locks: dict[str, threading.RLock] = {}
        self._lock = threading.Lock()

    def exists(self, user: str) -> bool:
        """Whether ``user`` has a memory."""
        return self.directory.exists(check_user(user))

    def names(self) -> list[str]:
        """Every user with a memory, sorted."""
        return self.directory.names()

    def mark(self, user: str) -> int:
        """The last of ``user``'s episodes the background extraction finished."""
        return self.directory.mark(check_user(user))

    def set_mark(self, user: str, episode: int) -> None:
        """Record that the background extraction finished ``episode``."""
        self.directory.set_mark(check_user(user), episode)

    def lock(self, user: str) -> threading.RLock:
        """The lock that orders ``user``'s writes."""
        with self._lock:
            return self._locks.setdefault(check_user(user), threading.RLock())

    def open(self, user: str, *, create: bool = False) -> Memory | None:
        """``user``'s memory; None when it has none and ``create`` is False."""
        user = check_user(user)
        with self._lock:
            memory = self._open.get(user)
            if memory is not None:
                self._open.move_to_end(user)
                return memory
            if not self.directory.exists(user):
                if not create:
                    return None
                self.directory.register(user)
            memory = Memory.open(
                self.directory.target(user),
                self.config,
                schema=chat_schema(),
                extractor=self._extractor(),
            )
            self._open[user] = memory
            while len(self._open) > self._max_open:
                _, oldest = self._open.popitem(last=False)
                oldest.close()
            return memory

    @contextlib.contextmanager
    def turn(self, user: str) -> Iterator[tuple[Memory, float]]:
        """Hold ``user``'s lock and yield its memory (created if new) and the next turn's
        ``t`` (one more than the latest; 0 for a new memory)."""
        with self.lock(user):
            memory = self.open(user, create=True)
            assert memory is not None
            yield memory, next_turn(memory)

    def delete(self, user: str) -> bool:
        """Erase ``user``'s memory; False when there was none."""
        with self.lock(user), self._lock:
            memory = self._open.pop(user, None)
            if memory is not None:
                memory.close()
            return self.directory.delete(user)

    def export(self, user: str) -> dict[str, Any] | None:
        """Everything stored about ``user`` as JSON-able data (None: no such user)."""
        memory = self.open(user)
        if memory is None:
            return None
        with self.lock(user):
            return {
                "user": user,
                "t": max(memory.now, 0.0),
                "facts": [f.to_dict() for f in memory.all_facts()],
                "episodes": [e.to_dict() for e in memory.episodes()],
                "events": [e.to_dict() for e in memory.events()],
            }

    def close(self) -> None:
        """Close every open memory."""
        with self._lock:
            while self._open:
                _, memory = self._open.popitem()
                memory.close()


def next_turn(memory: Memory) -> float:
    """The ``t`` of the next turn: one past the latest change (1 for an empty memory)."""
    return float(math.floor(memory.now) + 1)
