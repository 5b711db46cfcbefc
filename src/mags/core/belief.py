"""Belief as a filtered probability per slot (issue 35 item 1, DESIGN §8), and the learned
reliability of sources (item 3). Used when ``MemoryConfig.belief = 1``.

A fact's strength is then the probability that its value holds now. Between observations it
relaxes toward "unknown" at its relation's **hazard of change** ``h`` (per step, in the
schema: a portable thing's place changes often, where a person lives rarely, a map link
never): ``p(t) = p * exp(-h * dt)``, the lazy decay of `mags.core.dynamics` with
``tau = 1/h``. An observation of value ``v`` from a source of reliability ``r`` is Bayes'
rule over the slot's values: the truth says ``v`` with probability ``r``, and a wrong reading
names any one of ``m`` plausible other values (``MemoryConfig.error_values``) with
``(1 - r) / m``:

    p(v) <- r p(v) / Z,   p(u) <- q p(u) / Z  (u != v),   q = (1 - r) / m,
    Z = r p(v) + q (1 - p(v))

A value the slot has not held yet starts from its share of the unknown mass,
``(1 - p(current)) / m``. A certain observation (``r = 1``: the agent's own outcome) or a
statement of change leaves ``q = 0``: it supersedes at once, whatever the old evidence; noisy
readings vote. An observation that a value is *not* there ("the fridge is empty", reliability
``r``) gives ``p(v) <- (1 - r) p(v) / ((1 - r) p(v) + 1 - p(v))``.

Reliability is learned per (source, relation class): a Beta posterior whose prior has the
reading's own confidence as its mean and ``reliability_weight`` pseudo-observations; every
certain outcome that confirms or refutes what a source claimed adds one success or failure.

Example
-------
>>> round(observed(0.5, 0.9, 4.0), 3)   # a 50/50 value read once more by a 0.9 source
0.973
>>> round(contradicted(0.95, 0.0125, 0.9, 4.0), 3)  # a strong value read otherwise once
0.661
>>> round(unseen(0.95, 0.9), 3)   # a view that should show it and does not
0.655
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mags.core.schema import RelationSpec

NO_HAZARD_TAU = 1e12
"""The time constant of a relation with hazard 0 (a map link): it never fades."""
CLOSE_BELOW = 0.5
"""Uncertain negative evidence closes a fact once it is no longer more likely than not."""


def observed(p: float, r: float, m: float) -> float:
    """Posterior of the value that was observed (prior ``p``, reliability ``r``)."""
    q = (1.0 - r) / m
    z = r * p + q * (1.0 - p)
    return r * p / z if z > 0 else 1.0


def contradicted(p: float, p_seen: float, r: float, m: float) -> float:
    """Posterior of a value ``p`` after another value (prior ``p_seen``) was observed."""
    q = (1.0 - r) / m
    z = r * p_seen + q * (1.0 - p_seen)
    return q * p / z if z > 0 else 0.0


def unseen(p: float, r: float) -> float:
    """Posterior of a value a view of reliability ``r`` should have shown and did not."""
    z = (1.0 - r) * p + (1.0 - p)
    return (1.0 - r) * p / z if z > 0 else 0.0


def newcomer(p_current: float, m: float) -> float:
    """The prior of a value the slot has not held: its share of the unknown mass."""
    return max(1e-6, (1.0 - p_current) / m)


def hazard_tau(spec: RelationSpec, fallback: float) -> float:
    """The time constant a relation's hazard gives (``fallback`` when it has none)."""
    if spec.hazard is None:
        return fallback
    return NO_HAZARD_TAU if spec.hazard == 0 else 1.0 / spec.hazard


def relation_class(spec: RelationSpec) -> str:
    """What reliability is learned per: the relation's group ("location") or its name."""
    return spec.group or spec.name


@dataclass
class SourceRecord:
    """What certain outcomes said of one source's claims about one relation class."""

    confirmed: int = 0
    refuted: int = 0


@dataclass
class Reliabilities:
    """Beta posteriors of each (source, relation class) (see the module)."""

    weight: float
    records: dict[tuple[str, str], SourceRecord] = field(default_factory=dict)

    def of(self, source: str | None, cls: str, confidence: float) -> float:
        """The reliability of a reading: its confidence as the prior mean, and what certain
        outcomes have said of this source since."""
        if confidence >= 1.0:
            return 1.0
        record = self.records.get((source or "unknown", cls))
        if record is None:
            return confidence
        a = self.weight * confidence + record.confirmed
        b = self.weight * (1.0 - confidence) + record.refuted
        return a / (a + b)

    def learn(self, source: str | None, cls: str, held: bool) -> None:
        """A certain outcome confirmed (``held``) or refuted what ``source`` claimed."""
        record = self.records.setdefault((source or "unknown", cls), SourceRecord())
        if held:
            record.confirmed += 1
        else:
            record.refuted += 1

    def table(self, prior: float) -> dict[str, dict[str, float | int]]:
        """Every source and relation class seen, with its reliability for a reading of
        confidence ``prior`` (what `Memory.sources` shows)."""
        return {
            f"{source}/{cls}": {
                "reliability": self.of(source, cls, prior),
                "confirmed": record.confirmed,
                "refuted": record.refuted,
            }
            for (source, cls), record in sorted(self.records.items())
        }
