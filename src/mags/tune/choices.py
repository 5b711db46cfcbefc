"""The choices `mags tune` offers, in one leaf module every part of the tuner can import.

Example
-------
>>> "tpe" in SAMPLERS and "play" in OBJECTIVES
True
"""

from __future__ import annotations

SAMPLERS = ("tpe", "cmaes", "grid", "coordinate")
PRUNERS = ("median", "none")
OBJECTIVES = ("play", "belief", "multi")
HOLDOUT_COUNT = 10
"""Held-out seeds when none are given: this many after the search seeds."""
