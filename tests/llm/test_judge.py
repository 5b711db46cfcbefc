"""The conflict judge in a real `Memory`, against the scripted OpenAI-compatible server.

The extractor is the LLM one too, so one observation costs at most two calls: extraction,
then one batched judgment (none when the schema leaves nothing open).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mags import Memory
from mags.core.errors import ExtractionError
from mags.extract import ConflictJudge
from mags.extract.judge import LLMJudge
from mags.extract.llm import LLMExtractor
from mags.llm import LLMClient
from mags.llm.prompts import JUDGE_PROMPT_VERSION
from mags.llm.testserver import ChatServer, Reply

MakeClient = Callable[..., LLMClient]


def facts_reply(*triples: tuple[str, str, str]) -> Reply:
    """An extraction reply carrying these facts."""
    facts = [{"subject": s, "relation": r, "object": o} for s, r, o in triples]
    return Reply.json({"facts": facts})


def current(memory: Memory, name: str) -> set[tuple[str, str]]:
    return {(f.relation, f.object) for f in memory.facts_about(name, memory.now)}


def open_memory(make_client: MakeClient, path: Path | None = None) -> tuple[Memory, LLMJudge]:
    client = make_client()
    judge = LLMJudge(client)
    return Memory.open(path, extractor=LLMExtractor(client), judge=judge), judge


def test_one_batched_call_closes_what_the_judge_finds_contradicted(
    server: ChatServer, make_client: MakeClient
) -> None:
    memory, judge = open_memory(make_client)
    assert isinstance(judge, ConflictJudge) and judge.prompt_version == JUDGE_PROMPT_VERSION
    memory.add([("alice", "likes", "tea"), ("alice", "likes", "jazz"), ("bob", "owns", "car")], 0)
    server.script(
        facts_reply(("alice", "dislikes", "tea"), ("alice", "likes", "coffee")),
        Reply.json({"contradicted": [1, 7]}),  # 1: "alice likes tea"; 7 names nothing
    )
    memory.observe("Alice: tea is vile, give me coffee.", t=1)
    assert len(server.requests) == 2  # extraction + one judgment for both new facts
    prompt = server.requests[1].body["messages"][-1]["content"]
    assert "1. alice likes tea" in prompt and "2. alice likes jazz" in prompt
    assert "bob" not in prompt  # only facts the new ones may contradict are asked about
    assert current(memory, "alice") == {("dislikes", "tea"), ("likes", "coffee"), ("likes", "jazz")}
    closed = [e for e in memory.events() if e.kind == "reconcile"]
    assert len(closed) == 1 and closed[0].data["reason"] == "judge"
    assert judge.usage.calls == 1 and judge.ignored == 1


def test_no_call_when_the_schema_decides_or_nothing_conflicts(
    server: ChatServer, make_client: MakeClient
) -> None:
    memory, judge = open_memory(make_client)
    server.script(
        facts_reply(("apple", "in", "fridge")),  # location: the schema's to decide
        facts_reply(("apple", "on", "table")),
        facts_reply(("carol", "likes", "tea")),  # nothing known about carol yet
    )
    for t, text in enumerate(["in the fridge", "on the table", "carol likes tea"], start=1):
        memory.observe(text, t=t)
    assert len(server.requests) == 3 and judge.usage.calls == 0
    assert current(memory, "apple") == {("on", "table")}


def test_a_failed_judgment_keeps_the_episode_and_leaves_the_graph_unchanged(
    server: ChatServer, make_client: MakeClient, tmp_path: Path
) -> None:
    path = tmp_path / "memory.db"
    memory, _ = open_memory(make_client, path)
    memory.add([("alice", "likes", "tea")], t=0)
    server.script(
        facts_reply(("alice", "dislikes", "tea")),
        Reply.text("I think number one, probably."),  # not JSON
        Reply.text("Still not sure."),  # the repair attempt fails too
    )
    with pytest.raises(ExtractionError, match="graph is unchanged"):
        memory.observe("Alice: tea is vile.", t=1)
    assert current(memory, "alice") == {("likes", "tea")}
    memory.close()
    with Memory.open(path) as reopened:  # the file is whole and holds the kept episode
        assert current(reopened, "alice") == {("likes", "tea")}
        observed = [e for e in reopened.events() if e.kind == "observe"]
        assert len(observed) == 1 and "Still not sure" in observed[0].data["error"]
