"""`EpisodeSearch`: every episode of a memory, searchable lexically and (optionally) densely.

The facade keeps one beside the graph and feeds it each episode as it is written; recall
hands its hits to the core, which fuses them with the facts (`mags.core.episodes`). A turn is
indexed with its speaker's name ("Caroline: I moved to Berlin"), so a question about a
person finds the turns that person said.

Example
-------
>>> from mags.core.model import Episode
>>> search = EpisodeSearch()
>>> search.add([Episode(1, 0.0, "I moved to Berlin.", "D1:1", (), "Caroline"),
...             Episode(2, 1.0, "The beach was lovely.", "D1:2", (), "Melanie")])
>>> [(h.episode, h.via) for h in search.search("Where did Caroline move to?")]
[(1, 'lexical')]
"""

from __future__ import annotations

from collections.abc import Iterable

from mags.core.episodes import EpisodeHit
from mags.core.model import Episode
from mags.search.dense import DenseIndex, Embedder
from mags.search.lexical import LexicalIndex

#: How many hits each channel hands to recall: enough to fill the largest budgets.
SEARCH_LIMIT = 200
#: The best dense hit weighs this much against the best lexical hit (1.0) unless the embedder
#: says otherwise (its ``weight``).
DENSE_WEIGHT = 0.3


def indexed_text(episode: Episode) -> str:
    """What the indexes see of an episode: its speaker's name, then its text."""
    return f"{episode.speaker}: {episode.text}" if episode.speaker else episode.text


class EpisodeSearch:
    """A lexical index and, with an ``embedder``, a dense one over the same episodes."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.lexical = LexicalIndex()
        self.dense = DenseIndex(embedder) if embedder is not None else None
        self.dense_weight = float(getattr(embedder, "weight", DENSE_WEIGHT))
        self.last_id = 0  # episode ids only grow: those up to here are indexed

    def add(self, episodes: Iterable[Episode]) -> None:
        """Index new episodes; a rewritten one (its facts linked later, or forgotten) is
        indexed already, and a forgotten one never."""
        given = list(episodes)
        batch = [
            (e.id, indexed_text(e)) for e in given if e.forgotten_t is None and e.id > self.last_id
        ]
        self.last_id = max([self.last_id, *(e.id for e in given)])
        for episode_id, text in batch:
            self.lexical.add(episode_id, text)
        if self.dense is not None:
            self.dense.add(batch)

    def search(
        self,
        query: str,
        limit: int = SEARCH_LIMIT,
        *,
        lexical: bool = True,
        dense: bool = True,
        dense_scale: float = 1.0,
    ) -> list[EpisodeHit]:
        """Hits of each channel, scores scaled so that each channel's best hit is its weight
        (the dense channel's times ``dense_scale``, `MemoryConfig.dense_scale`)."""
        hits: list[EpisodeHit] = []
        if lexical:
            found = self.lexical.search(query, limit)
            if found:
                best = found[0][1] or 1.0
                hits += [EpisodeHit(e, s / best, "lexical") for e, s in found if s > 0]
        if dense and self.dense is not None:
            near = self.dense.search(query, limit)
            if len(near) > 1:
                # Cosines of unrelated texts are not zero: scale the best to the dense weight
                # and the last of the ``limit`` nearest to zero.
                top, floor = near[0][1], near[-1][1]
                span = (top - floor) or 1.0
                weight = self.dense_weight * dense_scale
                hits += [
                    EpisodeHit(e, weight * (c - floor) / span, "dense")
                    for e, c in near
                    if c > floor
                ]
        return hits

    def close(self) -> None:
        """Free the indexes."""
        self.lexical.close()
