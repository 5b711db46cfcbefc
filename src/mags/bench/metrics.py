"""Pure helpers of the memory benchmark: percentiles, answer overlap and the targets."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation between ranks (numpy's default).

    Example
    -------
    >>> percentile([4.0, 1.0, 3.0, 2.0], 50)
    2.5
    >>> percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95)
    4.8
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def overlap(a: Sequence[int], b: Sequence[int]) -> float:
    """Shared fraction of two answers: ``|A & B| / max(|A|, |B|)`` (1.0 when both are empty).

    Example
    -------
    >>> overlap([1, 2, 3, 4], [2, 3, 4, 5])
    0.75
    """
    if not a and not b:
        return 1.0
    return len(set(a) & set(b)) / max(len(set(a)), len(set(b)))


@dataclass(frozen=True, slots=True)
class Target:
    """A goal for one figure at one size: ``value <= bound`` or ``value >= bound``.

    ``relative_to`` makes the bound ``bound x`` the same figure at another size.
    """

    size: int
    metric: str
    op: str
    bound: float
    relative_to: int | None = None

    @property
    def label(self) -> str:
        bound = (
            f"{self.bound:g}x its {self.relative_to:,} value"
            if self.relative_to
            else (f"{self.bound:,g}")
        )
        return f"{self.size:,} facts: {self.metric} {self.op} {bound}"


TARGETS = (
    Target(100_000, "recall_p50_ms", "<=", 2.0),
    Target(100_000, "recall_p95_ms", "<=", 10.0),
    Target(100_000, "insert_per_s", ">=", 50_000),
    Target(100_000, "insert_persisted_per_s", ">=", 20_000),
    Target(100_000, "speedup", ">=", 10.0),
    Target(1_000_000, "recall_p50_ms", "<=", 20.0),
    Target(1_000_000, "rss_mb", "<=", 2048),
    Target(1_000_000, "add_call_ms", "<=", 2.0, relative_to=10_000),
)


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """A target against a measurement; ``ok`` is None when it cannot be decided."""

    target: Target
    value: float | None
    bound: float | None
    ok: bool | None

    @property
    def mark(self) -> str:
        return {True: "✓", False: "✗", None: "n/a"}[self.ok]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "target": self.target.label,
            "value": self.value,
            "bound": self.bound,
            "ok": self.ok,
        }


def check_targets(
    results: Mapping[int, Mapping[str, Any]], targets: Sequence[Target] = TARGETS
) -> list[TargetCheck]:
    """Every target whose size was measured, checked (a report, not an assertion).

    Example
    -------
    >>> checks = check_targets({100_000: {"recall_p50_ms": 1.5}})
    >>> [(c.target.metric, c.mark) for c in checks][:2]
    [('recall_p50_ms', '✓'), ('recall_p95_ms', 'n/a')]
    """
    out = []
    for target in targets:
        row = results.get(target.size)
        if row is None:
            continue
        value = _number(row.get(target.metric))
        bound: float | None = target.bound
        if target.relative_to is not None:
            base = _number(results.get(target.relative_to, {}).get(target.metric))
            bound = None if base is None else target.bound * base
        if value is None or bound is None:
            out.append(TargetCheck(target, value, bound, None))
            continue
        ok = value <= bound if target.op == "<=" else value >= bound
        out.append(TargetCheck(target, value, bound, ok))
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
