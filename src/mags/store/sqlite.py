"""`SQLiteStore`: one SQLite file per memory, WAL mode, one transaction per call.

WAL lets readers read while a writer writes. Every call is a turn: ``BEGIN IMMEDIATE``
(which makes other writers wait), a read of what they committed since, the call's changes,
``COMMIT``. A process killed mid-write loses at most that call, and SQLite's journal keeps
the file consistent. Each commit has a number (``meta.commit``) and every row carries the
number of the commit that last wrote it (``written``), so catching up reads only what is
newer. The schema is versioned with ``PRAGMA user_version`` and upgraded by the migrations
below.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mags.core.errors import SchemaVersionError, StoreError
from mags.core.graph import ChangeSet
from mags.core.model import Event, FactRecord
from mags.store.base import Retention, StoredState
from mags.store.commits import CommitStore
from mags.store.rows import (
    ACTIVE,
    CLOSED_AT,
    ENTITY_COLUMNS,
    EPISODE_COLUMNS,
    EVENT_COLUMNS,
    FACT_COLUMNS,
    entity_in,
    entity_out,
    episode_in,
    episode_out,
    event_in,
    event_out,
    fact_in,
    fact_out,
)


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


def _migration_3(db: sqlite3.Connection) -> None:
    # Bounded open and incremental catch-up: the active facts, history by entity and rows
    # by commit are index lookups, never a scan of history.
    _run_script(
        db,
        f"""
        ALTER TABLE entities ADD COLUMN written INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE facts ADD COLUMN written INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE episodes ADD COLUMN written INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX entities_written ON entities (written);
        CREATE INDEX facts_written ON facts (written);
        CREATE INDEX episodes_written ON episodes (written);
        CREATE INDEX facts_subject ON facts (subject);
        CREATE INDEX facts_object ON facts (object);
        CREATE INDEX facts_active ON facts (id) WHERE {ACTIVE};
        CREATE INDEX facts_closed ON facts ({CLOSED_AT}) WHERE NOT ({ACTIVE});
        INSERT OR IGNORE INTO meta VALUES ('commit', '0')
        """,
    )


def _migration_4(db: sqlite3.Connection) -> None:
    # Forget requests: an episode someone asked to forget stays as history, never recalled.
    db.execute("ALTER TABLE episodes ADD COLUMN forgotten_t REAL")


def _migration_5(db: sqlite3.Connection) -> None:
    # Salience (issue 35 item 4): how often a fact was used, and when it was last seen.
    _run_script(
        db,
        """
        ALTER TABLE facts ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE facts ADD COLUMN seen_t REAL;
        """,
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
    _migration_5,
]
"""Migration ``i`` brings a file from schema version ``i`` to ``i + 1``. Append only."""
SCHEMA_VERSION = len(MIGRATIONS)


class SQLiteStore(CommitStore):
    """A memory in one SQLite file; several processes may write it, taking turns.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "memory.db")
    >>> store = SQLiteStore(path)
    >>> store.load().facts
    []
    >>> store.close()
    """

    def __init__(
        self, path: str | Path, *, read_only: bool = False, retention: Retention | None = None
    ) -> None:
        self.path = Path(path)
        self._where = str(self.path)
        self._errors = (sqlite3.Error,)
        self.read_only = read_only
        self.retention = retention or Retention()
        self._seen = 0  # the last commit this store has read
        self._in_turn = False
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path} does not exist; a read-only memory needs a file")
        if not read_only and not self.path.parent.is_dir():
            raise StoreError(f"cannot create {self.path}: folder {self.path.parent} does not exist")
        try:
            uri = f"file:{self.path}?mode=ro" if read_only else f"file:{self.path}"
            # Any thread may call: `Memory` serializes every call under its own lock (a
            # server answers from a thread pool and extracts in a worker thread).
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            # Another writer's turn is one call: waiting for it is always short.
            self._db.execute("PRAGMA busy_timeout = 30000")
            if not read_only:
                self._db.execute("PRAGMA journal_mode = WAL")
                # NORMAL in WAL mode survives a killed process; only power loss may drop the
                # last commits (never corrupt the file).
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
            else:
                self._check_version(self._version())
        except sqlite3.DatabaseError as exc:
            if hasattr(self, "_db"):
                self._db.close()
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
        if self.read_only and version < SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} has schema version {version}, older than this MAGS writes "
                f"({SCHEMA_VERSION}); open it once without read_only to upgrade it"
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

    # ------------------------------------------------------------------- reading
    def _commit(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'commit'").fetchone()
        return int(row[0]) if row else 0

    def _read(self, since: int | None) -> StoredState:
        """Rows written after commit ``since`` (None: the active graph), with counters."""
        db = self._db
        if since is None:
            entities = db.execute(f"SELECT {ENTITY_COLUMNS} FROM entities ORDER BY id")
            facts = db.execute(f"SELECT {FACT_COLUMNS} FROM facts WHERE {ACTIVE} ORDER BY id")
            episodes = db.execute(f"SELECT {EPISODE_COLUMNS} FROM episodes ORDER BY id")
        else:
            entities = db.execute(
                f"SELECT {ENTITY_COLUMNS} FROM entities WHERE written > ? ORDER BY id", (since,)
            )
            facts = db.execute(
                f"SELECT {FACT_COLUMNS} FROM facts WHERE written > ? ORDER BY id", (since,)
            )
            episodes = db.execute(
                f"SELECT {EPISODE_COLUMNS} FROM episodes WHERE written > ? ORDER BY id", (since,)
            )
        state = StoredState(
            entities=[entity_in(r) for r in entities],
            facts=[fact_in(r) for r in facts],
            episodes=[episode_in(r) for r in episodes],
        )
        last_event = db.execute("SELECT seq, t FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        if last_event is not None:
            state.last_seq, state.now = last_event
        last_fact = db.execute("SELECT id, batch FROM facts ORDER BY id DESC LIMIT 1").fetchone()
        if last_fact is not None:
            state.next_fact_id, state.next_batch = last_fact[0] + 1, last_fact[1] + 1
        return state

    def _snapshot(self, since: int | None) -> StoredState:
        db = self._db
        try:
            db.execute("BEGIN")  # one consistent snapshot even while a writer commits
            commit = self._commit()
            state = StoredState() if since == commit else self._read(since)
            db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError(f"cannot read {self.path}: {exc}") from None
        self._seen = commit
        return state

    @contextmanager
    def turn(self) -> Iterator[StoredState]:
        """This process's write turn: ``BEGIN IMMEDIATE`` waits for other writers' turns."""
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only; open it without read_only")
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"cannot write {self.path}: {exc} (another process kept it busy for 30 s)"
            ) from None
        self._in_turn = True
        seen = self._seen
        try:
            commit = self._commit()
            news = StoredState() if commit == self._seen else self._read(self._seen)
            self._seen = commit
            yield news
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._seen = seen
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"cannot write {self.path}: {exc}") from exc
            raise
        finally:
            self._in_turn = False

    # ------------------------------------------------------------------- writing
    def _write(self, changes: ChangeSet) -> None:
        db = self._db
        commit = self._seen + 1
        db.execute("UPDATE meta SET value = ? WHERE key = 'commit'", (str(commit),))
        db.executemany(
            f"INSERT OR REPLACE INTO entities ({ENTITY_COLUMNS}, written) VALUES (?,?,?,?,?,?,?,?)",
            [(*entity_out(e), commit) for e in changes.entities],
        )
        db.executemany(
            f"INSERT OR REPLACE INTO facts ({FACT_COLUMNS}, written) "
            f"VALUES ({','.join('?' * (FACT_COLUMNS.count(',') + 2))})",
            [(*fact_out(f), commit) for f in changes.facts],
        )
        db.executemany(
            # REPLACE: a forget request rewrites an episode (its forgotten_t).
            f"INSERT OR REPLACE INTO episodes ({EPISODE_COLUMNS}, written) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [(*episode_out(e), commit) for e in changes.episodes],
        )
        db.executemany(
            f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?)",
            [event_out(e) for e in changes.events],
        )
        if changes.events and not self.retention.keeps_everything:
            self._retain(changes.events[-1])
        self._seen = commit

    def _retain(self, last: Event) -> None:
        """Drop what fell out of the retention window with this commit: a few rows at a
        time, found by index, so the cost per write stays constant."""
        keep = self.retention
        if keep.events is not None:
            self._db.execute("DELETE FROM events WHERE seq <= ?", (last.seq - keep.events,))
        if keep.closed_for is not None:
            self._db.execute(
                f"DELETE FROM facts WHERE NOT ({ACTIVE}) AND {CLOSED_AT} < ? "
                "AND id < (SELECT MAX(id) FROM facts)",
                (last.t - keep.closed_for,),
            )

    # ------------------------------------------------------------------- history
    def history(self, entity_ids: Iterable[int]) -> list[FactRecord]:
        """Every stored fact with one of ``entity_ids`` as subject or object."""
        ids = sorted(set(entity_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT {FACT_COLUMNS} FROM facts WHERE subject IN ({marks}) "
            f"UNION SELECT {FACT_COLUMNS} FROM facts WHERE object IN ({marks}) ORDER BY id",
            (*ids, *ids),
        )
        return [fact_in(r) for r in rows]

    def facts(self) -> list[FactRecord]:
        """Every stored fact, in id order."""
        return [
            fact_in(r) for r in self._db.execute(f"SELECT {FACT_COLUMNS} FROM facts ORDER BY id")
        ]

    def events(self, since: int = 0) -> list[Event]:
        """Stored events after ``since``, oldest first."""
        rows = self._db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq", (since,)
        )
        return [event_in(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many facts and events the file holds."""
        facts = self._db.execute("SELECT COUNT(*) FROM facts").fetchone()[0]
        events = self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        return {"facts": int(facts), "events": int(events)}

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
                    f"DELETE FROM facts WHERE NOT ({ACTIVE}) AND {CLOSED_AT} < ? "
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
        """Close the connection."""
        self._db.close()
