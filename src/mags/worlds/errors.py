"""Errors of the worlds layer. Every message says what was wrong and how to fix it."""

from __future__ import annotations

from mags.core.errors import MagsError


class WorldError(MagsError):
    """A world could not be generated, found, opened or played.

    Example
    -------
    >>> from mags.core.errors import MagsError
    >>> issubclass(WorldError, MagsError)
    True
    """
