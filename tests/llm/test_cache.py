"""The response cache: through `LLMClient` against the scripted server, and on its own."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel

from mags.core.errors import MagsError
from mags.llm import LLMCacheError, LLMClient, LLMConfig, LLMError, ResponseCache
from mags.llm.cache import CachedReply, cache_key
from mags.llm.testserver import ChatServer, Reply
from tests.llm.conftest import MODEL

MakeClient = Callable[..., LLMClient]
ASK = [{"role": "system", "content": "You read text games."}, {"role": "user", "content": "Go?"}]
GOOD = {"command": "open fridge", "reason": "food"}


class Action(BaseModel):
    command: str
    reason: str = ""


@pytest.fixture
def cache_path(tmp_path: Path) -> str:
    return str(tmp_path / "cache" / "llm.db")  # the folder does not exist yet


def test_a_repeated_call_is_answered_from_the_cache(
    server: ChatServer, make_client: MakeClient, cache_path: str
):
    server.script(Reply.json(GOOD))
    client = make_client(cache_path=cache_path)
    first = client.complete_json(ASK, Action)
    assert len(server.requests) == 1
    assert (client.cache_hits, client.cache_misses) == (0, 1)
    second = client.complete_json(ASK, Action)
    assert second == first  # same answer and the same (reported) usage
    assert not second[1].estimated and second[1].completion_tokens == 7
    assert len(server.requests) == 1  # no HTTP request
    assert (client.cache_hits, client.cache_misses) == (1, 1)


def test_complete_text_is_cached_too(server: ChatServer, make_client: MakeClient, cache_path: str):
    server.script(Reply.text("<think>x</think>open fridge"))
    client = make_client(cache_path=cache_path)
    assert client.complete_text(ASK) == client.complete_text(ASK)
    assert len(server.requests) == 1 and client.cache_hits == 1


def test_estimated_usage_replays_as_estimated(
    server: ChatServer, make_client: MakeClient, cache_path: str
):
    server.script(Reply.json(GOOD, usage=False))
    client = make_client(cache_path=cache_path)
    _, first = client.complete_json(ASK, Action)
    _, second = client.complete_json(ASK, Action)
    assert first.estimated and second == first
    assert len(server.requests) == 1


def test_the_repair_attempt_replays_from_the_cache(
    server: ChatServer, make_client: MakeClient, cache_path: str
):
    server.script(Reply.text('{"command": "open fridge",'), Reply.json(GOOD))
    client = make_client(cache_path=cache_path)
    first = client.complete_json(ASK, Action)
    second = client.complete_json(ASK, Action)
    assert second == first and first[1].completion_tokens == 14  # both calls counted
    assert len(server.requests) == 2
    assert client.cache_hits == 2  # the first reply and the repair, each from the cache


@pytest.mark.parametrize("change", ["messages", "model", "temperature"])
def test_a_different_request_misses(
    server: ChatServer, make_client: MakeClient, cache_path: str, change: str
):
    server.script(Reply.json(GOOD), Reply.json({"command": "look"}))
    make_client(cache_path=cache_path).complete_json(ASK, Action)
    messages = ASK
    if change == "messages":
        other = make_client(cache_path=cache_path)
        messages = [*ASK[:1], {"role": "user", "content": "Go now?"}]
    elif change == "model":
        config = LLMConfig(server.url, "test-key", "other-model", cache_path=cache_path)
        other = LLMClient(config)
    else:
        other = make_client(cache_path=cache_path, temperature=0.7)
    try:
        answer, _ = other.complete_json(messages, Action)
    finally:
        other.close()
    assert answer.command == "look"
    assert len(server.requests) == 2
    assert (other.cache_hits, other.cache_misses) == (0, 1)
    with ResponseCache(cache_path) as cache:
        assert len(cache) == 2


def test_the_schema_is_part_of_the_key(
    server: ChatServer, make_client: MakeClient, cache_path: str
):
    class Other(BaseModel):
        command: str

    server.script(Reply.json(GOOD), Reply.json({"command": "look"}))
    client = make_client(cache_path=cache_path)
    client.complete_json(ASK, Action)
    assert client.complete_json(ASK, Other)[0].command == "look"
    assert len(server.requests) == 2


def test_the_cache_survives_reopening(server: ChatServer, make_client: MakeClient, cache_path: str):
    server.script(Reply.json(GOOD))
    first = make_client(cache_path=cache_path)
    answer = first.complete_json(ASK, Action)
    first.close()
    second = make_client(cache_path=cache_path)
    assert second.complete_json(ASK, Action) == answer
    assert len(server.requests) == 1 and second.cache_hits == 1
    with ResponseCache(cache_path) as cache:
        assert len(cache) == 1


def test_a_fallback_mode_replays_with_no_call(
    server: ChatServer, make_client: MakeClient, cache_path: str
):
    server.reject_modes = {"json_schema", "json_object_schema"}
    server.script(Reply.json(GOOD))
    make_client(cache_path=cache_path).complete_json(ASK, Action)
    formats = [r.response_format for r in server.requests]
    assert formats == ["json_schema", "json_object_schema", "json_object"]
    again = make_client(cache_path=cache_path)
    assert again.complete_json(ASK, Action)[0].command == "open fridge"
    assert len(server.requests) == 3  # not even the refused requests
    assert again.mode == "json_object"  # remembered as on the first run


def test_failed_calls_are_not_cached(server: ChatServer, make_client: MakeClient, cache_path: str):
    server.script(Reply.error(500), Reply.error(401, "bad key"), Reply.json(GOOD))
    client = make_client(cache_path=cache_path, max_retries=0)
    with pytest.raises(LLMError, match="HTTP 500"):
        client.complete_json(ASK, Action)
    with pytest.raises(LLMError, match="HTTP 401"):
        client.complete_json(ASK, Action)
    assert client.complete_json(ASK, Action)[0].command == "open fridge"
    assert len(server.requests) == 3
    assert (client.cache_hits, client.cache_misses) == (0, 3)
    assert client.cache is not None and len(client.cache) == 1


def test_no_cache_means_no_counts(server: ChatServer, make_client: MakeClient):
    server.script(Reply.json(GOOD), Reply.json(GOOD))
    client = make_client()
    client.complete_json(ASK, Action)
    client.complete_json(ASK, Action)
    assert client.cache is None and len(server.requests) == 2
    assert (client.cache_hits, client.cache_misses) == (0, 0)


def test_a_shared_cache_stays_open(server: ChatServer, cache_path: str):
    server.script(Reply.json(GOOD))
    with ResponseCache(cache_path) as cache:
        config = LLMConfig(server.url, "k", MODEL)
        with LLMClient(config, cache=cache) as client:
            client.complete_json(ASK, Action)
        with LLMClient(config, cache=cache) as client:
            client.complete_json(ASK, Action)
            assert client.cache_hits == 1
        assert len(cache) == 1  # still open after both clients closed
    assert len(server.requests) == 1


def test_concurrent_calls_from_threads(
    server: ChatServer, make_client: MakeClient, cache_path: str
):
    asks = [[{"role": "user", "content": f"Go {i}?"}] for i in range(8)]
    server.script(*[Reply.json({"command": f"go {i}"}, delay_s=0.05) for i in range(8)])
    client = make_client(cache_path=cache_path, max_concurrency=4)
    errors: list[BaseException] = []
    answers: dict[int, str] = {}

    def call(i: int) -> None:
        try:
            for _ in range(3):  # the first call fills the cache, the others read it
                answers[i] = client.complete_json(asks[i], Action)[0].command
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(server.requests) == 8
    assert (client.cache_hits, client.cache_misses) == (16, 8)
    assert client.cache is not None and len(client.cache) == 8
    # Replies go out in arrival order, so which thread got which is not fixed; whatever a
    # thread got first, the cache replays it (to that thread and to a new client).
    again = make_client(cache_path=cache_path)
    for i, ask in enumerate(asks):
        assert again.complete_json(ask, Action)[0].command == answers[i]
    assert len(server.requests) == 8


# -- damaged files ----------------------------------------------------------------------------


def _assert_clear(error: LLMCacheError, path: str) -> None:
    message = str(error)
    assert path in message and "delete" in message
    assert isinstance(error, MagsError)
    # No sqlite3 traceback is chained onto it.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_a_corrupt_file_gives_a_clear_error(cache_path: str, server: ChatServer):
    Path(cache_path).parent.mkdir()
    Path(cache_path).write_bytes(os.urandom(8192))
    with pytest.raises(LLMCacheError) as caught:
        ResponseCache(cache_path)
    _assert_clear(caught.value, cache_path)
    with pytest.raises(LLMCacheError) as caught:  # a client fails at once, not at its first call
        LLMClient(LLMConfig(server.url, "k", MODEL, cache_path=cache_path))
    _assert_clear(caught.value, cache_path)
    assert not server.requests


def test_a_cache_from_a_newer_mags_gives_a_clear_error(cache_path: str):
    ResponseCache(cache_path).close()
    with sqlite3.connect(cache_path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(LLMCacheError, match="schema version 99") as caught:
        ResponseCache(cache_path)
    _assert_clear(caught.value, cache_path)


def test_another_sqlite_file_is_not_taken_over(tmp_path: Path):
    path = str(tmp_path / "memory.db")
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE facts (id INTEGER)")
    db.close()
    with pytest.raises(LLMCacheError, match="not a MAGS response cache"):
        ResponseCache(path)
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
    db.close()
    assert tables == ["facts"]


def test_a_closed_cache_raises_a_clear_error(cache_path: str):
    cache = ResponseCache(cache_path)
    cache.close()
    cache.close()  # harmless
    with pytest.raises(LLMCacheError, match="closed"):
        cache.get({"model": "m"})


_WRITER = """
import sys
from mags.llm.cache import CachedReply, ResponseCache
cache = ResponseCache(sys.argv[1])
i = 0
while True:
    cache.put({"model": "m", "i": i}, CachedReply("x" * 2000, i, 1))
    i += 1
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_writer_killed_mid_write_leaves_a_usable_file(cache_path: str):
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, cache_path])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if Path(cache_path).exists() and _rows(cache_path) > 50:
                break
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    with sqlite3.connect(cache_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with ResponseCache(cache_path) as cache:
        stored = len(cache)
        assert stored > 50
        assert cache.get({"model": "m", "i": 0}) == CachedReply("x" * 2000, 0, 1)
        cache.put({"model": "m", "i": -1}, CachedReply("after", None, None))
        assert len(cache) == stored + 1


def _rows(path: str) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as db:
            count = int(db.execute("SELECT count(*) FROM responses").fetchone()[0])
        db.close()
        return count
    except sqlite3.Error:
        return 0


# -- keys and configuration ------------------------------------------------------------------


def test_keys_depend_on_every_part_of_the_request():
    base = {
        "endpoint": "http://h/v1",
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.0,
        "response_format": {"type": "json_object"},
    }
    key = cache_key(base)
    assert key == cache_key(dict(reversed(base.items())))  # order does not matter
    for name, value in [
        ("endpoint", "http://other/v1"),
        ("model", "m2"),
        ("messages", [{"role": "user", "content": "hi!"}]),
        ("temperature", 0.1),
        ("response_format", None),
    ]:
        assert cache_key({**base, name: value}) != key, name


def test_config_reads_the_cache_path_from_the_environment():
    env = {"MAGS_LLM_BASE_URL": "http://h/v1", "MAGS_LLM_MODEL": "m", "MAGS_LLM_CACHE": " c.db "}
    assert LLMConfig.from_env(env).cache_path == "c.db"
    assert LLMConfig.from_env(env, cache_path="o.db").cache_path == "o.db"
    assert LLMConfig.from_env({**env, "MAGS_LLM_CACHE": ""}).cache_path is None
    with pytest.raises(MagsError, match="cache_path is blank"):
        LLMConfig("http://h/v1", "k", "m", cache_path=" ")
