"""Recall seeds from the query, spreads over strong facts and respects the token budget."""

from __future__ import annotations

import pytest

from mags import Fact, InvalidInputError, Memory, Recall
from mags.search.tokens import TokenCounter


@pytest.fixture
def kitchen(memory: Memory) -> Memory:
    memory.add(
        [
            ("fridge", "at", "kitchen"),
            ("apple", "in", "fridge"),
            ("milk", "in", "fridge"),
            ("kitchen", "north_of", "hall"),
            ("sofa", "at", "living room"),
            ("cushion", "on", "sofa"),
            Fact("recipe", "needs", "apple", qualifiers={"prep": "sliced"}),
        ],
        t=0,
    )
    return memory


def test_recall_finds_the_named_entity_and_its_neighbourhood(kitchen: Memory) -> None:
    result = kitchen.recall("where is the apple?", t=1)
    assert isinstance(result, Recall)
    assert result.seeds[0] == "apple"
    triples = {(f.subject, f.relation, f.object) for f in result.facts}
    assert ("apple", "in", "fridge") in triples
    assert ("fridge", "at", "kitchen") in triples  # two hops: apple -> fridge -> kitchen
    assert ("cushion", "on", "sofa") not in triples
    assert "apple" in (result.facts[0].subject, result.facts[0].object)  # the task line may lead
    assert "- apple in fridge [0.49]" in result.text
    assert "- recipe needs apple (prep=sliced) [0.49]" in result.text


def test_recall_orders_by_activation_times_strength(memory: Memory) -> None:
    memory.add([("apple", "in", "fridge")], t=0)
    memory.add([("apple", "likes", "sunshine")], t=90)
    ranked = [f.object for f in memory.recall("apple", t=90).facts]
    assert ranked == ["sunshine", "fridge"]  # the fresh fact is the stronger one


def test_recall_respects_the_token_budget(memory: Memory) -> None:
    memory.add([("apple", "likes", f"thing number {i}") for i in range(200)], t=0)
    for budget in (20, 50, 100, 600):
        result = memory.recall("apple", t=0, budget_tokens=budget)
        assert result.tokens <= budget
        assert TokenCounter().count(result.text) == result.tokens
    assert len(memory.recall("apple", t=0, budget_tokens=600).facts) > len(
        memory.recall("apple", t=0, budget_tokens=100).facts
    )


def test_recall_of_unknown_things_is_empty(kitchen: Memory) -> None:
    result = kitchen.recall("quantum chromodynamics", t=1)
    assert result.text == "" and result.facts == () and result.tokens == 0


def test_recall_adds_supporting_episodes(memory: Memory) -> None:
    from mags import Extraction, ExtractionContext

    class Parrot:
        def extract(self, text: str, context: ExtractionContext) -> Extraction:
            return Extraction(facts=[("apple", "in", "fridge")])

    memory = Memory.open(extractor=Parrot())
    memory.observe("You open the fridge. Inside is a juicy apple.", t=0, source="game")
    result = memory.recall("apple", t=1)
    assert [e.text for e in result.episodes] == ["You open the fridge. Inside is a juicy apple."]
    assert "Observations:\n- t=0: You open the fridge." in result.text


def test_recall_is_an_event_and_calls_no_llm(kitchen: Memory) -> None:
    result = kitchen.recall("milk", t=1)
    event = kitchen.events()[-1]
    assert event.kind == "recall" and event.facts == tuple(f.id for f in result.facts)
    assert event.data["tokens"] == result.tokens


def test_state_values_do_not_flood_recall(memory: Memory) -> None:
    memory.add([(f"door {i}", "is", "open") for i in range(50)], t=0)
    memory.add([("door 1", "at", "hall")], t=0)
    result = memory.recall("door 1", t=0)
    assert {f.subject for f in result.facts} == {"door 1"}


def test_names_with_stopwords_are_seeded_whole(memory: Memory) -> None:
    # "box of matches" keeps "of" in its name; the query's content words still find it.
    memory.add([("box of matches", "in", "drawer"), ("box", "at", "attic")], t=0)
    result = memory.recall("where is the box of matches?", t=0)
    assert result.seeds[0] == "box of matches"
    assert result.facts[0].subject == "box of matches"


def test_a_named_thing_is_a_better_seed_than_a_state(memory: Memory) -> None:
    memory.add([(f"chest {i}", "is", "locked") for i in range(30)], t=0)
    memory.add([("red chest", "is", "locked"), ("red chest", "at", "cellar")], t=0)
    assert memory.recall("is the red chest locked?", t=0).seeds == ("red chest",)
    # Asked about the state alone, the state is the seed.
    assert memory.recall("what is locked?", t=0).seeds == ("locked",)


class _Says:
    """A stand-in extractor: "a r b; c r d" are those facts."""

    def extract(self, text: str, context: object) -> object:
        from mags.extract import Extraction

        return Extraction(facts=[tuple(p.split()) for p in text.split(";")])  # type: ignore[misc]


def test_present_first_packs_what_was_just_seen_before_the_strong_past() -> None:
    memory = Memory.open(extractor=_Says())  # type: ignore[arg-type]
    for t in range(10):  # the hall is seen again and again: strong
        memory.observe("hall exit north; lamp at hall", t=t)
    memory.observe("player at cellar; cellar exit east", t=10)
    query = "where can I go from the hall or the cellar?"
    relevance = memory.recall(query, t=10, budget_tokens=30, sources=("facts",))
    present = memory.recall(query, t=10, budget_tokens=30, sources=("facts",), present=1)
    assert {f.subject for f in present.facts[:2]} == {"player", "cellar"}
    assert relevance.facts[0].subject == "hall"  # by strength, the past leads
    assert present.tokens <= 30
    with pytest.raises(InvalidInputError, match="present"):
        memory.recall(query, t=10, present=-1)
    memory.close()
