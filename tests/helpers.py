"""Test helpers: a complete, comparable dump of a memory's state."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mags import Memory


def dump(memory: Memory) -> dict[str, Any]:
    """Every record of the memory (white-box), for equality checks."""
    graph = memory._core.graph
    store = memory._store
    return {
        "entities": [asdict(e) for e in sorted(graph.entities.values(), key=lambda e: e.id)],
        "facts": [asdict(f) for f in store.facts()],
        "resident": sorted(graph.facts),
        "episodes": [asdict(e) for e in sorted(graph.episodes.values(), key=lambda e: e.id)],
        "events": [asdict(e) for e in store.events()],
        "active": sorted(graph.active),
        "slots": dict(sorted(graph.slots.items())),
        "names": dict(sorted(graph.name_index.items())),
        "now": graph.now,
    }
