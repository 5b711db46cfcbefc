"""One contract for every store: in memory, SQLite and PostgreSQL answer alike.

Round trips, history read from the store while RAM holds the active graph, readers that
catch up with only what is new, retention, crash safety (kill -9), writers in several
processes on one memory and on different users' memories, and migrations.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mags import Memory, SchemaVersionError, StoreError
from mags.store import Retention
from mags.store.pg_cluster import TemporaryCluster
from tests.helpers import dump
from tests.store.writer_process import BATCH

ROOT = Path(__file__).resolve().parents[2]
Target = Callable[[str], str | None]
"""A user's name -> what `Memory.open` takes for that user's memory (None: in memory)."""


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Target:
    if kind == "memory":
        return lambda user: None
    if kind == "sqlite":
        return lambda user: str(tmp_path / f"{user}.db")
    cluster: TemporaryCluster = request.getfixturevalue("postgres")
    test = request.node.name.replace("[", "-").rstrip("]")
    return lambda user: cluster.url(f"{test}-{user}")


@pytest.fixture
def target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Target:
    """Every store: what `Memory.open` takes for a user's memory."""
    return _target(kind, tmp_path, request)


@pytest.fixture(params=["sqlite", "postgres"])
def stored(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """Only the stores that outlive the process."""
    return _target(str(request.param), tmp_path, request)


def _script(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge"), ("kitchen", "north_of", "hall")], t=0)
    memory.add([("apple", "on", "table", {"quantity": 2})], t=3)
    memory.add([("The Apples", "on", "table", {"quantity": 2}), ("fridge", "is", "open")], t=4)
    memory.observe("Ana said the fridge is closed now.", t=5, source="chat")
    memory.negate("is", subject="fridge", t=5)
    memory.add([("the red key", "in", "drawer"), ("red key", "in", "drawer")], t=6)
    memory.merge("table", "kitchen", t=7)
    memory.use(memory.recall("apple", t=8), t=8)
    for t in range(9, 40):
        memory.add([("cat", "in", f"room {t % 4}")], t=t)


def _answers(memory: Memory) -> dict[str, object]:
    t = memory.now
    return {
        "history": {n: memory.history(n) for n in ("apple", "cat", "kitchen", "table", "red key")},
        "current": memory.snapshot(t),
        "events": [(e.seq, e.kind, e.facts) for e in memory.events()],
        "all": memory.all_facts(),
        "stats": memory.stats(),
        "episodes": memory.episodes(),
    }


def test_every_store_answers_like_the_in_memory_one(target: Target) -> None:
    reference = Memory.open()
    _script(reference)
    memory = Memory.open(target("ana"))
    _script(memory)
    assert _answers(memory) == _answers(reference)
    question = "where is the apple?"
    assert memory.recall(question, t=40).text == reference.recall(question, t=40).text


def test_ram_holds_the_active_graph_and_history_comes_from_the_store(target: Target) -> None:
    memory = Memory.open(target("ana"))
    for t in range(300):
        memory.add([("cat", "in", f"room {t % 7}"), (f"toy {t % 20}", "on", f"shelf {t}")], t=t)
    graph = memory._core.graph  # white-box: what RAM holds
    assert set(graph.facts) == graph.active and len(graph.active) == 21
    assert memory.stats()["facts"] == 600
    assert [f.object for f in memory.history("cat")][-3:] == ["room 3", "room 4", "room 5"]
    assert len(memory.history("cat")) == 300


def test_reopen_restores_the_same_state(stored: Target) -> None:
    memory = Memory.open(stored("ana"))
    _script(memory)
    before, answers = dump(memory), _answers(memory)
    memory.close()
    again = Memory.open(stored("ana"))
    assert dump(again) == before
    assert _answers(again) == answers
    again.add([("cat", "in", "garden")], t=50)  # and it carries on
    assert again.where_is("cat", t=50).object == "garden"


def test_write_as_one_user_read_as_another_nothing(target: Target) -> None:
    ana = Memory.open(target("ana"))
    ana.observe("I live in Lisbon.", t=0, speaker="Ana")
    ana.add([("Ana", "in", "Lisbon")], t=1)
    bob = Memory.open(target("bob"))
    assert bob.facts_about("Ana", t=2) == [] and bob.history("Ana") == []
    assert bob.episodes() == [] and bob.events() == [] and bob.stats()["facts"] == 0
    assert "Lisbon" not in bob.recall("where does Ana live? Lisbon", t=2).text


def test_a_reader_catches_up_with_what_was_committed_since(stored: Target) -> None:
    writer = Memory.open(stored("ana"))
    for t in range(100):
        writer.add([("cat", "in", f"room {t % 5}"), (f"toy {t}", "in", "chest")], t=t)
    reader = Memory.open(stored("ana"), read_only=True)
    writer.add([("cat", "in", "garden")], t=100)
    news = reader._store.catch_up()  # white-box: only the last commit's rows come back
    assert sorted(f.id for f in news.facts) == [f.id for f in writer.history("cat")[-2:]]
    assert writer._core.graph.find_entity("garden") in [e.id for e in news.entities]
    assert len(news.entities) <= 3  # the cat, the garden, the room it left
    reader._absorb(news)
    assert reader.where_is("cat", t=101).object == "garden"
    assert reader._store.catch_up().facts == []  # nothing new: nothing read
    writer.add([("dog", "in", "garden")], t=101)
    reader.refresh()
    assert reader.where_is("dog", t=102).object == "garden"
    assert reader.stats() == writer.stats()


def test_retention_drops_old_history_as_it_goes(target: Target, kind: str) -> None:
    keep = Retention(events=20, closed_for=50)
    path = target("ana")
    memory = Memory.open(path, retention=keep)
    for t in range(200):
        memory.add([("cat", "in", f"room {t % 3}")], t=t)
        assert memory.stats()["events"] <= 20
    assert memory.where_is("cat", t=200).object == "room 1"
    kept = memory.history("cat")
    assert 50 <= len(kept) <= 52 and min(f.valid_to or 200 for f in kept) >= 199 - 50
    if kind != "memory":
        memory.close()
        again = Memory.open(path)
        assert again.where_is("cat", t=200).object == "room 1" and len(again.history("cat")) == len(
            kept
        )


def _spawn(module: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_writers_in_several_processes_take_turns_on_one_memory(stored: Target) -> None:
    memory = stored("shared")
    Memory.open(memory).close()
    writers = [_spawn("tests.store.many_writers", memory, f"w{i}", "40") for i in range(4)]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "40"
    reader = Memory.open(memory, read_only=True)
    for i in range(4):  # no lost update: every call of every writer is there, once
        assert len(reader.history(f"w{i} box")) == 40
    assert reader.stats()["facts"] == 160
    events = reader.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_writers_of_different_users_never_mix(stored: Target) -> None:
    users = [f"user{i}" for i in range(3)]
    writers = [_spawn("tests.store.many_writers", stored(u), u, "30") for u in users]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    for user in users:
        memory = Memory.open(stored(user), read_only=True)
        assert memory.stats()["facts"] == 30
        assert len(memory.history(f"{user} box")) == 30
        assert all(memory.history(f"{other} box") == [] for other in users if other != user)


def test_kill_9_mid_write_loses_at_most_that_call(stored: Target) -> None:
    memory = stored("ana")
    writer = _spawn("tests.store.writer_process", memory)
    assert writer.stdout is not None
    last = -1
    while last < 3:
        last = int(writer.stdout.readline())
    time.sleep(0.2)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    again = Memory.open(memory)
    facts = again.stats()["facts"]
    assert facts % BATCH == 0 and facts >= (last + 1) * BATCH  # whole calls, none lost once acked
    events = again.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    again.add([("after", "in", "crash")], t=again.now + 1)


def test_a_reader_of_a_missing_memory_is_told(stored: Target) -> None:
    with pytest.raises(StoreError, match="exist"):
        Memory.open(stored("nobody"), read_only=True)


def test_postgres_migrations_and_bad_urls(postgres: TemporaryCluster) -> None:
    from mags.store.postgres import SCHEMA_VERSION, PostgresStore

    url = postgres.url("migrated")
    store = PostgresStore(url)
    store._db.execute(
        store._q("UPDATE {s}.meta SET value = %s WHERE key = 'version'"), (str(SCHEMA_VERSION + 1),)
    )
    store.close()
    with pytest.raises(SchemaVersionError, match="upgrade MAGS"):
        Memory.open(url)
    with pytest.raises(
        StoreError, match=r"(?s)cannot connect to PostgreSQL .*check that the server runs"
    ):
        Memory.open("postgresql://mags:secret@/postgres?host=/nonexistent&memory=x")
    try:
        Memory.open("postgresql://mags:secret@/postgres?host=/nonexistent")
    except StoreError as exc:
        assert "secret" not in str(exc)  # a password never reaches an error message


def test_a_dropped_postgres_connection_fails_one_call_and_loses_nothing(
    postgres: TemporaryCluster,
) -> None:
    import psycopg

    url = postgres.url("dropped")
    memory = Memory.open(url)
    memory.add([("cat", "in", "hall")], t=0)
    with psycopg.connect(postgres.url(), autocommit=True) as admin:  # a restart, a failover
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND datname = 'postgres'"
        )
    with pytest.raises(StoreError, match="cannot write memory 'dropped'"):
        memory.add([("cat", "in", "garden")], t=1)
    memory.add([("dog", "in", "garden")], t=2)  # reconnected: the next call goes through
    assert memory.where_is("cat", t=3).object == "hall"  # the failed call left nothing
    again = Memory.open(url, read_only=True)
    assert again.where_is("dog", t=3).object == "garden"
    assert [f.object for f in again.history("cat")] == ["hall"]
