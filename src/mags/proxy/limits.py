"""Per-client request rates: a token bucket per user (or key, or address).

Example
-------
>>> limiter = RateLimiter(per_minute=2, clock=iter([0.0, 0.0, 0.0, 30.0]).__next__)
>>> [limiter.wait("ana") for _ in range(3)], limiter.wait("ana")
([0.0, 0.0, 30.0], 0.0)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_CLIENTS = 100_000
"""Buckets kept at most; the fullest (idle longest) go first beyond it."""


class RateLimiter:
    """``per_minute`` requests a minute per name, in bursts of up to that many; `wait`
    says how long to wait (0: go now, and the request is counted)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(
                f"a rate limit must allow at least 1 request a minute, got {per_minute}"
            )
        self.rate = per_minute / 60.0
        self.burst = float(per_minute)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, name: str) -> float:
        """Seconds until ``name`` may make a request (0.0: now, counted)."""
        now = self.clock()
        with self._lock:
            tokens, since = self._buckets.get(name, (self.burst, now))
            tokens = min(self.burst, tokens + (now - since) * self.rate)
            if tokens >= 1.0:
                self._buckets[name] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_CLIENTS:
                    self._buckets.pop(next(iter(self._buckets)))
                return 0.0
            self._buckets[name] = (tokens, now)
            return (1.0 - tokens) / self.rate
