"""The proxy's parts without HTTP: messages sorted and cut, users apart, extraction resumed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mags.core.errors import InvalidInputError
from mags.extract import Extraction, ExtractionContext
from mags.extract.chat_rules import ChatRuleExtractor
from mags.proxy.context import kept_turns, split_messages, upstream_messages
from mags.proxy.directory import user_folder_name
from mags.proxy.extraction import ExtractionQueue
from mags.proxy.stream import StreamReply
from mags.proxy.users import UserMemories


def test_new_turns_are_the_user_turns_after_the_last_reply() -> None:
    chat = split_messages(
        [
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "two"},
            {"role": "user", "content": "three"},
            {"role": "user", "content": [{"type": "text", "text": "four"}]},
        ]
    )
    assert chat.new[0]["content"] == "three" and chat.query == "four"


def test_kept_turns_never_orphan_a_tool_result() -> None:
    call = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]}
    chat = split_messages(
        [
            {"role": "user", "content": "weather?"},
            call,
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            {"role": "user", "content": "thanks"},
        ]
    )
    assert kept_turns(chat, 2)[0] is call
    assert [m["role"] for m in upstream_messages(chat, "", 2)] == ["assistant", "tool", "user"]


@pytest.mark.parametrize("messages", [None, [], "hi", [{"content": "no role"}], [{"role": "x"}]])
def test_malformed_messages_are_named(messages: object) -> None:
    with pytest.raises(InvalidInputError, match="messages"):
        split_messages(messages)


def test_users_differing_in_case_or_punctuation_never_share_a_folder() -> None:
    names = ["ana", "Ana", "a.n.a", "a/n/a", "../ana"]
    folders = {user_folder_name(n) for n in names}
    assert len(folders) == len(names) and all("/" not in f and ".." not in f for f in folders)


def test_reading_an_unknown_user_creates_nothing(tmp_path: Path) -> None:
    users = UserMemories(tmp_path)
    assert users.open("ghost") is None and users.export("ghost") is None
    assert not any((tmp_path / "users").iterdir())
    with pytest.raises(InvalidInputError):
        users.open("")


def test_extraction_resumes_after_a_restart(tmp_path: Path) -> None:
    users = UserMemories(tmp_path)
    with users.turn("ana") as (memory, t):
        memory.observe_turn("I work as a nurse.", t, "ana", source="user", extract=False)
    with users.turn("ana") as (memory, t):
        memory.observe_turn("I work as a pilot.", t, "assistant", source="assistant", extract=False)
    users.close()  # the process ends before any extraction ran

    again = UserMemories(tmp_path)
    queue = ExtractionQueue(again).start()
    assert queue.resume() == 1 and queue.drain(10)
    memory = again.open("ana")
    assert memory is not None
    assert [(f.relation, f.object) for f in memory.facts_about("ana", t=2)] == [
        ("works_as", "nurse")
    ]  # the assistant's words are remembered, never extracted as the user's
    assert queue.mark("ana") == 2 and queue.resume() == 0
    queue.stop()
    again.close()


class _HeldExtractor(ChatRuleExtractor):
    """The rule extractor, held at its first turn until the test lets it go."""

    def __init__(self, started: threading.Event, go: threading.Event) -> None:
        self.started, self.go = started, go

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        self.started.set()
        self.go.wait(10)
        return super().extract(text, context)


def test_a_turn_stored_while_its_user_is_extracted_is_extracted_too(tmp_path: Path) -> None:
    started, go = threading.Event(), threading.Event()
    users = UserMemories(tmp_path, extractor=lambda: _HeldExtractor(started, go))
    queue = ExtractionQueue(users).start()
    with users.turn("ana") as (memory, t):
        memory.observe_turn("I work as a nurse.", t, "ana", source="user", extract=False)
    queue.submit("ana")
    assert started.wait(10)  # the worker reads the first turn...
    with users.turn("ana") as (memory, t):  # ...when the next one comes in
        memory.observe_turn("I live in Oslo.", t, "ana", source="user", extract=False)
    queue.submit("ana")
    go.set()
    assert queue.drain(10)
    memory = users.open("ana")
    assert memory is not None
    assert {f.relation for f in memory.facts_about("ana", t=2)} == {"works_as", "lives_in"}
    queue.stop()
    users.close()


def test_a_stream_split_anywhere_gives_the_same_reply() -> None:
    events = (
        b'data: {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"}}]}\r\n\r\n'
        b'data: {"choices": [{"index": 0, "delta": {"content": "b"}}, '
        b'{"index": 1, "delta": {"content": "X"}}]}\n\n: keep-alive\n\n'
        b"data: not json\n\ndata: [DONE]\n\n"
    )
    for cut in range(len(events)):
        reply = StreamReply()
        reply.feed(events[:cut])
        reply.feed(events[cut:])
        assert (reply.text, reply.done) == ("ab", True)
