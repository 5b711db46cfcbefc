"""Memory variants an agent can play with, all fed the same way and asked the same things.

Every variant reads each game step (its text and the player-visible side information) and
answers two questions: which facts it currently believes (what the graph planner acts on)
and what context it would put into a prompt for a query (what an LLM policy reads).

- ``liquid``: MAGS. Beliefs are the active graph; context is `Memory.recall`. The facts a
  policy acted on (the planner's consulted beliefs, the LLM's recalled context) are
  reinforced by use, so a memory under a capacity keeps what the agent relies on.
- ``none``: nothing is kept; beliefs come from the current step alone.
- ``window``: the last ``k`` steps; beliefs from them (the latest wins), context their text.
- ``full-history``: every step ever; beliefs are every fact ever extracted, the latest
  statement of each (subject, relation) first; context is the whole transcript, however
  long (it ignores the budget: what not forgetting costs is what it is there to show).
- ``rag``: past steps retrieved by lexical similarity to the query; beliefs come from the
  retrieved steps plus the current one.
- ``summary``: an LLM-written running summary (needs a `Summarizer`, from the LLM adapter);
  beliefs come from the current step, context is the summary.
- ``append-only``, ``one-per-relation``: the probes' baselines (see `mags.probes`);
  ``one-per-relation`` (called ``last-write-wins`` before) keeps one object per (subject,
  relation), so a room keeps one exit and a recipe one ingredient.
- ``latest-slot``: the honest baseline without strengths: one current value per schema
  slot, sets for many-valued relations, negations applied (`LatestSlotMemory`).
- ``lru``, ``random-evict``: latest-slot at the ``capacity`` variant's budget, evicting the
  least recently stated or used fact, or a seeded random one: the capacity baselines.
- ablations of liquid: ``no-decay`` (time constants of 10,000 steps, no pruning),
  ``no-use`` (recall does not strengthen what it returns: ``eta_use = 0``),
  ``no-contest`` (every contradiction supersedes at once: ``contest = 1``),
  ``belief`` (strength is the filtered probability that a fact holds now, with hazards and
  learned reliabilities: ``belief = 1``, issue 35, `mags.core.belief`),
  ``no-reconcile`` (nothing is superseded or negated: an append-only graph), ``capacity``
  (at most ``capacity`` facts).

All of them read text through the same `TextWorldExtractor`, so they differ only in what
they keep.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from mags.config import MemoryConfig
from mags.core.errors import ExtractionError, InvalidInputError, MagsError
from mags.core.model import Fact, FactView, Negation
from mags.core.names import name_key
from mags.core.schema import RelationSchema, default_schema
from mags.extract.base import Extraction, ExtractionContext, Extractor
from mags.extract.textworld import TextWorldExtractor
from mags.memory import Memory

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


def _extract(extractor: Extractor, text: str, t: float, extra: Mapping[str, Any]) -> Extraction:
    """What ``extractor`` reads in a step; nothing when it fails (an LLM's unusable reply):
    the step is still kept by the memories that keep steps."""
    try:
        return extractor.extract(text, ExtractionContext(t, None, (), extra))
    except MagsError:
        return Extraction()


def _beliefs(extraction: Extraction) -> list[Belief]:
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


def _fact_lines(latest_first: Sequence[Belief], budget_tokens: int) -> str:
    """Facts as ``- subject relation object`` lines, oldest first, the newest kept."""
    lines = [f"- {b.subject} {b.relation} {b.object}" for b in reversed(latest_first)]
    return _clip("\n".join(lines), budget_tokens)


def _clip(text: str, budget_tokens: int) -> str:
    """The end of a text that fits the budget (the most recent part of a transcript)."""
    limit = budget_tokens * 4
    return text if len(text) <= limit else text[-limit:]


class LiquidMemory:
    """MAGS: `Memory.observe` with the TextWorld extractor; context is `Memory.recall`."""

    def __init__(
        self,
        config: MemoryConfig | None = None,
        name: str = "liquid",
        *,
        schema: RelationSchema | None = None,
        keep_negations: bool = True,
        path: str | Path | None = None,
        extractor: Extractor | None = None,
    ) -> None:
        self.name = name
        extractor = extractor or TextWorldExtractor()
        if not keep_negations:
            extractor = _WithoutNegations(extractor)
        # In memory by default; a SQLite file at ``path`` when given (the web demo's sessions).
        self.memory = Memory.open(
            path, config=config or MemoryConfig(), schema=schema, extractor=extractor
        )
        self.seen_events = 0
        self.recalled: list[FactView] = []  # facts of contexts given since the last `use`

    @property
    def probabilities(self) -> bool:
        """Whether its strengths are probabilities (belief mode): the planner reads them so."""
        return bool(self.memory.config.belief)

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        # An extractor that fails (an LLM's unusable reply) leaves the episode kept and the
        # graph unchanged; the game goes on.
        with contextlib.suppress(ExtractionError):
            self.memory.observe(text, t=t, extra=extra)

    def beliefs(self, t: float) -> list[Belief]:
        # Strongest first: where beliefs conflict (the no-reconcile ablation), the best
        # evidenced one is taken, as a reader of the graph would.
        facts = sorted(self.memory.snapshot(t)["facts"], key=lambda f: -f["strength"])
        return [
            Belief(
                f["subject"],
                f["relation"],
                f["object"],
                f["qualifiers"],
                f["id"],
                f["strength"],
                f["evidence"],
            )
            for f in facts
        ]

    def refute(self, negations: Sequence[Negation], t: float) -> None:
        for n in negations:
            self.memory.negate(n.relation, t=t, subject=n.subject, object=n.object)

    def boundary(self, t: float) -> None:
        self.memory.boundary(t)

    def context(self, query: str, t: float, budget_tokens: int) -> str:
        # Present first: a step needs what it just saw and did, then the task's facts.
        recall = self.memory.recall(
            query, t=t, budget_tokens=budget_tokens, sources=("facts",), present=PRESENT_STEPS
        )
        self.recalled += recall.facts
        return recall.text

    def use(self, fact_ids: Sequence[int], t: float, command: str | None = None) -> None:
        # Only the recalled facts the command acted on are used: reinforcing everything put
        # in a prompt makes what was recalled once win every later recall (measured with
        # mags eval sufficiency: the newest room's exits lost to rooms long left).
        if command is None:
            acted = [view.id for view in self.recalled]
        else:
            acted = self._named_by(self.recalled, command)
        ids = [*fact_ids, *acted]
        self.recalled = []
        if ids:
            self.memory.use(ids, t)

    @staticmethod
    def _named_by(recalled: Sequence[FactView], command: str) -> list[int]:
        """The recalled facts whose subject or object the command names."""
        words = set(command.lower().split())
        return [
            view.id
            for view in recalled
            if set(view.subject.lower().split()) <= words
            or set(view.object.lower().split()) <= words
        ]

    def graph(self, t: float) -> dict[str, list[dict[str, Any]]]:
        """The active graph, compact: nodes (name, kind) and edges with their strength.

        This is what a trace keeps per step so that a run can be replayed and drawn.
        """
        snapshot = self.memory.snapshot(t)
        return {
            "nodes": [{"id": e["name"], "kind": e["kind"]} for e in snapshot["entities"]],
            "edges": [
                {
                    "id": f["id"],
                    "subject": f["subject"],
                    "relation": f["relation"],
                    "object": f["object"],
                    "strength": round(f["strength"], 4),
                }
                for f in snapshot["facts"]
            ],
        }

    def size(self) -> int:
        return self.memory.stats()["active_facts"]

    def new_events(self) -> list[dict[str, Any]]:
        events = self.memory.events(since=self.seen_events)
        if events:
            self.seen_events = events[-1].seq
        return [
            {"seq": e.seq, "t": e.t, "kind": e.kind, "facts": list(e.facts), "data": dict(e.data)}
            for e in events
        ]

    def close(self) -> None:
        self.memory.close()


class _WithoutNegations:
    """An extractor whose negative evidence is dropped (the no-reconcile ablation)."""

    def __init__(self, inner: Extractor) -> None:
        self.inner = inner

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        return Extraction(facts=self.inner.extract(text, context).facts)


def append_only_schema() -> RelationSchema:
    """The default schema with nothing exclusive: no fact ever supersedes another.

    Example
    -------
    >>> schema = append_only_schema()
    >>> schema.resolve("at").group, schema.exclusive_states
    (None, {})
    """
    base = default_schema()
    relations = [
        replace(spec, group=None, functional=False, inverse_functional=False)
        for spec in base.relations.values()
    ]
    return RelationSchema(relations, base.synonyms, {})


class StepMemory:
    """Text memories over the list of steps: none, window, full-history and rag."""

    def __init__(self, name: str, window: int | None, extractor: Extractor | None = None) -> None:
        self.name = name
        self.extractor = extractor or TextWorldExtractor()
        self.steps: deque[tuple[str, list[Belief]]] = deque(maxlen=window)
        self.current: list[Belief] = []

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        self.current = _beliefs(_extract(self.extractor, text, t, extra))
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
        return transcript if self.name == "full-history" else _clip(transcript, budget_tokens)

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
        return _clip("\n\n".join(self.steps[i][0] for i in picked), budget_tokens)


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
        return _clip(self.summary, budget_tokens)

    def size(self) -> int:
        return 1 if self.summary else 0


class FactStoreMemory:
    """The probes' baselines as agent memories: append-only and one-per-relation."""

    def __init__(self, name: str, extractor: Extractor | None = None) -> None:
        self.name = name
        self.extractor = extractor or TextWorldExtractor()
        self.facts: dict[tuple[str, str, str] | tuple[str, str], Belief] = {}

    def update(self, text: str, t: float, extra: Mapping[str, Any]) -> None:
        for b in _beliefs(_extract(self.extractor, text, t, extra)):
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
        return _fact_lines(self.beliefs(t), budget_tokens)

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
        extraction = _extract(self.extractor, text, t, extra)
        asserted: set[tuple[str, str, str]] = set()
        for belief in _beliefs(extraction):
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
        return _fact_lines(self.beliefs(t), budget_tokens)

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


def variant_config(
    name: str, config: MemoryConfig | None = None, *, capacity: int = DEFAULT_CAPACITY
) -> MemoryConfig:
    """The hyperparameters a liquid variant runs with: ``config`` and the variant's overrides.

    Example
    -------
    >>> variant_config("no-decay").theta_prune, variant_config("liquid").theta_prune
    (0.0, 0.05)
    """
    config = config or MemoryConfig()
    if name == "no-decay":
        return config.with_changes(theta_prune=0.0, tau0=1e4, tau_max=1e6)
    if name == "no-use":
        return config.with_changes(eta_use=0.0)
    if name == "no-contest":
        return config.with_changes(contest=1.0)
    if name == "belief":
        return config.with_changes(belief=1)
    if name == "capacity":
        return config.with_changes(capacity=capacity)
    return config


def make_memory(
    name: str,
    config: MemoryConfig | None = None,
    *,
    window: int = DEFAULT_WINDOW,
    capacity: int | None = None,
    summarizer: Summarizer | None = None,
    path: str | Path | None = None,
    extractor: Extractor | None = None,
) -> AgentMemory:
    """A fresh memory variant by name (see the module docstring).

    The liquid variants keep their graph in the SQLite file ``path`` when it is given
    (in memory otherwise); the other variants ignore it. ``extractor`` reads the steps
    (default: `TextWorldExtractor`; an `mags.extract.llm.LLMExtractor` for the noisy,
    real-LLM regime). The ``capacity`` variant and the capacity baselines hold ``capacity``
    facts, else the config's capacity, else `DEFAULT_CAPACITY`.
    """
    config = config or MemoryConfig()
    capacity = capacity or config.capacity or DEFAULT_CAPACITY
    x = extractor
    if name == "liquid":
        return LiquidMemory(config, path=path, extractor=x)
    if name in ("no-decay", "no-use", "no-contest", "belief"):
        return LiquidMemory(variant_config(name, config), name, path=path, extractor=x)
    if name == "no-reconcile":
        return LiquidMemory(
            config, name, schema=append_only_schema(), keep_negations=False, path=path, extractor=x
        )
    if name == "capacity":
        config = variant_config(name, config, capacity=capacity)
        return LiquidMemory(config, name, path=path, extractor=x)
    if name == "none":
        return StepMemory("none", 0, x)
    if name == "window":
        return StepMemory("window", window, x)
    if name == "full-history":
        return StepMemory("full-history", None, x)
    if name == "rag":
        return RagMemory(x)
    if name == "summary":
        if summarizer is None:
            raise InvalidInputError(
                "the summary memory needs an LLM to write its summary: pass a summarizer "
                "(mags.llm.agents.LLMSummarizer) or, on the command line, --llm-base-url and "
                "--llm-model (or MAGS_LLM_BASE_URL, MAGS_LLM_MODEL)"
            )
        return SummaryMemory(summarizer)
    if name == "latest-slot":
        return LatestSlotMemory(x)
    if name in ("lru", "random-evict"):
        evict = "lru" if name == "lru" else "random"
        return LatestSlotMemory(x, name=name, capacity=capacity, evict=evict)
    if name in ("append-only", "one-per-relation"):
        return FactStoreMemory(name, x)
    raise ValueError(f"unknown memory {name!r}; choose one of {', '.join(MEMORY_VARIANTS)}")
