"""The SQLite store: exact reopen, migrations, clear errors, readers beside a writer, kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mags import Memory, SchemaVersionError, StoreError
from mags.store.sqlite import SCHEMA_VERSION, SQLiteStore
from tests.helpers import dump
from tests.store.writer_process import BATCH

ROOT = Path(__file__).resolve().parents[2]


def _busy_memory(path: Path) -> Memory:
    memory = Memory.open(path)
    memory.add([("apple", "in", "fridge"), ("kitchen", "north_of", "hall")], t=0)
    memory.add([("apple", "on", "table", {"quantity": 2})], t=3)
    memory.add([("The Apples", "on", "table", {"quantity": 2}), ("fridge", "is", "open")], t=4)
    memory.negate("is", subject="fridge", t=5)
    memory.merge("table", "kitchen", t=6)
    memory.use(memory.recall("apple", t=7), t=7)
    return memory


def test_reopen_restores_exactly_the_same_state(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    memory = _busy_memory(path)
    state = dump(memory)
    snapshot = memory.snapshot(10)
    memory.close()
    reopened = Memory.open(path)
    assert dump(reopened) == state
    assert reopened.snapshot(10) == snapshot
    assert reopened.history("apple") == Memory.open(path, read_only=True).history("apple")
    reopened.add([("pear", "in", "bowl")], t=11)  # and it carries on where it stopped
    assert reopened.stats()["facts"] == state["facts"][-1]["id"] + 1


def test_new_file_gets_the_current_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    Memory.open(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_from_a_newer_mags_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    Memory.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaVersionError, match="upgrade MAGS to open it"):
        Memory.open(path)


def test_an_older_file_is_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mags.store import sqlite as module

    path = tmp_path / "memory.db"
    _busy_memory(path).close()

    def add_notes(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")

    monkeypatch.setattr(module, "MIGRATIONS", [*module.MIGRATIONS, add_notes])
    monkeypatch.setattr(module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    memory = Memory.open(path)
    assert memory.where_is("apple", t=7) is not None
    memory.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_a_version_2_file_gets_history_indexes_and_commit_numbers(tmp_path: Path) -> None:
    from mags.store.sqlite import MIGRATIONS

    path = tmp_path / "memory.db"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:2]:  # a file as the previous release wrote it
        migration(db)
    db.execute("PRAGMA user_version = 2")
    for eid, name in ((1, "cat"), (2, "hall"), (3, "garden")):
        entity = "INSERT INTO entities VALUES (?, ?, 'thing', '[]', 0, NULL, NULL)"
        db.execute(entity, (eid, name))
    fact = (
        "INSERT INTO facts VALUES "
        "(?, 1, 'in', ?, NULL, 1, 0.5, ?, 50, 1, 1, 0, ?, ?, NULL, NULL, NULL, ?, ?, 0)"
    )
    db.execute(fact, (1, 2, 0.0, 0.0, 1.0, 1, 2))
    db.execute(fact, (2, 3, 1.0, 1.0, None, 2, None))
    db.execute("INSERT INTO events VALUES (1, 1.0, 'add', '[2]', '[]', '{}')")
    db.close()
    with pytest.raises(SchemaVersionError, match="open it once without read_only"):
        Memory.open(path, read_only=True)
    memory = Memory.open(path)
    assert memory.where_is("cat", t=2).object == "garden"
    assert [f.object for f in memory.history("cat")] == ["hall", "garden"]
    memory.add([("cat", "in", "hall")], t=2)
    assert [f.object for f in Memory.open(path, read_only=True).history("cat")] == [
        "hall",
        "garden",
        "hall",
    ]


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list: apples\n" * 100)
    with pytest.raises(StoreError, match="is not a usable MAGS memory file"):
        Memory.open(path)
    assert path.read_text() == "shopping list: apples\n" * 100  # and it was left alone


def test_missing_folder_and_missing_read_only_file_are_clear(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"folder .* does not exist"):
        Memory.open(tmp_path / "nowhere" / "memory.db")
    with pytest.raises(StoreError, match="read-only memory needs a file"):
        Memory.open(tmp_path / "missing.db", read_only=True)


def test_read_only_memory_refuses_writes_but_recalls(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    _busy_memory(path).close()
    reader = Memory.open(path, read_only=True)
    with pytest.raises(StoreError, match="opened read-only"):
        reader.add([("pear", "in", "bowl")], t=20)
    assert reader.recall("apple", t=20).facts
    assert Memory.open(path).stats()["events"] == reader.stats()["events"]  # not stored


def test_a_failed_write_rolls_the_memory_back(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    memory = _busy_memory(path)
    before = dump(memory)
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    memory._store._db.execute("PRAGMA busy_timeout = 50")  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="cannot write"):
        memory.add([("pear", "in", "bowl")], t=20)
    blocker.rollback()
    assert dump(memory) == before
    memory.add([("pear", "in", "bowl")], t=20)
    assert memory.where_is("pear", t=20) is not None


def _start_writer(path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.writer_process", str(path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for_steps(writer: subprocess.Popen[str], steps: int) -> int:
    assert writer.stdout is not None
    last = -1
    deadline = time.monotonic() + 60
    while last < steps and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        last = int(line)
    return last


def test_a_reader_reads_while_a_writer_writes(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    Memory.open(path).close()
    writer = _start_writer(path)
    try:
        _wait_for_steps(writer, 3)
        seen = []
        for _ in range(20):
            reader = Memory.open(path, read_only=True)
            stats = reader.stats()
            assert stats["facts"] % BATCH == 0  # a reader never sees half a call
            seen.append(stats["facts"])
            reader.close()
            time.sleep(0.02)
        assert seen[-1] > seen[0]  # the writer kept writing meanwhile
    finally:
        writer.kill()
        writer.wait()


def test_two_writers_take_turns_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    writer = _start_writer(path)  # another process adding batches as fast as it can
    try:
        _wait_for_steps(writer, 1)
        mine = Memory.open(path)  # a second writer on the same file, at the same time
        start = mine.now  # one logical clock: each writer's calls land after the other's
        for k in range(60):
            mine.add([(f"mine {k}", "in", "my box")], t=start + k)
        theirs = _wait_for_steps(writer, 0)
    finally:
        writer.kill()
        writer.wait()
    mine.refresh()
    reader = Memory.open(path, read_only=True)
    for memory in (mine, reader):
        stats = memory.stats()
        # Every call of both writers, whole: the other process's batches and our 60 facts.
        assert (stats["facts"] - 60) % BATCH == 0 and stats["facts"] - 60 >= theirs * BATCH
        # (Decay may have archived the oldest: the other writer's clock ran on. History
        # keeps them all.)
        assert all(len(memory.history(f"mine {k}")) == 1 for k in range(60))
    events = reader.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # no seq reused
    mine.close()


def test_a_reader_catches_up_with_only_what_was_committed_since(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    writer = Memory.open(path)
    for t in range(50):
        writer.add([("cat", "in", f"room {t % 5}"), (f"toy {t}", "in", "chest")], t=t)
    reader = Memory.open(path, read_only=True)
    writer.add([("cat", "in", "garden"), ("toy 0", "in", "garden")], t=50)
    store = reader._store
    news = store.catch_up()  # white-box: only the rows of the last commit come back
    assert {f.id for f in news.facts} == {f.id for f in store.facts() if f.valid_from == 50} | {
        f.id for f in store.facts() if f.valid_to == 50
    }
    reader._absorb(news)
    assert reader.where_is("cat", t=51).object == "garden"
    assert reader.where_is("toy 0", t=51).object == "garden"
    assert reader.stats() == Memory.open(path, read_only=True).stats()
    writer.close()


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.9])
def test_kill_9_mid_write_loses_at_most_that_call(tmp_path: Path, delay: float) -> None:
    path = tmp_path / "memory.db"
    writer = _start_writer(path)
    last = _wait_for_steps(writer, 2)
    time.sleep(delay)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert SQLiteStore(path).integrity_check() == "ok"
    memory = Memory.open(path)
    facts = memory.stats()["facts"]
    assert facts % BATCH == 0 and facts >= (last + 1) * BATCH  # whole calls, none lost once acked
    assert memory.events()[-1].seq == len(memory.events())
    memory.add([("after", "in", "crash")], t=memory.now + 1)  # and it is still writable


def test_compact_drops_old_history_and_the_memory_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    memory = Memory.open(path)
    for t in range(300):
        memory.add([("cat", "in", f"room {t % 7}"), ("dog", "on", f"mat {t}")], t=t)
    before = memory.stats()
    memory.close()
    store = SQLiteStore(path)
    removed = store.compact(keep_events=50, closed_before=250)
    store.close()
    assert removed["events"] == before["events"] - 50 and removed["facts"] > 0
    assert removed["bytes_after"] < removed["bytes_before"]
    again = Memory.open(path)
    assert again.stats()["events"] == 50
    assert again.where_is("cat", t=300).object == "room 5"  # current facts untouched
    assert len(again.history("dog")) == 51  # closed before 250: gone; 250-299 kept
    last = again.events()[-1].seq
    assert [e.seq for e in again.events(since=last - 3)] == [last - 2, last - 1, last]
    again.add([("cat", "in", "garden")], t=301)  # numbers go on, never reused
    assert again.events()[-1].seq > last
    again.close()
    assert Memory.open(path, read_only=True).where_is("cat", t=302).object == "garden"


def test_the_compact_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mags.cli import main

    path = tmp_path / "memory.db"
    with Memory.open(path) as memory:
        for t in range(20):
            memory.add([("cat", "in", f"room {t}")], t=t)
    assert main(["compact", str(path), "--keep-events", "5", "--closed-before", "10"]) == 0
    assert "closed facts" in capsys.readouterr().out
    assert main(["compact", str(path)]) == 2
    assert "--keep-events" in capsys.readouterr().err
