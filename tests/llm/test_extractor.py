"""The LLM extractor in a real `Memory`, against the scripted OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mags import Memory
from mags.core.errors import ExtractionError
from mags.extract import ExtractionContext, Extractor
from mags.extract.llm import LLMExtractor
from mags.llm import LLMClient, LLMError
from mags.llm.prompts import EXTRACT_KNOWN_ENTITIES, EXTRACT_PROMPT_VERSION
from mags.llm.testserver import ChatServer, Reply

MakeClient = Callable[..., LLMClient]


def prompt_of(server: ChatServer, index: int = -1) -> str:
    """The user message of one recorded request."""
    content: str = server.requests[index].body["messages"][-1]["content"]
    return content


def test_a_good_reply_becomes_facts_with_one_request_per_observe(
    server: ChatServer, make_client: MakeClient
) -> None:
    server.script(
        Reply.json(
            {
                "facts": [
                    {"subject": "apple", "relation": "in", "object": "fridge"},
                    {"subject": "fridge", "relation": "is", "object": "open", "confidence": 0.9},
                ]
            }
        ),
        Reply.json(
            {
                "facts": [{"subject": "apple", "relation": "on", "object": "table"}],
                "negations": [{"relation": "in", "object": "fridge"}],
            }
        ),
    )
    extractor = LLMExtractor(make_client())
    assert isinstance(extractor, Extractor)
    assert extractor.prompt_version == EXTRACT_PROMPT_VERSION
    with Memory.open(extractor=extractor) as memory:
        memory.observe("The fridge is open. An apple is inside.", t=1)
        assert len(server.requests) == 1
        found = memory.where_is("apple", t=1)
        assert found is not None and found.object == "fridge"
        memory.observe("You put the apple on the table. The fridge is empty.", t=2)
        assert len(server.requests) == 2
        found = memory.where_is("apple", t=2)
        assert found is not None and found.object == "table"
    assert extractor.usage.calls == 2
    assert extractor.usage.prompt_tokens > 0 and extractor.usage.completion_tokens == 14
    assert extractor.dropped == 0


def test_the_prompt_lists_relations_states_and_known_entities(
    server: ChatServer, make_client: MakeClient
) -> None:
    server.script(
        Reply.json({"facts": [{"subject": "silver key", "relation": "in", "object": "chest"}]}),
        Reply.json({"facts": []}),
    )
    with Memory.open(extractor=LLMExtractor(make_client())) as memory:
        memory.observe("A silver key lies in the chest.", t=1)
        first = prompt_of(server, 0)
        assert "Entities already known" not in first  # an empty graph has none
        assert "- in: inside a container" in first and "- held_by: carried by" in first
        assert "openness: open, closed, locked" in first
        assert "A silver key lies in the chest." in first
        memory.observe("Nothing happens.", t=2)
    second = prompt_of(server, 1)
    assert "Entities already known" in second
    assert "silver key" in second and "chest" in second


def test_known_entities_are_capped() -> None:
    from mags.llm.prompts import extraction_messages

    names = [f"thing {i}" for i in range(EXTRACT_KNOWN_ENTITIES + 50)]
    content = extraction_messages("x", {"in": ""}, {}, names)[1]["content"]
    listed = content.split("reuse these names):\n")[1].split("\n")[0].split(", ")
    assert listed == names[:EXTRACT_KNOWN_ENTITIES]


def test_unknown_relations_are_dropped_and_counted_synonyms_resolve(
    server: ChatServer, make_client: MakeClient
) -> None:
    server.script(
        Reply.json(
            {
                "facts": [
                    {"subject": "apple", "relation": "inside", "object": "fridge"},
                    {"subject": "apple", "relation": "smells_like", "object": "cinnamon"},
                    {"subject": "apple", "relation": "is", "object": "raw", "confidence": 0},
                    {
                        "subject": "fridge",
                        "relation": "Is",
                        "object": "closed",
                        "qualifiers": {"since": 1, "note": "humming", "gone": None},
                    },
                ],
                "negations": [
                    {"relation": "teleported_to", "subject": "apple"},
                    {"relation": "on"},
                ],
            }
        )
    )
    extractor = LLMExtractor(make_client())
    context = ExtractionContext(t=1.0, source=None)
    extraction = extractor.extract("The apple is in the closed fridge.", context)
    facts = [(f.subject, f.relation, f.object) for f in extraction.facts]  # type: ignore[union-attr]
    assert facts == [("apple", "in", "fridge"), ("fridge", "is", "closed")]
    assert extraction.facts[1].qualifiers == {"since": 1, "note": "humming"}  # type: ignore[union-attr]
    assert list(extraction.negations) == []
    assert extractor.dropped == 4
    assert extractor.usage.calls == 1


def test_unknown_relations_do_not_fail_the_observation(
    server: ChatServer, make_client: MakeClient
) -> None:
    server.script(
        Reply.json(
            {
                "facts": [
                    {"subject": "coin", "relation": "glitters_near", "object": "lamp"},
                    {"subject": "coin", "relation": "at", "object": "hall"},
                ]
            }
        )
    )
    extractor = LLMExtractor(make_client())
    with Memory.open(extractor=extractor) as memory:
        memory.observe("A coin glitters near the lamp in the hall.", t=1)
        found = memory.where_is("coin", t=1)
        assert found is not None and found.object == "hall"
    assert extractor.dropped == 1


def test_a_reply_malformed_after_repair_keeps_the_episode_and_the_graph(
    server: ChatServer, make_client: MakeClient
) -> None:
    server.script(
        Reply.json({"facts": [{"subject": "apple", "relation": "in", "object": "fridge"}]}),
        Reply.text("The apple is somewhere, I think."),
        Reply.text("{'facts': oops"),
    )
    extractor = LLMExtractor(make_client())
    with Memory.open(extractor=extractor) as memory:
        memory.observe("An apple is in the fridge.", t=1)
        before = memory.stats()
        with pytest.raises(ExtractionError) as caught:
            memory.observe("You take the apple.", t=2)
        assert isinstance(caught.value.__cause__, LLMError)
        assert server.url in str(caught.value)
        after = memory.stats()
        assert after["episodes"] == before["episodes"] + 1
        # The graph is unchanged (the event log records the failed episode).
        for key in ("entities", "active_entities", "facts", "active_facts"):
            assert after[key] == before[key], key
        found = memory.where_is("apple", t=2)
        assert found is not None and found.object == "fridge"
    assert len(server.requests) == 3  # one call, then one repair attempt
    assert extractor.usage.calls == 1  # the failed call is not counted as answered
