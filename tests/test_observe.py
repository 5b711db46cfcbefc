"""`observe` stores the episode and runs the extractor through its protocol."""

from __future__ import annotations

from pathlib import Path

import pytest

from mags import (
    Extraction,
    ExtractionContext,
    ExtractionError,
    InvalidInputError,
    Memory,
    Negation,
    NotFoundError,
)
from tests.helpers import dump


class SentenceExtractor:
    """A test seam: 'X in Y.' sentences become facts; 'Y is empty.' is negative evidence."""

    def __init__(self) -> None:
        self.contexts: list[ExtractionContext] = []

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        self.contexts.append(context)
        facts, negations = [], []
        for sentence in filter(None, (s.strip() for s in text.split("."))):
            words = sentence.split(" is empty")
            if len(words) == 2:
                negations.append(Negation("in", object=words[0]))
            else:
                subject, obj = sentence.split(" in ")
                facts.append((subject, "in", obj))
        return Extraction(facts=facts, negations=negations)


def test_observe_stores_the_episode_and_its_facts() -> None:
    extractor = SentenceExtractor()
    memory = Memory.open(extractor=extractor)
    episode = memory.observe("apple in fridge. milk in fridge.", t=0, source="game")
    assert episode.text == "apple in fridge. milk in fridge." and episode.source == "game"
    assert [f.episode for f in memory.facts_about("fridge", t=0)] == [episode.id, episode.id]
    assert sorted(episode.fact_ids) == [f.id for f in memory.facts_about("fridge", t=0)]
    assert [e.kind for e in memory.events()] == ["add", "observe"]
    memory.observe("pear in bowl.", t=1)
    assert "apple" in extractor.contexts[-1].known_entities


def test_negative_evidence_in_an_observation_spares_what_it_asserts() -> None:
    memory = Memory.open(extractor=SentenceExtractor())
    memory.observe("apple in fridge. milk in fridge.", t=0)
    memory.observe("milk in fridge. fridge is empty.", t=1)  # only the milk is left
    assert [f.subject for f in memory.facts_about("fridge", t=1)] == ["milk"]
    memory.observe("fridge is empty.", t=2)
    assert memory.facts_about("fridge", t=2) == []


def test_observe_without_extractor_keeps_a_searchable_episode(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    with Memory.open(path) as memory:
        episode = memory.observe("The apple is in the fridge.", t=0)
        assert episode.fact_ids == ()
        assert memory.stats()["facts"] == 0
    with Memory.open(path) as reopened:  # kept on disk, and indexed again when reopened
        result = reopened.recall("where is the apple?", t=1)
        assert [e.text for e in result.episodes] == ["The apple is in the fridge."]
        assert result.via == {episode.id: ("lexical",)}


class Broken:
    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        raise RuntimeError("model returned gibberish")


class Invalid:
    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        return Extraction(facts=[("apple", "in", "fridge"), ("apple", "levitates_in", "air")])


@pytest.mark.parametrize("extractor", [Broken(), Invalid()])
def test_failed_extraction_keeps_the_episode_and_changes_no_fact(extractor: object) -> None:
    memory = Memory.open(extractor=extractor)  # type: ignore[arg-type]
    memory.add([("pear", "in", "bowl")], t=0)
    facts_before = dump(memory)["facts"]
    with pytest.raises(ExtractionError, match="kept as episode 1; the graph is unchanged"):
        memory.observe("You see an apple floating.", t=1)
    assert dump(memory)["facts"] == facts_before
    assert memory.stats()["episodes"] == 1
    event = memory.events()[-1]
    assert event.kind == "observe" and "error" in event.data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "observation text is empty"),
        (b"\xc3\x28", "not valid UTF-8"),
        (None, "must be a string"),
    ],
)
def test_bad_observation_text_is_refused(text: object, message: str) -> None:
    memory = Memory.open(extractor=SentenceExtractor())
    with pytest.raises(InvalidInputError, match=message):
        memory.observe(text, t=0)  # type: ignore[arg-type]
    assert memory.stats() == Memory.open().stats()


def test_utf8_bytes_are_accepted() -> None:
    memory = Memory.open(extractor=SentenceExtractor())
    memory.observe("crème in bowl.".encode(), t=0)
    assert memory.where_is("crème", t=0).object == "bowl"  # type: ignore[union-attr]


def test_set_strength_edits_a_fact_and_archives_under_the_threshold(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with Memory.open(path) as memory:
        [fid] = memory.add([("knife", "on", "table")], t=0)
        memory.set_strength(fid, 0.3, t=1)
    with Memory.open(path) as memory:
        assert memory.facts_about("knife", 1)[0].strength == pytest.approx(0.3)
        [cup] = memory.add([("cup", "on", "table")], t=2)
        with pytest.raises(InvalidInputError, match=r"\[0, 1\]"):
            memory.set_strength(cup, 2.0, t=2)
        memory.set_strength(fid, 0.0, t=2)
        assert memory.facts_about("knife", 2) == []
        assert [e.kind for e in memory.events()][-2:] == ["edit", "decay_archive"]
        with pytest.raises(NotFoundError, match="no active fact"):
            memory.set_strength(fid, 0.5, t=3)
