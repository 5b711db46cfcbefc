"""Salience: how much a fact deserves a place in a prompt or in a capped memory (issue 35
item 4, DESIGN §8), a flow of its own beside belief.

Belief answers "is it true now?"; salience answers "is it worth a place?". A fact that is
certainly true but was mentioned once, long ago, and never used is true and not salient; a
fact the agent keeps using is salient whatever new readings do to its belief. The anchor is
ACT-R's base-level activation (Anderson and Lebiere 1998): every mention or use at time
``t_j`` leaves a trace that decays as a power of its age,

    B(t) = ln sum_j (t - t_j + 1) ^ -d,

(the ``+ 1`` counts ages in steps from the step of the trace, so a trace of this very step
weighs 1). A fact keeps three numbers rather than every time: how many traces (``n``), the
first and the latest. Petrov's (2006) hybrid approximation is then exact for the latest
trace and spreads the other ``n - 1`` evenly over the fact's life ``L``:

    sum ~ l^-d + (n - 1) (L^(1-d) - l^(1-d)) / ((1 - d) (L - l)),   l = t - t_last + 1.

Salience is ACT-R's probability of retrieval at threshold 0 and noise 1, ``x / (1 + x)``
with ``x = exp(B)``: 0.5 for one trace of this step, toward 1 with many recent ones, toward
0 with age. Recall weighs a fact by relevance x belief x salience x importance; capacity
archives the lowest salience x importance; `Memory.use` adds a trace (salience), never
belief (`MemoryConfig.belief`).

Example
-------
>>> salience(1, 10.0, 10.0, 10.0)   # mentioned once, this step
0.5
>>> round(salience(1, 0.0, 0.0, 99.0), 3)   # once, a hundred steps ago
0.091
>>> round(salience(20, 0.0, 99.0, 99.0), 3)   # twenty times, the last one now
0.817
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mags.core.model import FactRecord

DECAY = 0.5
"""ACT-R's customary base-level decay ``d``."""


def trace_sum(n: int, first: float, last: float, t: float, d: float = DECAY) -> float:
    """``exp(B(t))``: the summed power-law traces of ``n`` mentions between ``first`` and
    ``last`` (Petrov's hybrid approximation, exact when ``n == 1``)."""
    recent = max(t - last, 0.0) + 1.0
    total: float = recent**-d
    life = max(t - first, 0.0) + 1.0
    if n > 1:
        if life > recent:
            total += (n - 1) * (life ** (1 - d) - recent ** (1 - d)) / ((1 - d) * (life - recent))
        else:  # every trace at the same step
            total += (n - 1) * recent**-d
    return total


def salience(n: int, first: float, last: float, t: float, d: float = DECAY) -> float:
    """The probability of retrieval ``x / (1 + x)`` of a fact with ``n`` traces."""
    x = trace_sum(max(n, 1), first, last, t, d)
    return x / (1.0 + x)


def activation(n: int, first: float, last: float, t: float, d: float = DECAY) -> float:
    """ACT-R's base-level activation ``B(t)`` itself (the log of `trace_sum`)."""
    return math.log(trace_sum(max(n, 1), first, last, t, d))


def fact_salience(fact: FactRecord, t: float) -> float:
    """The salience of a stored fact at ``t``: its observations (``evidence``) and uses are
    its traces, from ``valid_from`` to ``seen_t``."""
    last = fact.valid_from if fact.seen_t is None else fact.seen_t
    return salience(fact.evidence + fact.uses, fact.valid_from, last, t)
