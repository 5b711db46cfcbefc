"""Consolidation: merge entities that are one thing, split one that is two.

Merging is deterministic first: names with the same key (`mags.core.names.name_key`) are one
entity from the start; names whose similarity reaches ``merge_threshold`` merge when their
current facts are compatible (no schema slot held by both with different facts).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mags.core.dynamics import apply_supersede, strength_at
from mags.core.model import FactRecord
from mags.core.names import name_key, similarity, tokens

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph

MAX_BLOCK = 64
"""Tokens shared by more entities than this are too common to propose merge candidates."""


def merge_entities(graph: LiquidGraph, keep: int, other: int, t: float, reason: str) -> None:
    """Merge ``other`` into ``keep``: facts re-pointed, duplicates combined, names kept.

    Where both held a schema slot (two locations), the more recent fact wins and the older
    is superseded, as if the two had been observed as one thing all along.
    """
    survivor, gone = graph.entities[keep], graph.entities[other]
    graph.unindex_tokens(other)
    for alias in (gone.name, *gone.aliases):
        graph.add_alias(keep, alias)
    gone.merged_into = keep
    gone.archived_t = t
    graph.touch_entity(gone)
    if survivor.kind == "thing":
        survivor.kind = gone.kind

    graph.merged_from.setdefault(keep, []).append(other)
    # The current facts move; closed ones stay as they were observed, in the store, and
    # `lineage` makes them part of the survivor's history.
    moved = sorted(graph.adjacency.get(other, ()))
    reactivate = []
    for fid in moved:
        fact = graph.facts[fid]
        graph.deactivate(fact, t)
        reactivate.append(fact)
        if fact.subject == other:
            fact.subject = keep
        if fact.object == other:
            fact.object = keep
        graph.touch_fact(fact)
    graph.entities[other].archived_t = t  # deactivate may have cleared or set it

    duplicates: list[tuple[int, int]] = []
    for fact in sorted(reactivate, key=lambda f: (f.valid_from, f.id)):
        twin = graph.identity.get(graph.identity_key(fact))
        if twin is not None and twin != fact.id:
            _combine(graph, graph.facts[twin], fact, t)
            duplicates.append((fact.id, twin))
            continue
        rivals = [graph.facts[graph.slots[s]] for s in graph.fact_slots(fact) if s in graph.slots]
        newer = [r for r in rivals if (r.valid_from, r.id) > (fact.valid_from, fact.id)]
        if newer:  # the other entity's fact is more recent: this one was already outdated
            apply_supersede(fact, t, graph.config.rho)
            fact.superseded_by = newer[0].id
            graph.emit("reconcile", t, (fact.id, newer[0].id), data={"reason": "merge"})
            continue
        for rival in rivals:
            if rival.active:
                graph.supersede(rival, t, by=fact.id, reason="merge")
        graph.activate(fact)
    graph.emit(
        "merge",
        t,
        moved,
        (keep, other),
        {"reason": reason, "duplicates": [list(d) for d in duplicates]},
    )


def _combine(graph: LiquidGraph, kept: FactRecord, dup: FactRecord, t: float) -> None:
    """Two records of one fact become one: independent evidence adds up."""
    s = 1.0 - (1.0 - strength_at(kept, t)) * (1.0 - strength_at(dup, t))
    kept.strength = min(1.0, s)
    kept.t0 = t
    kept.tau = max(kept.tau, dup.tau)
    kept.evidence += dup.evidence
    kept.confidence = max(kept.confidence, dup.confidence)
    kept.version += 1
    graph.touch_fact(kept)
    graph.schedule_expiry(kept)
    dup.t0 = t
    dup.strength = strength_at(dup, t)
    dup.valid_to = t
    dup.superseded_by = kept.id
    dup.version += 1
    graph.touch_fact(dup)


def split_entity(
    graph: LiquidGraph,
    entity: int,
    fact_ids: Iterable[int],
    t: float,
    reason: str,
    new_name: str | None = None,
) -> int:
    """Move ``fact_ids`` (facts in RAM incident to ``entity``: active ones, or closed in
    this call) onto a new entity; returns its id."""
    base = graph.entities[entity]
    name = new_name or _free_name(graph, base.name)
    new = graph.create_entity(name, base.kind, t)
    moved = list(fact_ids)
    for fid in moved:
        fact = graph.facts[fid]
        was_active = fact.active
        if was_active:
            graph.deactivate(fact, t)
        if fact.subject == entity:
            fact.subject = new
        if fact.object == entity:
            fact.object = new
        graph.touch_fact(fact)
        if was_active:
            graph.activate(fact)
    graph.emit("split", t, moved, (entity, new), {"reason": reason, "name": name})
    return new


def _free_name(graph: LiquidGraph, name: str) -> str:
    k = 2
    while name_key(f"{name} #{k}") in graph.name_index:
        k += 1
    return f"{name} #{k}"


def find_merge_candidate(graph: LiquidGraph, entity: int) -> int | None:
    """An existing entity that ``entity`` should merge into, or None.

    Candidates share a rare token; they must reach ``merge_threshold`` in name similarity,
    have a compatible kind and hold no schema slot with a different current fact.
    """
    threshold = graph.config.merge_threshold
    if threshold >= 1.0:
        return None
    me = graph.entities[entity]
    my_key = name_key(me.name)
    candidates: set[int] = set()
    for token in tokens(me.name):
        bucket = graph.token_index.get(token, set())
        if len(bucket) <= MAX_BLOCK:
            candidates |= bucket
    best, best_score = None, threshold
    for cand in sorted(candidates):
        other = graph.entities[cand]
        if cand == entity or other.merged_into is not None or cand not in graph.adjacency:
            continue
        if me.kind != other.kind and "thing" not in (me.kind, other.kind):
            continue
        score = similarity(my_key, name_key(other.name))
        if score >= best_score and _compatible(graph, entity, cand):
            best, best_score = cand, score
    return best


def _compatible(graph: LiquidGraph, a: int, b: int) -> bool:
    held: dict[tuple[str, bool], tuple[str, int, object]] = {}
    for fid in graph.adjacency.get(a, ()):
        fact = graph.facts[fid]
        for slot in graph.fact_slots(fact):
            if slot[0] == a:
                held[(slot[1], True)] = (fact.relation, fact.object, fact.qualifiers)
    for fid in graph.adjacency.get(b, ()):
        fact = graph.facts[fid]
        for slot in graph.fact_slots(fact):
            if slot[0] == b:
                mine = held.get((slot[1], True))
                if mine is not None and mine != (fact.relation, fact.object, fact.qualifiers):
                    return False
    return True


def consolidate(graph: LiquidGraph, new_entities: Iterable[int], t: float) -> list[tuple[int, int]]:
    """Merge each newly created entity into a similar, compatible older one."""
    merged = []
    for eid in sorted(new_entities):
        entity = graph.entities.get(eid)
        if entity is None or entity.merged_into is not None or eid not in graph.adjacency:
            continue
        target = find_merge_candidate(graph, eid)
        if target is not None and target < eid:
            merge_entities(graph, target, eid, t, reason="similar name, compatible facts")
            merged.append((target, eid))
    return merged
