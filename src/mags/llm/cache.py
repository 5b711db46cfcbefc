"""`ResponseCache`: LLM replies in one SQLite file, so benchmark reruns are repeatable and free.

A request is keyed by the SHA-256 of a canonical JSON of everything that shapes the reply:
the endpoint's base URL, the model, the messages exactly as sent, and the parameters
(temperature and the ``response_format``, which carries the structured-output mode and the
schema). The raw completion text is stored, not the parsed result, so the tolerant parsing
and the repair attempt replay exactly as they ran. Only successful completions are stored.

The file is in WAL mode and every write is one transaction, so a process killed mid-write
leaves the cache as it was before that write. A damaged file, or one that is not a MAGS
cache, raises `LLMCacheError` saying to delete it: the cache only holds replies that the
next run fetches again.

Example
-------
>>> cache = ResponseCache(":memory:")
>>> request = {"endpoint": "http://h/v1", "model": "m", "messages": [], "temperature": 0.0}
>>> cache.get(request) is None
True
>>> cache.put(request, CachedReply("hello", 12, 1))
>>> cache.get(request), len(cache)
(CachedReply(text='hello', prompt_tokens=12, completion_tokens=1), 1)
>>> cache.close()
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mags.core.errors import StoreError

#: The table layout this module reads and writes (``PRAGMA user_version``).
SCHEMA_VERSION = 1

#: Part of every key: bump it when what goes into a key changes, so old entries just miss.
KEY_VERSION = 1

_SCHEMA = """
CREATE TABLE responses (
    key TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created_at TEXT NOT NULL
)
"""

_SELECT = "SELECT response, prompt_tokens, completion_tokens FROM responses WHERE key = ?"

_DELETE_ADVICE = (
    "delete the file (it only holds cached LLM replies; the next run fetches them again) "
    "or point MAGS_LLM_CACHE elsewhere"
)


class LLMCacheError(StoreError):
    """The response cache file could not be opened, read or written; the message says why."""


@dataclass(frozen=True, slots=True)
class CachedReply:
    """A stored completion: its raw text and the usage the endpoint reported.

    The token counts are None when the endpoint reported no usage; the client then estimates
    them from the text, as it did on the first call.
    """

    text: str
    prompt_tokens: int | None
    completion_tokens: int | None


def canonical_json(request: Mapping[str, Any]) -> str:
    """``request`` as JSON with sorted keys and no spaces: equal requests, equal strings.

    Example
    -------
    >>> canonical_json({"b": 1, "a": [{"y": 2, "x": "é"}]})
    '{"a":[{"x":"é","y":2}],"b":1}'
    """
    return json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(request: Mapping[str, Any]) -> str:
    """The cache key of ``request``: SHA-256 (hex) of its canonical JSON and the key version.

    Example
    -------
    >>> a = cache_key({"model": "m", "temperature": 0.0})
    >>> a == cache_key({"temperature": 0.0, "model": "m"}), len(a)
    (True, 64)
    >>> a == cache_key({"model": "m", "temperature": 0.5})
    False
    """
    keyed = {"key_version": KEY_VERSION, "request": request}
    return hashlib.sha256(canonical_json(keyed).encode("utf-8")).hexdigest()


class ResponseCache:
    """LLM completions in one SQLite file, keyed by the request; safe to share between threads.

    ``path`` is the file (created, with its folder, if missing) or ``":memory:"``. A request
    is a JSON-able mapping; its ``endpoint`` and ``model`` entries are also stored in columns
    of their own, for people reading the file.

    Raises
    ------
    LLMCacheError: the file is damaged, is not a MAGS cache, or was written by a newer MAGS.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # One connection, shared by the client's threads; the lock serialises its use.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode survives a killed process; only power loss may drop the
            # last commits (never corrupt the file).
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            self._close_quietly()
            raise self._failure("cannot open", exc) from None
        except LLMCacheError:
            self._close_quietly()
            raise

    def _migrate(self) -> None:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version == 0:
                tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise LLMCacheError(
                        f"{self.path} is an SQLite file but not a MAGS response cache; "
                        "give MAGS_LLM_CACHE (cache_path) a file of its own"
                    )
                db.execute(_SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise LLMCacheError(
                    f"the response cache {self.path} has schema version {version}, which "
                    f"this MAGS does not read (it reads {SCHEMA_VERSION}); {_DELETE_ADVICE}"
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def get(self, request: Mapping[str, Any]) -> CachedReply | None:
        """The stored reply to ``request``, or None when there is none."""
        key = cache_key(request)
        with self._lock:
            try:
                row = self._connection().execute(_SELECT, (key,)).fetchone()
            except sqlite3.Error as exc:
                raise self._failure("cannot read", exc) from None
        if row is None:
            return None
        return CachedReply(str(row[0]), _int_or_none(row[1]), _int_or_none(row[2]))

    def put(self, request: Mapping[str, Any], reply: CachedReply) -> None:
        """Store ``reply`` as the answer to ``request`` (one transaction; a stored key wins)."""
        key = cache_key(request)
        row = (
            key,
            str(request.get("endpoint", "")),
            str(request.get("model", "")),
            canonical_json(request),
            reply.text,
            reply.prompt_tokens,
            reply.completion_tokens,
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._lock:
            try:
                # Autocommit: the single statement is its own transaction. Two threads that
                # missed on the same request both store; the first reply stays.
                self._connection().execute(
                    "INSERT OR IGNORE INTO responses (key, endpoint, model, request, response, "
                    "prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.Error as exc:
                raise self._failure("cannot write", exc) from None

    def __len__(self) -> int:
        with self._lock:
            try:
                return int(
                    self._connection().execute("SELECT count(*) FROM responses").fetchone()[0]
                )
            except sqlite3.Error as exc:
                raise self._failure("cannot read", exc) from None

    def close(self) -> None:
        """Close the file; further use raises `LLMCacheError`. Closing twice is harmless."""
        with self._lock:
            self._close_quietly()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers --------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise LLMCacheError(f"the response cache {self.path} is closed")
        return self._db

    def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def _failure(self, doing: str, exc: BaseException) -> LLMCacheError:
        """A clear error for an SQLite or OS failure on the cache file."""
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
            return LLMCacheError(
                f"{doing} the response cache {self.path}: it is locked ({text}); another "
                "process may be holding it, so wait for it or give this run another cache file"
            )
        return LLMCacheError(
            f"{doing} the response cache {self.path} ({type(exc).__name__}: {text}): the file "
            f"is damaged, unreadable or not a MAGS cache; {_DELETE_ADVICE}"
        )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None
