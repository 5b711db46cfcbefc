"""Reconciliation: evidence reinforces, a contradiction contests, negation weakens or closes.

A new fact that conflicts with a current one (the same slot: one location, one of
open/closed/locked) does not simply replace it. Evidence decides (the *contest*):

- a **certain** claim (confidence 1.0: the agent's own action succeeded) or a statement of
  **change** (``Fact.change``: "I moved to Lisbon", "sorry, I meant Lisbon") supersedes at
  once, however much evidence the old fact had: a person telling us their news is not a
  misread view;
- an **uncertain** claim takes ``contest * confidence`` of the current fact's strength
  and supersedes it only if its own strength, ``eta * confidence`` plus what earlier
  claims of the same fact left (they decay with ``tau0``), is at least what the current
  fact has left. Otherwise the claim is *pending*: not believed, remembered for the next
  time it is seen. A fact seen once loses to the first contradiction; a fact seen ten
  times outlasts a one-off false reading and yields to a claim that keeps coming.

Uncertain negative evidence (``Negation.confidence < 1``: the room's view does not show
the apple) is a contradiction too: it takes ``contest * c`` of the strength and closes the
fact when less than ``eta * c`` is left (a fact seen once closes at once). ``contest = 1``
is the old rule: every contradiction supersedes. Nothing is deleted: a superseded fact
gets ``valid_to`` and keeps ``rho`` of its strength, and every supersession is a
``reconcile`` event naming the old fact and the new one. Two *certain* facts that
conflict within one observation cannot both be about one thing: the subject is split
instead (`mags.core.consolidate.split_entity`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mags.core import belief
from mags.core.consolidate import split_entity
from mags.core.dynamics import apply_evidence, strength_at
from mags.core.model import FactRecord, Pending
from mags.core.names import name_key
from mags.core.schema import SlotKey, subject_side
from mags.core.validate import ValidFact

if TYPE_CHECKING:
    from mags.core.graph import IdentityKey, LiquidGraph


def assert_fact(
    graph: LiquidGraph,
    fact: ValidFact,
    t: float,
    batch: int,
    episode: int | None,
    source: str | None = None,
) -> tuple[int | None, bool]:
    """Apply one piece of evidence from ``source``; returns ``(fact_id, is_new)``.

    ``fact_id`` is None when the fact lost its contest with a current fact: it is pending.
    """
    spec = fact.spec
    subject = graph.ensure_entity(fact.subject, spec.subject_kind, t)
    obj = graph.ensure_entity(fact.object, spec.object_kind, t)
    key = (subject, spec.name, obj, fact.qualifiers)
    existing = graph.identity.get(key)
    cfg = graph.config
    if existing is not None:
        record = graph.facts[existing]
        if cfg.belief:
            _believe_again(graph, record, fact, t, source)
        else:
            apply_evidence(record, t, fact.confidence, cfg.eta, cfg.kappa, cfg.tau_max)
        record.confidence = max(record.confidence, fact.confidence)
        record.seen_t = t
        graph.touch_fact(record)
        graph.schedule_expiry(record)
        return existing, False

    occupants = _occupants(graph, fact, subject, obj)
    if cfg.belief:
        claim = _believe(graph, fact, key, occupants, t, source)
        if claim is None:
            return None, False
        fid, is_new = _split_or_create(
            graph, fact, subject, obj, claim, occupants, t, batch, episode
        )
        if source is not None:
            graph.claimed_by[fid] = source
        return fid, is_new
    claim = _claim(graph, key, fact.confidence, t)
    contested = occupants and fact.confidence < 1.0 and not fact.change and cfg.contest < 1.0
    if contested and not _wins_contest(graph, occupants, claim.strength, fact.confidence, t):
        graph.pending[key] = claim
        return None, False
    return _split_or_create(graph, fact, subject, obj, claim, occupants, t, batch, episode)


def _split_or_create(
    graph: LiquidGraph,
    fact: ValidFact,
    subject: int,
    obj: int,
    claim: Pending,
    occupants: list[tuple[SlotKey, int]],
    t: float,
    batch: int,
    episode: int | None,
) -> tuple[int, bool]:
    """Believe a claim: split its subject first when two certain facts of one observation
    cannot both be about one thing."""
    if any(
        subject_side(slot) and _same_observation(graph, occ, batch, fact.confidence)
        for slot, occ in occupants
    ):
        subject = split_entity(graph, subject, [], t, reason="conflict within one observation")
        occupants = _occupants(graph, fact, subject, obj)
    return _create(graph, fact, subject, obj, claim, occupants, t, batch, episode), True


def _reliability(graph: LiquidGraph, fact: ValidFact, source: str | None) -> float:
    """How far this reading is to be trusted: a change is; else what the source earned."""
    if fact.change:
        return 1.0
    cls = belief.relation_class(fact.spec)
    return graph.reliabilities.of(source, cls, fact.confidence)


def _source_of(graph: LiquidGraph, record: FactRecord) -> str | None:
    """Who first claimed a fact: the source it was added with in this process, else the
    source of the observation that first stated it."""
    if record.id in graph.claimed_by:
        return graph.claimed_by[record.id]
    found = graph.episodes.get(record.episode) if record.episode is not None else None
    return found.source if found is not None else None


def _learn(graph: LiquidGraph, record: FactRecord, held: bool) -> None:
    """A certain outcome confirmed or refuted an uncertain claim: its source learns."""
    if record.confidence < 1.0:
        cls = belief.relation_class(graph.schema.relations[record.relation])
        graph.reliabilities.learn(_source_of(graph, record), cls, held)


def _believe_again(
    graph: LiquidGraph, record: FactRecord, fact: ValidFact, t: float, source: str | None
) -> None:
    """Belief mode: the value a fact holds was observed again (Bayes, `mags.core.belief`)."""
    r = _reliability(graph, fact, source)
    if r >= 1.0:
        _learn(graph, record, held=True)
    record.strength = belief.observed(strength_at(record, t), r, graph.config.error_values)
    record.t0 = t
    record.evidence += 1
    record.version += 1


def _believe(
    graph: LiquidGraph,
    fact: ValidFact,
    key: IdentityKey,
    occupants: list[tuple[SlotKey, int]],
    t: float,
    source: str | None,
) -> Pending | None:
    """Belief mode: a value the slot does not hold was observed. Every value it holds loses
    what Bayes' rule takes; the claim is believed (returned) once it is the most likely
    value, else it waits as pending (None)."""
    m = graph.config.error_values
    r = _reliability(graph, fact, source)
    held = [graph.facts[occ] for _, occ in occupants]
    p_current = max((strength_at(f, t) for f in held), default=0.0)
    pending = graph.pending.pop(key, None)
    tau = belief.hazard_tau(fact.spec, graph.config.tau0)
    prior = pending.at(t, tau) if pending is not None else belief.newcomer(p_current, m)
    claim = Pending(belief.observed(prior, r, m), t, 1 if pending is None else pending.evidence + 1)
    for old in held:
        if r >= 1.0:
            _learn(graph, old, held=False)
        weaken(graph, old, belief.contradicted(strength_at(old, t), prior, r, m), t)
    if held and claim.strength <= max(strength_at(f, t) for f in held):
        graph.pending[key] = claim
        return None
    return claim


def retry_pending(
    graph: LiquidGraph, fact: ValidFact, t: float, batch: int, episode: int | None
) -> int | None:
    """Believe a claim that lost its contest earlier in this observation if its slots are
    free now (negative evidence closed what held them); returns its id, or None."""
    spec = fact.spec
    subject = graph.find_entity(fact.subject)
    obj = graph.find_entity(fact.object)
    if subject is None or obj is None:
        return None
    key = (subject, spec.name, obj, fact.qualifiers)
    if key not in graph.pending or _occupants(graph, fact, subject, obj):
        return None
    claim = graph.pending.pop(key)
    return _create(graph, fact, subject, obj, claim, [], t, batch, episode)


def _occupants(
    graph: LiquidGraph, fact: ValidFact, subject: int, obj: int
) -> list[tuple[SlotKey, int]]:
    """The current facts holding the slots ``fact`` would take."""
    obj_key = name_key(graph.entities[obj].name)
    slots = graph.schema.slots(fact.spec, subject, obj, obj_key, fact.qualifiers)
    return [(slot, graph.slots[slot]) for slot in slots if slot in graph.slots]


def _claim(graph: LiquidGraph, key: IdentityKey, confidence: float, t: float) -> Pending:
    """The strength a claim brings: its own evidence plus what its pending claims left."""
    cfg = graph.config
    pending = graph.pending.pop(key, None)
    if pending is None:
        return Pending(min(1.0, cfg.eta * confidence), t, 1)
    left = pending.at(t, cfg.tau0)
    return Pending(min(1.0, left + cfg.eta * confidence * (1.0 - left)), t, pending.evidence + 1)


def _create(
    graph: LiquidGraph,
    fact: ValidFact,
    subject: int,
    obj: int,
    claim: Pending,
    occupants: list[tuple[SlotKey, int]],
    t: float,
    batch: int,
    episode: int | None,
) -> int:
    """A new current fact with the claim's strength, superseding what held its slots."""
    spec = fact.spec
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
    record.strength = claim.strength
    record.evidence = claim.evidence
    for slot, occ in occupants:
        old = graph.facts[occ]
        if old.active:  # one old fact may hold two of the new fact's slots
            graph.supersede(old, t, by=record.id, reason=slot[1][2:])
    graph.activate(record)
    return record.id


def _wins_contest(
    graph: LiquidGraph,
    occupants: list[tuple[SlotKey, int]],
    strength: float,
    confidence: float,
    t: float,
) -> bool:
    """Weaken the facts an uncertain claim contradicts; True when the claim outweighs them."""
    keep = 1.0 - graph.config.contest * confidence
    strongest = 0.0
    for _, occ in occupants:
        old = graph.facts[occ]
        left = strength_at(old, t) * keep
        weaken(graph, old, left, t)
        strongest = max(strongest, strength_at(old, t))
    return strength >= strongest


def weaken(graph: LiquidGraph, fact: FactRecord, strength: float, t: float) -> None:
    """Set a current fact's strength at ``t``: contradicted, not (yet) closed."""
    fact.strength = strength
    fact.t0 = t
    fact.version += 1
    graph.touch_fact(fact)
    graph.schedule_expiry(fact)


def _same_observation(graph: LiquidGraph, occupant: int, batch: int, confidence: float) -> bool:
    old = graph.facts[occupant]
    threshold = graph.config.split_confidence
    return old.batch == batch and old.confidence >= threshold and confidence >= threshold


def negate(
    graph: LiquidGraph,
    relation: str | None,
    subject: str | None,
    obj: str | None,
    t: float,
    keep: frozenset[int] | set[int] = frozenset(),
    confidence: float = 1.0,
) -> list[int]:
    """Close every current fact matching the pattern (``None`` matches anything).

    ``keep`` spares facts asserted by the same observation: "the fridge contains milk"
    reads as milk in the fridge and nothing else in it. Uncertain negative evidence
    (``confidence < 1``: what a view did not show) is contested like an uncertain claim: it
    takes ``contest * confidence`` of each fact's strength and closes those left below
    ``eta * confidence``. Returns the closed ids.
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
    cfg = graph.config
    if cfg.belief:
        closed = _unseen(graph, closed, t, confidence)
    elif confidence < 1.0 and cfg.contest < 1.0:
        weakened = []
        for fid in closed:
            fact = graph.facts[fid]
            weaken(graph, fact, strength_at(fact, t) * (1.0 - cfg.contest * confidence), t)
            if strength_at(fact, t) >= cfg.eta * confidence:
                weakened.append(fid)
        closed = [fid for fid in closed if fid not in weakened]
    for fid in closed:
        graph.supersede(graph.facts[fid], t, by=None, reason="negative evidence")
    return closed


def _unseen(graph: LiquidGraph, matching: list[int], t: float, confidence: float) -> list[int]:
    """Belief mode: negative evidence lowers each matching fact's belief by Bayes' rule;
    returns those no longer more likely than not (to be closed)."""
    closed = []
    for fid in matching:
        fact = graph.facts[fid]
        if confidence >= 1.0:
            _learn(graph, fact, held=False)
            closed.append(fid)
            continue
        cls = belief.relation_class(graph.schema.relations[fact.relation])
        r = graph.reliabilities.of(None, cls, confidence)
        weaken(graph, fact, belief.unseen(strength_at(fact, t), r), t)
        if strength_at(fact, t) < belief.CLOSE_BELOW:
            closed.append(fid)
    return closed
