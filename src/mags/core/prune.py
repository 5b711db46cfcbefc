"""Pruning: decay archive through an expiry heap, and capacity scaling by partial sort.

A fact's strength crosses ``theta_prune`` at a time that only changes when the fact does
(`mags.core.dynamics.expiry_time`), so a heap keyed on that time finds every decayed fact
in O(log n) each, without scanning. Capacity pruning needs ``s(t) * importance`` at the
current time, whose order does change, so it runs as a batched partial sort that frees
``capacity * slack`` slots at once: its cost is amortized over that many additions.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from mags.core.dynamics import strength_at
from mags.core.salience import fact_salience

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph

FRESH_WEIGHT = 3.0
"""How much more a fact observed or used this very step counts when capacity binds."""


def archive(graph: LiquidGraph, fact_ids: list[int], t: float, reason: str) -> None:
    """Archive active facts: they leave the active graph and stay in history."""
    for fid in fact_ids:
        fact = graph.facts[fid]
        fact.archived_t = t
        fact.archive_reason = reason
        graph.deactivate(fact, t)
    if fact_ids:
        graph.emit(reason, t, fact_ids)


def prune_decayed(graph: LiquidGraph, t: float) -> list[int]:
    """Archive every active fact whose strength has decayed to ``theta_prune`` by ``t``."""
    due: list[int] = []
    for fid, version in graph.expiry.pop_due(t):
        fact = graph.facts.get(fid)  # a closed fact has left RAM; its entry is stale
        if fact is not None and fact.version == version and fid in graph.active:
            due.append(fid)
    archive(graph, sorted(set(due)), t, "decay_archive")
    # Stale entries (reinforced facts were pushed again) would make the heap grow with history.
    if len(graph.expiry) > 2 * len(graph.active) + 1024:
        graph.rebuild_expiry()
    return due


def enforce_capacity(graph: LiquidGraph, t: float) -> list[int]:
    """Archive the weakest facts down to ``capacity * (1 - slack)``, weakest by
    ``s(t) * importance``, counted `FRESH_WEIGHT` times for facts observed or used at ``t``.

    A fresh observation starts weaker than what has been consolidated, and archiving what
    was seen this very step would make a full memory blind to the present (the agent would
    forget that it just cooked); but ranking every fresh fact above every older one let a
    view of twenty pieces of furniture push out the task itself (measured: a capacity of
    25% of a kitchen's true state lost every game). Weighting keeps both: the present
    outranks an old plain fact, and a task fact the agent keeps using outranks the present.

    In belief mode the weakest are the least salient x important (`mags.core.salience`):
    what was seen or used this step, or often, is salient by its traces, and how likely
    a fact is to hold does not decide whether it deserves a place.
    """
    capacity = graph.config.capacity
    if capacity is None or len(graph.active) <= capacity:
        return []
    target = int(capacity * (1.0 - graph.config.capacity_slack))
    excess = len(graph.active) - target
    facts = graph.facts

    def worth(fid: int) -> tuple[float, int]:
        fact = facts[fid]
        fresh = FRESH_WEIGHT if fact.t0 >= t else 1.0
        return (strength_at(fact, t) * fact.importance * fresh, fid)

    def salient(fid: int) -> tuple[float, int]:
        fact = facts[fid]
        return (fact_salience(fact, t) * fact.importance, fid)

    victims = heapq.nsmallest(excess, graph.active, key=salient if graph.config.belief else worth)
    victims.sort()
    archive(graph, victims, t, "capacity_archive")
    return victims
