"""Two networkx implementations of `Memory.recall`, the yardsticks for the benchmark.

Both hold the same active facts with the same strength state in a ``networkx.MultiGraph``
(one node per entity, one keyed edge per fact), score each reached fact by activation x
current strength x importance, sort, and pack the rendered lines into the token budget
the same way. Supporting episodes are left out: the benchmark adds facts only.

- `ReferenceRecall` runs the same algorithm as `mags.core.retrieve.recall`: seeds from
  the query's n-grams through a plain ``dict`` of names (then rare words), two hops of
  spreading with the same fanout cap and non-spreading kinds. It checks that MAGS answers
  correctly, and times the data structures alone.
- `PlainNetworkxRecall` is what one would write with networkx: seeds by a scan over the
  nodes' names, ``single_source_shortest_path_length`` from each seed, every edge among
  the reached nodes scored. It times what MAGS's index and algorithm save.

networkx is optional (``pip install 'mags[bench]'``) and imported only when needed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mags.config import MemoryConfig
from mags.core.model import FactView, Qualifiers
from mags.core.names import tokens
from mags.core.retrieve import FACTS_HEADER, MAX_NGRAM, MAX_POSTING, line_tokens, render_fact

NON_SPREADING_KINDS = frozenset({"state"})


def import_networkx() -> Any:
    """The networkx module, or a clear error saying how to install it."""
    try:
        import networkx
    except ImportError:
        raise RuntimeError(
            "the networkx reference needs networkx: pip install 'mags[bench]'"
        ) from None
    return networkx


@dataclass(frozen=True, slots=True)
class EntityRow:
    """An active entity as the reference needs it."""

    id: int
    name: str
    aliases: tuple[str, ...]
    kind: str


@dataclass(frozen=True, slots=True)
class FactRow:
    """An active fact and its liquid strength state."""

    id: int
    subject: int
    relation: str
    object: int
    qualifiers: Qualifiers
    strength: float
    t0: float
    tau: float
    floor: float
    importance: float
    evidence: int


def strength(edge: dict[str, Any], t: float) -> float:
    """Current strength of an (active) fact's edge: ``max(floor, s * exp(-(t - t0) / tau))``.

    Example
    -------
    >>> round(strength({"s": 0.5, "t0": 0.0, "tau": 10.0, "floor": 0.0}, 10.0), 4)
    0.1839
    """
    dt = t - edge["t0"]
    s: float = edge["s"]
    floor: float = edge["floor"]
    if dt > 0:
        s *= math.exp(-dt / edge["tau"])
    return s if s > floor else floor


def add_entity_nodes(graph: Any, rows: Iterable[EntityRow]) -> None:
    """One node per entity: its name, its kind, and the content words of each of its names."""
    for row in rows:
        phrases = tuple(tuple(tokens(name)) for name in (row.name, *row.aliases))
        graph.add_node(row.id, name=row.name, kind=row.kind, phrases=phrases)


def add_fact_edges(graph: Any, rows: Iterable[FactRow]) -> None:
    """One keyed edge per fact, carrying its strength state."""
    for f in rows:
        graph.add_edge(
            f.subject,
            f.object,
            key=f.id,
            subject=f.subject,
            relation=f.relation,
            object=f.object,
            qualifiers=f.qualifiers,
            s=f.strength,
            t0=f.t0,
            tau=f.tau,
            floor=f.floor,
            importance=f.importance,
            evidence=f.evidence,
        )


def pack(
    nodes: Any, ranked: Iterable[tuple[int, dict[str, Any]]], t: float, budget: int
) -> tuple[list[int], str]:
    """Render ranked ``(fact id, edge data)`` pairs into ``budget`` tokens, as the core does.

    Returns the ids of the facts packed, and the text ("" when none fits).
    """
    lines = [FACTS_HEADER]
    chosen: list[int] = []
    used = line_tokens(FACTS_HEADER)
    for fid, e in ranked:
        view = FactView(
            fid,
            nodes[e["subject"]]["name"],
            e["relation"],
            nodes[e["object"]]["name"],
            dict(e["qualifiers"]),
            strength(e, t),
            e["tau"],
            e["evidence"],
            e["t0"],
            None,
            None,
            None,
            None,
        )
        line = render_fact(view)
        cost = line_tokens(line)
        if used + cost > budget:
            continue
        lines.append(line)
        chosen.append(fid)
        used += cost
        if budget - used < 4:
            break
    return chosen, "\n".join(lines) if chosen else ""


class ReferenceRecall:
    """Recall over a networkx MultiGraph of the active facts.

    Example
    -------
    >>> ref = ReferenceRecall(MemoryConfig())
    >>> ref.add_entities([EntityRow(1, "apple", (), "thing"), EntityRow(2, "fridge", (), "box")])
    >>> ref.add_facts([FactRow(1, 1, "in", 2, (), 0.5, 0.0, 50.0, 0.0, 1.0, 1)])
    >>> ids, text = ref.recall("where is the apple?", t=0.0, budget=600)
    >>> ids, text.splitlines()[1]
    ([1], '- apple in fridge [0.50]')
    """

    def __init__(self, config: MemoryConfig) -> None:
        nx = import_networkx()
        self.config = config
        self.graph = nx.MultiGraph()
        self.names: dict[str, int] = {}
        self.words: dict[str, set[int]] = {}

    def add_entities(self, rows: Iterable[EntityRow]) -> None:
        """Add nodes, and their names and name words to the lookup dicts."""
        rows = list(rows)
        add_entity_nodes(self.graph, rows)
        for row in rows:
            for name in (row.name, *row.aliases):
                words = tokens(name)
                if words:
                    self.names[" ".join(words)] = row.id
                for word in words:
                    self.words.setdefault(word, set()).add(row.id)

    def add_facts(self, rows: Iterable[FactRow]) -> None:
        """Add one keyed edge per fact, carrying its strength state."""
        add_fact_edges(self.graph, rows)

    def seeds(self, query: str) -> dict[int, float]:
        """Entities named in the query: exact n-grams of its words, then rare words."""
        words = tokens(query)
        scores: dict[int, float] = {}
        covered: set[int] = set()
        for n in range(min(MAX_NGRAM, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                node = self.names.get(" ".join(words[i : i + n]))
                if node is not None:
                    scores[node] = max(scores.get(node, 0.0), 1.0 + n)
                    covered.update(range(i, i + n))
        if len(scores) < self.config.max_seeds:
            for word in {w for i, w in enumerate(words) if i not in covered}:
                bucket = self.words.get(word)
                if bucket and len(bucket) <= MAX_POSTING:
                    for node in bucket:
                        scores[node] = scores.get(node, 0.0) + 1.0 / len(bucket)
        spreading = {n for n in scores if self.graph.nodes[n]["kind"] not in NON_SPREADING_KINDS}
        if spreading:  # as the core: a named thing is a better seed than a shared state
            scores = {n: s for n, s in scores.items() if n in spreading}
        best = heapq.nlargest(self.config.max_seeds, scores.items(), key=lambda kv: (kv[1], -kv[0]))
        top = best[0][1] if best else 1.0
        return {node: score / top for node, score in best}

    def score(
        self, seeds: dict[int, float], t: float
    ) -> tuple[dict[int, float], dict[int, dict[str, Any]]]:
        """Breadth-first spreading of activation, ``hops`` levels, damped per hop.

        Returns each reached fact's score, and its edge data (for rendering).
        """
        cfg, adj, nodes = self.config, self.graph.adj, self.graph.nodes
        activation, frontier = dict(seeds), dict(seeds)
        scores: dict[int, float] = {}
        reached: dict[int, dict[str, Any]] = {}
        levels = max(1, cfg.hops)
        for level in range(levels):
            spread: dict[int, float] = {}
            for node, act in frontier.items():
                edges = [
                    (strength(data, t), fid, other, data)
                    for other, keyed in adj[node].items()
                    for fid, data in keyed.items()
                ]
                if len(edges) > cfg.max_fanout:  # the same fanout rule as the core
                    edges = heapq.nlargest(cfg.max_fanout, edges, key=lambda e: (e[0], -e[1]))
                for s, fid, other, data in edges:
                    scores[fid] = scores.get(fid, 0.0) + act * s * data["importance"]
                    reached[fid] = data
                    if (
                        level + 1 < levels
                        and other not in activation
                        and nodes[other]["kind"] not in NON_SPREADING_KINDS
                    ):
                        spread[other] = spread.get(other, 0.0) + act * cfg.damping * s
            activation.update(spread)
            frontier = spread
        return scores, reached

    def recall(self, query: str, t: float, budget: int) -> tuple[list[int], str]:
        """The ids of the facts packed into ``budget`` tokens, and the rendered text."""
        scores, edges = self.score(self.seeds(query), t)
        ranked = sorted(scores, key=lambda fid: (-scores[fid], fid))
        return pack(self.graph.nodes, ((fid, edges[fid]) for fid in ranked), t, budget)


def phrases_in(words: list[str]) -> set[tuple[str, ...]]:
    """Every contiguous run of ``words``: the phrases a name can match in a query.

    Example
    -------
    >>> sorted(phrases_in(["red", "apple"]))
    [('apple',), ('red',), ('red', 'apple')]
    """
    n = len(words)
    return {tuple(words[i:j]) for i in range(n) for j in range(i + 1, n + 1)}


class PlainNetworkxRecall:
    """Recall as one would write it with networkx, without MAGS's index or its limits.

    Seeds: a scan over every node, keeping those with a name (or alias) whose content
    words occur as a contiguous run in the query's, weighted ``1 + len(words)``; the best
    ``max_seeds``.
    Spreading: ``single_source_shortest_path_length`` from each seed up to ``hops``; a
    node's activation is the best over the seeds of ``weight * damping ** distance``.
    Scoring: every edge with an endpoint nearer than ``hops`` (so both ends are reached)
    scores its better endpoint's activation x current strength x importance. No fanout
    cap and no non-spreading kinds. Packing as `ReferenceRecall`.

    ``graph`` shares a graph built by `ReferenceRecall` (the same nodes and edges) rather
    than building another one; without it, `add_entities` and `add_facts` build one.

    Example
    -------
    >>> plain = PlainNetworkxRecall(MemoryConfig())
    >>> plain.add_entities([
    ...     EntityRow(1, "red apple", ("apple",), "thing"),
    ...     EntityRow(2, "fridge", (), "box"),
    ...     EntityRow(3, "kitchen", (), "room"),
    ...     EntityRow(4, "garden", (), "room"),
    ... ])
    >>> plain.add_facts([
    ...     FactRow(1, 1, "in", 2, (), 0.5, 0.0, 50.0, 0.0, 1.0, 1),
    ...     FactRow(2, 2, "in", 3, (), 0.9, 0.0, 50.0, 0.0, 1.0, 1),
    ...     FactRow(3, 3, "next to", 4, (), 0.9, 0.0, 50.0, 0.0, 1.0, 1),
    ... ])
    >>> plain.seeds("where is the red apple?")
    {1: 3.0}
    >>> ids, text = plain.recall("where is the red apple?", t=0.0, budget=600)
    >>> ids, text.splitlines()[1:]
    ([1, 2], ['- red apple in fridge [0.50]', '- fridge in kitchen [0.90]'])
    """

    def __init__(self, config: MemoryConfig, graph: Any | None = None) -> None:
        nx = import_networkx()
        self.nx = nx
        self.config = config
        self.graph = nx.MultiGraph() if graph is None else graph

    def add_entities(self, rows: Iterable[EntityRow]) -> None:
        """Add one node per entity."""
        add_entity_nodes(self.graph, rows)

    def add_facts(self, rows: Iterable[FactRow]) -> None:
        """Add one keyed edge per fact."""
        add_fact_edges(self.graph, rows)

    def seeds(self, query: str) -> dict[int, float]:
        """Nodes named in the query, found by a scan over all nodes, and their weights."""
        in_query = phrases_in(tokens(query))
        weights: dict[int, float] = {}
        for node, phrases in self.graph.nodes(data="phrases"):
            for phrase in phrases:
                if phrase in in_query:
                    weights[node] = max(weights.get(node, 0.0), 1.0 + len(phrase))
        best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[: self.config.max_seeds]
        return dict(best)

    def activation(self, seeds: dict[int, float]) -> tuple[dict[int, float], dict[int, int]]:
        """Each reached node's activation and its distance to the nearest seed."""
        hops, damping = max(1, self.config.hops), self.config.damping
        activation: dict[int, float] = {}
        distance: dict[int, int] = {}
        for seed, weight in seeds.items():
            reached = self.nx.single_source_shortest_path_length(self.graph, seed, cutoff=hops)
            for node, d in reached.items():
                activation[node] = max(activation.get(node, 0.0), weight * damping**d)
                distance[node] = min(distance.get(node, d), d)
        return activation, distance

    def recall(self, query: str, t: float, budget: int) -> tuple[list[int], str]:
        """The ids of the facts packed into ``budget`` tokens, and the rendered text."""
        activation, distance = self.activation(self.seeds(query))
        hops = max(1, self.config.hops)
        inner = [node for node, d in distance.items() if d < hops]
        scored = [
            (max(activation[u], activation[v]) * strength(data, t) * data["importance"], fid, data)
            for u, v, fid, data in self.graph.edges(inner, keys=True, data=True)
        ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return pack(self.graph.nodes, ((fid, data) for _, fid, data in scored), t, budget)
