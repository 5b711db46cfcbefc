"""Reconciliation: evidence reinforces, a conflicting fact supersedes, negation closes.

Nothing is deleted: a superseded fact gets ``valid_to`` and keeps ``rho`` of its strength,
and every supersession is a ``reconcile`` event naming the old fact and the new one. Two
confident facts that conflict within one batch of evidence (one observation) cannot both be
about one thing: the subject is split instead (`mags.core.consolidate.split_entity`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mags.core.consolidate import split_entity
from mags.core.dynamics import apply_evidence, apply_supersede
from mags.core.model import FactRecord
from mags.core.names import name_key
from mags.core.schema import subject_side
from mags.core.validate import ValidFact

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph


def assert_fact(
    graph: LiquidGraph, fact: ValidFact, t: float, batch: int, episode: int | None
) -> tuple[int, bool]:
    """Apply one piece of evidence; returns ``(fact_id, is_new)``."""
    spec = fact.spec
    subject = graph.ensure_entity(fact.subject, spec.subject_kind, t)
    obj = graph.ensure_entity(fact.object, spec.object_kind, t)
    key = (subject, spec.name, obj, fact.qualifiers)
    existing = graph.identity.get(key)
    cfg = graph.config
    if existing is not None:
        record = graph.facts[existing]
        apply_evidence(record, t, fact.confidence, cfg.eta, cfg.kappa, cfg.tau_max)
        record.confidence = max(record.confidence, fact.confidence)
        graph.touch_fact(record)
        graph.schedule_expiry(record)
        return existing, False

    slots = graph.schema.slots(spec, subject, obj, name_key(graph.entities[obj].name))
    occupants = [(slot, graph.slots[slot]) for slot in slots if slot in graph.slots]
    if any(
        subject_side(slot) and _same_observation(graph, occ, batch, fact.confidence)
        for slot, occ in occupants
    ):
        subject = split_entity(graph, subject, [], t, reason="conflict within one observation")
        slots = graph.schema.slots(spec, subject, obj, name_key(graph.entities[obj].name))
        occupants = [(slot, graph.slots[slot]) for slot in slots if slot in graph.slots]

    record = graph.new_fact(
        subject,
        spec.name,
        obj,
        fact.qualifiers,
        fact.confidence,
        t,
        stable=spec.stable,
        importance=spec.importance,
        tau_scale=spec.tau_scale,
        episode=episode,
        batch=batch,
    )
    for slot, occ in occupants:
        old = graph.facts[occ]
        if old.active:  # one old fact may hold two of the new fact's slots
            supersede(graph, old, t, by=record.id, reason=slot[1][2:])
    graph.activate(record)
    return record.id, True


def _same_observation(graph: LiquidGraph, occupant: int, batch: int, confidence: float) -> bool:
    old = graph.facts[occupant]
    threshold = graph.config.split_confidence
    return old.batch == batch and old.confidence >= threshold and confidence >= threshold


def supersede(
    graph: LiquidGraph, old_fact: FactRecord, t: float, by: int | None, reason: str
) -> None:
    """Close a current fact at ``t``; it stays in history with ``rho`` of its strength."""
    apply_supersede(old_fact, t, graph.config.rho)
    old_fact.superseded_by = by
    graph.deactivate(old_fact, t)
    facts = (old_fact.id,) if by is None else (old_fact.id, by)
    graph.emit("reconcile", t, facts, data={"reason": reason})


def negate(
    graph: LiquidGraph,
    relation: str | None,
    subject: str | None,
    obj: str | None,
    t: float,
    keep: frozenset[int] | set[int] = frozenset(),
) -> list[int]:
    """Close every current fact matching the pattern (``None`` matches anything).

    ``keep`` spares facts asserted by the same observation: "the fridge contains milk"
    reads as milk in the fridge and nothing else in it.
    """
    subject_id = graph.find_entity(subject) if subject is not None else None
    object_id = graph.find_entity(obj) if obj is not None else None
    if (subject is not None and subject_id is None) or (obj is not None and object_id is None):
        return []  # nothing is known about that entity, so nothing can be contradicted
    anchor = subject_id if subject_id is not None else object_id
    assert anchor is not None
    closed = []
    for fid in sorted(graph.adjacency.get(anchor, ())):
        fact = graph.facts[fid]
        if (
            fid not in keep
            and (relation is None or fact.relation == relation)
            and (subject_id is None or fact.subject == subject_id)
            and (object_id is None or fact.object == object_id)
        ):
            closed.append(fid)
    for fid in closed:
        supersede(graph, graph.facts[fid], t, by=None, reason="negative evidence")
    return closed
