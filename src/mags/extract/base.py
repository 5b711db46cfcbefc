"""The extractor protocol: observation text in, facts and negative evidence out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from mags.core.model import Correction, Fact, FactView, ForgetRequest, Negation


@dataclass(frozen=True)
class ExtractionContext:
    """What an extractor may know besides the text."""

    t: float
    source: str | None
    known_entities: Sequence[str] = ()
    """Names of entities already in the active graph, so an extractor can reuse them."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Structured side information the caller has beside the text (a game's admissible
    commands, its inventory answer, ...). Extractors use what they understand and ignore
    the rest; it is not stored with the episode."""
    speaker: str | None = None
    """Who said the text (a chat turn's speaker); facts a speaker asserts in the first
    person are about the speaker."""
    when: str | None = None
    """The wall-clock date and time of the text (ISO 8601), if known: relative dates in it
    ("last Saturday") resolve against this."""
    role: str | None = None
    """The chat role of the turn ("user", "assistant", ...), if it is one. An assistant's
    text is never evidence about the user."""


@dataclass(frozen=True)
class Extraction:
    """What an extractor found in one observation."""

    facts: Sequence[Fact | tuple[str, str, str]] = field(default_factory=tuple)
    negations: Sequence[Negation] = field(default_factory=tuple)
    corrections: Sequence[Correction] = field(default_factory=tuple)
    """What the speaker corrected ("sorry, I meant Lisbon")."""
    forget: Sequence[ForgetRequest] = field(default_factory=tuple)
    """What the speaker asked the memory to forget ("forget what I told you about Mark")."""


@runtime_checkable
class Extractor(Protocol):
    """Anything with ``extract(text, context) -> Extraction``.

    Example
    -------
    >>> class Parrot:
    ...     def extract(self, text, context):
    ...         subject, relation, obj = text.split()
    ...         return Extraction(facts=[(subject, relation, obj)])
    >>> isinstance(Parrot(), Extractor)
    True
    """

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        """Facts and negations found in ``text``."""
        ...


@runtime_checkable
class ConflictJudge(Protocol):
    """Decides conflicts the relation schema cannot: which current facts an observation ends.

    `Memory.observe` asks it at most once per observation, and only when there are
    candidates (see `MemoryCore.undecided_conflicts`); it returns the ids of the
    ``candidates`` that are no longer true. They are closed like negative evidence.

    Example
    -------
    >>> class Opposites:
    ...     def judge(self, text, new_facts, candidates):
    ...         return [c.id for c in candidates
    ...                 if (c.subject, c.object) in {(s, o) for s, _, o in new_facts}]
    >>> isinstance(Opposites(), ConflictJudge)
    True
    """

    def judge(
        self,
        text: str,
        new_facts: Sequence[tuple[str, str, str]],
        candidates: Sequence[FactView],
    ) -> Sequence[int]:
        """Ids of ``candidates`` that ``text`` and ``new_facts`` make untrue."""
        ...
