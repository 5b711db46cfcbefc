"""Lazy strength dynamics (DESIGN §1): decay, evidence, use and supersession.

Strengths are never swept: a fact stores ``(s, t0, tau)`` and its strength at ``t`` is
``max(floor, s * exp(-(t - t0) / tau))``. Every update first brings ``s`` to ``t``.
"""

from __future__ import annotations

import math

from mags.core.model import FactRecord


def strength_at(fact: FactRecord, t: float) -> float:
    """Current strength of ``fact`` at time ``t`` (``t >= fact.t0``).

    Example
    -------
    >>> from mags.core.model import FactRecord
    >>> f = FactRecord(1, 1, "in", 2, (), 1.0, 0.5, 0.0, 10.0, 1, 1.0, 0.0, 0.0)
    >>> round(strength_at(f, 10.0), 4)
    0.1839
    """
    dt = t - fact.t0
    s = fact.strength * math.exp(-dt / fact.tau) if dt > 0 else fact.strength
    # Floors (stable relations such as map connections) hold only while the fact is current.
    if s < fact.floor and fact.valid_to is None:
        return fact.floor
    return s


def apply_evidence(
    fact: FactRecord, t: float, confidence: float, eta: float, kappa: float, tau_max: float
) -> None:
    """Evidence: ``s <- s(t) + eta*c*(1 - s(t))``; the time constant grows (consolidation)."""
    s = strength_at(fact, t)
    fact.strength = min(1.0, s + eta * confidence * (1.0 - s))
    fact.tau = min(tau_max, fact.tau * (1.0 + kappa))
    fact.t0 = t
    fact.evidence += 1
    fact.version += 1


def apply_use(fact: FactRecord, t: float, eta_use: float) -> None:
    """Use in a prompt that led to an action: ``s <- s(t) + eta_use*(1 - s(t))``."""
    s = strength_at(fact, t)
    fact.strength = min(1.0, s + eta_use * (1.0 - s))
    fact.t0 = t
    fact.version += 1


def apply_supersede(fact: FactRecord, t: float, rho: float) -> None:
    """Contradiction: the fact is closed at ``t`` and keeps ``rho`` of its strength."""
    fact.strength = strength_at(fact, t) * rho
    fact.t0 = t
    fact.valid_to = t
    fact.version += 1


def expiry_time(fact: FactRecord, theta: float) -> float:
    """The time at which the fact's strength falls to ``theta`` (inf if it never does).

    Its key never changes until the fact is updated, which is what lets pruning use a heap
    instead of scanning every fact at every step.

    Example
    -------
    >>> from mags.core.model import FactRecord
    >>> f = FactRecord(1, 1, "in", 2, (), 1.0, 0.5, 0.0, 10.0, 1, 1.0, 0.0, 0.0)
    >>> round(expiry_time(f, 0.05), 3)
    23.026
    """
    if theta <= 0.0 or fact.floor >= theta:
        return math.inf
    if fact.strength <= theta:
        return fact.t0
    return fact.t0 + fact.tau * math.log(fact.strength / theta)
