"""Conversations in: turns are episodes that are never lost, speakers own what they assert,
a move supersedes with history, dates render and time expressions steer recall."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mags import (
    Extraction,
    ExtractionContext,
    ExtractionError,
    InvalidInputError,
    Memory,
    MemoryConfig,
    RelationSpec,
    default_schema,
)
from mags.core.schema import chat_schema
from mags.extract.chat_rules import ChatRuleExtractor

MAY_8 = "2023-05-08T13:56:00"


def chat_memory(path: Path | None = None) -> Memory:
    return Memory.open(
        path, MemoryConfig.for_chat(), schema=chat_schema(), extractor=ChatRuleExtractor()
    )


def test_a_turn_without_an_extractor_is_kept_and_recallable(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    with Memory.open(path) as memory:
        memory.observe_turn(
            "Hi, I'm Caroline. I moved to Berlin last month and I work as a nurse.",
            t=1, speaker="Caroline", when=MAY_8, source="D1:1",
        )  # fmt: skip
    with Memory.open(path) as memory:
        result = memory.recall("where does Caroline live?", t=2)
        (episode,) = result.episodes
        assert (episode.speaker, episode.when, episode.source) == ("Caroline", MAY_8, "D1:1")
        assert "- Caroline: Hi, I'm Caroline. I moved to Berlin" in result.text


class Failing:
    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        raise RuntimeError("the model answered nonsense")


def test_a_failing_extractor_loses_nothing(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "chat.db", extractor=Failing()) as memory:
        with pytest.raises(ExtractionError, match="kept as episode 1"):
            memory.observe_turn("I adopted a puppy named Rex.", t=0, speaker="Ann")
        assert memory.stats()["facts"] == 0
        assert [e.text for e in memory.recall("puppy", t=1).episodes] == [
            "I adopted a puppy named Rex."
        ]


def test_the_extractor_hears_who_spoke_when_and_in_which_role() -> None:
    seen: list[ExtractionContext] = []

    class Listener:
        def extract(self, text: str, context: ExtractionContext) -> Extraction:
            seen.append(context)
            return Extraction()

    memory = Memory.open(extractor=Listener())
    memory.observe_turn("Hello", t=0, speaker="Ann", when=datetime(2023, 5, 8), role="user")
    assert (seen[0].speaker, seen[0].when, seen[0].role) == ("Ann", "2023-05-08T00:00:00", "user")


def test_what_someone_retells_is_not_a_fact_the_other_asserted() -> None:
    memory = chat_memory()
    memory.observe_turn("Caroline moved to Berlin, you know.", t=0, speaker="Melanie")
    assert memory.facts_about("Caroline", t=0) == []
    memory.observe_turn("I moved to Berlin last month.", t=1, speaker="Caroline", when=MAY_8)
    assert [f.object for f in memory.facts_about("Caroline", t=1) if f.relation == "lives_in"] == [
        "Berlin"
    ]


def test_a_move_supersedes_where_someone_lives_and_keeps_the_history(tmp_path: Path) -> None:
    with chat_memory(tmp_path / "chat.db") as memory:
        memory.observe_turn("I live in Berlin now.", t=0, speaker="Caroline", when=MAY_8)
        memory.observe_turn("I just moved to Munich!", t=150, speaker="Caroline")
        lives = [f for f in memory.history("Caroline") if f.relation == "lives_in"]
        assert [(f.object, f.valid_to) for f in lives] == [("Berlin", 150.0), ("Munich", None)]
        # Facts last a long chat: a thousand turns later Munich is still known.
        assert [f.object for f in memory.facts_about("Caroline", t=1200)] == ["Munich"]


def test_an_assistant_turn_is_never_evidence_about_the_user() -> None:
    memory = chat_memory()
    episodes = memory.observe_messages(
        [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "name": "Ann", "content": "I work as a nurse."},
            {"role": "assistant", "content": "I work as a pilot, by the way."},
            {"role": "user", "content": [{"type": "text", "text": "I love jazz."}]},
        ],
        t=3,
    )
    assert [e.speaker for e in episodes] == ["Ann", "assistant", "user"]
    assert memory.facts_about("assistant", t=3) == []
    assert [f.object for f in memory.facts_about("Ann", t=3)] == ["nurse"]
    with pytest.raises(InvalidInputError, match="role 'robot'"):
        memory.observe_messages([{"role": "robot", "content": "beep"}], t=4)


def test_recalled_turns_are_dated_and_grouped_in_time_order() -> None:
    memory = Memory.open()
    memory.observe_turn("We painted a sunrise together.", t=0, speaker="Mel", when=MAY_8)
    memory.observe_turn("The sunrise painting is on my wall.", t=1, speaker="Mel", when=MAY_8)
    memory.observe_turn("I sold the sunrise painting.", t=2, speaker="Mel", when="2023-06-01")
    text = memory.recall("sunrise painting", t=3).text
    assert text.splitlines() == [
        "Observations:",
        "[8 May 2023]",
        "- Mel: We painted a sunrise together.",
        "- Mel: The sunrise painting is on my wall.",
        "[1 June 2023]",
        "- Mel: I sold the sunrise painting.",
    ]


def test_a_time_expression_in_the_query_picks_the_turns_dated_inside_it() -> None:
    memory = Memory.open()
    memory.observe_turn("I went hiking in the mountains.", t=0, speaker="Jo", when="2023-03-04")
    memory.observe_turn("I went hiking by the lake.", t=1, speaker="Jo", when="2023-05-06")
    memory.observe_turn("Nothing new this week.", t=2, speaker="Jo", when="2023-05-10")
    budget = 30  # room for one turn only
    assert "mountains" in memory.recall("Where did Jo go hiking in March 2023?", 3, budget).text
    recent = memory.recall("Where did Jo go hiking last week?", 3, budget)
    assert "lake" in recent.text and recent.window == "last week"
    assert "time" in recent.via[recent.episodes[0].id]
    # "now" moves what "last week" means.
    earlier = memory.recall("Where did Jo go hiking last week?", 3, budget, now="2023-03-08")
    assert "mountains" in earlier.text


def test_recall_says_which_channel_found_each_episode() -> None:
    memory = chat_memory()
    memory.observe_turn("Did you go anywhere fun?", t=0, speaker="Mel", when=MAY_8)
    memory.observe_turn("Yes! A pottery class on Saturday.", t=1, speaker="Ann", when=MAY_8)
    result = memory.recall("Where did Mel go for fun?", t=2, sources=("episodes",))
    assert result.via[1] == ("lexical",)
    assert "neighbour" in result.via[2]  # the answer right after a question
    assert result.facts == ()
    with pytest.raises(InvalidInputError, match="sources"):
        memory.recall("pottery", t=2, sources=("gossip",))


def test_users_extend_the_schema_with_relations_of_their_own() -> None:
    schema = default_schema().extend(
        [RelationSpec("plays", functional=True, description="the instrument one plays")],
        synonyms={"practises": "plays"},
    )
    memory = Memory.open(schema=schema)
    memory.add([("Ann", "practises", "violin")], t=0)
    memory.add([("Ann", "plays", "cello")], t=1)
    assert [(f.object, f.valid_to) for f in memory.history("Ann")] == [
        ("violin", 1.0),
        ("cello", None),
    ]
    assert "plays" not in default_schema().relations  # the original is unchanged


def test_a_bad_wall_clock_time_is_a_clear_error_and_stores_nothing() -> None:
    memory = Memory.open()
    with pytest.raises(InvalidInputError, match="ISO 8601"):
        memory.observe_turn("hello", t=0, speaker="Ann", when="last Tuesday")
    assert memory.stats()["episodes"] == 0


def test_dated_facts_inside_the_querys_window_rank_first() -> None:
    memory = Memory.open(schema=chat_schema())
    memory.add([("Jo", "visited", "Rome", {"when": "2023-03-04"})], t=0)
    memory.add([("Jo", "visited", "Oslo", {"when": "2023-05-06"})], t=1)
    facts = memory.recall("Where did Jo travel in March 2023?", t=2).facts
    assert [f.object for f in facts] == ["Rome", "Oslo"]
    facts = memory.recall("Where did Jo travel?", t=2).facts
    assert [f.object for f in facts] == ["Oslo", "Rome"]  # the fresher fact, without a window


def test_minilm_search_finds_a_turn_by_meaning(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers", reason="the optional mags[minilm] extra")
    from mags.search.dense import MiniLMEmbedder

    memory = Memory.open(embedder=MiniLMEmbedder(cache=tmp_path))
    memory.observe_turn("We adopted a little beagle last week.", t=0, speaker="Ann")
    memory.observe_turn("The stock market fell again today.", t=1, speaker="Bob")
    result = memory.recall("Does anyone have a new pet?", t=2, budget_tokens=24)
    assert [e.speaker for e in result.episodes] == ["Ann"]
    assert result.via[1] == ("dense",)
    assert (tmp_path / "all-MiniLM-L6-v2" / "model.safetensors").exists()


def test_episodes_lists_what_was_observed_since_an_id(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "chat.db") as memory:
        for i, text in enumerate(["one", "two", "three"]):
            memory.observe_turn(text, t=i, speaker="Ann", source=f"D1:{i + 1}")
        assert [e.text for e in memory.episodes()] == ["one", "two", "three"]
        assert [e.source for e in memory.episodes(since=2)] == ["D1:3"]
