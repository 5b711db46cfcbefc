"""Records of the liquid knowledge graph: inputs (`Fact`, `Negation`), stored state
(`EntityRecord`, `FactRecord`, `Episode`, `Event`) and read-only views (`FactView`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

Scalar: TypeAlias = str | int | float | bool
Qualifiers: TypeAlias = tuple[tuple[str, Scalar], ...]
"""Qualifiers as a sorted tuple of (key, value) pairs, so that a fact's identity is hashable."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One piece of evidence: ``subject --relation--> object`` with optional qualifiers.

    Example
    -------
    >>> fact = Fact("apple", "in", "fridge", qualifiers={"quantity": 2}, confidence=0.9)
    >>> fact.relation, fact.qualifiers
    ('in', {'quantity': 2})

    ``change=True`` marks a statement that the world changed ("I moved to Lisbon"): it
    supersedes what holds its slots now however much evidence that has, as the agent's own
    outcome does, instead of voting against it like a reading that may be wrong.

    >>> Fact("ana", "lives_in", "Lisbon", confidence=0.9, change=True).change
    True
    """

    subject: str
    relation: str
    object: str
    qualifiers: Mapping[str, Scalar] | None = None
    confidence: float = 1.0
    change: bool = False


@dataclass(frozen=True, slots=True)
class Negation:
    """Negative evidence: no current fact matches this pattern any more.

    ``None`` is a wildcard. ``Negation("in", object="fridge")`` says the fridge is empty;
    ``Negation("is", subject="door", object="open")`` says the door is not open.

    Example
    -------
    ``confidence`` below 1 (what a view did not show, rather than what was said) makes it
    contested evidence, like an uncertain fact (`mags.core.reconcile`).

    >>> Negation("in", object="fridge")
    Negation(relation='in', subject=None, object='fridge', confidence=1.0)
    """

    relation: str | None
    subject: str | None = None
    object: str | None = None
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Correction:
    """A speaker corrects what they said: ``new`` replaces ``old`` as the object of their
    current statements ("I meant Lisbon, not Porto"); with ``old`` None, the object of
    what they said in their previous turn ("sorry, I meant Lisbon").

    Example
    -------
    >>> Correction("ana", "Lisbon", "Porto")
    Correction(speaker='ana', new='Lisbon', old='Porto')
    """

    speaker: str
    new: str
    old: str | None = None


@dataclass(frozen=True, slots=True)
class ForgetRequest:
    """A speaker asks to be forgotten: what they said about ``topic`` ("forget what I told
    you about Mark"), or with ``topic`` None their previous turn ("please forget that").

    Example
    -------
    >>> ForgetRequest("ana", "Mark")
    ForgetRequest(speaker='ana', topic='Mark')
    """

    speaker: str
    topic: str | None = None


@dataclass(slots=True)
class EntityRecord:
    """A node: canonical name, aliases (other surface forms seen) and kind."""

    id: int
    name: str
    kind: str
    aliases: list[str]
    created_t: float
    archived_t: float | None = None
    merged_into: int | None = None


@dataclass(slots=True)
class FactRecord:
    """A stored edge and its liquid state.

    ``strength`` is the strength at time ``t0``; the current strength is computed lazily
    (see `mags.core.dynamics`). A fact is *active* while it is current (``valid_to is None``)
    and not archived.
    """

    id: int
    subject: int
    relation: str
    object: int
    qualifiers: Qualifiers
    confidence: float
    strength: float
    t0: float
    tau: float
    evidence: int
    importance: float
    floor: float
    valid_from: float
    valid_to: float | None = None
    archived_t: float | None = None
    archive_reason: str | None = None
    episode: int | None = None
    batch: int = 0
    superseded_by: int | None = None
    version: int = 0
    uses: int = 0
    """How often `Memory.use` recalled it into a prompt that led to an action."""
    seen_t: float | None = None
    """When it was last observed or used (None: only at ``valid_from``); with ``evidence``
    and ``uses``, what its salience is computed from (`mags.core.salience`)."""

    @property
    def active(self) -> bool:
        """Current and not archived."""
        return self.valid_to is None and self.archived_t is None


@dataclass(frozen=True, slots=True)
class Episode:
    """One raw observation (a game's text, a chat turn) and the ids of the facts extracted
    from it. ``speaker`` and ``when`` (ISO 8601 wall-clock time) are data a chat turn
    carries; the logical ``t`` alone drives dynamics."""

    id: int
    t: float
    text: str
    source: str | None
    fact_ids: tuple[int, ...]
    speaker: str | None = None
    when: str | None = None
    forgotten_t: float | None = None
    """When someone asked to forget it: from then on it is history, never recalled."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "id": self.id,
            "t": self.t,
            "text": self.text,
            "source": self.source,
            "speaker": self.speaker,
            "when": self.when,
            "fact_ids": list(self.fact_ids),
            "forgotten_t": self.forgotten_t,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """One change of the memory, for timelines, visualizations and tests.

    ``kind`` is one of `EVENT_KINDS`; ``facts`` and ``entities`` are the ids involved
    (for ``reconcile``: the old fact first, then the new one if any).
    """

    seq: int
    t: float
    kind: str
    facts: tuple[int, ...] = ()
    entities: tuple[int, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "seq": self.seq,
            "t": self.t,
            "kind": self.kind,
            "facts": list(self.facts),
            "entities": list(self.entities),
            "data": dict(self.data),
        }


EVENT_KINDS = (
    "observe",
    "add",
    "reinforce",
    "reconcile",
    "decay_archive",
    "capacity_archive",
    "merge",
    "split",
    "recall",
    "edit",
    "extract",
    "forget",
    "boundary",
)


@dataclass(frozen=True, slots=True)
class FactView:
    """A fact as callers see it, with names and its strength evaluated at a time.

    Example
    -------
    >>> from mags import Memory
    >>> m = Memory.open()
    >>> m.add([("apple", "in", "fridge")], t=0)
    [1]
    >>> m.facts_about("apple", t=0)[0].object
    'fridge'
    """

    id: int
    subject: str
    relation: str
    object: str
    qualifiers: Mapping[str, Scalar]
    strength: float
    tau: float
    evidence: int
    valid_from: float
    valid_to: float | None
    archived_t: float | None
    archive_reason: str | None
    episode: int | None
    salience: float | None = None
    """How much it deserves a place in a prompt now (`mags.core.salience`), beside
    ``strength`` (in belief mode: the probability that it holds)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of this view."""
        return {
            "id": self.id,
            "subject": self.subject,
            "relation": self.relation,
            "object": self.object,
            "qualifiers": dict(self.qualifiers),
            "strength": self.strength,
            "tau": self.tau,
            "evidence": self.evidence,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "archived_t": self.archived_t,
            "archive_reason": self.archive_reason,
            "episode": self.episode,
            "salience": self.salience,
        }


@dataclass(slots=True)
class Pending:
    """A claim that lost its contest: its strength at ``t`` (it decays with ``tau0``)."""

    strength: float
    t: float
    evidence: int

    def at(self, t: float, tau0: float) -> float:
        """Strength left at ``t``."""
        return self.strength * math.exp(-(t - self.t) / tau0) if t > self.t else self.strength
