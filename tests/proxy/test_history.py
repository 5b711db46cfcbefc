"""Turns the proxy never saw (issue 27 item 5): a chat first seen mid-way has its earlier
turns stored once, and a history resent with every request is never stored twice."""

from __future__ import annotations

from openai import OpenAI

from mags.eval.updates import wait_until_extracted
from mags.proxy.users import UserMemories
from tests.proxy.conftest import Proxied

EARLIER = [
    {"role": "user", "content": "I live in Porto and I work as a pilot."},
    {"role": "assistant", "content": "Nice!"},
]


def test_a_chat_first_seen_mid_way_is_remembered_once(proxy: Proxied) -> None:
    client = OpenAI(base_url=proxy.url, api_key="none", max_retries=0)
    users = UserMemories(proxy.data)
    history = [*EARLIER, {"role": "user", "content": "What's a good weekend trip?"}]
    for follow_up in ["Any hotel tips?", "Where do I live?"]:
        client.chat.completions.create(model="m", messages=history, user="ana")  # type: ignore[arg-type]
        wait_until_extracted(users, "ana")
        history += [
            {"role": "assistant", "content": "Okay."},  # what the upstream answered
            {"role": "user", "content": follow_up},
        ]
    client.chat.completions.create(model="m", messages=history, user="ana")  # type: ignore[arg-type]
    block = proxy.upstream.requests[-1].body["messages"][0]["content"]
    assert "Porto" in block  # stored from the first request, though it came as history
    memory = users.open("ana")
    assert memory is not None
    memory.refresh()
    texts = [e.text for e in memory.episodes()]
    assert texts.count("I live in Porto and I work as a pilot.") == 1
    assert texts.count("Nice!") == 1 and texts.count("What's a good weekend trip?") == 1
    assert texts.count("Okay.") == 3  # each of the three replies once, resent or not
    users.close()


def test_a_long_history_first_seen_is_stored_whole_once(proxy: Proxied) -> None:
    """Longer than the window matched first (`RESENT_WINDOW`): the whole request is matched."""
    client = OpenAI(base_url=proxy.url, api_key="none", max_retries=0)
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"turn number {i}"}
        for i in range(41)
    ]
    for _ in range(2):  # the same history twice: stored once
        client.chat.completions.create(model="m", messages=history, user="bo")  # type: ignore[arg-type]
    users = UserMemories(proxy.data)
    memory = users.open("bo")
    assert memory is not None
    texts = [e.text for e in memory.episodes()]
    assert [texts.count(f"turn number {i}") for i in range(41)] == [1] * 41
    users.close()
