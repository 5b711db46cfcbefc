"""What every agent memory shares: the `AgentMemory` protocol, `Belief`, the variant
names and the helpers that read a step into beliefs (`mags.agents.memories` builds them).

Example
-------
>>> Belief("apple", "in", "fridge", {}).strength
1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mags.core.errors import MagsError
from mags.core.model import Fact, Negation
from mags.extract.base import Extraction, ExtractionContext, Extractor

MEMORY_VARIANTS = (
    "liquid",
    "none",
    "window",
    "full-history",
    "rag",
    "summary",
    "append-only",
    "one-per-relation",
    "latest-slot",
    "lru",
    "random-evict",
    "no-decay",
    "no-use",
    "no-contest",
    "belief",
    "no-reconcile",
    "capacity",
)
DEFAULT_WINDOW = 8
DEFAULT_CAPACITY = 60
RAG_STEPS = 4
PRESENT_STEPS = 2
"""Steps whose facts an agent's context packs first (`Memory.recall(present=...)`): the
one just seen and the one before it (where the agent came from)."""


@dataclass(frozen=True)
class Belief:
    """One believed fact: ``subject --relation--> object`` with its qualifiers, the id of
    the memory's fact behind it (None for memories without fact ids) and its strength now
    (1.0 for memories without strengths: they believe everything alike)."""

    subject: str
    relation: str
    object: str
    qualifiers: Mapping[str, Any]
    fact_id: int | None = None
    strength: float = 1.0
    evidence: int = 1
    """How many observations stated it (1 for memories that do not count)."""


class AgentMemory(Protocol):
    """What the agent loop and the policies need from a memory."""

    name: str

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        """Take in one step's text and player-visible side information."""
        ...

    def beliefs(self, t: float) -> list[Belief]:
        """What it currently believes."""
        ...

    def context(self, query: str, t: float, budget_tokens: int) -> str:
        """Text for a prompt about ``query``, at most about ``budget_tokens`` long (all but
        ``full-history``, the everything baseline)."""
        ...

    def use(self, fact_ids: Sequence[int], t: float, command: str | None = None) -> None:
        """The policy acted on these facts, and, of the context this memory gave it since
        the last call, on what its ``command`` names (all of it when no command is given):
        reinforce them. Memories that do not weigh facts ignore it."""
        ...

    def refute(self, negations: Sequence[Negation], t: float) -> None:
        """Certain negative evidence from the game itself (the policy expected a thing or
        an exit here and the game's commands show none): no belief matching one of
        ``negations`` holds any more."""
        ...

    def boundary(self, t: float) -> None:
        """A known context boundary (a new game): what may have changed behind it is believed
        less (`Memory.boundary`). Memories without strengths ignore it."""
        ...

    def size(self) -> int:
        """How much it holds: active facts, or stored steps for text memories."""
        ...

    def new_events(self) -> list[dict[str, Any]]:
        """What changed since the last call (``kind``, ``facts``, ``data``); [] if untracked."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


def extract_step(extractor: Extractor, text: str, t: float, extra: Mapping[str, Any]) -> Extraction:
    """What ``extractor`` reads in a step; nothing when it fails (an LLM's unusable reply):
    the step is still kept by the memories that keep steps."""
    try:
        return extractor.extract(text, ExtractionContext(t, None, (), extra))
    except MagsError:
        return Extraction()


def beliefs_of(extraction: Extraction) -> list[Belief]:
    """An extraction's facts as beliefs (names in lower case, as every memory compares them)."""
    out = []
    for fact in extraction.facts:
        if isinstance(fact, Fact):
            out.append(
                Belief(
                    fact.subject.lower(),
                    fact.relation,
                    fact.object.lower(),
                    dict(fact.qualifiers or {}),
                )
            )
        else:
            s, r, o = fact
            out.append(Belief(s.lower(), r, o.lower(), {}))
    return out


def fact_lines(latest_first: Sequence[Belief], budget_tokens: int) -> str:
    """Facts as ``- subject relation object`` lines, oldest first, the newest kept."""
    lines = [f"- {b.subject} {b.relation} {b.object}" for b in reversed(latest_first)]
    return clip("\n".join(lines), budget_tokens)


def clip(text: str, budget_tokens: int) -> str:
    """The end of a text that fits the budget (the most recent part of a transcript)."""
    limit = budget_tokens * 4
    return text if len(text) <= limit else text[-limit:]
