"""Retrieval: seed entities from a query, spread activation, pack facts into a token budget.

No LLM is called. Seeds come from exact names and aliases in the query (n-grams), then
from rare words of entity names. Activation spreads over active facts weighted by their
current strength for ``hops`` steps with ``damping``; a fact scores the activation of its
ends times its strength and importance. The best facts, then the episodes behind them, are
rendered as compact lines until the budget is spent.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mags.core.dynamics import strength_at
from mags.core.model import Episode, FactRecord, FactView
from mags.core.names import tokens

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph

MAX_NGRAM = 5
MAX_POSTING = 64
MAX_EPISODES = 3
FACTS_HEADER = "Known facts (strength in brackets):"
EPISODES_HEADER = "Observations:"


def line_tokens(line: str) -> int:
    """Tokens a line costs in a prompt, its newline included (so lines add up safely)."""
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
                {"id": e.id, "t": e.t, "source": e.source, "text": e.text} for e in self.episodes
            ],
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
    best = heapq.nlargest(max_seeds, scores.items(), key=lambda kv: (kv[1], -kv[0]))
    top = best[0][1] if best else 1.0
    return {eid: score / top for eid, score in best}


def score_facts(graph: LiquidGraph, seeds: dict[int, float], t: float) -> dict[int, float]:
    """Spread activation from the seeds; score every fact it reaches."""
    cfg = graph.config
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
            pairs = [(fid, strength_at(facts[fid], t)) for fid in incident]
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


def pack(
    graph: LiquidGraph,
    ranked: list[int],
    t: float,
    budget: int,
    view: Callable[[FactRecord, float], FactView],
) -> tuple[list[str], list[FactView], list[Episode], int]:
    """Fill the budget with fact lines, then with the episodes that support them."""
    lines: list[str] = []
    chosen: list[FactView] = []
    used = line_tokens(FACTS_HEADER)
    for fid in ranked:
        fv = view(graph.facts[fid], t)
        line = render_fact(fv)
        cost = line_tokens(line)
        if used + cost > budget:
            continue  # a shorter line further down may still fit
        lines.append(line)
        chosen.append(fv)
        used += cost
        if budget - used < 4:
            break
    if not chosen:
        return [], [], [], 0
    support: dict[int, int] = {}
    for fv in chosen:
        if fv.episode is not None:
            support[fv.episode] = support.get(fv.episode, 0) + 1
    episodes: list[Episode] = []
    ep_lines: list[str] = []
    header_cost = line_tokens(EPISODES_HEADER)
    for eid, _ in sorted(support.items(), key=lambda kv: (-kv[1], -kv[0]))[:MAX_EPISODES]:
        episode = graph.episodes[eid]
        room = budget - used - (0 if ep_lines else header_cost)
        if room < 16:
            break
        text = " ".join(episode.text.split())
        line = f"- t={episode.t:g}: {text}"
        if line_tokens(line) > room:
            line = line[: room * 4 - 2] + "…"  # costs exactly `room` with its newline
        ep_lines.append(line)
        episodes.append(episode)
        used += line_tokens(line) + (0 if len(ep_lines) > 1 else header_cost)
    out = [FACTS_HEADER, *lines]
    if ep_lines:
        out += [EPISODES_HEADER, *ep_lines]
    return out, chosen, episodes, used


def recall(
    graph: LiquidGraph,
    query: str,
    t: float,
    budget: int,
    view: Callable[[FactRecord, float], FactView],
) -> Recall:
    """The facts and episodes most relevant to ``query`` that fit in ``budget`` tokens."""
    seeds = seed_entities(graph, query, graph.config.max_seeds)
    scores = score_facts(graph, seeds, t)
    ranked = sorted(scores, key=lambda fid: (-scores[fid], fid))
    lines, chosen, episodes, _ = pack(graph, ranked, t, budget, view)
    text = "\n".join(lines)
    names = tuple(graph.entities[e].name for e in seeds)
    tokens_used = estimate_tokens(text) if text else 0
    return Recall(query, t, text, tuple(chosen), tuple(episodes), tokens_used, names)
