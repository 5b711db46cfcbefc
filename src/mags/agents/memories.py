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
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from mags.agents.baselines import (
    FactStoreMemory,
    LatestSlotMemory,
    RagMemory,
    StepMemory,
    Summarizer,
    SummaryMemory,
)
from mags.agents.memory_base import (
    DEFAULT_CAPACITY,
    DEFAULT_WINDOW,
    MEMORY_VARIANTS,
    PRESENT_STEPS,
    AgentMemory,
    Belief,
)
from mags.config import MemoryConfig
from mags.core.errors import ExtractionError, InvalidInputError
from mags.core.model import FactView, Negation
from mags.core.schema import RelationSchema, default_schema
from mags.extract.base import Extraction, ExtractionContext, Extractor
from mags.extract.textworld import TextWorldExtractor
from mags.memory import Memory

__all__ = [
    "MEMORY_VARIANTS", "AgentMemory", "Belief", "FactStoreMemory", "LatestSlotMemory",
    "LiquidMemory", "RagMemory", "StepMemory", "Summarizer", "SummaryMemory",
    "append_only_schema", "make_memory", "variant_config",
]  # fmt: skip


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
