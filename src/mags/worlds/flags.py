"""The ``--cache`` flag every world command shares.

Example
-------
>>> import argparse
>>> world_cache(argparse.Namespace(cache="/tmp/worlds")).root.name
'worlds'
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mags.worlds.cache import WorldCache


def world_cache(args: argparse.Namespace) -> WorldCache:
    """The world cache ``--cache`` names, else the default one."""
    from mags.worlds.cache import WorldCache

    return WorldCache(args.cache) if args.cache else WorldCache.default()
