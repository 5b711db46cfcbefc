"""The baseline memories an agent can play with: `StepMemory` (none, window,
full-history), `RagMemory`, `SummaryMemory`, `FactStoreMemory` (append-only,
one-per-relation) and `LatestSlotMemory` (latest-slot, lru, random-evict); see
`mags.agents.memories` for what each keeps.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from mags.agents.memory_base import (
    RAG_STEPS,
    Belief,
    beliefs_of,
    clip,
    extract_step,
    fact_lines,
)
from mags.core.errors import MagsError
from mags.core.model import Negation
from mags.core.names import name_key
from mags.core.schema import default_schema
from mags.extract.base import Extractor
from mags.extract.textworld import TextWorldExtractor


class StepMemory:
    """Text memories over the list of steps: none, window, full-history and rag."""

    def __init__(self, name: str, window: int | None, extractor: Extractor | None = None) -> None:
        self.name = name
        self.extractor = extractor or TextWorldExtractor()
        self.steps: deque[tuple[str, list[Belief]]] = deque(maxlen=window)
        self.current: list[Belief] = []

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        self.current = beliefs_of(extract_step(self.extractor, text, t, extra))
        if self.steps.maxlen != 0:
            self.steps.append((text, self.current))

    def beliefs(self, t: float) -> list[Belief]:
        return _latest_first([b for _, bs in self.steps for b in bs] + self.current)

    def refute(self, negations: Sequence[Negation], t: float) -> None:
        # What the kept steps said stays as it was read; what they said that is refuted
        # is no longer believed (a later step may say it again).
        for _, beliefs in (*self.steps, ("", self.current)):
            beliefs[:] = [b for b in beliefs if not any(_matches(n, b) for n in negations)]

    def context(self, query: str, t: float, budget_tokens: int) -> str:
        transcript = "\n\n".join(text for text, _ in self.steps)
        return transcript if self.name == "full-history" else clip(transcript, budget_tokens)

    def use(self, fact_ids: Sequence[int], t: float, command: str | None = None) -> None:
        pass  # text memories do not weigh what they keep

    def boundary(self, t: float) -> None:
        pass  # no strengths: every belief is held alike, across boundaries too

    def size(self) -> int:
        return len(self.steps)

    def new_events(self) -> list[dict[str, Any]]:
        return []

    def close(self) -> None:
        self.steps.clear()


class RagMemory(StepMemory):
    """Past steps retrieved by lexical similarity (BM25-like) to the query."""

    def __init__(self, extractor: Extractor | None = None) -> None:
        super().__init__("rag", None, extractor)
        self.document_frequency: Counter[str] = Counter()
        self.words: list[Counter[str]] = []
        self.last_query = ""

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        super().update(text, t, extra)
        words = Counter(_words(text))
        self.words.append(words)
        self.document_frequency.update(words.keys())

    def retrieve(self, query: str, k: int = RAG_STEPS) -> list[int]:
        """Indices of the k steps most similar to the query."""
        terms = set(_words(query))
        n = len(self.words)
        scored = []
        for i, words in enumerate(self.words):
            s = sum(
                math.log(1 + n / self.document_frequency[w]) * words[w] / (words[w] + 1.0)
                for w in terms
                if w in words
            )
            if s > 0:
                scored.append((s, i))
        return [i for _, i in sorted(scored, reverse=True)[:k]]

    def beliefs(self, t: float) -> list[Belief]:
        # A policy that asks no question (the planner) retrieves by what it sees now.
        query = self.last_query or (self.steps[-1][0] if self.steps else "")
        picked = [self.steps[i][1] for i in sorted(self.retrieve(query))]
        return _latest_first([b for bs in picked for b in bs] + self.current)

    def context(self, query: str, t: float, budget_tokens: int) -> str:
        self.last_query = query
        picked = sorted(self.retrieve(query))
        return clip("\n\n".join(self.steps[i][0] for i in picked), budget_tokens)


class Summarizer(Protocol):
    """The seam to an LLM for the summary memory: fold a step into the running summary."""

    def summarize(self, summary: str, step_text: str, budget_tokens: int) -> str:
        """The new summary, at most about ``budget_tokens`` long."""
        ...


class SummaryMemory(StepMemory):
    """A running summary rewritten by an LLM after every step (one call per step).

    Example
    -------
    >>> class Keep:  # a stand-in summarizer: keeps the last text
    ...     def summarize(self, summary, step_text, budget_tokens):
    ...         return step_text
    >>> m = SummaryMemory(Keep()); m.update("-= Kitchen =-", 0, {})
    >>> m.context("where am I?", 0, 100)
    '-= Kitchen =-'
    """

    def __init__(self, summarizer: Summarizer, budget_tokens: int = 400) -> None:
        super().__init__("summary", 0)
        self.summarizer = summarizer
        self.budget = budget_tokens
        self.summary = ""

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        super().update(text, t, extra)
        self.summary = self.summarizer.summarize(self.summary, text, self.budget)

    def context(self, query: str, t: float, budget_tokens: int) -> str:
        return clip(self.summary, budget_tokens)

    def size(self) -> int:
        return 1 if self.summary else 0


class FactStoreMemory:
    """The probes' baselines as agent memories: append-only and one-per-relation."""

    def __init__(self, name: str, extractor: Extractor | None = None) -> None:
        self.name = name
        self.extractor = extractor or TextWorldExtractor()
        self.facts: dict[tuple[str, str, str] | tuple[str, str], Belief] = {}

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        for b in beliefs_of(extract_step(self.extractor, text, t, extra)):
            key = (
                (b.subject, b.relation)
                if self.name == "one-per-relation"
                else (b.subject, b.relation, b.object)
            )
            self.facts.pop(key, None)  # re-insert: the latest statement comes last
            self.facts[key] = b

    def beliefs(self, t: float) -> list[Belief]:
        return list(reversed(self.facts.values()))

    def context(self, query: str, t: float, budget_tokens: int) -> str:
        return fact_lines(self.beliefs(t), budget_tokens)

    def use(self, fact_ids: Sequence[int], t: float, command: str | None = None) -> None:
        pass  # the probes' baselines keep every fact alike

    def refute(self, negations: Sequence[Negation], t: float) -> None:
        for key, belief in list(self.facts.items()):
            if any(_matches(n, belief) for n in negations):
                del self.facts[key]

    def boundary(self, t: float) -> None:
        pass  # no strengths: every belief is held alike, across boundaries too

    def size(self) -> int:
        return len(self.facts)

    def new_events(self) -> list[dict[str, Any]]:
        return []

    def close(self) -> None:
        self.facts.clear()


class LatestSlotMemory:
    """The honest baseline without strengths: one current value per schema slot.

    What reconciliation does, minus everything liquid: a fact that takes a slot (an
    object's location, a door's openness, a room's exit to the north) replaces the slot's
    occupant at once; many-valued relations (a recipe's ingredients, a room's several
    exits) keep a set; negative evidence removes what it matches (but not what the same
    step asserted). No strengths and no decay. Context: the facts, most recent first,
    clipped to the budget.

    With a ``capacity`` it is a capacity baseline, for comparison with liquid's strength x
    importance pruning at the same budget: over capacity, ``evict="lru"`` drops the fact
    least recently stated or used, ``evict="random"`` a seeded random one.

    Example
    -------
    >>> from mags.extract import Extraction
    >>> class Says:
    ...     def extract(self, text, context):
    ...         return Extraction(facts=[tuple(text.split())])
    >>> m = LatestSlotMemory(Says())
    >>> m.update("apple in fridge", 0, {}); m.update("apple on table", 1, {})
    >>> m.update("fridge is open", 2, {}); m.update("fridge is closed", 3, {})
    >>> sorted((b.subject, b.relation, b.object) for b in m.beliefs(3))
    [('apple', 'on', 'table'), ('fridge', 'is', 'closed')]
    """

    def __init__(
        self,
        extractor: Extractor | None = None,
        *,
        name: str = "latest-slot",
        capacity: int | None = None,
        evict: str = "lru",
        seed: int = 0,
    ) -> None:
        if evict not in ("lru", "random"):
            raise ValueError(f"evict must be 'lru' or 'random', got {evict!r}")
        self.name = name
        self.schema = default_schema()
        self.extractor = extractor or TextWorldExtractor()
        self.capacity = capacity
        self.evict = evict
        self._rng = random.Random(seed)
        # Insertion order is recency: a restated (or, for LRU, used) fact moves to the end.
        self.facts: dict[tuple[str, str, str], Belief] = {}
        self.slots: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._ids: dict[tuple[str, str, str], int] = {}
        self._keys: dict[int, tuple[str, str, str]] = {}

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        extraction = extract_step(self.extractor, text, t, extra)
        asserted: set[tuple[str, str, str]] = set()
        for belief in beliefs_of(extraction):
            try:
                spec = self.schema.resolve(belief.relation)
            except MagsError:
                continue  # a relation the schema lacks: no slot to keep it in
            key = (name_key(belief.subject), spec.name, name_key(belief.object))
            qualifiers = tuple(belief.qualifiers.items())
            slots = self.schema.slots(spec, key[0], key[2], key[2], qualifiers)
            for slot in slots:
                occupant = self.slots.get(slot)
                if occupant is not None and occupant != key:
                    self._drop(occupant)
            self.facts.pop(key, None)
            fact_id = self._ids.setdefault(key, len(self._ids) + 1)
            self._keys[fact_id] = key
            self.facts[key] = Belief(
                belief.subject, spec.name, belief.object, belief.qualifiers, fact_id
            )
            self.slots.update((slot, key) for slot in slots)
            asserted.add(key)
        for negation in extraction.negations:
            self._negate(negation, asserted)
        while self.capacity is not None and len(self.facts) > self.capacity:
            victims = list(self.facts)
            self._drop(victims[0] if self.evict == "lru" else self._rng.choice(victims))

    def refute(self, negations: Sequence[Negation], t: float) -> None:
        for negation in negations:
            self._negate(negation, set())

    def _negate(self, negation: Negation, asserted: set[tuple[str, str, str]]) -> None:
        relation = None
        if negation.relation is not None:
            try:
                relation = self.schema.resolve(negation.relation).name
            except MagsError:
                return
        subject = name_key(negation.subject) if negation.subject else None
        obj = name_key(negation.object) if negation.object else None
        for key in list(self.facts):
            if key in asserted:
                continue
            s, r, o = key
            if (relation in (None, r)) and (subject in (None, s)) and (obj in (None, o)):
                self._drop(key)

    def _drop(self, key: tuple[str, str, str]) -> None:
        self.facts.pop(key, None)
        for slot in [slot for slot, held in self.slots.items() if held == key]:
            del self.slots[slot]

    def beliefs(self, t: float) -> list[Belief]:
        return list(reversed(self.facts.values()))

    def context(self, query: str, t: float, budget_tokens: int) -> str:
        return fact_lines(self.beliefs(t), budget_tokens)

    def use(self, fact_ids: Sequence[int], t: float, command: str | None = None) -> None:
        if self.evict != "lru":
            return  # nothing to reinforce: no strengths, and random eviction ignores use
        for fact_id in fact_ids:
            key = self._keys.get(fact_id)
            if key in self.facts:
                self.facts[key] = self.facts.pop(key)  # used: most recent again

    def boundary(self, t: float) -> None:
        pass  # no strengths: every belief is held alike, across boundaries too

    def size(self) -> int:
        return len(self.facts)

    def new_events(self) -> list[dict[str, Any]]:
        return []

    def close(self) -> None:
        self.facts.clear()
        self.slots.clear()


def _matches(negation: Negation, belief: Belief) -> bool:
    """Whether a negation's pattern (None: any) covers a belief, names compared by key."""
    return (
        negation.relation in (None, belief.relation)
        and (negation.subject is None or name_key(negation.subject) == name_key(belief.subject))
        and (negation.object is None or name_key(negation.object) == name_key(belief.object))
    )


def _latest_first(beliefs: Sequence[Belief]) -> list[Belief]:
    """Latest statement of each fact first, duplicates dropped."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for b in reversed(beliefs):
        key = (b.subject, b.relation, b.object)
        if key not in seen:
            seen.add(key)
            out.append(b)
    return out


_WORD = re.compile(r"[a-z][a-z\-]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
