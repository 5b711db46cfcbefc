"""`LiquidGraph`: the state of one memory and the indexes that keep every call cheap.

The graph holds the *active* graph (current, not archived facts), every entity and episode,
and the indexes recall needs; the cost of a call depends on the active neighbourhood it
touches, never on the length of history. History (superseded and archived facts, events)
belongs to the store: a fact that closes stays in ``facts`` only until the call's changes are
taken (``take_changes``), so RAM follows the active graph, not the life of the memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mags.config import MemoryConfig
from mags.core.belief import Reliabilities, hazard_tau
from mags.core.dynamics import apply_supersede, expiry_time
from mags.core.expiry import ExpiryQueue
from mags.core.model import EntityRecord, Episode, Event, FactRecord, Pending, Qualifiers
from mags.core.names import clean_name, name_key, tokens
from mags.core.resent import episode_key
from mags.core.schema import RelationSchema, SlotKey

NON_SPREADING_KINDS = frozenset({"state"})
"""Kinds of entity that recall does not spread activation through: a state value such as
``open`` links every open thing and would flood the neighbourhood."""

IdentityKey = tuple[int, str, int, Qualifiers]


@dataclass
class ChangeSet:
    """What one call changed: the records a store writes in one transaction."""

    entities: list[EntityRecord] = field(default_factory=list)
    facts: list[FactRecord] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entities or self.facts or self.episodes or self.events)


class LiquidGraph:
    """The active graph of one memory: entities, active facts, episodes, their indexes.

    Example
    -------
    >>> from mags.config import MemoryConfig
    >>> from mags.core.schema import default_schema
    >>> g = LiquidGraph(MemoryConfig(), default_schema())
    >>> g.ensure_entity("the Kitchen", None, t=0.0)
    1
    >>> g.entities[1].name
    'Kitchen'
    """

    def __init__(self, config: MemoryConfig, schema: RelationSchema) -> None:
        self.config = config
        self.schema = schema
        self.entities: dict[int, EntityRecord] = {}
        # Active facts, and the facts this call changed until its changes are taken.
        self.facts: dict[int, FactRecord] = {}
        self.episodes: dict[int, Episode] = {}
        # Turns someone asked to forget, by source, speaker and text: a resent history that
        # carries one again must not store it again (`mags.core.resent`).
        self.forgotten_turns: set[tuple[str | None, str, str]] = set()
        self.last_seq = 0  # events live in the store; their numbers are never reused
        self.now = float("-inf")
        self.next_entity_id = 1
        self.next_fact_id = 1
        self.next_episode_id = 1
        self.next_batch = 1
        # Indexes over entities (names resolve to the surviving entity of a merge).
        self.name_index: dict[str, int] = {}
        # Content words of each name ("box of matches" -> "box match"): what a query's
        # n-grams can match, since tokens() drops the stopwords that name keys keep.
        self.phrase_index: dict[str, int] = {}
        self.token_index: dict[str, set[int]] = {}
        # Entities merged into each survivor: their history is the survivor's history.
        self.merged_from: dict[int, list[int]] = {}
        # Indexes over active facts only.
        self.adjacency: dict[int, set[int]] = {}
        self.identity: dict[IdentityKey, int] = {}
        self.slots: dict[SlotKey, int] = {}
        # Claims that lost their contest with a current fact (see mags.core.reconcile); in
        # RAM only: a reopened memory starts their count again.
        self.pending: dict[IdentityKey, Pending] = {}
        # Learned in this process from certain outcomes (belief mode); not stored.
        self.reliabilities = Reliabilities(config.reliability_weight)
        self.claimed_by: dict[int, str] = {}  # active fact -> the source that first claimed it
        self.active: set[int] = set()
        self.expiry = ExpiryQueue()
        # Change tracking for the store.
        self._dirty_entities: set[int] = set()
        self._dirty_facts: set[int] = set()
        self._new_episodes: list[Episode] = []
        self._new_events: list[Event] = []

    # ----------------------------------------------------------------- change tracking
    def take_changes(self) -> ChangeSet:
        """Everything changed since the last call, and forget it; closed facts leave RAM
        (the store keeps them as history)."""
        changes = ChangeSet(
            entities=[self.entities[i] for i in sorted(self._dirty_entities)],
            facts=[self.facts[i] for i in sorted(self._dirty_facts)],
            episodes=self._new_episodes,
            events=self._new_events,
        )
        for fact in changes.facts:
            if fact.id not in self.active:
                del self.facts[fact.id]
        self._dirty_entities = set()
        self._dirty_facts = set()
        self._new_episodes = []
        self._new_events = []
        return changes

    def touch_fact(self, fact: FactRecord) -> None:
        """Mark a fact as changed."""
        self._dirty_facts.add(fact.id)

    def touch_entity(self, entity: EntityRecord) -> None:
        """Mark an entity as changed."""
        self._dirty_entities.add(entity.id)

    def emit(
        self,
        kind: str,
        t: float,
        facts: Iterable[int] = (),
        entities: Iterable[int] = (),
        data: Mapping[str, Any] | None = None,
    ) -> Event:
        """Record an event; every change of the memory goes through here."""
        self.last_seq += 1
        event = Event(self.last_seq, t, kind, tuple(facts), tuple(entities), data or {})
        self._new_events.append(event)
        if t > self.now:
            self.now = t
        return event

    def add_episode(
        self,
        t: float,
        text: str,
        source: str | None,
        fact_ids: tuple[int, ...],
        speaker: str | None = None,
        when: str | None = None,
    ) -> Episode:
        """Store a raw observation."""
        episode = Episode(self.next_episode_id, t, text, source, fact_ids, speaker, when)
        self.next_episode_id += 1
        self.episodes[episode.id] = episode
        self._new_episodes.append(episode)
        return episode

    def link_episode(self, episode_id: int, fact_ids: Iterable[int]) -> None:
        """Record facts extracted later from a stored episode as its facts."""
        episode = self.episodes[episode_id]
        linked = tuple(dict.fromkeys((*episode.fact_ids, *fact_ids)))
        if linked != episode.fact_ids:
            self._rewrite_episode(replace(episode, fact_ids=linked))

    def _rewrite_episode(self, episode: Episode) -> None:
        """Write a changed episode once: in place of its unwritten version, if any."""
        if episode.forgotten_t is None:
            self.episodes[episode.id] = episode
        unwritten = [i for i, e in enumerate(self._new_episodes) if e.id == episode.id]
        if unwritten:
            self._new_episodes[unwritten[0]] = episode
        else:
            self._new_episodes.append(episode)

    def forget_episode(self, episode_id: int, t: float) -> None:
        """Someone asked to forget an episode: it leaves RAM (and so every recall) and the
        store keeps it as history, with the time it was forgotten."""
        episode = self.episodes.pop(episode_id, None)
        if episode is not None:
            self.forgotten_turns.add(episode_key(episode))
            self._rewrite_episode(replace(episode, forgotten_t=t))

    # ------------------------------------------------------------------------ entities
    def find_entity(self, name: str) -> int | None:
        """The id a name resolves to, or None."""
        return self.name_index.get(name_key(name))

    def ensure_entity(self, name: str, kind: str | None, t: float) -> int:
        """Resolve a name to an entity, creating it if new, reviving it if archived."""
        key = name_key(name)
        eid = self.name_index.get(key)
        if eid is None:
            return self.create_entity(clean_name(name), kind or "thing", t)
        entity = self.entities[eid]
        shown = clean_name(name)
        if shown != entity.name and shown not in entity.aliases:
            entity.aliases.append(shown)
            self._dirty_entities.add(eid)
        if kind is not None and entity.kind == "thing" and kind != "thing":
            entity.kind = kind
            self._dirty_entities.add(eid)
        return eid

    def create_entity(self, name: str, kind: str, t: float) -> int:
        """A new entity under ``name`` (which must not resolve to another one)."""
        eid = self.next_entity_id
        self.next_entity_id += 1
        entity = EntityRecord(eid, name, kind, [], t)
        self.entities[eid] = entity
        self._index_name(eid, name)
        self._dirty_entities.add(eid)
        return eid

    def add_alias(self, eid: int, alias: str) -> None:
        """Make ``alias`` another name of entity ``eid``."""
        entity = self.entities[eid]
        if alias != entity.name and alias not in entity.aliases:
            entity.aliases.append(alias)
            self._dirty_entities.add(eid)
        self._index_name(eid, alias)

    def _index_name(self, eid: int, name: str) -> None:
        self.name_index[name_key(name)] = eid
        words = tokens(name)
        if words:
            self.phrase_index[" ".join(words)] = eid
        for token in words:
            self.token_index.setdefault(token, set()).add(eid)

    def unindex_tokens(self, eid: int) -> None:
        """Remove an entity from lexical seeding (it was merged away)."""
        entity = self.entities[eid]
        for name in (entity.name, *entity.aliases):
            for token in tokens(name):
                bucket = self.token_index.get(token)
                if bucket is not None:
                    bucket.discard(eid)

    def _set_entity_archived(self, eid: int, t: float | None) -> None:
        entity = self.entities[eid]
        if entity.archived_t != t and entity.merged_into is None:
            entity.archived_t = t
            self._dirty_entities.add(eid)

    # --------------------------------------------------------------------------- facts
    def identity_key(self, fact: FactRecord) -> IdentityKey:
        """What makes two facts the same fact."""
        return (fact.subject, fact.relation, fact.object, fact.qualifiers)

    def fact_slots(self, fact: FactRecord) -> list[SlotKey]:
        """The schema slots a fact takes (see `RelationSchema.slots`)."""
        spec = self.schema.relations[fact.relation]
        return self.schema.slots(
            spec,
            fact.subject,
            fact.object,
            name_key(self.entities[fact.object].name),
            fact.qualifiers,
        )

    def new_fact(
        self,
        subject: int,
        relation: str,
        obj: int,
        qualifiers: Qualifiers,
        confidence: float,
        t: float,
        *,
        stable: bool,
        importance: float,
        episode: int | None,
        batch: int,
        tau_scale: float = 1.0,
    ) -> FactRecord:
        """A fresh fact after its first evidence (not yet active; see `activate`)."""
        cfg = self.config
        tau = min(cfg.tau_max, cfg.tau0 * tau_scale)
        if cfg.belief:  # its belief fades at the hazard of change of its relation
            tau = hazard_tau(self.schema.relations[relation], tau)
        fact = FactRecord(
            id=self.next_fact_id,
            subject=subject,
            relation=relation,
            object=obj,
            qualifiers=qualifiers,
            confidence=confidence,
            strength=min(1.0, cfg.eta * confidence),
            t0=t,
            tau=tau,
            evidence=1,
            importance=importance,
            floor=cfg.s_floor if stable else 0.0,
            valid_from=t,
            episode=episode,
            batch=batch,
        )
        self.next_fact_id += 1
        self.facts[fact.id] = fact
        self._dirty_facts.add(fact.id)
        return fact

    def activate(self, fact: FactRecord) -> None:
        """Put an active fact into every index."""
        fid = fact.id
        self.identity[self.identity_key(fact)] = fid
        for slot in self.fact_slots(fact):
            self.slots[slot] = fid
        for end in (fact.subject, fact.object):
            bucket = self.adjacency.get(end)
            if bucket is None:
                self.adjacency[end] = {fid}
                self._set_entity_archived(end, None)
            else:
                bucket.add(fid)
        self.active.add(fid)
        self.schedule_expiry(fact)

    def supersede(self, fact: FactRecord, t: float, by: int | None, reason: str) -> None:
        """Close a current fact at ``t`` (superseded by fact ``by``, or by nothing: negative
        evidence, a judge); it stays in history with ``rho`` of its strength."""
        apply_supersede(fact, t, self.config.rho)
        fact.superseded_by = by
        self.deactivate(fact, t)
        facts = (fact.id,) if by is None else (fact.id, by)
        self.emit("reconcile", t, facts, data={"reason": reason})

    def deactivate(self, fact: FactRecord, t: float) -> None:
        """Take a fact out of every index; entities left with no active fact are archived."""
        fid = fact.id
        if self.identity.get(self.identity_key(fact)) == fid:
            del self.identity[self.identity_key(fact)]
        for slot in self.fact_slots(fact):
            if self.slots.get(slot) == fid:
                del self.slots[slot]
        for end in (fact.subject, fact.object):
            bucket = self.adjacency.get(end)
            if bucket is not None:
                bucket.discard(fid)
                if not bucket:
                    del self.adjacency[end]
                    self._set_entity_archived(end, t)
        self.active.discard(fid)
        self.claimed_by.pop(fid, None)
        self._dirty_facts.add(fid)

    def schedule_expiry(self, fact: FactRecord) -> None:
        """(Re)schedule a fact's decay archive after its state changed."""
        self.expiry.push(expiry_time(fact, self.config.theta_prune), fact.id, fact.version)

    def rebuild_expiry(self) -> None:
        """Recompute every expiry key (after ``theta_prune`` changed)."""
        self.expiry.rebuild(
            (expiry_time(self.facts[f], self.config.theta_prune), f, self.facts[f].version)
            for f in self.active
        )

    def lineage(self, eid: int) -> list[int]:
        """``eid`` and every entity merged into it, directly or through others: whose
        history is this entity's history."""
        found, todo = [eid], [eid]
        while todo:
            for gone in self.merged_from.get(todo.pop(), ()):
                found.append(gone)
                todo.append(gone)
        return sorted(found)

    def load(
        self,
        entities: Iterable[EntityRecord],
        facts: Iterable[FactRecord],
        episodes: Iterable[Episode],
        *,
        last_seq: int = 0,
        now: float = float("-inf"),
        next_fact_id: int = 1,
        next_batch: int = 1,
    ) -> None:
        """Bring the graph up to date with stored records: a whole memory when it opens, or
        what other writers committed since the last read (records replace their older
        versions; closed facts leave the active graph). ``next_fact_id`` and ``next_batch``
        come from the store, which has seen facts this graph never holds."""
        changed = list(entities)
        for entity in changed:
            old = self.entities.get(entity.id)
            if old is not None and old.merged_into is None:
                self.unindex_tokens(entity.id)
            self.entities[entity.id] = entity
            self.next_entity_id = max(self.next_entity_id, entity.id + 1)
        for entity in changed:
            if entity.merged_into is None:
                for name in (entity.name, *entity.aliases):
                    self._index_name(entity.id, name)
        for entity in changed:
            # A merged entity's names resolve to the survivor, whatever the order of merges.
            if entity.merged_into is not None:
                gone = self.merged_from.setdefault(entity.merged_into, [])
                if entity.id not in gone:
                    gone.append(entity.id)
                target = self.survivor(entity.id)
                for name in (entity.name, *entity.aliases):
                    self.name_index.setdefault(name_key(name), target)
        for fact in sorted(facts, key=lambda f: f.id):
            old_fact = self.facts.get(fact.id)
            if old_fact is not None and fact.id in self.active:
                closed = fact.valid_to if fact.valid_to is not None else fact.archived_t
                self.deactivate(old_fact, self.now if closed is None else closed)
            self.facts.pop(fact.id, None)
            self.next_fact_id = max(self.next_fact_id, fact.id + 1)
            self.next_batch = max(self.next_batch, fact.batch + 1)
            if fact.active:
                self.facts[fact.id] = fact
                self.activate(fact)
        for episode in sorted(episodes, key=lambda e: e.id):
            self.next_episode_id = max(self.next_episode_id, episode.id + 1)
            if episode.forgotten_t is None:
                self.episodes[episode.id] = episode
            else:  # forgotten (maybe by another writer since the last read): history only
                self.episodes.pop(episode.id, None)
                self.forgotten_turns.add(episode_key(episode))
        self.next_fact_id = max(self.next_fact_id, next_fact_id)
        self.next_batch = max(self.next_batch, next_batch)
        self.last_seq = max(self.last_seq, last_seq)
        self.now = max(self.now, now)
        # What was read is what the store holds: nothing here is a change to write.
        self._dirty_entities.clear()
        self._dirty_facts.clear()

    def survivor(self, eid: int) -> int:
        """The entity ``eid`` was merged into, following merges of merges."""
        while (target := self.entities[eid].merged_into) is not None:
            eid = target
        return eid
