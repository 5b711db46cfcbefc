"""`SQLiteStore`: one SQLite file per memory, WAL mode, one transaction per call.

WAL lets readers (another process opening the file read-only) read while a writer writes.
Every call's changes go in one ``BEGIN IMMEDIATE ... COMMIT``: a process killed mid-write
loses at most that call, and SQLite's journal keeps the file consistent. The schema is
versioned with ``PRAGMA user_version`` and upgraded by the migrations below.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mags.core.errors import SchemaVersionError, StoreError
from mags.core.graph import ChangeSet
from mags.core.model import EntityRecord, Episode, Event, FactRecord, Qualifiers
from mags.store.base import StoredState
from mags.store.writer_lock import WriterLock


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT first and break the migration's transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _migration_1(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE entities (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
            aliases TEXT NOT NULL, created_t REAL NOT NULL, archived_t REAL,
            merged_into INTEGER
        );
        CREATE TABLE facts (
            id INTEGER PRIMARY KEY, subject INTEGER NOT NULL, relation TEXT NOT NULL,
            object INTEGER NOT NULL, qualifiers TEXT, confidence REAL NOT NULL,
            strength REAL NOT NULL, t0 REAL NOT NULL, tau REAL NOT NULL,
            evidence INTEGER NOT NULL, importance REAL NOT NULL, floor REAL NOT NULL,
            valid_from REAL NOT NULL, valid_to REAL, archived_t REAL, archive_reason TEXT,
            episode INTEGER, batch INTEGER NOT NULL, superseded_by INTEGER,
            version INTEGER NOT NULL
        );
        CREATE TABLE episodes (
            id INTEGER PRIMARY KEY, t REAL NOT NULL, text TEXT NOT NULL, source TEXT,
            fact_ids TEXT NOT NULL
        );
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY, t REAL NOT NULL, kind TEXT NOT NULL,
            facts TEXT NOT NULL, entities TEXT NOT NULL, data TEXT NOT NULL
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    )


def _migration_2(db: sqlite3.Connection) -> None:
    # Chat turns: who said an episode and when (wall-clock, ISO 8601).
    _run_script(
        db,
        """
        ALTER TABLE episodes ADD COLUMN speaker TEXT;
        ALTER TABLE episodes ADD COLUMN wall_time TEXT;
        """,
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migration_1, _migration_2]
"""Migration ``i`` brings a file from schema version ``i`` to ``i + 1``. Append only."""
SCHEMA_VERSION = len(MIGRATIONS)


def _qualifiers_out(q: Qualifiers) -> str | None:
    return json.dumps([list(p) for p in q]) if q else None


def _qualifiers_in(text: str | None) -> Qualifiers:
    return tuple((k, v) for k, v in json.loads(text)) if text else ()


def _fact_in(r: tuple[Any, ...]) -> FactRecord:
    return FactRecord(
        id=r[0],
        subject=r[1],
        relation=r[2],
        object=r[3],
        qualifiers=_qualifiers_in(r[4]),
        confidence=r[5],
        strength=r[6],
        t0=r[7],
        tau=r[8],
        evidence=r[9],
        importance=r[10],
        floor=r[11],
        valid_from=r[12],
        valid_to=r[13],
        archived_t=r[14],
        archive_reason=r[15],
        episode=r[16],
        batch=r[17],
        superseded_by=r[18],
        version=r[19],
    )


class SQLiteStore:
    """A memory in one SQLite file.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "memory.db")
    >>> store = SQLiteStore(path)
    >>> store.load().facts
    []
    >>> store.close()
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path} does not exist; a read-only memory needs a file")
        if not read_only and not self.path.parent.is_dir():
            raise StoreError(f"cannot create {self.path}: folder {self.path.parent} does not exist")
        # One writer per file: a second one is told at open, never mid-write.
        self._writer = None if read_only else WriterLock.acquire(self.path)
        try:
            uri = f"file:{self.path}?mode=ro" if read_only else f"file:{self.path}"
            # Any thread may call: `Memory` serializes every call under its own lock (a
            # server answers from a thread pool and extracts in a worker thread).
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 10000")
            if not read_only:
                self._db.execute("PRAGMA journal_mode = WAL")
                # NORMAL in WAL mode survives a killed process; only power loss may drop the
                # last commits (never corrupt the file).
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
            else:
                self._check_version(self._version())
        except sqlite3.DatabaseError as exc:
            self._release()
            raise StoreError(
                f"{self.path} is not a usable MAGS memory file ({exc}); "
                "open another path or restore it from a backup"
            ) from None

    def _version(self) -> int:
        row = self._db.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} has schema version {version}, newer than this MAGS "
                f"understands ({SCHEMA_VERSION}); upgrade MAGS to open it"
            )

    def _migrate(self) -> None:
        version = self._version()
        self._check_version(version)
        if version == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()  # another process may have migrated meanwhile
            for migration in MIGRATIONS[version:]:
                migration(self._db)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def load(self) -> StoredState:
        """Every stored record, in id order."""
        db = self._db
        try:
            db.execute("BEGIN")  # one consistent snapshot even while a writer commits
            state = StoredState(
                entities=[
                    EntityRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6])
                    for r in db.execute("SELECT * FROM entities ORDER BY id")
                ],
                facts=[_fact_in(r) for r in db.execute("SELECT * FROM facts ORDER BY id")],
                episodes=[
                    Episode(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6])
                    for r in db.execute(
                        "SELECT id, t, text, source, fact_ids, speaker, wall_time "
                        "FROM episodes ORDER BY id"
                    )
                ],
                events=[
                    Event(
                        r[0],
                        r[1],
                        r[2],
                        tuple(json.loads(r[3])),
                        tuple(json.loads(r[4])),
                        json.loads(r[5]),
                    )
                    for r in db.execute("SELECT * FROM events ORDER BY seq")
                ],
            )
            db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError(f"cannot read {self.path}: {exc}") from None
        return state

    def write(self, changes: ChangeSet) -> None:
        """Persist one call's changes in one transaction."""
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only; open it without read_only")
        if not changes:
            return
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT OR REPLACE INTO entities VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        e.id,
                        e.name,
                        e.kind,
                        json.dumps(e.aliases),
                        e.created_t,
                        e.archived_t,
                        e.merged_into,
                    )
                    for e in changes.entities
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        f.id,
                        f.subject,
                        f.relation,
                        f.object,
                        _qualifiers_out(f.qualifiers),
                        f.confidence,
                        f.strength,
                        f.t0,
                        f.tau,
                        f.evidence,
                        f.importance,
                        f.floor,
                        f.valid_from,
                        f.valid_to,
                        f.archived_t,
                        f.archive_reason,
                        f.episode,
                        f.batch,
                        f.superseded_by,
                        f.version,
                    )
                    for f in changes.facts
                ],
            )
            db.executemany(
                "INSERT INTO episodes (id, t, text, source, fact_ids, speaker, wall_time) "
                "VALUES (?,?,?,?,?,?,?)",
                [
                    (e.id, e.t, e.text, e.source, json.dumps(e.fact_ids), e.speaker, e.when)
                    for e in changes.episodes
                ],
            )
            db.executemany(
                "INSERT INTO events VALUES (?,?,?,?,?,?)",
                [
                    (
                        e.seq,
                        e.t,
                        e.kind,
                        json.dumps(e.facts),
                        json.dumps(e.entities),
                        json.dumps(e.data),
                    )
                    for e in changes.events
                ],
            )
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError(f"cannot write {self.path}: {exc}") from exc

    def compact(
        self, *, keep_events: int | None = None, closed_before: float | None = None
    ) -> dict[str, int]:
        """Drop old history for good: every event but the last ``keep_events``, and every
        fact closed (superseded or archived) before logical time ``closed_before``; then
        give the space back to the file system. The newest event and the newest fact always
        stay, so that ids and sequence numbers are never reused. Returns what was removed
        and the file's size before and after.

        Example
        -------
        >>> import tempfile, os
        >>> from mags import Memory
        >>> path = os.path.join(tempfile.mkdtemp(), "memory.db")
        >>> m = Memory.open(path)
        >>> for t, place in enumerate(["hall", "kitchen", "garden"]):
        ...     _ = m.add([("cat", "in", place)], t=t)
        >>> m.close()
        >>> removed = SQLiteStore(path).compact(keep_events=2, closed_before=2)
        >>> removed["events"], removed["facts"]
        (3, 1)
        >>> [f.object for f in Memory.open(path).history("cat")]
        ['kitchen', 'garden']
        """
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only; open it without read_only")
        if keep_events is not None and keep_events < 1:
            raise StoreError("keep_events must be at least 1 (the newest event always stays)")
        db = self._db
        before = self.path.stat().st_size
        try:
            db.execute("BEGIN IMMEDIATE")
            events = facts = 0
            if keep_events is not None:
                events = db.execute(
                    "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?",
                    (keep_events,),
                ).rowcount
            if closed_before is not None:
                facts = db.execute(
                    "DELETE FROM facts WHERE COALESCE(valid_to, archived_t) < ? "
                    "AND id < (SELECT MAX(id) FROM facts)",
                    (closed_before,),
                ).rowcount
            db.execute("COMMIT")
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError(f"cannot compact {self.path}: {exc}") from exc
        return {
            "events": events,
            "facts": facts,
            "bytes_before": before,
            "bytes_after": self.path.stat().st_size,
        }

    def integrity_check(self) -> str:
        """SQLite's own verdict on the file ("ok" when sound)."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Close the connection and give up the writer lock."""
        self._db.close()
        self._release()

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
