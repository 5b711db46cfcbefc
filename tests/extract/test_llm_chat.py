"""The LLM extractor in chat mode, against the scripted OpenAI-compatible server."""

from __future__ import annotations

import pytest

from mags import Memory
from mags.core.errors import UnknownRelationError
from mags.core.model import Fact
from mags.core.schema import WHEN, RelationSchema, RelationSpec, chat_schema
from mags.extract import Extraction, ExtractionContext
from mags.extract.llm import LLMExtractor
from mags.llm import LLMClient
from mags.llm.prompts import CHAT_EXTRACT_PROMPT_VERSION, EXTRACT_PROMPT_VERSION
from mags.llm.testserver import ChatServer, Reply


def turn(speaker: str = "Caroline", role: str | None = "user") -> ExtractionContext:
    return ExtractionContext(
        t=3.0, source="D1:3", speaker=speaker, when="2023-05-08T13:56:00", role=role
    )


def facts(extraction: Extraction) -> list[Fact]:
    found = list(extraction.facts)
    assert all(isinstance(f, Fact) for f in found)
    return found  # type: ignore[return-value]


def test_speaker_and_date_go_into_the_chat_prompt(server: ChatServer, client: LLMClient) -> None:
    server.script(
        Reply.json(
            {
                "facts": [
                    {
                        "subject": "caroline",
                        "relation": "attended",
                        "object": "lgbtq support group",
                        "qualifiers": {WHEN: "2023-05-07"},
                    }
                ]
            }
        )
    )
    extractor = LLMExtractor(client, chat_schema(), chat=True)
    assert extractor.prompt_version == CHAT_EXTRACT_PROMPT_VERSION
    extraction = extractor.extract("I went to an LGBTQ support group yesterday.", turn())
    [request] = server.requests
    prompt = request.body["messages"][-1]["content"]
    assert "Speaker: Caroline" in prompt
    assert "Date of the turn: 2023-05-08 (Monday)" in prompt
    assert "Caroline: I went to an LGBTQ support group yesterday." in prompt
    assert "- attended:" in prompt and "Use only the relations listed." in prompt
    [fact] = facts(extraction)
    assert (fact.subject, fact.relation, fact.object) == (
        "caroline",
        "attended",
        "lgbtq support group",
    )
    assert fact.qualifiers == {WHEN: "2023-05-07"}
    assert extractor.usage.calls == 1


def test_open_mode_keeps_an_unknown_relation_as_a_labelled_link(
    server: ChatServer, client: LLMClient
) -> None:
    server.script(
        Reply.json(
            {
                "facts": [
                    {
                        "subject": "melanie",
                        "relation": "Adopted",
                        "object": "a dog",
                        "qualifiers": {WHEN: "2023-05"},
                    },
                    {"subject": "melanie", "relation": "loves", "object": "pottery"},
                ],
                "negations": [{"relation": "stopped_doing", "subject": "melanie"}],
            }
        )
    )
    extractor = LLMExtractor(client, chat_schema(), chat=True, open_relations=True)
    extraction = extractor.extract("We adopted a dog this month! I love pottery.", turn("Melanie"))
    assert "relation of your own" in server.requests[0].body["messages"][-1]["content"]
    kept, liked = facts(extraction)
    assert (kept.subject, kept.relation, kept.object) == ("melanie", "related_to", "a dog")
    assert kept.qualifiers == {WHEN: "2023-05", "label": "Adopted"}
    assert (liked.relation, liked.qualifiers) == ("likes", None)  # a synonym is not "open"
    assert list(extraction.negations) == []  # an unknown negation is still dropped
    assert extractor.kept_open == 1 and extractor.dropped == 1


def test_closed_mode_drops_the_unknown_relation(server: ChatServer, client: LLMClient) -> None:
    server.script(
        Reply.json(
            {
                "facts": [
                    {"subject": "melanie", "relation": "adopted", "object": "a dog"},
                    {"subject": "melanie", "relation": "lives_in", "object": "boston"},
                ]
            }
        )
    )
    extractor = LLMExtractor(client, chat_schema(), chat=True)
    extraction = extractor.extract("We adopted a dog here in Boston.", turn("Melanie"))
    assert [(f.relation, f.object) for f in facts(extraction)] == [("lives_in", "boston")]
    assert extractor.dropped == 1 and extractor.kept_open == 0


def test_an_assistant_turn_makes_no_request(server: ChatServer, client: LLMClient) -> None:
    extractor = LLMExtractor(client, chat_schema(), chat=True, open_relations=True)
    extraction = extractor.extract("You said you live in Boston.", turn("bot", "assistant"))
    assert extraction == Extraction()
    assert server.requests == []
    assert extractor.skipped == 1 and extractor.usage.calls == 0


def test_the_game_prompt_is_unchanged_without_chat(server: ChatServer, client: LLMClient) -> None:
    server.script(Reply.json({"facts": []}))
    extractor = LLMExtractor(client)
    assert extractor.prompt_version == EXTRACT_PROMPT_VERSION
    # Without chat=True the role is not looked at: a game observation has none anyway.
    extractor.extract("The fridge is open.", turn(role="assistant"))
    [request] = server.requests
    prompt = request.body["messages"][-1]["content"]
    assert "Observation:\nThe fridge is open." in prompt and "Speaker:" not in prompt


def test_open_facts_land_in_memory(server: ChatServer, client: LLMClient) -> None:
    server.script(
        Reply.json({"facts": [{"subject": "caroline", "relation": "paints", "object": "sunsets"}]})
    )
    extractor = LLMExtractor(client, chat_schema(), chat=True, open_relations=True)
    with Memory.open(schema=chat_schema(), extractor=extractor) as memory:
        memory.observe("I paint sunsets.", t=1)
        [fact] = memory.facts_about("caroline", 1)
        assert (fact.relation, fact.object) == ("related_to", "sunsets")
        assert fact.qualifiers == {"label": "paints"}


def test_open_mode_needs_related_to_in_the_schema(client: LLMClient) -> None:
    schema = RelationSchema([RelationSpec("likes")])
    with pytest.raises(UnknownRelationError):
        LLMExtractor(client, schema, open_relations=True)
    LLMExtractor(client, schema)  # closed mode does not need it


def test_a_change_the_model_marks_supersedes_at_once(server: ChatServer, client: LLMClient) -> None:
    extractor = LLMExtractor(client, chat_schema(), chat=True)
    memory = Memory.open(schema=chat_schema(), extractor=extractor)
    porto = {"subject": "ana", "relation": "lives_in", "object": "Porto", "confidence": 0.9}
    for t in range(3):
        server.script(Reply.json({"facts": [porto]}))
        memory.observe_turn("I live in Porto.", t=t, speaker="ana", role="user")
    moved = {**porto, "object": "Lisbon", "change": True}
    server.script(Reply.json({"facts": [moved]}))
    memory.observe_turn("I just moved to Lisbon!", t=3, speaker="ana", role="user")
    assert '"change": true' in server.requests[-1].body["messages"][0]["content"]
    assert [f.object for f in memory.facts_about("ana", t=3)] == ["Lisbon"]
