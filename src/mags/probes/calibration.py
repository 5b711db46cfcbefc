"""Belief as a probability, scored against the truth: Brier score, expected calibration error
and the bins of a reliability plot (issue 35 item 5).

Each believed atom in scope is a forecast: its probability ``p`` (a memory's strength read as
a probability; 1.0 for a memory without strengths) that it holds now, and the outcome ``y``
(1 when the game's true state holds it). Brier is the mean of ``(p - y)**2``; the expected
calibration error (ECE) is the gap between mean ``p`` and the share true within ten equal
bins of ``p``, weighted by the bins' sizes. A memory that believes everything at 1.0 has
Brier = ECE = 1 - precision; a calibrated one says 0.7 where 70% are true.

Example
-------
>>> c = Calibration()
>>> c.add(0.9, True); c.add(0.9, True); c.add(0.2, False); c.add(1.0, False)
>>> round(c.brier, 3), round(c.ece, 3)
(0.265, 0.25)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mags.probes.beliefs import Atom, beliefs_from_facts

BINS = 10


@dataclass
class Calibration:
    """Forecasts and outcomes, kept as per-bin sums (so runs add up)."""

    n: list[int] = field(default_factory=lambda: [0] * BINS)
    p_sum: list[float] = field(default_factory=lambda: [0.0] * BINS)
    true: list[int] = field(default_factory=lambda: [0] * BINS)
    squared_error: float = 0.0

    def add(self, p: float, outcome: bool) -> None:
        """One forecast ``p`` of an atom and whether it held."""
        b = min(BINS - 1, max(0, int(p * BINS)))
        self.n[b] += 1
        self.p_sum[b] += p
        self.true[b] += int(outcome)
        self.squared_error += (p - float(outcome)) ** 2

    def merge(self, other: Calibration) -> None:
        """Add another run's forecasts."""
        for b in range(BINS):
            self.n[b] += other.n[b]
            self.p_sum[b] += other.p_sum[b]
            self.true[b] += other.true[b]
        self.squared_error += other.squared_error

    @property
    def count(self) -> int:
        """How many forecasts."""
        return sum(self.n)

    @property
    def brier(self) -> float:
        """Mean squared error of the forecasts (0 is perfect; nan with none)."""
        return self.squared_error / self.count if self.count else float("nan")

    @property
    def ece(self) -> float:
        """Expected calibration error over `BINS` equal bins (nan with no forecast)."""
        if not self.count:
            return float("nan")
        gap = sum(abs(self.p_sum[b] - self.true[b]) for b in range(BINS) if self.n[b])
        return gap / self.count

    def curve(self) -> list[tuple[float, float, int]]:
        """The reliability plot's points: (mean forecast, share true, count) per bin."""
        return [
            (self.p_sum[b] / self.n[b], self.true[b] / self.n[b], self.n[b])
            for b in range(BINS)
            if self.n[b]
        ]


def atom_probabilities(
    facts: Iterable[tuple[str, str, str, float]],
) -> dict[Atom, float]:
    """Each believed atom with the probability of the facts behind it (the lowest, where an
    atom needs two facts, as a link through a door does; the highest, where two facts give
    the same atom).

    Example
    -------
    >>> probs = atom_probabilities([("knife", "held_by", "player", 0.8),
    ...                             ("door", "connects", "hall", 0.9),
    ...                             ("door", "connects", "attic", 0.5)])
    >>> probs[("in", ("knife", "I"))], probs[("link", ("hall", "door", "attic"))]
    (0.8, 0.5)
    """
    out: dict[Atom, float] = {}
    facts = list(facts)
    connects = [f for f in facts if f[1] == "connects"]
    for subject, relation, obj, p in facts:
        if relation == "connects":
            continue
        for a in beliefs_from_facts([(subject, relation, obj)]):
            out[a] = max(out.get(a, 0.0), p)
    for i, (door, _, room, p) in enumerate(connects):
        for other_door, _, other_room, q in connects[i + 1 :]:
            if other_door.lower() == door.lower() and other_room.lower() != room.lower():
                for a in beliefs_from_facts(
                    [(door, "connects", room), (door, "connects", other_room)]
                ):
                    out[a] = max(out.get(a, 0.0), min(p, q))
    return out


def add_forecasts(
    calibration: Calibration, probabilities: dict[Atom, float], truth: set[Atom], scored: set[Atom]
) -> None:
    """Score the believed atoms that the belief score counts (``scored``)."""
    for a in scored:
        calibration.add(min(1.0, max(0.0, probabilities.get(a, 1.0))), a in truth)


def merged(calibrations: Sequence[Calibration]) -> Calibration:
    """Several runs' forecasts as one."""
    total = Calibration()
    for c in calibrations:
        total.merge(c)
    return total
