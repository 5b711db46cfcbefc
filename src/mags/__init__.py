"""MAGS: dynamic memory modules for LLM agents via liquid knowledge graphs.

Example
-------
>>> from mags import Memory
>>> m = Memory.open()
>>> m.add([("key", "in", "chest")], t=0)
[1]
>>> m.where_is("key", t=0).object
'chest'
"""

from mags.config import MemoryConfig
from mags.core.errors import (
    ExtractionError,
    InvalidInputError,
    MagsError,
    NotFoundError,
    SchemaVersionError,
    StoreError,
    TimeOrderError,
    UnknownRelationError,
)
from mags.core.model import Episode, Event, Fact, FactView, Negation
from mags.core.retrieve import Recall
from mags.core.schema import RelationSchema, RelationSpec, default_schema
from mags.extract.base import ConflictJudge, Extraction, ExtractionContext, Extractor
from mags.memory import Memory

__version__ = "0.1.0"

__all__ = [
    "ConflictJudge",
    "Episode",
    "Event",
    "Extraction",
    "ExtractionContext",
    "ExtractionError",
    "Extractor",
    "Fact",
    "FactView",
    "InvalidInputError",
    "MagsError",
    "Memory",
    "MemoryConfig",
    "Negation",
    "NotFoundError",
    "Recall",
    "RelationSchema",
    "RelationSpec",
    "SchemaVersionError",
    "StoreError",
    "TimeOrderError",
    "UnknownRelationError",
    "__version__",
    "default_schema",
]
