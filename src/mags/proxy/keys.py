"""API keys bound to users: who may read and write whose memory (issue 29).

A key is 32 random bytes (``mags_`` + URL-safe base64), shown once when it is made and
stored only as its SHA-256 (a key has full entropy, so a fast hash is enough: what a
password needs, slow hashing, guards against guessing, which 256 random bits already
defeat). Each key names the users it may act for. The store is a JSON file the admin may
edit (``[{"id", "sha256", "users", "created", "revoked"}]``), rewritten whole through a
temporary file and a rename, so a killed process never leaves half of it.

A request with a bound key acts for its user (or, for a key of several users, for the one
the request names among them); naming another user is refused. The proxy's shared
``--api-key`` stays beside it: the trusted app server that names its users itself.

Example
-------
>>> import tempfile, pathlib
>>> store = KeyStore(pathlib.Path(tempfile.mkdtemp()) / "keys.json")
>>> made = store.create(["ana"])
>>> made.key.startswith("mags_"), store.find(made.key).users
(True, ('ana',))
>>> store.revoke(made.id); store.find(made.key) is None
True
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mags.core.errors import InvalidInputError, MagsError, NotFoundError

PREFIX = "mags_"


def digest(key: str) -> str:
    """The SHA-256 a key is stored and looked up by."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BoundKey:
    """A key as stored: never the key itself."""

    id: str
    sha256: str
    users: tuple[str, ...]
    created: float
    revoked: float | None = None
    expires: float | None = None
    """Unix time after which it is refused (None: never)."""

    def public(self) -> dict[str, Any]:
        """What the admin API shows of it (no hash)."""
        return {"id": self.id, "users": list(self.users), "created": self.created,
                "revoked": self.revoked, "expires": self.expires}  # fmt: skip

    def live(self, now: float) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked is None and (self.expires is None or now < self.expires)


@dataclass(frozen=True)
class NewKey:
    """A key just made: the only time its text exists outside the client."""

    id: str
    key: str
    users: tuple[str, ...]


class OutOfScopeError(MagsError):
    """A key used for a user it does not act for (the surface answers 403, or a tool error)."""


def acting_user(named: str | None, allowed: tuple[str, ...] | list[str], noun: str) -> str:
    """The user a call with a key for ``allowed`` acts for: the one it names (``noun`` says
    how, e.g. "'user'"), which must be among them, or the key's only user.

    Example
    -------
    >>> acting_user(None, ("ana",), "'user'")
    'ana'
    >>> acting_user("bob", ("ana",), "'user'")
    Traceback (most recent call last):
    ...
    mags.proxy.keys.OutOfScopeError: this key may not act for user bob
    """
    if not named:
        if len(allowed) == 1:
            return str(allowed[0])
        raise OutOfScopeError(f"this key acts for several users: name one ({noun})")
    if named not in allowed:
        shown = named if len(named) <= 60 and named.isprintable() else f"{named[:60]!r}..."
        raise OutOfScopeError(f"this key may not act for user {shown}")
    return named


class KeyStore:
    """The keys of one proxy, in a JSON file (see the module)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._keys: dict[str, BoundKey] = {}
        self._by_hash: dict[str, BoundKey] = {}
        self._mtime = -1.0
        self._load()

    def _load(self) -> None:
        """(Re)read the file when it changed: the admin may edit it by hand."""
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._keys, self._by_hash, self._mtime = {}, {}, -1.0
            return
        if mtime == self._mtime:
            return
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            keys = [
                BoundKey(
                    str(r["id"]),
                    str(r["sha256"]),
                    tuple(str(u) for u in r["users"]),
                    float(r.get("created", 0.0)),
                    r.get("revoked"),
                    r.get("expires"),
                )
                for r in rows
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError(
                f"{self.path} is not a key file ({type(exc).__name__}: {exc}); each entry "
                'needs "id", "sha256" and "users"'
            ) from None
        self._keys = {k.id: k for k in keys}
        self._by_hash = {k.sha256: k for k in keys if k.revoked is None}
        self._mtime = mtime

    def _save(self) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        rows = [asdict(k) | {"users": list(k.users)} for k in self._keys.values()]
        partial.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        os.chmod(partial, 0o600)
        partial.replace(self.path)
        self._mtime = self.path.stat().st_mtime
        self._by_hash = {k.sha256: k for k in self._keys.values() if k.revoked is None}

    def __bool__(self) -> bool:
        with self._lock:
            self._load()
            return bool(self._by_hash)

    def create(self, users: list[str], expires_in_s: float | None = None) -> NewKey:
        """A new key for ``users`` (at least one), refused ``expires_in_s`` seconds from now
        (None: until revoked)."""
        names = tuple(dict.fromkeys(u for u in users if isinstance(u, str) and u))
        if not names:
            raise InvalidInputError("a key must name at least one user it acts for")
        if expires_in_s is not None and not expires_in_s > 0:
            raise InvalidInputError(f"expires_in_s must be positive, got {expires_in_s}")
        key = PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        expires = now + expires_in_s if expires_in_s is not None else None
        with self._lock:
            self._load()
            made = BoundKey(secrets.token_hex(8), digest(key), names, now, None, expires)
            self._keys[made.id] = made
            self._save()
        return NewKey(made.id, key, names)

    def list(self) -> list[BoundKey]:
        """Every key, revoked ones included (with the time they were revoked)."""
        with self._lock:
            self._load()
            return list(self._keys.values())

    def revoke(self, key_id: str) -> None:
        """Revoke a key by id: from the next request on it is refused."""
        with self._lock:
            self._load()
            found = self._keys.get(key_id)
            if found is None:
                raise NotFoundError(f"no key with id {key_id!r}")
            if found.revoked is None:
                self._keys[key_id] = BoundKey(
                    found.id, found.sha256, found.users, found.created, time.time(), found.expires
                )
                self._save()

    def find(self, key: str) -> BoundKey | None:
        """The live (not revoked, not expired) key whose text is ``key``, or None."""
        with self._lock:
            self._load()
            found = self._by_hash.get(digest(key))
        return found if found is not None and found.live(time.time()) else None
