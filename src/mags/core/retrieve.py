"""Retrieval: seed entities from a query, spread activation, pack facts and episodes into a
token budget.

No LLM is called. Seeds come from exact names and aliases in the query (n-grams), then
from rare words of entity names. Activation spreads over active facts weighted by their
current strength for ``hops`` steps with ``damping``; a fact scores the activation of its
ends times its strength and importance. Episodes come from the caller's search hits, the
facts' evidence and their neighbours (`mags.core.episodes`). The best of both are rendered
as compact lines, episodes dated and in time order, until the budget is spent.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mags.core.dynamics import strength_at
from mags.core.episodes import (
    EpisodeHit,
    TokenCount,
    Window,
    is_stale,
    pack_episodes,
    render_episodes,
    score_episodes,
)
from mags.core.model import Episode, FactRecord, FactView
from mags.core.names import tokens
from mags.core.salience import fact_salience
from mags.core.schema import WHEN

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph

MAX_NGRAM = 5
RECENCY_STEPS = 5.0
"""How fast the recency boost (``config.recency``) fades with a fact's age, in steps."""
MAX_POSTING = 64
CURRENT_FACTS = 3
"""How many of the best facts may bring the turn that stated their current value."""
FACTS_HEADER = "Known facts (strength in brackets):"
EPISODES_HEADER = "Observations:"


def line_tokens(line: str) -> int:
    """Estimated tokens a line costs in a prompt, its newline included."""
    return (len(line) + 4) // 4


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: about four characters per token.

    Example
    -------
    >>> estimate_tokens("the apple is in the fridge")
    7
    """
    return max(1, (len(text) + 3) // 4)


@dataclass(frozen=True, slots=True)
class Recall:
    """What `recall` returns: ``text`` goes into a prompt; the rest explains it."""

    query: str
    t: float
    text: str
    facts: tuple[FactView, ...]
    episodes: tuple[Episode, ...]
    tokens: int
    seeds: tuple[str, ...]
    via: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """For each recalled episode, the channels that found it: ``lexical``, ``dense``,
    ``fact`` (evidence behind a chosen fact), ``neighbour`` (next to a hit), ``time`` (inside
    the query's time window)."""
    window: str | None = None
    """The query's time expression that recall resolved and boosted, if any."""
    ranked: tuple[int, ...] = ()
    """The recalled episodes' ids best first (``episodes`` is in time order, as printed)."""

    def to_dict(self) -> dict[str, object]:
        """A JSON-able dict."""
        return {
            "query": self.query,
            "t": self.t,
            "text": self.text,
            "tokens": self.tokens,
            "seeds": list(self.seeds),
            "facts": [f.to_dict() for f in self.facts],
            "episodes": [
                {**e.to_dict(), "via": list(self.via.get(e.id, ()))} for e in self.episodes
            ],
            "window": self.window,
        }


def seed_entities(graph: LiquidGraph, query: str, max_seeds: int) -> dict[int, float]:
    """Entities named in the query, with a weight: exact names first, then rare words."""
    words = tokens(query)
    scores: dict[int, float] = {}
    index, active = graph.phrase_index, graph.adjacency
    covered: set[int] = set()  # word positions inside an exact name match
    for n in range(min(MAX_NGRAM, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            eid = index.get(" ".join(words[i : i + n]))
            if eid is not None and eid in active:
                scores[eid] = max(scores.get(eid, 0.0), 1.0 + n)
                covered.update(range(i, i + n))
    if len(scores) < max_seeds:
        for word in {w for i, w in enumerate(words) if i not in covered}:
            bucket = graph.token_index.get(word)
            if not bucket or len(bucket) > MAX_POSTING:
                continue
            weight = 1.0 / len(bucket)
            for eid in bucket:
                if eid in active:
                    scores[eid] = scores.get(eid, 0.0) + weight
    # A state ("open", "locked") shared by thousands of things is a poor place to start
    # spreading; when the query names anything else, start there instead.
    entities = graph.entities
    if any(entities[eid].kind != "state" for eid in scores):
        scores = {eid: s for eid, s in scores.items() if entities[eid].kind != "state"}
    # The fan effect: a hub the query names (a direction every room has an exit to) says
    # less about what is wanted than a name with few facts; its weight is shared among them.
    scores = {eid: s / math.sqrt(max(1, len(active[eid]))) for eid, s in scores.items()}
    best = heapq.nlargest(max_seeds, scores.items(), key=lambda kv: (kv[1], -kv[0]))
    top = best[0][1] if best else 1.0
    return {eid: score / top for eid, score in best}


def belief_weight(fact: FactRecord, t: float) -> float:
    """Belief mode: what a fact brings to recall is the chance it holds times its salience."""
    return strength_at(fact, t) * fact_salience(fact, t)


def score_facts(graph: LiquidGraph, seeds: dict[int, float], t: float) -> dict[int, float]:
    """Spread activation from the seeds; score every fact it reaches (weighed by strength,
    or in belief mode by belief x salience)."""
    cfg = graph.config
    weigh = belief_weight if cfg.belief else strength_at
    facts, adjacency, entities = graph.facts, graph.adjacency, graph.entities
    activation = dict(seeds)
    frontier = dict(seeds)
    scores: dict[int, float] = {}
    levels = max(1, cfg.hops)
    for level in range(levels):
        spread: dict[int, float] = {}
        for eid, act in frontier.items():
            incident = adjacency.get(eid)
            if not incident:
                continue
            pairs = [(fid, weigh(facts[fid], t)) for fid in incident]
            if len(pairs) > cfg.max_fanout:
                pairs = heapq.nlargest(cfg.max_fanout, pairs, key=lambda p: (p[1], -p[0]))
            for fid, s in pairs:
                fact = facts[fid]
                scores[fid] = scores.get(fid, 0.0) + act * s * fact.importance
                if level + 1 < levels:
                    other = fact.object if fact.subject == eid else fact.subject
                    if other not in activation and entities[other].kind != "state":
                        spread[other] = spread.get(other, 0.0) + act * cfg.damping * s
        for eid, act in spread.items():
            activation[eid] = act
        frontier = spread
    return scores


def _present_facts(
    graph: LiquidGraph, episodes: int, t: float, scores: Mapping[int, float]
) -> list[int]:
    """Current facts the last ``episodes`` episodes stated: newest episode first; within
    one, the most relevant to the query first, then the strongest."""
    out: list[int] = []
    seen: set[int] = set()
    for index, eid in enumerate(reversed(graph.episodes)):
        if index >= episodes:
            break
        facts = [f for f in graph.episodes[eid].fact_ids if f in graph.facts and f not in seen]
        facts.sort(key=lambda f: (-scores.get(f, 0.0), -strength_at(graph.facts[f], t), f))
        out += facts
        seen.update(facts)
    return out


def render_fact(view: FactView) -> str:
    """One compact prompt line.

    Example
    -------
    >>> v = FactView(1, "apple", "in", "fridge", {"quantity": 2}, 0.8, 50.0, 1, 0.0,
    ...              None, None, None, None)
    >>> render_fact(v)
    '- apple in fridge (quantity=2) [0.80]'
    """
    quals = ", ".join(f"{k}={v}" for k, v in view.qualifiers.items())
    extra = f" ({quals})" if quals else ""
    return f"- {view.subject} {view.relation} {view.object}{extra} [{view.strength:.2f}]"


def _fits(lines: list[str], count: TokenCount, budget: int) -> bool:
    return count("\n".join(lines)) <= budget


def recall(
    graph: LiquidGraph,
    query: str,
    t: float,
    budget: int,
    view: Callable[[FactRecord, float], FactView],
    *,
    hits: Sequence[EpisodeHit] = (),
    window: Window | None = None,
    use_facts: bool = True,
    count: TokenCount = estimate_tokens,
    exclude: frozenset[int] = frozenset(),
    about: Sequence[str] = (),
    present: int = 0,
) -> Recall:
    """The facts and episodes most relevant to ``query`` that fit in ``budget`` tokens.

    Facts come from spreading activation from the query's entities (unless ``use_facts`` is
    False); episodes from the search ``hits`` the caller's indexes found, the evidence behind
    the chosen facts and the turns next to both (`mags.core.episodes`). When both kinds are
    on offer, facts first take at most ``fact_share`` of the budget, episodes what is left,
    and facts again whatever the episodes leave (``config.fact_share``). ``count`` counts
    tokens (the facade passes a real tokenizer); the packed text never costs more than
    ``budget``. Episodes in ``exclude`` (already in the caller's prompt) are never packed;
    names in ``about`` seed the facts like names in the query, without entering the search.

    ``present`` > 0 is the agent's mode, *present first*: the current facts the last
    ``present`` episodes stated (what was just seen and done, the newest episode first;
    within one, by score, then strength) are packed before anything else, then the rest by their
    score (where the task's facts lead by their importance). Recency is a channel of its
    own here, not a boost of strength: a step needs what it sees now, whatever its strength.
    """
    seeded = " ".join([query, *about]) if about else query
    seeds = seed_entities(graph, seeded, graph.config.max_seeds) if use_facts else {}
    scores = score_facts(graph, seeds, t) if seeds else {}
    if window is not None:
        for fid in scores:  # a dated fact inside the query's time window
            when = dict(graph.facts[fid].qualifiers).get(WHEN)
            if isinstance(when, str) and window.contains(when):
                scores[fid] *= graph.config.time_boost
    if graph.config.recency:
        for fid in scores:  # what was seen or used a few steps ago (an agent's present)
            age = max(0.0, t - graph.facts[fid].t0)
            scores[fid] *= 1.0 + graph.config.recency * math.exp(-age / RECENCY_STEPS)
    ranked = sorted(scores, key=lambda fid: (-scores[fid], fid))
    if present > 0 and use_facts:
        now = _present_facts(graph, present, t, scores)
        first = set(now)
        ranked = now + [fid for fid in ranked if fid not in first]
        for fid in now:  # unreached by spreading: no support for its episode below
            scores.setdefault(fid, 0.0)
    views: dict[int, FactView] = {}

    def fact_line(fid: int) -> str:
        if fid not in views:
            views[fid] = view(graph.facts[fid], t)
        return render_fact(views[fid])

    def line_cost(line: str) -> int:
        return count(line) + 1  # its newline

    chosen: list[int] = []
    chosen_set: set[int] = set()
    used = 0

    def add_facts(limit: int) -> None:
        nonlocal used
        header = 0 if chosen else line_cost(FACTS_HEADER)
        for fid in ranked:
            if fid in chosen_set:
                continue
            cost = line_cost(fact_line(fid))
            if used + header + cost > limit:
                continue  # a shorter line further down may still fit
            chosen.append(fid)
            chosen_set.add(fid)
            used += header + cost
            header = 0
            if limit - used < 4:
                break

    add_facts(int(budget * graph.config.fact_share) if hits else budget)
    top = max((scores[fid] for fid in chosen), default=0.0) or 1.0
    top_ranked = max((scores[fid] for fid in ranked[:1]), default=0.0) or 1.0
    support: dict[int, float] = {}
    for fid in chosen:
        episode = graph.facts[fid].episode
        if episode is not None:
            support[episode] = max(support.get(episode, 0.0), scores[fid] / top)
    current: dict[int, float] = {}
    for fid in ranked[:CURRENT_FACTS]:  # chosen or not: their turn may fit where they do not
        fact = graph.facts[fid]
        if fact.episode is not None and scores[fid] > 0 and graph.fact_slots(fact):
            current[fact.episode] = max(current.get(fact.episode, 0.0), scores[fid] / top_ranked)
    episode_scores, via = score_episodes(graph, hits, support, query, window, current)
    for eid in exclude:
        episode_scores.pop(eid, None)
    ranked_episodes = sorted(episode_scores, key=lambda e: (-episode_scores[e], e))
    stale = {e for e in ranked_episodes if is_stale(graph, graph.episodes[e])}
    picked, spent = pack_episodes(
        (graph.episodes[eid] for eid in ranked_episodes),
        budget - used,
        count,
        EPISODES_HEADER,
        stale,
    )
    used += spent
    add_facts(budget)

    def render() -> list[str]:
        out: list[str] = []
        if chosen:
            out += [FACTS_HEADER, *(fact_line(fid) for fid in chosen)]
        if picked:
            out += [EPISODES_HEADER, *render_episodes(picked, stale)]
        return out

    lines = render()
    # Counts of lines add up to at least the count of their join; this only guards it.
    while lines and not _fits(lines, count, budget):
        if picked:
            picked.pop()
        else:
            chosen.pop()
        lines = render()
    text = "\n".join(lines)
    names = tuple(graph.entities[e].name for e in seeds)
    return Recall(
        query,
        t,
        text,
        tuple(views[fid] for fid in chosen),
        tuple(sorted(picked, key=lambda e: (e.t, e.id))),
        count(text) if text else 0,
        names,
        via={e.id: tuple(sorted(via[e.id])) for e in picked},
        window=None if window is None else window.phrase,
        ranked=tuple(e.id for e in picked),
    )
