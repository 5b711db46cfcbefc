"""The contest: uncertain contradictions weaken well-evidenced facts before they replace them."""

from __future__ import annotations

from mags import Fact, Memory, MemoryConfig, Negation
from mags.extract.base import Extraction, ExtractionContext

VIEW = 0.9


def _where(memory: Memory, thing: str, t: float) -> str | None:
    fact = memory.where_is(thing, t=t)
    return None if fact is None else fact.object


def _seen(memory: Memory, times: int) -> None:
    for t in range(times):
        memory.add([Fact("apple", "in", "fridge", confidence=VIEW)], t=t)


def test_a_one_off_uncertain_contradiction_loses_to_repeated_evidence() -> None:
    memory = Memory.open()
    _seen(memory, 4)
    memory.add([Fact("apple", "on", "table", confidence=VIEW)], t=4)
    assert _where(memory, "apple", 4) == "fridge"  # pending, not believed
    before = memory.where_is("apple", t=4)
    assert before is not None and before.strength < 0.95  # but weakened
    memory.add([Fact("apple", "on", "table", confidence=VIEW)], t=5)
    memory.add([Fact("apple", "on", "table", confidence=VIEW)], t=6)
    assert _where(memory, "apple", 6) == "table"  # a claim that keeps coming wins
    history = [(f.object, f.valid_to) for f in memory.history("apple")]
    assert ("fridge", 6) in history or ("fridge", 5) in history


def test_a_fact_seen_once_yields_to_the_first_contradiction() -> None:
    memory = Memory.open()
    _seen(memory, 1)
    memory.add([Fact("apple", "on", "table", confidence=VIEW)], t=1)
    assert _where(memory, "apple", 1) == "table"


def test_a_certain_claim_supersedes_at_once_and_contest_one_is_the_old_rule() -> None:
    memory = Memory.open()
    _seen(memory, 6)
    memory.add([Fact("apple", "held_by", "player")], t=6)  # confidence 1.0
    assert _where(memory, "apple", 6) == "player"
    old_rule = Memory.open(config=MemoryConfig(contest=1.0))
    _seen(old_rule, 6)
    old_rule.add([Fact("apple", "on", "table", confidence=VIEW)], t=6)
    assert _where(old_rule, "apple", 6) == "table"


class _View:
    """A view that lists what it shows and negates the rest, as the game extractor does."""

    def __init__(self, confidence: float) -> None:
        self.confidence = confidence

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        facts = [Fact(x, "at", "kitchen", confidence=VIEW) for x in text.split(",") if x]
        return Extraction(
            facts=facts, negations=[Negation("at", object="kitchen", confidence=self.confidence)]
        )


def test_uncertain_negative_evidence_weakens_and_certain_negation_closes() -> None:
    config = MemoryConfig(contest=0.3)
    uncertain = Memory.open(extractor=_View(VIEW), config=config)
    certain = Memory.open(extractor=_View(1.0), config=config)
    for memory in (uncertain, certain):
        for t in range(4):
            memory.observe("knife,apple", t=t)
        memory.observe("apple", t=4)  # the knife is not shown once
    assert {f.subject for f in uncertain.facts_about("kitchen", t=4)} == {"knife", "apple"}
    assert {f.subject for f in certain.facts_about("kitchen", t=4)} == {"apple"}
    uncertain.observe("apple", t=5)
    uncertain.observe("apple", t=6)  # 0.94 * 0.73^3 < eta * 0.9: the third absence closes it
    assert {f.subject for f in uncertain.facts_about("kitchen", t=6)} == {"apple"}


def test_a_pending_claim_takes_the_slot_a_negation_frees_in_the_same_observation() -> None:
    class Moved:
        def extract(self, text: str, context: ExtractionContext) -> Extraction:
            if text == "before":
                return Extraction(facts=[Fact("apple", "in", "fridge", confidence=VIEW)])
            return Extraction(
                facts=[Fact("apple", "on", "table", confidence=VIEW)],
                negations=[Negation("in", object="fridge", confidence=VIEW)],
            )

    memory = Memory.open(extractor=Moved(), config=MemoryConfig(contest=0.3))
    memory.observe("before", t=0)
    memory.observe("before", t=1)  # strength 0.69: outlasts one claim, not claim + negation
    memory.observe("after", t=2)
    assert _where(memory, "apple", 2) == "table"


def test_pending_claims_that_faded_are_forgotten() -> None:
    memory = Memory.open()
    cups = [f"cup {i}" for i in range(100)]
    for t in range(3):  # 100 things, each seen three times, each contradicted once
        memory.add([Fact(cup, "in", "cupboard", confidence=VIEW) for cup in cups], t=t)
    memory.add([Fact(cup, "on", "table", confidence=VIEW) for cup in cups], t=3)
    graph = memory._core.graph
    assert len(graph.pending) == 100
    memory.add([Fact("cup 0", "in", "cupboard", confidence=VIEW)], t=1000)  # long after
    assert graph.pending == {}


def _rooms_behind(memory: Memory, door: str, direction: str) -> list[str]:
    return sorted(
        f.object
        for f in memory.facts_about(door, t=memory.now)
        if f.relation == "connects" and dict(f.qualifiers).get("direction") == direction
    )


def test_a_door_leads_to_one_room_per_direction_so_a_misread_room_contests_it() -> None:
    memory = Memory.open()
    south = {"direction": "south"}
    for t in range(3):
        seen = Fact("oak door", "connects", "kitchen", qualifiers=south, confidence=VIEW)
        memory.add([seen], t=t)
    memory.add([Fact("oak door", "connects", "cellar", qualifiers=south, confidence=VIEW)], t=3)
    assert _rooms_behind(memory, "oak door", "south") == ["kitchen"]  # the misreading waits
    north = {"direction": "north"}
    memory.add([Fact("oak door", "connects", "patio", qualifiers=north, confidence=VIEW)], t=4)
    assert _rooms_behind(memory, "oak door", "north") == ["patio"]  # the other side stands
    assert _rooms_behind(memory, "oak door", "south") == ["kitchen"]
