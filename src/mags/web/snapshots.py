"""A memory's state as the web API draws it: graphs, facts and per-step counts.

A liquid memory's graph is its active facts with their strengths; a text memory (window,
rag, ...) has no graph, so its current beliefs are drawn as edges of strength 1 with ids
that stay the same for the same (subject, relation, object) across steps.

Example
-------
>>> from mags import Memory
>>> m = Memory.open()
>>> m.add([("kitchen", "north_of", "hall"), ("apple", "in", "fridge")], t=0)
[1, 2]
>>> graph = liquid_graph(m, 0)
>>> sorted(n.id for n in graph.nodes), [e.relation for e in graph.edges]
(['apple', 'fridge', 'hall', 'kitchen'], ['north_of', 'in'])
>>> step_stats([{"kind": "reconcile"}, {"kind": "decay_archive"}], graph).archive
1
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from mags.agents.memories import Belief
from mags.core.model import FactView
from mags.memory import Memory
from mags.web.views import Event, Fact, Graph, Node, StepStats

DEFAULT_KIND = "thing"
MAP_RELATIONS = frozenset({"north_of", "south_of", "east_of", "west_of"})


def liquid_graph(memory: Memory, step: int) -> Graph:
    """The active graph of a liquid memory at logical time ``step``."""
    snapshot = memory.snapshot(step)
    kinds = {e["name"]: e["kind"] for e in snapshot["entities"]}
    return Graph(
        step=step,
        nodes=[Node(id=name, kind=kind) for name, kind in kinds.items()],
        edges=[fact_of(f, kinds) for f in snapshot["facts"]],
    )


def fact_of(fact: FactView | Mapping[str, Any], kinds: Mapping[str, str]) -> Fact:
    """A fact for the API, from a `FactView` or its dict, with its ends' kinds."""
    f = fact.to_dict() if isinstance(fact, FactView) else fact
    return Fact(
        id=f["id"],
        subject=f["subject"],
        relation=f["relation"],
        object=f["object"],
        strength=round(float(f["strength"]), 4),
        tau=f["tau"],
        evidence=f["evidence"],
        valid_from=f["valid_from"],
        valid_to=f["valid_to"],
        archived_t=f["archived_t"],
        archive_reason=f["archive_reason"],
        subject_kind=kinds.get(f["subject"], DEFAULT_KIND),
        object_kind=kinds.get(f["object"], DEFAULT_KIND),
        salience=None if f.get("salience") is None else round(float(f["salience"]), 4),
    )


class BeliefGraph:
    """Graphs of a memory without one: its beliefs, each with a stable synthetic id.

    Example
    -------
    >>> graphs = BeliefGraph()
    >>> b = Belief("kitchen", "north_of", "hall", {})
    >>> g0, g1 = graphs.at([b], 0), graphs.at([b], 1)
    >>> g0.edges[0].id == g1.edges[0].id, g0.edges[0].strength, g0.nodes[0].kind
    (True, 1.0, 'room')
    """

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str, str], int] = {}
        self.first_seen: dict[int, int] = {}

    def at(self, beliefs: Sequence[Belief], step: int) -> Graph:
        """The graph of ``beliefs`` after ``step``."""
        kinds: dict[str, str] = {}
        edges: list[Fact] = []
        seen: set[int] = set()
        for b in beliefs:
            key = (b.subject, b.relation, b.object)
            fact_id = self.ids.setdefault(key, len(self.ids) + 1)
            if fact_id in seen:
                continue
            seen.add(fact_id)
            first = self.first_seen.setdefault(fact_id, step)
            for name in (b.subject, b.object):
                # Map links join rooms; nothing else says what a belief's ends are.
                kind = "room" if b.relation in MAP_RELATIONS else DEFAULT_KIND
                if kinds.get(name) != "room":
                    kinds[name] = kind
            edges.append(
                Fact(
                    id=fact_id,
                    subject=b.subject,
                    relation=b.relation,
                    object=b.object,
                    strength=1.0,
                    tau=0.0,
                    evidence=1,
                    valid_from=float(first),
                    subject_kind=DEFAULT_KIND,
                    object_kind=DEFAULT_KIND,
                )
            )
        for edge in edges:
            edge.subject_kind = kinds[edge.subject]
            edge.object_kind = kinds[edge.object]
        return Graph(step=step, nodes=[Node(id=n, kind=k) for n, k in kinds.items()], edges=edges)


def events_of(raw: Sequence[Mapping[str, Any]]) -> list[Event]:
    """A memory's events (`AgentMemory.new_events` dicts) for the API."""
    return [
        Event(
            seq=int(e["seq"]),
            t=float(e["t"]),
            kind=str(e["kind"]),
            facts=[int(f) for f in e.get("facts", ())],
            data=dict(e.get("data", {})),
        )
        for e in raw
    ]


def step_stats(events: Sequence[Mapping[str, Any] | Event], graph: Graph) -> StepStats:
    """Active facts in ``graph``, and the reconciliations, archivings and merges of a step."""
    kinds = Counter(e.kind if isinstance(e, Event) else e["kind"] for e in events)
    return StepStats(
        active_facts=len(graph.edges),
        reconcile=kinds["reconcile"],
        archive=kinds["decay_archive"] + kinds["capacity_archive"],
        merge=kinds["merge"],
    )
