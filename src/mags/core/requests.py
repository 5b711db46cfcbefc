"""What a speaker asks of the memory itself: corrections and forget requests.

A **correction** ("sorry, I meant Lisbon", "I meant Lisbon, not Porto") replaces the object
of the speaker's current statements: the corrected fact is asserted as *change* evidence
(it supersedes at once, `mags.core.reconcile`) and the old one is closed with the reason
``correction``, so history shows what was said and what was meant.

A **forget request** ("please forget that", "forget what I told you about Mark") closes
what it names and keeps its text out of recall from then on: the episodes that said it
(and the request itself, which names it) leave the active memory and stay in the store as
history with the time they were forgotten (`mags.core.graph.LiquidGraph.forget_episode`);
the facts they were evidence for, and the speaker's facts about the topic, are archived
with the reason ``forget``. One ``forget`` event records both.

Example
-------
>>> from mags import Memory
>>> from mags.core.schema import chat_schema
>>> from mags.extract.chat_rules import ChatRuleExtractor
>>> m = Memory.open(schema=chat_schema(), extractor=ChatRuleExtractor())
>>> for t, said in enumerate(["I live in Porto.", "Sorry, I meant Lisbon, not Porto.",
...                           "My ex Mark called.", "Please forget what I told you about Mark."]):
...     _ = m.observe_turn(said, t=t, speaker="ana")
>>> [(f.relation, f.object) for f in m.facts_about("ana", t=3)]
[('lives_in', 'Lisbon')]
>>> print(m.recall("Who is Mark?", t=4).text)
<BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mags.core.model import Correction, FactRecord, ForgetRequest
from mags.core.names import name_key, tokens
from mags.core.prune import archive
from mags.core.reconcile import assert_fact
from mags.core.validate import ValidFact

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph

LOOK_BACK = 200
"""How many episodes back "that" (a request without a topic) may reach for the speaker's
previous turn."""


def correct(
    graph: LiquidGraph,
    corrections: Sequence[Correction],
    t: float,
    batch: int,
    episode: int | None,
) -> list[int]:
    """Apply corrections; returns the ids of the corrected facts."""
    out: list[int] = []
    for correction in corrections:
        speaker = graph.find_entity(correction.speaker)
        if speaker is None:
            continue  # nothing said yet that could be corrected
        if correction.old is not None:
            old_key = name_key(correction.old)
            targets = [
                f
                for f in _said_by(graph, speaker)
                if name_key(graph.entities[f.object].name) == old_key
            ]
        else:
            targets = _facts_of_previous_turn(graph, correction.speaker, speaker, episode)
        for old in targets:
            if name_key(graph.entities[old.object].name) == name_key(correction.new):
                continue  # already what was meant
            fact = ValidFact(
                graph.entities[speaker].name,
                graph.schema.relations[old.relation],
                correction.new,
                old.qualifiers,
                old.confidence,
                change=True,
            )
            fid, _ = assert_fact(graph, fact, t, batch, episode)
            if fid is None:
                continue
            if old.active:  # a relation without slots: the correction closes it by name
                graph.supersede(old, t, by=fid, reason="correction")
            out.append(fid)
    return out


def forget(
    graph: LiquidGraph, requests: Sequence[ForgetRequest], t: float, episode: int | None
) -> tuple[list[int], list[int]]:
    """Honour forget requests made in ``episode``; returns (archived fact ids, forgotten
    episode ids)."""
    facts: set[int] = set()
    episodes: set[int] = set()
    for request in requests:
        speaker = graph.find_entity(request.speaker)
        if request.topic is None:
            previous = _previous_turn(graph, request.speaker, episode)
            if previous is not None:
                episodes.add(previous)
        else:
            episodes.update(_episodes_about(graph, request.speaker, request.topic))
            if speaker is not None:
                facts.update(f.id for f in _facts_about_topic(graph, speaker, request.topic))
        if episode is not None:
            episodes.add(episode)  # the request names what it forgets: it goes too
    for eid in episodes:
        found = graph.episodes.get(eid)
        if found is not None:
            facts.update(fid for fid in found.fact_ids if fid in graph.active)
    archived = sorted(facts & graph.active)
    archive(graph, archived, t, "forget")
    forgotten = sorted(e for e in episodes if e in graph.episodes)
    for eid in forgotten:
        graph.forget_episode(eid, t)
    if forgotten:
        topics = [r.topic for r in requests]
        graph.emit("forget", t, data={"episodes": forgotten, "topics": topics})
    return archived, forgotten


def _said_by(graph: LiquidGraph, speaker: int) -> list[FactRecord]:
    """The speaker's current facts about themselves."""
    facts = (graph.facts[fid] for fid in sorted(graph.adjacency.get(speaker, ())))
    return [f for f in facts if f.subject == speaker]


def _previous_turn(graph: LiquidGraph, speaker: str, before: int | None) -> int | None:
    """The speaker's latest episode before episode ``before`` (None: before any new one)."""
    start = (before if before is not None else graph.next_episode_id) - 1
    for eid in range(start, max(0, start - LOOK_BACK), -1):
        found = graph.episodes.get(eid)
        if found is not None and found.speaker == speaker:
            return eid
    return None


def _facts_of_previous_turn(
    graph: LiquidGraph, speaker_name: str, speaker: int, before: int | None
) -> list[FactRecord]:
    """The speaker's current facts about themselves that their previous turn stated."""
    previous = _previous_turn(graph, speaker_name, before)
    if previous is None:
        return []
    stated = set(graph.episodes[previous].fact_ids)
    return [f for f in _said_by(graph, speaker) if f.id in stated]


def _episodes_about(graph: LiquidGraph, speaker: str, topic: str) -> list[int]:
    """The speaker's episodes whose words include every content word of ``topic``."""
    wanted = set(tokens(topic))
    if not wanted:
        return []
    return [
        e.id
        for e in graph.episodes.values()
        if e.speaker == speaker and wanted <= set(tokens(e.text))
    ]


def _facts_about_topic(graph: LiquidGraph, speaker: int, topic: str) -> list[FactRecord]:
    """The speaker's facts whose other end the topic names, and the topic's own facts."""
    wanted = set(tokens(topic))
    if not wanted:
        return []
    out = []
    for fid in sorted(graph.adjacency.get(speaker, ())):
        fact = graph.facts[fid]
        other = fact.object if fact.subject == speaker else fact.subject
        if wanted <= set(tokens(graph.entities[other].name)):
            out.append(fact)
            out += [graph.facts[g] for g in sorted(graph.adjacency.get(other, ()))]
    return out
