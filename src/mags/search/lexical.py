"""`LexicalIndex`: BM25 over episodes with SQLite's FTS5 (Porter stemming), incremental.

Chosen by measurement over `rank_bm25`/`bm25s` (docs/benchmarks.md, "Episode search"): on the
LoCoMo development conversations FTS5's ranking recalls the same evidence as bm25s
(0.41/0.52/0.65/0.72 against 0.42/0.53/0.65/0.72 at 150/300/750/1,500 tokens), and it adds
a turn in microseconds where the others rebuild their whole matrix: a chat memory is
searched between turns. It lives in an in-memory SQLite database, rebuilt from the episodes
when a memory opens (about 10 ms for 700 turns).

Example
-------
>>> index = LexicalIndex()
>>> index.add(1, "Caroline: I moved to Berlin last month.")
>>> index.add(2, "Melanie: The kids loved the beach.")
>>> [episode for episode, _ in index.search("where does Caroline live now? Berlin?")]
[1]
"""

from __future__ import annotations

import re
import sqlite3
import threading

from mags.core.names import STOPWORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Question words and fillers that say nothing about which turn answers a question.
QUERY_STOPWORDS = STOPWORDS | frozenset(
    {
        "when", "why", "whom", "whose", "has", "have", "had", "will", "would", "did", "does",
        "doing", "done", "been", "being", "am", "not", "no", "yes", "they", "them", "their",
        "he", "she", "his", "her", "him", "we", "us", "our", "its", "so", "as", "by", "if",
        "than", "then", "also", "very", "just", "kind", "kinds", "type", "types", "much",
        "many", "some", "s", "t", "d", "ll", "re", "ve", "m",
    }
)  # fmt: skip


def query_terms(text: str) -> list[str]:
    """The content words of a query, lower case, in order, without repeats.

    Example
    -------
    >>> query_terms("When did Caroline go to the LGBTQ support group?")
    ['caroline', 'lgbtq', 'support', 'group']
    """
    words = (w.lower() for w in _WORD.findall(text))
    return list(dict.fromkeys(w for w in words if w not in QUERY_STOPWORDS))


class LexicalIndex:
    """Episodes searchable by BM25; ``search`` returns ``(episode_id, score)``, best first,
    scores > 0 (larger is better)."""

    def __init__(self) -> None:
        # One connection, used under a lock: a memory may be read from several threads.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE episodes USING fts5(text, tokenize='porter unicode61')"
        )
        self._lock = threading.Lock()
        self.size = 0

    def add(self, episode_id: int, text: str) -> None:
        """Index one episode's text."""
        with self._lock:
            self._db.execute("INSERT INTO episodes(rowid, text) VALUES (?, ?)", (episode_id, text))
            self.size += 1

    def search(self, query: str, limit: int = 100) -> list[tuple[int, float]]:
        """The ``limit`` best episodes for the query's content words (any of them)."""
        terms = query_terms(query)
        if not terms or not self.size:
            return []
        match = " OR ".join(f'"{term}"' for term in terms)
        with self._lock:
            rows = self._db.execute(
                "SELECT rowid, bm25(episodes) FROM episodes WHERE episodes MATCH ? "
                "ORDER BY bm25(episodes) LIMIT ?",
                (match, limit),
            ).fetchall()
        # FTS5's bm25() is negative, more negative is better.
        return [(int(rowid), -float(score)) for rowid, score in rows]

    def close(self) -> None:
        """Free the index."""
        with self._lock:
            self._db.close()
