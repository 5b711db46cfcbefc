"""A person's news through the library, a file reopened, the proxy and the MCP server
(issue 35 items 2 and 7): the new value is current at once, the old one is history, a
correction replaces what was said, a forget request keeps the text out of recall."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from mags import Memory, MemoryConfig
from mags.cli import main
from mags.core.schema import chat_schema
from mags.eval.updates import load_cases, score_library
from mags.eval.updates_command import render
from mags.extract.chat_rules import ChatRuleExtractor

PORTO = [
    "I live in Porto.",
    "Porto is lovely, I live in Porto near the river.",
    "I live in Porto, I said that already.",
    "I live in Porto and I love it.",
    "I live in Porto by the sea.",
    "How do I cook rice?",
    "Big news: I just moved to Lisbon!",
    *["Tell me a joke."] * 6,
]


def chat_memory(path: Path | None = None) -> Memory:
    return Memory.open(
        path, schema=chat_schema(), extractor=ChatRuleExtractor(), config=MemoryConfig.for_chat()
    )


def test_news_supersedes_however_often_the_old_value_was_said() -> None:
    memory = chat_memory()
    for t, said in enumerate(PORTO):
        memory.observe_turn(said, t=t, speaker="ana", role="user")
    t = len(PORTO)
    assert [(f.relation, f.object) for f in memory.facts_about("ana", t=t)] == [
        ("lives_in", "Lisbon")
    ]
    assert [(f.object, f.valid_to) for f in memory.history("ana")] == [
        ("Porto", 6.0),
        ("Lisbon", None),
    ]
    text = memory.recall("Where do I live now?", t=t, budget_tokens=60, about=["ana"]).text
    assert "Big news: I just moved to Lisbon!" in text  # packed even at 60 tokens
    assert (
        "I live in Porto. [no longer current]"
        in memory.recall("Where do I live now?", t=t, budget_tokens=300, about=["ana"]).text
    )


def test_a_misread_view_still_votes() -> None:
    """Without a marker of change, a contradiction is contested as before."""
    memory = chat_memory()
    for t, said in enumerate(["I live in Porto."] * 3 + ["I live in Lisbon."]):
        memory.observe_turn(said, t=t, speaker="ana", role="user")
    assert [f.object for f in memory.facts_about("ana", t=4)] == ["Porto"]


def test_forgetting_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "ana.db"
    memory = chat_memory(path)
    for t, said in enumerate(
        [
            "My brother Karim lives in Cairo.",
            "I work as a nurse.",
            "Please forget what I told you about Karim.",
        ]
    ):
        memory.observe_turn(said, t=t, speaker="ana", role="user")
    assert "Karim" not in memory.recall("Karim brother Cairo", t=3, budget_tokens=500).text
    memory.close()
    memory = chat_memory(path)
    assert "Karim" not in memory.recall("Karim brother Cairo", t=4, budget_tokens=500).text
    assert [f.object for f in memory.facts_about("ana", t=4)] == ["nurse"]
    assert [e.text for e in memory.episodes()] == ["I work as a nurse."]
    forgotten = [e for e in memory.events() if e.kind == "forget" and "episodes" in e.data]
    assert forgotten and forgotten[-1].data["topics"] == ["Karim"]
    memory.close()


def test_a_correction_replaces_what_the_previous_turn_said() -> None:
    memory = chat_memory()
    memory.observe_turn("I work at Contoso.", t=0, speaker="nora", role="user")
    memory.observe_turn("Oops, I meant Fabrikam.", t=1, speaker="nora", role="user")
    assert [f.object for f in memory.facts_about("nora", t=1)] == ["Fabrikam"]
    (old,) = [f for f in memory.history("nora") if f.object == "Contoso"]
    assert old.valid_to == 1.0


def test_the_update_set_through_the_library() -> None:
    results = [score_library(case) for case in load_cases()]
    assert all(r.current and not r.stale and r.forgotten for r in results), render(results, 150)


def test_news_through_mcp(tmp_path: Path) -> None:
    main = "from mags.cli import main; raise SystemExit(main())"
    params = StdioServerParameters(
        command=sys.executable, args=["-c", main, "mcp", "--data", str(tmp_path)]
    )

    async def session() -> list[tuple[str, str]]:
        async with Client(params, read_timeout_seconds=60) as client:
            for said in PORTO:
                await client.call_tool("remember", {"user": "ana", "text": said})
            about = await client.call_tool("facts_about", {"user": "ana", "name": "ana"})
            value = about.structured_content
            rows = value.get("result", value) if isinstance(value, dict) else value
            return [(f["relation"], f["object"]) for f in rows]

    assert asyncio.run(session()) == [("lives_in", "Lisbon")]


def test_the_command_prints_a_table_and_says_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "updates", "--surfaces", "library"]) == 0
    out = capsys.readouterr().out
    assert "| library | 17 | 17/17 | 0/17 |" in out
    assert main(["eval", "updates", "--surfaces", "email"]) == 2
    assert "--surfaces: unknown ['email']" in capsys.readouterr().err
    assert main(["eval", "updates", "--data", str(tmp_path / "none.json")]) == 2
    assert "--data: no file" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"dialogues": [{"id": "x"}]}')
    assert main(["eval", "updates", "--data", str(broken)]) == 2
    assert "is not a knowledge-update set" in capsys.readouterr().err
