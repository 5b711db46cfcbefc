"""Shared fixtures."""

from __future__ import annotations

import pytest

from mags import Memory


@pytest.fixture
def memory() -> Memory:
    """An empty in-memory memory with the default config."""
    return Memory.open()
