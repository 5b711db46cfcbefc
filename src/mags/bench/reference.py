"""A plain networkx implementation of `Memory.recall`, the yardstick for the benchmark.

It holds the same active facts with the same strength state in a ``networkx.MultiGraph``
(one node per entity, one keyed edge per fact) and answers a query the same way as
`mags.core.retrieve.recall`: seed entities from the query's n-grams through a plain
``dict`` of names (then rare words), spread activation two hops over the graph, score each
fact by activation x current strength x importance, sort, and pack the rendered lines
into the token budget. Supporting episodes are left out: the benchmark adds facts only.

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
from mags.core.names import name_key, tokens
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
        for row in rows:
            self.graph.add_node(row.id, name=row.name, kind=row.kind)
            for name in (row.name, *row.aliases):
                self.names[name_key(name)] = row.id
                for word in tokens(name):
                    self.words.setdefault(word, set()).add(row.id)

    def add_facts(self, rows: Iterable[FactRow]) -> None:
        """Add one keyed edge per fact, carrying its strength state."""
        for f in rows:
            self.graph.add_edge(
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
        nodes = self.graph.nodes
        lines = [FACTS_HEADER]
        chosen: list[int] = []
        used = line_tokens(FACTS_HEADER)
        for fid in ranked:
            e = edges[fid]
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
