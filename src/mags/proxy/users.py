"""Each user's memory behind a hard storage boundary: its own folder and SQLite file.

A user is any non-empty name (the OpenAI ``user`` field, an MCP tool's ``user`` argument).
Under ``DATA/users/`` each one gets a folder named by a readable slug and a hash of the
name, holding ``memory.db`` (the user's `Memory`) and ``user.json`` (the name itself). No
query of one user's memory can reach another's: they are different files. Reading a user
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
import hashlib
import json
import math
import os
import re
import shutil
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

#: Longest user name accepted (OpenAI's ``user`` field is an opaque id; 256 is generous).
MAX_USER_CHARS = 256
#: Memories kept open at once; the least recently used one is closed beyond this.
MAX_OPEN = 64
MEMORY_FILE = "memory.db"
NAME_FILE = "user.json"


def check_user(user: object) -> str:
    """A valid user name, or `InvalidInputError` saying what is wrong with it."""
    if not isinstance(user, str) or not user.strip():
        raise InvalidInputError(f"a user must be a non-empty string, got {user!r:.80}")
    if len(user) > MAX_USER_CHARS:
        raise InvalidInputError(f"a user name has at most {MAX_USER_CHARS} characters")
    if any(ord(c) < 32 for c in user):
        raise InvalidInputError("a user name must not contain control characters")
    return user


def user_folder_name(user: str) -> str:
    """The folder of ``user``: a readable slug and 16 hex digits of its SHA-256, so that
    names differing only in case or punctuation never share a folder.

    >>> user_folder_name("Ana María")
    'ana-mar-a-8358ed271ba38466'
    """
    slug = re.sub(r"[^a-z0-9_]+", "-", user.lower()).strip("-")[:40] or "user"
    return f"{slug}-{hashlib.sha256(user.encode()).hexdigest()[:16]}"


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
        self.root = Path(root)
        self.folder = self.root / "users"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config = config or MemoryConfig.for_chat()
        self._extractor = extractor
        self._max_open = max_open
        self._open: OrderedDict[str, Memory] = OrderedDict()
        self._locks: dict[str, threading.RLock] = {}
        self._lock = threading.Lock()

    def path(self, user: str) -> Path:
        """The folder that holds ``user``'s memory (it may not exist yet)."""
        return self.folder / user_folder_name(check_user(user))

    def exists(self, user: str) -> bool:
        """Whether ``user`` has a memory on disk."""
        return (self.path(user) / MEMORY_FILE).exists()

    def names(self) -> list[str]:
        """Every user with a memory, sorted."""
        names = []
        for folder in self.folder.iterdir():
            try:
                names.append(json.loads((folder / NAME_FILE).read_text())["user"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a folder being created or deleted right now
        return sorted(names)

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
            folder = self.path(user)
            if not (folder / MEMORY_FILE).exists():
                if not create:
                    return None
                folder.mkdir(parents=True, exist_ok=True)
                write_json(folder / NAME_FILE, {"user": user})
            memory = Memory.open(
                folder / MEMORY_FILE,
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
        """Erase ``user``'s memory from disk; False when there was none."""
        with self.lock(user), self._lock:
            memory = self._open.pop(user, None)
            if memory is not None:
                memory.close()
            folder = self.path(user)
            if not folder.exists():
                return False
            shutil.rmtree(folder)
            return True

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
    """The ``t`` of the next turn: one past the latest change, 0 for an empty memory."""
    now = memory.now
    return 0.0 if now == -math.inf else float(math.floor(now) + 1)


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically: a crash leaves the old file or the new one, never half."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


def read_json(path: Path, default: Any) -> Any:
    """JSON from ``path``, or ``default`` when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default
