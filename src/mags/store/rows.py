"""Records as table rows and back: one column layout for every SQL store.

Lists and mappings are JSON text, so that SQLite and PostgreSQL hold the same rows and the
same code reads them. Column order is the tables' (see the stores' migrations).

Example
-------
>>> from mags.core.model import EntityRecord
>>> entity_in(entity_out(EntityRecord(1, "Kitchen", "room", ["the kitchen"], 0.0)))
EntityRecord(id=1, name='Kitchen', kind='room', aliases=['the kitchen'], created_t=0.0, \
archived_t=None, merged_into=None)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mags.core.model import EntityRecord, Episode, Event, FactRecord, Qualifiers

ENTITY_COLUMNS = "id, name, kind, aliases, created_t, archived_t, merged_into"
FACT_COLUMNS = (
    "id, subject, relation, object, qualifiers, confidence, strength, t0, tau, evidence, "
    "importance, floor, valid_from, valid_to, archived_t, archive_reason, episode, batch, "
    "superseded_by, version, uses, seen_t"
)
EPISODE_COLUMNS = "id, t, text, source, fact_ids, speaker, wall_time, forgotten_t"
EVENT_COLUMNS = "seq, t, kind, facts, entities, data"
ACTIVE = "valid_to IS NULL AND archived_t IS NULL"
"""The SQL condition of an active fact (`FactRecord.active`)."""
CLOSED_AT = "COALESCE(valid_to, archived_t)"
"""The SQL expression of the logical time a fact closed (superseded or archived)."""

Row = Sequence[Any]


def _qualifiers_out(q: Qualifiers) -> str | None:
    return json.dumps([list(p) for p in q]) if q else None


def _qualifiers_in(text: str | None) -> Qualifiers:
    return tuple((k, v) for k, v in json.loads(text)) if text else ()


def entity_out(e: EntityRecord) -> tuple[Any, ...]:
    """An entity as a row of ``ENTITY_COLUMNS``."""
    return (e.id, e.name, e.kind, json.dumps(e.aliases), e.created_t, e.archived_t, e.merged_into)


def entity_in(r: Row) -> EntityRecord:
    """A row of ``ENTITY_COLUMNS`` as an entity."""
    return EntityRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6])


def fact_out(f: FactRecord) -> tuple[Any, ...]:
    """A fact as a row of ``FACT_COLUMNS``."""
    return (
        f.id,
        f.subject,
        f.relation,
        f.object,
        _qualifiers_out(f.qualifiers),
        f.confidence,
        f.strength,
        f.t0,
        f.tau,
        f.evidence,
        f.importance,
        f.floor,
        f.valid_from,
        f.valid_to,
        f.archived_t,
        f.archive_reason,
        f.episode,
        f.batch,
        f.superseded_by,
        f.version,
        f.uses,
        f.seen_t,
    )


def fact_in(r: Row) -> FactRecord:
    """A row of ``FACT_COLUMNS`` as a fact."""
    return FactRecord(
        id=r[0],
        subject=r[1],
        relation=r[2],
        object=r[3],
        qualifiers=_qualifiers_in(r[4]),
        confidence=r[5],
        strength=r[6],
        t0=r[7],
        tau=r[8],
        evidence=r[9],
        importance=r[10],
        floor=r[11],
        valid_from=r[12],
        valid_to=r[13],
        archived_t=r[14],
        archive_reason=r[15],
        episode=r[16],
        batch=r[17],
        superseded_by=r[18],
        version=r[19],
        uses=r[20],
        seen_t=r[21],
    )


def episode_out(e: Episode) -> tuple[Any, ...]:
    """An episode as a row of ``EPISODE_COLUMNS``."""
    fact_ids = json.dumps(e.fact_ids)
    return (e.id, e.t, e.text, e.source, fact_ids, e.speaker, e.when, e.forgotten_t)


def episode_in(r: Row) -> Episode:
    """A row of ``EPISODE_COLUMNS`` as an episode."""
    return Episode(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6], r[7])


def event_out(e: Event) -> tuple[Any, ...]:
    """An event as a row of ``EVENT_COLUMNS``."""
    return (e.seq, e.t, e.kind, json.dumps(e.facts), json.dumps(e.entities), json.dumps(e.data))


def event_in(r: Row) -> Event:
    """A row of ``EVENT_COLUMNS`` as an event."""
    return Event(
        r[0], r[1], r[2], tuple(json.loads(r[3])), tuple(json.loads(r[4])), json.loads(r[5])
    )
