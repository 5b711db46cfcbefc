"""`NoisyExtractor`: seeded drops, false facts and swaps around any extractor."""

from __future__ import annotations

import pytest

from mags.core.errors import InvalidInputError
from mags.core.model import Fact
from mags.extract import Extraction, ExtractionContext
from mags.extract.noise import NoiseSpec, NoisyExtractor, parse_noise

CONTEXT = ExtractionContext(0.0, None)


class Fixed:
    """Always the same facts."""

    def __init__(self, *facts: Fact) -> None:
        self.facts = facts

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        return Extraction(facts=list(self.facts))


def triples(extraction: Extraction) -> set[tuple[str, str, str]]:
    return {(f.subject, f.relation, f.object) for f in extraction.facts}  # type: ignore[union-attr]


APPLE = Fact("apple", "in", "fridge", confidence=0.8)
PEAR = Fact("pear", "in", "basket", confidence=0.9)
DOOR = Fact("door", "is", "open")


def test_no_noise_changes_nothing_but_the_order() -> None:
    noisy = NoisyExtractor(Fixed(APPLE, PEAR, DOOR), NoiseSpec())
    assert triples(noisy.extract("", CONTEXT)) == triples(Extraction(facts=[APPLE, PEAR, DOOR]))


def test_drop_everything_but_the_agents_own_outcomes() -> None:
    noisy = NoisyExtractor(Fixed(APPLE, DOOR), NoiseSpec(drop=1.0))
    # The door's state at confidence 1.0 is the outcome of the agent's own command.
    assert noisy.extract("", CONTEXT).facts == [DOOR] and noisy.dropped == 1
    noisy = NoisyExtractor(Fixed(APPLE, DOOR), NoiseSpec(drop=1.0, outcomes="noisy"))
    assert noisy.extract("", CONTEXT).facts == [] and noisy.dropped == 2


def test_certain_outcomes_come_last_and_unchanged() -> None:
    noisy = NoisyExtractor(Fixed(DOOR, APPLE, PEAR), parse_noise("0.5"), seed=3)
    for _ in range(20):
        assert noisy.extract("", CONTEXT).facts[-1] == DOOR


def test_false_facts_are_plausible_and_keep_the_reported_confidence() -> None:
    noisy = NoisyExtractor(Fixed(APPLE, PEAR, DOOR), NoiseSpec(false=1.0, outcomes="noisy"))
    facts = noisy.extract("", CONTEXT).facts
    found = {(f.subject, f.relation, f.object): f.confidence for f in facts}  # type: ignore[union-attr]
    # A seen container for the apple and the pear; another openness value for the door.
    assert found[("apple", "in", "basket")] == 0.8 and found[("pear", "in", "fridge")] == 0.9
    assert ("door", "is", "closed") in found or ("door", "is", "locked") in found
    assert noisy.added == 3


def test_swap_exchanges_objects_of_one_relation() -> None:
    noisy = NoisyExtractor(Fixed(APPLE, PEAR), NoiseSpec(swap=1.0))
    assert triples(noisy.extract("", CONTEXT)) == {
        ("apple", "in", "basket"),
        ("pear", "in", "fridge"),
    }


def test_the_same_seed_gives_the_same_noise() -> None:
    def run(seed: int) -> list[set[tuple[str, str, str]]]:
        noisy = NoisyExtractor(Fixed(APPLE, PEAR, DOOR), parse_noise("0.5"), seed=seed)
        return [triples(noisy.extract("", CONTEXT)) for _ in range(20)]

    assert run(7) == run(7) and run(7) != run(8)


def test_parse_noise_and_its_errors() -> None:
    assert parse_noise("0.3") == NoiseSpec(0.3, 0.3, 0.15)
    assert parse_noise("false=0.2").label() == "drop=0,false=0.2,swap=0,outcomes=certain"
    # Results from before outcomes were named had noisy outcomes: their label stays theirs.
    assert parse_noise("0.2,outcomes=noisy").label() == "drop=0.2,false=0.2,swap=0.1"
    assert parse_noise("drop=0.2,outcomes=noisy").outcomes == "noisy"
    for bad in ("lots", "drop=x", "flip=0.1", "drop=1.5", "drop=0.1,outcomes=maybe"):
        with pytest.raises(InvalidInputError, match="--noise"):
            parse_noise(bad)
