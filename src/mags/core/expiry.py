"""The expiry heap: when each fact's strength will cross ``theta_prune``.

A fact's expiry time only changes when the fact does (`mags.core.dynamics.expiry_time`),
so a heap keyed on it finds every decayed fact in O(log n) each, without scanning; an entry
made stale by a later change of its fact is skipped by its version. `mags.core.prune`
archives what it pops.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator


class ExpiryQueue:
    """A min-heap of ``(expiry_time, fact_id, version)`` with lazy invalidation.

    Example
    -------
    >>> q = ExpiryQueue()
    >>> q.push(5.0, fact_id=1, version=0)
    >>> q.push(3.0, fact_id=2, version=0)
    >>> [fid for fid, _ in q.pop_due(4.0)]
    [2]
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int]] = []

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, when: float, fact_id: int, version: int) -> None:
        """Schedule ``fact_id`` (at ``version``) to expire at ``when``; inf is never."""
        if when != float("inf"):
            heapq.heappush(self._heap, (when, fact_id, version))

    def pop_due(self, t: float) -> Iterator[tuple[int, int]]:
        """Pop ``(fact_id, version)`` of every entry due at or before ``t``."""
        heap = self._heap
        while heap and heap[0][0] <= t:
            _, fid, version = heapq.heappop(heap)
            yield fid, version

    def rebuild(self, entries: Iterable[tuple[float, int, int]]) -> None:
        """Replace the heap by fresh entries (drops stale ones)."""
        self._heap = [e for e in entries if e[0] != float("inf")]
        heapq.heapify(self._heap)
