"""Where the users of a proxy or MCP server are kept: a folder, or a PostgreSQL database.

A directory knows which users exist, where each one's memory is (what `Memory.open` takes),
and how far the background extraction has read each one (its *mark*). With a folder, each
user has a folder ``slug-sha256`` holding ``memory.db``, ``user.json`` (the name) and
``extracted.json`` (the mark). With a database, each user's memory is its own schema
(`mags.store.postgres`), and the names and marks are rows of ``mags_users``; several
proxies on several machines may share one.

Example
-------
>>> import tempfile
>>> folder = FolderDirectory(tempfile.mkdtemp())
>>> folder.register("Ana"); folder.names(), folder.mark("Ana")
(['Ana'], 0)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from mags.memory import POSTGRES_SCHEMES

MEMORY_FILE = "memory.db"
NAME_FILE = "user.json"
MARK_FILE = "extracted.json"


def user_folder_name(user: str) -> str:
    """The folder of ``user``: a readable slug and 16 hex digits of its SHA-256, so that
    names differing only in case or punctuation never share a folder.

    >>> user_folder_name("Ana María")
    'ana-mar-a-8358ed271ba38466'
    """
    slug = re.sub(r"[^a-z0-9_]+", "-", user.lower()).strip("-")[:40] or "user"
    return f"{slug}-{hashlib.sha256(user.encode()).hexdigest()[:16]}"


class UserDirectory(Protocol):
    """The users of one proxy or MCP server (see the module)."""

    def target(self, user: str) -> str:
        """What `Memory.open` takes for ``user``'s memory."""
        ...

    def exists(self, user: str) -> bool:
        """Whether ``user`` has a memory."""
        ...

    def register(self, user: str) -> None:
        """Record ``user`` before its memory is first written."""
        ...

    def names(self) -> list[str]:
        """Every user, sorted."""
        ...

    def delete(self, user: str) -> bool:
        """Erase ``user`` and its memory (its memory must be closed); False if unknown."""
        ...

    def mark(self, user: str) -> int:
        """The last episode of ``user`` the extraction finished (0: none)."""
        ...

    def set_mark(self, user: str, episode: int) -> None:
        """Record that the extraction finished ``episode``."""
        ...


def open_directory(data: str | Path) -> UserDirectory:
    """A folder, or a database for a ``postgresql://`` URL."""
    if isinstance(data, str) and data.startswith(POSTGRES_SCHEMES):
        return PostgresDirectory(data)
    return FolderDirectory(data)


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


class FolderDirectory:
    """Users as folders under ``ROOT/users`` (see the module)."""

    def __init__(self, root: str | Path) -> None:
        self.folder = Path(root) / "users"
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, user: str) -> Path:
        """The folder of ``user`` (it may not exist yet)."""
        return self.folder / user_folder_name(user)

    def target(self, user: str) -> str:
        return str(self.path(user) / MEMORY_FILE)

    def exists(self, user: str) -> bool:
        return (self.path(user) / MEMORY_FILE).exists()

    def register(self, user: str) -> None:
        self.path(user).mkdir(parents=True, exist_ok=True)
        write_json(self.path(user) / NAME_FILE, {"user": user})

    def names(self) -> list[str]:
        names = []
        for folder in self.folder.iterdir():
            try:
                names.append(json.loads((folder / NAME_FILE).read_text())["user"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a folder being created or deleted right now
        return sorted(names)

    def delete(self, user: str) -> bool:
        folder = self.path(user)
        if not folder.exists():
            return False
        shutil.rmtree(folder)
        return True

    def mark(self, user: str) -> int:
        return int(read_json(self.path(user) / MARK_FILE, {}).get("episode", 0))

    def set_mark(self, user: str, episode: int) -> None:
        write_json(self.path(user) / MARK_FILE, {"episode": episode})


class PostgresDirectory:
    """Users as rows of ``mags_users`` beside their memories' schemas (see the module)."""

    def __init__(self, url: str) -> None:
        import psycopg  # only when a database is asked for

        from mags.store.postgres import describe, split_url

        self.url = split_url(url)[0]
        try:
            self._db = psycopg.connect(self.url, autocommit=True)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS mags_users (name TEXT PRIMARY KEY, "
                "extracted BIGINT NOT NULL DEFAULT 0)"
            )
        except psycopg.errors.UniqueViolation:
            pass  # another process created it at the same moment
        except psycopg.Error as exc:
            from mags.core.errors import StoreError

            raise StoreError(
                f"cannot use PostgreSQL at {describe(self.url)}: {str(exc).strip()}; "
                "check that the server runs and the URL is right"
            ) from None

    def target(self, user: str) -> str:
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}memory={quote(user, safe='')}"

    def exists(self, user: str) -> bool:
        row = self._db.execute("SELECT 1 FROM mags_users WHERE name = %s", (user,)).fetchone()
        return row is not None

    def register(self, user: str) -> None:
        self._db.execute(
            "INSERT INTO mags_users (name) VALUES (%s) ON CONFLICT DO NOTHING", (user,)
        )

    def names(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM mags_users ORDER BY name")]

    def delete(self, user: str) -> bool:
        from psycopg import sql

        from mags.store.postgres import schema_name

        drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema_name(user)))
        with self._db.transaction():
            gone = self._db.execute("DELETE FROM mags_users WHERE name = %s", (user,)).rowcount
            self._db.execute(drop)
        return bool(gone)

    def mark(self, user: str) -> int:
        row = self._db.execute(
            "SELECT extracted FROM mags_users WHERE name = %s", (user,)
        ).fetchone()
        return int(row[0]) if row else 0

    def set_mark(self, user: str, episode: int) -> None:
        self._db.execute("UPDATE mags_users SET extracted = %s WHERE name = %s", (episode, user))
