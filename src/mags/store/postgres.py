"""`PostgresStore`: memories in a PostgreSQL database, for many agents on many machines.

A URL names the server and the memory: ``postgresql://user@host/db?memory=alice`` (any
libpq URL; ``memory`` defaults to ``default``). Each memory is its own schema, with the same
tables and rows as a SQLite file (`mags.store.rows`), so that one memory's queries never
name another's tables. A write turn locks the memory's ``commit`` row (``SELECT ... FOR
UPDATE``): writers of one memory take turns, writers of different memories never wait for
each other. Every row carries the number of the commit that wrote it, so that a reader
catches up with only what is newer. psycopg 3, the PostgreSQL adapter for Python.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

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
    Row,
    entity_in,
    entity_out,
    episode_in,
    episode_out,
    event_in,
    event_out,
    fact_in,
    fact_out,
)

DEFAULT_MEMORY = "default"
COPY_FROM_ROWS = 64
"""From this many rows, a write goes by COPY (see `PostgresStore._upsert`)."""


def _migration_1(schema: sql.Identifier) -> list[sql.Composed]:
    s = schema
    return [
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s),
        sql.SQL(
            "CREATE TABLE {}.entities (id BIGINT PRIMARY KEY, name TEXT NOT NULL, "
            "kind TEXT NOT NULL, aliases TEXT NOT NULL, created_t DOUBLE PRECISION NOT NULL, "
            "archived_t DOUBLE PRECISION, merged_into BIGINT, written BIGINT NOT NULL)"
        ).format(s),
        sql.SQL(
            "CREATE TABLE {}.facts (id BIGINT PRIMARY KEY, subject BIGINT NOT NULL, "
            "relation TEXT NOT NULL, object BIGINT NOT NULL, qualifiers TEXT, "
            "confidence DOUBLE PRECISION NOT NULL, strength DOUBLE PRECISION NOT NULL, "
            "t0 DOUBLE PRECISION NOT NULL, tau DOUBLE PRECISION NOT NULL, "
            "evidence BIGINT NOT NULL, importance DOUBLE PRECISION NOT NULL, "
            "floor DOUBLE PRECISION NOT NULL, valid_from DOUBLE PRECISION NOT NULL, "
            "valid_to DOUBLE PRECISION, archived_t DOUBLE PRECISION, archive_reason TEXT, "
            "episode BIGINT, batch BIGINT NOT NULL, superseded_by BIGINT, "
            "version BIGINT NOT NULL, written BIGINT NOT NULL)"
        ).format(s),
        sql.SQL(
            "CREATE TABLE {}.episodes (id BIGINT PRIMARY KEY, t DOUBLE PRECISION NOT NULL, "
            "text TEXT NOT NULL, source TEXT, fact_ids TEXT NOT NULL, speaker TEXT, "
            "wall_time TEXT, written BIGINT NOT NULL)"
        ).format(s),
        sql.SQL(
            "CREATE TABLE {}.events (seq BIGINT PRIMARY KEY, t DOUBLE PRECISION NOT NULL, "
            "kind TEXT NOT NULL, facts TEXT NOT NULL, entities TEXT NOT NULL, "
            "data TEXT NOT NULL)"
        ).format(s),
        sql.SQL("CREATE TABLE {}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)").format(s),
        sql.SQL("INSERT INTO {}.meta VALUES ('commit', '0')").format(s),
        sql.SQL("CREATE INDEX ON {}.entities (written)").format(s),
        sql.SQL("CREATE INDEX ON {}.facts (written)").format(s),
        sql.SQL("CREATE INDEX ON {}.episodes (written)").format(s),
        sql.SQL("CREATE INDEX ON {}.facts (subject)").format(s),
        sql.SQL("CREATE INDEX ON {}.facts (object)").format(s),
        sql.SQL(f"CREATE INDEX ON {{}}.facts (id) WHERE {ACTIVE}").format(s),
        sql.SQL(f"CREATE INDEX ON {{}}.facts (({CLOSED_AT})) WHERE NOT ({ACTIVE})").format(s),
    ]


def _migration_2(schema: sql.Identifier) -> list[sql.Composed]:
    # Forget requests: an episode someone asked to forget stays as history, never recalled.
    return [
        sql.SQL("ALTER TABLE {}.episodes ADD COLUMN forgotten_t DOUBLE PRECISION").format(schema)
    ]


def _migration_3(schema: sql.Identifier) -> list[sql.Composed]:
    # Salience (issue 35 item 4): how often a fact was used, and when it was last seen.
    return [
        sql.SQL("ALTER TABLE {}.facts ADD COLUMN uses BIGINT NOT NULL DEFAULT 0").format(schema),
        sql.SQL("ALTER TABLE {}.facts ADD COLUMN seen_t DOUBLE PRECISION").format(schema),
    ]


MIGRATIONS = [_migration_1, _migration_2, _migration_3]
"""Migration ``i`` brings a memory from schema version ``i`` to ``i + 1``. Append only."""
SCHEMA_VERSION = len(MIGRATIONS)


def schema_name(memory: str) -> str:
    """The PostgreSQL schema of a memory: a readable slug and a hash of the name, so that
    names that differ only in case or punctuation never share one.

    >>> schema_name("Ana María")
    'mags_ana_mar_a_8358ed271ba38466'
    """
    slug = re.sub(r"[^a-z0-9]+", "_", memory.lower()).strip("_")[:30] or "memory"
    return f"mags_{slug}_{hashlib.sha256(memory.encode()).hexdigest()[:16]}"


def split_url(url: str) -> tuple[str, str]:
    """A ``postgresql://`` URL as (libpq URL, memory name).

    >>> split_url("postgresql://u@/db?host=/tmp&memory=alice")
    ('postgresql://u@/db?host=%2Ftmp', 'alice')
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    memory = next((v for k, v in query if k == "memory"), DEFAULT_MEMORY)
    rest = urlencode([(k, v) for k, v in query if k != "memory"])
    return urlunsplit(parts._replace(query=rest)), memory


def describe(url: str) -> str:
    """A URL without its password, fit for an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore(CommitStore):
    """One memory in a PostgreSQL database (see the module's docstring).

    Example
    -------
    >>> from mags.store.pg_cluster import TemporaryCluster
    >>> with TemporaryCluster() as cluster:  # doctest: +SKIP
    ...     PostgresStore(cluster.url("alice")).load().facts
    []
    """

    def __init__(
        self, url: str, *, read_only: bool = False, retention: Retention | None = None
    ) -> None:
        self.url, self.memory = split_url(url)
        self.read_only = read_only
        self.retention = retention or Retention()
        self.schema = schema_name(self.memory)
        self._s = sql.Identifier(self.schema)
        self._seen = 0
        self._in_turn = False
        self._staged: set[str] = set()  # this connection's staging tables
        self._where = f"memory {self.memory!r} at {describe(self.url)}"
        self._errors = (psycopg.Error,)
        self._db = self._connect()
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL at {describe(self.url)}: {str(exc).strip()}; "
                "check that the server runs and the URL (user, host, database) is right"
            ) from None

    def _alive(self) -> None:
        """Reconnect when the server dropped the connection (a restart, a failover): the
        call that met the broken connection failed; the next one goes through."""
        if self._db.broken or self._db.closed:
            self._db = self._connect()
            self._staged.clear()  # temporary tables went with the old session

    def _q(self, text: str) -> sql.Composed:
        """A statement with ``{s}`` standing for this memory's schema."""
        return sql.SQL(text).format(s=self._s)

    def _version(self) -> int | None:
        row = self._db.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = 'meta'",
            (self.schema,),
        ).fetchone()
        if row is None:
            return None
        found = self._db.execute(self._q("SELECT value FROM {s}.meta WHERE key = 'version'"))
        version = found.fetchone()
        return int(version[0]) if version else 1

    def _open(self) -> None:
        version = self._version()
        if version is not None and version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self._where} has schema version {version}, newer than this MAGS "
                f"understands ({SCHEMA_VERSION}); upgrade MAGS to open it"
            )
        if self.read_only:
            if version is None:
                raise StoreError(f"there is no {self._where}; a read-only memory must exist")
            return
        if version == SCHEMA_VERSION:
            return
        try:
            with self._db.transaction():
                # Two processes creating one memory at once: the second waits, then sees it.
                self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                version = self._version() or 0
                for migration in MIGRATIONS[version:]:
                    for statement in migration(self._s):
                        self._db.execute(statement)
                self._db.execute(
                    self._q(
                        "INSERT INTO {s}.meta VALUES ('version', %s) "
                        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
                    ),
                    (str(SCHEMA_VERSION),),
                )
        except psycopg.Error as exc:
            raise StoreError(f"cannot create {self._where}: {str(exc).strip()}") from None

    # ------------------------------------------------------------------- reading
    def _commit(self, *, lock: bool = False) -> int:
        statement = "SELECT value FROM {s}.meta WHERE key = 'commit'"
        row = self._db.execute(self._q(statement + (" FOR UPDATE" if lock else ""))).fetchone()
        return int(row[0]) if row else 0

    def _read(self, since: int | None) -> StoredState:
        db, q = self._db, self._q
        if since is None:
            entities = db.execute(q(f"SELECT {ENTITY_COLUMNS} FROM {{s}}.entities ORDER BY id"))
            state = StoredState(entities=[entity_in(r) for r in entities])
            facts = db.execute(
                q(f"SELECT {FACT_COLUMNS} FROM {{s}}.facts WHERE {ACTIVE} ORDER BY id")
            )
            state.facts = [fact_in(r) for r in facts]
            episodes = db.execute(q(f"SELECT {EPISODE_COLUMNS} FROM {{s}}.episodes ORDER BY id"))
            state.episodes = [episode_in(r) for r in episodes]
        else:

            def rows(table: str, columns: str) -> Iterable[Row]:
                written = f"SELECT {columns} FROM {{s}}.{table} WHERE written > %s ORDER BY id"
                return db.execute(q(written), (since,))

            state = StoredState(
                entities=[entity_in(r) for r in rows("entities", ENTITY_COLUMNS)],
                facts=[fact_in(r) for r in rows("facts", FACT_COLUMNS)],
                episodes=[episode_in(r) for r in rows("episodes", EPISODE_COLUMNS)],
            )
        last_event = db.execute(q("SELECT seq, t FROM {s}.events ORDER BY seq DESC LIMIT 1"))
        row = last_event.fetchone()
        if row is not None:
            state.last_seq, state.now = row
        last_fact = db.execute(q("SELECT id, batch FROM {s}.facts ORDER BY id DESC LIMIT 1"))
        row = last_fact.fetchone()
        if row is not None:
            state.next_fact_id, state.next_batch = row[0] + 1, row[1] + 1
        return state

    def _snapshot(self, since: int | None) -> StoredState:
        self._alive()
        try:
            with self._db.transaction():
                self._db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                commit = self._commit()
                state = StoredState() if since == commit else self._read(since)
        except psycopg.Error as exc:
            raise StoreError(f"cannot read {self._where}: {str(exc).strip()}") from None
        self._seen = commit
        return state

    @contextmanager
    def turn(self) -> Iterator[StoredState]:
        """This process's write turn on this memory (a row lock other writers wait for)."""
        if self.read_only:
            raise StoreError(f"{self._where} was opened read-only; open it without read_only")
        seen = self._seen
        self._alive()
        try:
            with self._db.transaction():  # rolled back if anything inside raises
                commit = self._commit(lock=True)
                news = StoredState() if commit == self._seen else self._read(self._seen)
                self._seen = commit
                self._in_turn = True
                try:
                    yield news
                finally:
                    self._in_turn = False
        except psycopg.Error as exc:
            self._seen = seen
            raise StoreError(f"cannot write {self._where}: {str(exc).strip()}") from None
        except BaseException:
            self._seen = seen
            raise

    # ------------------------------------------------------------------- writing
    def _upsert(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert or replace rows by id. Many rows go by COPY into a staging table (emptied
        at commit) and one INSERT ... ON CONFLICT: for a 1,000-fact call that is 1.5x the
        rate of a row-by-row upsert; a few rows go row by row, which costs fewer round trips."""
        if not rows:
            return
        names = [c.strip() for c in columns.split(",")] + ["written"]
        cols = sql.SQL(", ").join(map(sql.Identifier, names))
        sets = sql.SQL(", ").join(
            sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(n)) for n in names[1:]
        )
        target = sql.SQL("{s}.{t}").format(s=self._s, t=sql.Identifier(table))
        with self._db.cursor() as cursor:
            if len(rows) < COPY_FROM_ROWS:
                cursor.executemany(
                    sql.SQL(
                        "INSERT INTO {target} ({cols}) VALUES ({vals}) "
                        "ON CONFLICT (id) DO UPDATE SET {sets}"
                    ).format(
                        target=target,
                        cols=cols,
                        vals=sql.SQL(", ").join(sql.Placeholder() * len(names)),
                        sets=sets,
                    ),
                    rows,
                )
                return
            stage = sql.Identifier(f"stage_{table}")
            if table not in self._staged:
                cursor.execute(
                    sql.SQL(
                        "CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {target}) "
                        "ON COMMIT DELETE ROWS"
                    ).format(stage=stage, target=target)
                )
                self._staged.add(table)
            copy_in = sql.SQL("COPY {stage} ({cols}) FROM STDIN").format(stage=stage, cols=cols)
            with cursor.copy(copy_in) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                sql.SQL(
                    "INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage} "
                    "ON CONFLICT (id) DO UPDATE SET {sets}"
                ).format(target=target, cols=cols, stage=stage, sets=sets)
            )

    def _write(self, changes: ChangeSet) -> None:
        commit = self._seen + 1
        rows = {
            "entities": [(*entity_out(e), commit) for e in changes.entities],
            "facts": [(*fact_out(f), commit) for f in changes.facts],
            "episodes": [(*episode_out(e), commit) for e in changes.episodes],
        }
        small = max(map(len, rows.values())) < COPY_FROM_ROWS
        # A call of a few rows is a handful of statements: sent as one pipeline, they cost
        # one round trip instead of one each (COPY, for large calls, cannot be pipelined).
        with self._db.pipeline() if small else contextlib.nullcontext():
            self._db.execute(
                self._q("UPDATE {s}.meta SET value = %s WHERE key = 'commit'"), (str(commit),)
            )
            self._upsert("entities", ENTITY_COLUMNS, rows["entities"])
            self._upsert("facts", FACT_COLUMNS, rows["facts"])
            self._upsert("episodes", EPISODE_COLUMNS, rows["episodes"])
            if changes.events:
                self._insert_events(changes.events, copy=not small)
                if not self.retention.keeps_everything:
                    self._retain(changes.events[-1])
        self._seen = commit

    def _insert_events(self, events: list[Event], *, copy: bool) -> None:
        columns = self._q(f"{{s}}.events ({EVENT_COLUMNS})")
        with self._db.cursor() as cursor:
            if not copy:
                marks = sql.SQL(", ").join(sql.Placeholder() * 6)
                insert = sql.SQL("INSERT INTO {} VALUES ({})").format(columns, marks)
                cursor.executemany(insert, [event_out(e) for e in events])
                return
            with cursor.copy(sql.SQL("COPY {} FROM STDIN").format(columns)) as stream:
                for event in events:
                    stream.write_row(event_out(event))

    def _retain(self, last: Event) -> None:
        keep = self.retention
        if keep.events is not None:
            self._db.execute(
                self._q("DELETE FROM {s}.events WHERE seq <= %s"), (last.seq - keep.events,)
            )
        if keep.closed_for is not None:
            self._db.execute(
                self._q(
                    f"DELETE FROM {{s}}.facts WHERE NOT ({ACTIVE}) AND {CLOSED_AT} < %s "
                    "AND id < (SELECT MAX(id) FROM {s}.facts)"
                ),
                (last.t - keep.closed_for,),
            )

    # ------------------------------------------------------------------- history
    def history(self, entity_ids: Iterable[int]) -> list[FactRecord]:
        """Every stored fact with one of ``entity_ids`` as subject or object."""
        ids = sorted(set(entity_ids))
        if not ids:
            return []
        rows = self._db.execute(
            self._q(
                f"SELECT {FACT_COLUMNS} FROM {{s}}.facts WHERE subject = ANY(%s) UNION "
                f"SELECT {FACT_COLUMNS} FROM {{s}}.facts WHERE object = ANY(%s) ORDER BY id"
            ),
            (ids, ids),
        )
        return [fact_in(r) for r in rows]

    def facts(self) -> list[FactRecord]:
        """Every stored fact, in id order."""
        rows = self._db.execute(self._q(f"SELECT {FACT_COLUMNS} FROM {{s}}.facts ORDER BY id"))
        return [fact_in(r) for r in rows]

    def events(self, since: int = 0) -> list[Event]:
        """Stored events after ``since``, oldest first."""
        rows = self._db.execute(
            self._q(f"SELECT {EVENT_COLUMNS} FROM {{s}}.events WHERE seq > %s ORDER BY seq"),
            (since,),
        )
        return [event_in(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many facts and events the memory holds."""
        facts = self._db.execute(self._q("SELECT COUNT(*) FROM {s}.facts")).fetchone()
        events = self._db.execute(self._q("SELECT COUNT(*) FROM {s}.events")).fetchone()
        return {"facts": int(facts[0]) if facts else 0, "events": int(events[0]) if events else 0}

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
