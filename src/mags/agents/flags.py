"""Flags the agent commands share: ``--capacity`` and ``--config``.

Example
-------
>>> import argparse
>>> capacity_from_flags(argparse.Namespace(capacity="25%")).label()
'25%'
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mags.agents.capacity import Capacity
    from mags.config import MemoryConfig


def capacity_from_flags(args: argparse.Namespace) -> Capacity | None:
    """The capacity ``--capacity`` names, or None without the flag."""
    from mags.agents.capacity import Capacity

    return Capacity.parse(args.capacity) if args.capacity else None


def memory_config(args: argparse.Namespace) -> MemoryConfig | None:
    """The memory hyperparameters of ``--config FILE``, or None for the defaults."""
    from mags.config import MemoryConfig

    return MemoryConfig.from_toml(args.config) if args.config else None
