"""Belief strategies compared by the probes: MAGS against two simple fact stores.

All three read the game through the same TextWorld extractor, so the probes measure
what each does with the same evidence:

- ``liquid``: MAGS (`Memory`): supersedes, honours negative evidence, decays and prunes.
- ``append-only``: keeps every fact ever extracted, never supersedes (the strategy Mem0 v3
  uses): nothing is lost, nothing is ever retracted.
- ``last-write-wins``: one object per (subject, relation): a new location replaces the old
  one *of the same relation*, but "knife on table" and "knife held_by player" coexist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from mags.config import MemoryConfig
from mags.core.model import Fact
from mags.extract.base import Extraction, ExtractionContext
from mags.extract.textworld import TextWorldExtractor
from mags.memory import Memory

Triple = tuple[str, str, str]
STRATEGIES = ("liquid", "append-only", "last-write-wins")


class BeliefStrategy(Protocol):
    """Reads one game step; says what it currently believes."""

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        """Take in one step's text and side information."""
        ...

    def beliefs(self, t: float) -> list[Triple]:
        """Current ``(subject, relation, object)`` beliefs."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


def _triples(extraction: Extraction) -> list[Triple]:
    out = []
    for fact in extraction.facts:
        s, r, o = (fact.subject, fact.relation, fact.object) if isinstance(fact, Fact) else fact
        out.append((s.lower(), r, o.lower()))
    return out


class LiquidBeliefs:
    """MAGS itself: `Memory.observe` with the TextWorld extractor."""

    def __init__(self, config: MemoryConfig | None = None) -> None:
        self.memory = Memory.open(config=config or MemoryConfig(), extractor=TextWorldExtractor())

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        self.memory.observe(text, t=t, extra=extra)

    def beliefs(self, t: float) -> list[Triple]:
        return [
            (f["subject"], f["relation"], f["object"]) for f in self.memory.snapshot(t)["facts"]
        ]

    def close(self) -> None:
        self.memory.close()


class AppendOnlyBeliefs:
    """Every fact ever extracted, never retracted.

    Example
    -------
    >>> b = AppendOnlyBeliefs()
    >>> b.update("-= Kitchen =-", 0, {}); b.update("-= Garden =-", 1, {})
    >>> sorted(b.beliefs(1))
    [('player', 'at', 'garden'), ('player', 'at', 'kitchen')]
    """

    def __init__(self) -> None:
        self.extractor = TextWorldExtractor()
        self.facts: dict[Triple, None] = {}

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        extraction = self.extractor.extract(text, ExtractionContext(t, None, (), extra))
        for triple in _triples(extraction):
            self.facts[triple] = None

    def beliefs(self, t: float) -> list[Triple]:
        return list(self.facts)

    def close(self) -> None:
        self.facts.clear()


class LastWriteWinsBeliefs:
    """One object per (subject, relation); the latest write wins.

    Example
    -------
    >>> b = LastWriteWinsBeliefs()
    >>> b.update("-= Kitchen =-", 0, {}); b.update("-= Garden =-", 1, {})
    >>> b.beliefs(1)
    [('player', 'at', 'garden')]
    """

    def __init__(self) -> None:
        self.extractor = TextWorldExtractor()
        self.slots: dict[tuple[str, str], str] = {}

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        extraction = self.extractor.extract(text, ExtractionContext(t, None, (), extra))
        for subject, relation, obj in _triples(extraction):
            self.slots[(subject, relation)] = obj

    def beliefs(self, t: float) -> list[Triple]:
        return [(s, r, o) for (s, r), o in self.slots.items()]

    def close(self) -> None:
        self.slots.clear()


def make_strategy(name: str, config: MemoryConfig | None = None) -> BeliefStrategy:
    """A fresh strategy by name (``liquid`` takes the memory's config)."""
    if name == "liquid":
        return LiquidBeliefs(config)
    if name == "append-only":
        return AppendOnlyBeliefs()
    if name == "last-write-wins":
        return LastWriteWinsBeliefs()
    raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
