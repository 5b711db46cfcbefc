"""`MemoryCore`: the liquid knowledge graph's operations, pure and validated.

Each operation checks all of its input first (bad input changes nothing), applies it to the
`LiquidGraph`, then settles the graph at ``t`` (merges new entities, archives decayed facts,
enforces capacity). The caller persists ``take_changes()`` after each operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mags.config import MemoryConfig
from mags.core.abstract import abstract
from mags.core.consolidate import consolidate, merge_entities, split_entity
from mags.core.dynamics import apply_use, strength_at
from mags.core.episodes import EpisodeHit, TokenCount, Window
from mags.core.errors import InvalidInputError, NotFoundError
from mags.core.graph import ChangeSet, LiquidGraph
from mags.core.model import Correction, Episode, FactRecord, FactView, ForgetRequest, Negation
from mags.core.prune import archive, enforce_capacity, prune_decayed
from mags.core.reconcile import assert_fact, negate, retry_pending, weaken
from mags.core.requests import correct, forget
from mags.core.retrieve import Recall, estimate_tokens, recall
from mags.core.salience import fact_salience
from mags.core.schema import DIRECTIONS, RelationSchema, RelationSpec
from mags.core.validate import (
    MAX_TEXT_CHARS,
    ValidFact,
    check_facts,
    check_name,
    check_negation,
    check_requests,
    check_text,
    check_time,
    check_when,
)

BOUNDARY_KEEP = 0.1
"""Strength a fact keeps across a context boundary (`MemoryCore.boundary`)."""


class MemoryCore:
    """The memory's behaviour without any I/O.

    Example
    -------
    >>> from mags.config import MemoryConfig
    >>> from mags.core.schema import default_schema
    >>> core = MemoryCore(MemoryConfig(), default_schema())
    >>> core.add([("apple", "in", "fridge")], t=0)
    [1]
    >>> core.add([("apple", "on", "table")], t=1)
    [2]
    >>> core.where_is("apple", t=1).object
    'table'
    """

    def __init__(self, config: MemoryConfig, schema: RelationSchema) -> None:
        self.graph = LiquidGraph(config, schema)

    @property
    def config(self) -> MemoryConfig:
        """The hyperparameters in force."""
        return self.graph.config

    @property
    def schema(self) -> RelationSchema:
        """The relation schema in force."""
        return self.graph.schema

    @property
    def now(self) -> float:
        """The time of the latest change (-inf for an empty memory)."""
        return self.graph.now

    def set_config(self, config: MemoryConfig) -> None:
        """Change hyperparameters; they apply from the next operation on."""
        old = self.graph.config
        self.graph.config = config
        if config.theta_prune != old.theta_prune:
            self.graph.rebuild_expiry()

    def take_changes(self) -> ChangeSet:
        """What the operations since the last call changed."""
        return self.graph.take_changes()

    # ------------------------------------------------------------------------ writes
    def add(self, facts: Iterable[Any], t: float, source: str | None = None) -> list[int]:
        """Apply facts as evidence at time ``t``; returns their ids (new or reinforced)."""
        t = check_time(t, self.graph.now)
        valid = check_facts(facts, self.graph.schema)
        if source is not None:
            source = check_name(source, "source")
        return self._apply(valid, [], t, source, episode=None)

    def observe(
        self,
        text: str,
        t: float,
        source: str | None,
        facts: Sequence[Any],
        negations: Sequence[Negation],
        judged: Sequence[int] = (),
        speaker: str | None = None,
        when: str | None = None,
        corrections: Sequence[Correction] = (),
        forget_requests: Sequence[ForgetRequest] = (),
    ) -> Episode:
        """Store an episode and apply what was extracted from it (already validated).

        ``judged`` are current facts a conflict judge found contradicted by this
        observation (ids from `undecided_conflicts`); they are closed like negative evidence.
        ``corrections`` and ``forget_requests`` are what the speaker asked of the memory
        (see `mags.core.requests`).
        """
        episode_id = self.graph.next_episode_id
        valid = check_facts(facts, self.graph.schema)
        patterns = [check_negation(n, self.graph.schema) for n in negations]
        corrections, forget_requests = check_requests(corrections, forget_requests)
        ids = self._apply(
            valid, patterns, t, source, episode=episode_id, judged=judged, corrections=corrections
        )
        episode = self.graph.add_episode(t, text, source, tuple(ids), speaker, when)
        self.graph.emit("observe", t, ids, data=_observe_data(episode))
        if forget_requests:
            forget(self.graph, forget_requests, t, episode.id)
            self._settle(t)
        return episode

    def extract_into(
        self,
        episode_id: int,
        facts: Sequence[Any],
        negations: Sequence[Negation],
        t: float,
        corrections: Sequence[Correction] = (),
        forget_requests: Sequence[ForgetRequest] = (),
    ) -> list[int]:
        """Apply what was extracted later from the stored episode ``episode_id`` (a proxy
        stores a turn first and extracts it off the request path); the facts are linked to
        that episode as their evidence. Returns their ids."""
        t = check_time(t, self.graph.now)
        episode = self.graph.episodes.get(episode_id) if isinstance(episode_id, int) else None
        if episode is None:
            raise NotFoundError(f"no episode with id {episode_id!r}")
        valid = check_facts(facts, self.graph.schema)
        patterns = [check_negation(n, self.graph.schema) for n in negations]
        corrections, forget_requests = check_requests(corrections, forget_requests)
        ids = self._apply(
            valid, patterns, t, episode.source, episode=episode_id, corrections=corrections
        )
        self.graph.link_episode(episode_id, ids)
        self.graph.emit("extract", t, ids, data={"episode": episode_id})
        if forget_requests:
            forget(self.graph, forget_requests, t, episode_id)
            self._settle(t)
        return ids

    def undecided_conflicts(self, facts: Sequence[Any], limit: int) -> list[FactView]:
        """Current facts that new ``facts`` may contradict where the schema cannot tell.

        The schema decides slots (one location, one of open/closed/locked, one room to the
        north). For a relation without slots it cannot: ``alice likes tea`` may or may not
        end ``alice likes coffee``, and ``alice dislikes tea`` surely ends ``alice likes
        tea``. Those candidates — current facts with the new fact's subject and relation but
        another object, or its subject and object under another slot-less relation — are
        what a conflict judge is asked about: the strongest ``limit`` of them. Nothing is
        changed here.
        """
        graph = self.graph
        t = graph.now
        candidates: dict[int, float] = {}
        for fact in check_facts(facts, graph.schema):
            if _has_slots(fact.spec):
                continue
            subject = graph.find_entity(fact.subject)
            obj = graph.find_entity(fact.object)
            if subject is None:
                continue  # nothing is known about the subject yet
            for fid in graph.adjacency.get(subject, ()):
                current = graph.facts[fid]
                if current.subject != subject or _has_slots(
                    graph.schema.relations[current.relation]
                ):
                    continue
                same_relation = current.relation == fact.spec.name
                if (same_relation and current.object != obj) or (
                    not same_relation and obj is not None and current.object == obj
                ):
                    candidates[fid] = strength_at(current, t)
        strongest = sorted(candidates, key=lambda fid: (-candidates[fid], fid))[:limit]
        return [self.view(graph.facts[fid], t) for fid in sorted(strongest)]

    def record_failed_episode(
        self,
        text: str,
        t: float,
        source: str | None,
        error: str | None,
        speaker: str | None = None,
        when: str | None = None,
    ) -> Episode:
        """Keep an observation with no facts: its extraction failed (``error``) or there
        is no extractor (``error`` None). Evidence is never thrown away."""
        episode = self.graph.add_episode(t, text, source, (), speaker, when)
        data = _observe_data(episode)
        if error is not None:
            data["error"] = error
        self.graph.emit("observe", t, data=data)
        return episode

    def check_observation(
        self,
        text: Any,
        t: float,
        source: str | None,
        speaker: str | None = None,
        when: Any = None,
    ) -> tuple[str, float, str | None]:
        """Validate an observation before anything is extracted; returns its text, time and
        wall-clock time (ISO 8601 text)."""
        t = check_time(t, self.graph.now)
        text = check_text(text, "observation text", MAX_TEXT_CHARS)
        if source is not None:
            check_name(source, "source")
        if speaker is not None:
            check_name(speaker, "speaker")
        return text, t, check_when(when)

    def _apply(
        self,
        facts: list[ValidFact],
        negations: list[tuple[str | None, str | None, str | None, float]],
        t: float,
        source: str | None,
        episode: int | None,
        judged: Sequence[int] = (),
        corrections: Sequence[Correction] = (),
    ) -> list[int]:
        graph = self.graph
        batch = graph.next_batch
        graph.next_batch += 1
        first_new_entity = graph.next_entity_id
        ids: list[int] = []
        created: list[int] = []
        reinforced: list[int] = []
        contested: list[ValidFact] = []
        for fact in facts:
            fid, is_new = assert_fact(graph, fact, t, batch, episode, source)
            if fid is None:
                contested.append(fact)
                continue
            ids.append(fid)
            (created if is_new else reinforced).append(fid)
        asserted = set(ids)
        for relation, subject, obj, confidence in negations:
            closed = negate(graph, relation, subject, obj, t, keep=asserted, confidence=confidence)
            asserted.difference_update(closed)
        for fact in contested:  # negative evidence may have freed the slot it claims
            fid = retry_pending(graph, fact, t, batch, episode)
            if fid is not None:
                ids.append(fid)
                created.append(fid)
        corrected = correct(graph, corrections, t, batch, episode)
        ids += corrected
        created += corrected
        if created:
            graph.emit("add", t, created, data={"source": source, "episode": episode})
        if reinforced:
            graph.emit("reinforce", t, reinforced, data={"cause": "evidence"})
        if contested:
            graph.emit("contest", t, data={"claims": len(contested)})
        for fid in judged:
            if fid in graph.active and fid not in asserted:
                graph.supersede(graph.facts[fid], t, by=None, reason="judge")
        consolidate(graph, range(first_new_entity, graph.next_entity_id), t)
        self._settle(t)
        # A fact merged into its twin is reported under the twin's id.
        return [self._survivor(fid) for fid in ids]

    def _survivor(self, fid: int) -> int:
        fact = self.graph.facts[fid]
        while fact.superseded_by is not None:
            twin = self.graph.facts[fact.superseded_by]
            if self.graph.identity_key(twin) != self.graph.identity_key(fact):
                break  # superseded by a different fact, not merged into its twin
            fact = twin
        return fact.id

    def _settle(self, t: float) -> None:
        prune_decayed(self.graph, t)
        enforce_capacity(self.graph, t)
        self._forget_faded_claims(t)

    def _forget_faded_claims(self, t: float) -> None:
        """Drop pending claims that decayed under ``theta_prune``; scanned only once they
        outnumber the active facts, so the cost per call stays constant on average."""
        graph = self.graph
        if len(graph.pending) <= max(64, len(graph.active)):
            return
        cfg = graph.config
        graph.pending = {
            key: claim
            for key, claim in graph.pending.items()
            if claim.at(t, cfg.tau0) >= cfg.theta_prune
        }

    def negate(self, negations: Iterable[Negation], t: float) -> list[int]:
        """Record negative evidence; returns the ids of the facts it closed."""
        t = check_time(t, self.graph.now)
        patterns = [check_negation(n, self.graph.schema) for n in negations]
        closed: list[int] = []
        for relation, subject, obj, _ in patterns:  # said outright: it closes at once
            closed += negate(self.graph, relation, subject, obj, t)
        self._settle(t)
        return closed

    def use(self, fact_ids: Iterable[int], t: float) -> list[int]:
        """Facts recalled into a prompt that led to an action: their salience rises (a
        trace, `mags.core.salience`); in the liquid model their strength too, in belief
        mode never their belief (use says nothing about truth)."""
        t = check_time(t, self.graph.now)
        ids = sorted(set(fact_ids))
        for fid in ids:
            # Ids are given out in order; a closed fact is known but no longer in RAM.
            if isinstance(fid, bool) or not isinstance(fid, int):
                raise NotFoundError(f"no fact with id {fid!r}")
            if not 0 < fid < self.graph.next_fact_id:
                raise NotFoundError(f"no fact with id {fid!r}")
        used = [fid for fid in ids if fid in self.graph.active]
        belief = self.graph.config.belief
        for fid in used:
            fact = self.graph.facts[fid]
            if belief:
                fact.version += 1
            else:
                apply_use(fact, t, self.graph.config.eta_use)
            fact.uses += 1
            fact.seen_t = t
            self.graph.touch_fact(fact)
            self.graph.schedule_expiry(fact)
        if used:
            self.graph.emit("reinforce", t, used, data={"cause": "use"})
        self._settle(t)
        return used

    def boundary(
        self, t: float, relations: Sequence[str] | None = None, keep: float = BOUNDARY_KEEP
    ) -> list[int]:
        """A known context boundary at ``t`` (a new game, task or session): the world may
        have changed behind it, so what the memory holds of ``relations`` (default: every
        relation that can change, hazard > 0 or slot-holding) keeps only ``keep`` of its
        strength; the first reading after it then decides. Returns the ids weakened."""
        t = check_time(t, self.graph.now)
        if isinstance(keep, bool) or not isinstance(keep, int | float) or not 0 <= keep <= 1:
            raise InvalidInputError(f"keep must be a share in [0, 1], got {keep!r}")
        schema = self.graph.schema
        names = None if relations is None else {schema.resolve(r).name for r in relations}
        touched = []
        for fid in sorted(self.graph.active):
            fact = self.graph.facts[fid]
            spec = schema.relations[fact.relation]
            if names is not None and fact.relation not in names:
                continue
            if names is None and not (spec.hazard or (spec.hazard is None and _has_slots(spec))):
                continue  # a map link or a fact that never changes
            weaken(self.graph, fact, strength_at(fact, t) * keep, t)
            touched.append(fid)
        self.graph.emit("boundary", t, touched, data={"keep": keep})
        self._settle(t)
        return touched

    def set_strength(self, fact_id: int, strength: float, t: float) -> None:
        """Set an active fact's strength by hand (a person editing the graph); its time
        constant and evidence are kept, and a strength under ``theta_prune`` archives it."""
        t = check_time(t, self.graph.now)
        fact = self.graph.facts.get(fact_id) if isinstance(fact_id, int) else None
        if fact is None or fact_id not in self.graph.active:
            raise NotFoundError(f"no active fact with id {fact_id!r}")
        if isinstance(strength, bool) or not isinstance(strength, int | float):
            raise InvalidInputError(f"strength must be a number in [0, 1], got {strength!r}")
        if not 0.0 <= strength <= 1.0:
            raise InvalidInputError(f"strength must be in [0, 1], got {strength!r}")
        fact.strength = float(strength)
        fact.t0 = t
        fact.version += 1
        self.graph.touch_fact(fact)
        self.graph.schedule_expiry(fact)
        self.graph.emit("edit", t, [fact_id], data={"strength": float(strength)})
        self._settle(t)

    def forget(self, fact_id: int, t: float) -> None:
        """Close an active fact because someone asked to: it leaves the active graph and
        every recall from ``t`` on; history keeps it (archive reason ``forget``)."""
        t = check_time(t, self.graph.now)
        if not isinstance(fact_id, int) or fact_id not in self.graph.active:
            raise NotFoundError(f"no active fact with id {fact_id!r}")
        archive(self.graph, [fact_id], t, "forget")
        self._settle(t)

    def merge(self, keep: str, other: str, t: float) -> int:
        """Merge entity ``other`` into ``keep`` by hand; returns the survivor's id."""
        t = check_time(t, self.graph.now)
        keep_id, other_id = self._entity(keep), self._entity(other)
        if keep_id == other_id:
            raise InvalidInputError(f"{keep!r} and {other!r} are already one entity")
        merge_entities(self.graph, keep_id, other_id, t, reason="requested")
        self._settle(t)
        return keep_id

    def split(
        self, name: str, fact_ids: Iterable[int], t: float, new_name: str | None = None
    ) -> int:
        """Move some facts of an entity onto a new entity; returns the new entity's id."""
        t = check_time(t, self.graph.now)
        eid = self._entity(name)
        ids = sorted(set(fact_ids))
        for fid in ids:
            fact = self.graph.facts.get(fid)
            if fact is None or eid not in (fact.subject, fact.object):
                raise InvalidInputError(f"fact {fid} is not a current fact about {name!r}")
        if new_name is not None:
            new_name = check_name(new_name, "new_name")
            if self.graph.find_entity(new_name) is not None:
                raise InvalidInputError(f"an entity named {new_name!r} exists already")
        new = split_entity(self.graph, eid, ids, t, reason="requested", new_name=new_name)
        self._settle(t)
        return new

    def abstract(self, t: float, min_support: int = 3) -> list[int]:
        """Generalize patterns shared by ``min_support`` instances of a category."""
        t = check_time(t, self.graph.now)
        if isinstance(min_support, bool) or not isinstance(min_support, int) or min_support < 2:
            raise InvalidInputError(f"min_support must be an integer >= 2, got {min_support!r}")
        ids = abstract(self.graph, t, min_support)
        self._settle(t)
        return ids

    def recall(
        self,
        query: str,
        t: float,
        budget_tokens: int | None = None,
        *,
        hits: Sequence[EpisodeHit] = (),
        window: Window | None = None,
        use_facts: bool = True,
        count: TokenCount | None = None,
        exclude: Iterable[int] = (),
        about: Sequence[str] = (),
        present: int = 0,
    ) -> Recall:
        """The most relevant facts and episodes for ``query`` packed into ``budget_tokens``
        (see `mags.core.retrieve.recall`; ``hits`` come from the caller's episode search;
        ``exclude`` names episodes the caller already shows; ``about`` entities to start
        from besides those the query names; ``present`` episodes whose facts go first)."""
        t = check_time(t, self.graph.now)
        query = check_text(query, "query", MAX_TEXT_CHARS)
        budget = self.graph.config.budget_tokens if budget_tokens is None else budget_tokens
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
            raise InvalidInputError(f"budget_tokens must be a positive integer, got {budget!r}")
        if isinstance(present, bool) or not isinstance(present, int) or present < 0:
            raise InvalidInputError(
                f"present must be a number of episodes (0 or more), got {present!r}"
            )
        self._settle(t)
        result = recall(
            self.graph,
            query,
            t,
            budget,
            self.view,
            hits=hits,
            window=window,
            use_facts=use_facts,
            count=count or estimate_tokens,
            exclude=frozenset(exclude),
            about=tuple(about),
            present=present,
        )
        self.graph.emit(
            "recall",
            t,
            [f.id for f in result.facts],
            data={
                "query": query,
                "tokens": result.tokens,
                "episodes": [e.id for e in result.episodes],
            },
        )
        return result

    # ----------------------------------------------------------------------- queries
    def view(self, fact: FactRecord, t: float) -> FactView:
        """A fact with names, its strength evaluated at ``t``."""
        ents = self.graph.entities
        return FactView(
            id=fact.id,
            subject=ents[fact.subject].name,
            relation=fact.relation,
            object=ents[fact.object].name,
            qualifiers=dict(fact.qualifiers),
            strength=strength_at(fact, max(t, fact.t0)),
            tau=fact.tau,
            evidence=fact.evidence,
            valid_from=fact.valid_from,
            valid_to=fact.valid_to,
            archived_t=fact.archived_t,
            archive_reason=fact.archive_reason,
            episode=fact.episode,
            salience=fact_salience(fact, max(t, fact.t0)),
        )

    def _entity(self, name: str) -> int:
        eid = self.graph.find_entity(check_name(name, "entity name"))
        if eid is None:
            raise NotFoundError(f"no entity named {name!r}")
        return eid

    def facts_about(self, name: str, t: float) -> list[FactView]:
        """Active facts with ``name`` as subject or object, strongest first."""
        t = check_time(t, self.graph.now)
        eid = self.graph.find_entity(check_name(name, "entity name"))
        if eid is None:
            return []
        views = [self.view(self.graph.facts[f], t) for f in self.graph.adjacency.get(eid, ())]
        return sorted(views, key=lambda v: (-v.strength, v.id))

    def where_is(self, name: str, t: float) -> FactView | None:
        """The current location fact of ``name`` (in/on/at/held_by), if one is known."""
        t = check_time(t, self.graph.now)
        eid = self.graph.find_entity(check_name(name, "entity name"))
        fid = None if eid is None else self.graph.slots.get((eid, "g:location"))
        return None if fid is None else self.view(self.graph.facts[fid], t)

    def neighbours(self, room: str, t: float) -> dict[str, str]:
        """Rooms reachable from ``room`` by direction, from current map facts."""
        t = check_time(t, self.graph.now)
        eid = self.graph.find_entity(check_name(room, "room name"))
        out: dict[str, str] = {}
        for fid in sorted(self.graph.adjacency.get(eid, ()) if eid is not None else ()):
            fact = self.graph.facts[fid]
            if fact.relation not in DIRECTIONS:
                continue
            if fact.subject == eid:  # A north_of B: from A, B lies south
                out[DIRECTIONS[fact.relation]] = self.graph.entities[fact.object].name
            else:
                out[fact.relation.removesuffix("_of")] = self.graph.entities[fact.subject].name
        return out

    def lineage(self, name: str) -> list[int]:
        """The entity ``name`` resolves to and those merged into it: the entities whose
        facts are its history (which the store holds). Empty for an unknown name."""
        eid = self.graph.find_entity(check_name(name, "entity name"))
        return [] if eid is None else self.graph.lineage(eid)

    def history_views(self, facts: Iterable[FactRecord]) -> list[FactView]:
        """Stored facts as the history of an entity: in order of validity."""
        ordered = sorted(facts, key=lambda f: (f.valid_from, f.id))
        return [self.view(f, max(self.graph.now, f.t0)) for f in ordered]

    def snapshot(self, t: float) -> dict[str, Any]:
        """The active graph as a JSON-able dict, strengths evaluated at ``t``."""
        t = check_time(t, self.graph.now)
        graph = self.graph
        entity_ids = sorted(graph.adjacency)
        return {
            "t": t,
            "entities": [
                {
                    "id": e.id,
                    "name": e.name,
                    "kind": e.kind,
                    "aliases": list(e.aliases),
                }
                for e in (graph.entities[i] for i in entity_ids)
            ],
            "facts": [self.view(graph.facts[f], t).to_dict() for f in sorted(graph.active)],
        }

    def sources(self, confidence: float = 0.9) -> dict[str, dict[str, float | int]]:
        """What certain outcomes taught of each source and relation class (belief mode):
        confirmed and refuted claims, and the reliability a reading stated at
        ``confidence`` now gets (`mags.core.belief.Reliabilities`)."""
        return self.graph.reliabilities.table(confidence)

    def stats(self) -> dict[str, int]:
        """Counts of what the active graph holds (history is counted by the store)."""
        g = self.graph
        return {
            "entities": sum(1 for e in g.entities.values() if e.merged_into is None),
            "active_entities": len(g.adjacency),
            "active_facts": len(g.active),
            "episodes": len(g.episodes),
        }


def _observe_data(episode: Episode) -> dict[str, Any]:
    data: dict[str, Any] = {"episode": episode.id, "source": episode.source}
    if episode.speaker is not None:
        data["speaker"] = episode.speaker
    return data


def _has_slots(spec: RelationSpec) -> bool:
    """Whether the schema decides this relation's conflicts by itself."""
    return bool(spec.group or spec.functional or spec.inverse_functional or spec.state_values)
