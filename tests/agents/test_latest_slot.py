"""The strength-free baselines: latest-slot, and LRU / random eviction at a capacity."""

from __future__ import annotations

from mags.agents.memories import LatestSlotMemory, make_memory
from mags.config import MemoryConfig
from mags.core.model import Negation
from mags.extract import Extraction, ExtractionContext


class Says:
    """A stand-in extractor: "a r b; c r d" are those facts; "not r b" a negation."""

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        facts, negations = [], []
        for part in text.split(";"):
            words = part.split()
            if words[0] == "not":
                negations.append(Negation(words[1], object=words[2]))
            else:
                facts.append((words[0], words[1], words[2]))
        return Extraction(facts=facts, negations=negations)  # type: ignore[arg-type]


def triples(memory: LatestSlotMemory) -> set[tuple[str, str, str]]:
    return {(b.subject, b.relation, b.object) for b in memory.beliefs(0)}


def test_slots_replace_sets_accumulate_negations_remove() -> None:
    memory = LatestSlotMemory(Says())
    memory.update("apple in fridge; pear in fridge", 0, {})
    memory.update("apple on table", 1, {})  # one location per object
    memory.update("kitchen north_of hall; kitchen south_of garden", 2, {})  # two exits stay
    memory.update("not in fridge", 3, {})  # the fridge is empty
    assert triples(memory) == {
        ("apple", "on", "table"),
        ("kitchen", "north_of", "hall"),
        ("kitchen", "south_of", "garden"),
    }


def test_a_negation_spares_what_the_same_step_asserts() -> None:
    memory = LatestSlotMemory(Says())
    memory.update("apple in fridge; not in fridge", 0, {})
    assert triples(memory) == {("apple", "in", "fridge")}


def test_lru_evicts_the_least_recently_stated_or_used() -> None:
    memory = LatestSlotMemory(Says(), name="lru", capacity=2, evict="lru")
    memory.update("a in box", 0, {})
    memory.update("b in box", 1, {})
    (first,) = [b for b in memory.beliefs(1) if b.subject == "a"]
    assert first.fact_id is not None
    memory.use([first.fact_id], 2)  # "a" is used, so "b" is now the oldest
    memory.update("c in box", 3, {})
    assert {b.subject for b in memory.beliefs(3)} == {"a", "c"} and memory.size() == 2


def test_random_eviction_is_seeded_and_ignores_use() -> None:
    def run() -> set[str]:
        memory = make_memory(
            "random-evict", MemoryConfig().with_changes(capacity=10), extractor=Says()
        )
        for i in range(30):
            memory.update(f"thing{i} in box", i, {})
        assert memory.size() == 10 and memory.name == "random-evict"
        return {b.subject for b in memory.beliefs(30)}

    kept = run()
    assert kept == run()  # the same seed evicts the same facts
    assert kept != {f"thing{i}" for i in range(20, 30)}  # not simply the latest ten
