"""`Memory`: the public facade — the pure core, a store that persists each call, an extractor."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from mags.config import MemoryConfig
from mags.core.engine import MemoryCore
from mags.core.errors import (
    ExtractionError,
    ExtractorNotConfiguredError,
    MagsError,
    StoreError,
)
from mags.core.model import Episode, Event, Fact, FactView, Negation
from mags.core.retrieve import Recall
from mags.core.schema import RelationSchema, default_schema
from mags.extract.base import ConflictJudge, Extraction, ExtractionContext, Extractor
from mags.store.base import Store
from mags.store.memory import InMemoryStore
from mags.store.sqlite import SQLiteStore

T = TypeVar("T")
KNOWN_NAMES_FOR_EXTRACTOR = 1000
#: At most this many current facts go to the conflict judge per observation (strongest).
JUDGE_CANDIDATES = 20


class Memory:
    """Long-term memory for an agent: a liquid knowledge graph, optionally in a SQLite file.

    Time ``t`` is the caller's logical clock (step or turn); it must never go backwards.

    Example
    -------
    >>> m = Memory.open()  # in memory; Memory.open("memory.db") persists to SQLite
    >>> m.add([("apple", "in", "fridge"), ("kitchen", "north_of", "hall")], t=0)
    [1, 2]
    >>> m.add([Fact("apple", "on", "table", confidence=0.9)], t=3)   # the apple moved
    [3]
    >>> m.where_is("apple", t=3).object
    'table'
    >>> [f.valid_to for f in m.history("apple")]
    [3.0, None]
    >>> print(m.recall("where is the apple?", t=4).text)
    Known facts (strength in brackets):
    - apple on table [0.44]
    """

    def __init__(
        self,
        core: MemoryCore,
        store: Store,
        extractor: Extractor | None = None,
        *,
        judge: ConflictJudge | None = None,
        read_only: bool = False,
    ) -> None:
        self._core = core
        self._store = store
        self._extractor = extractor
        self._judge = judge
        self._read_only = read_only
        self._lock = threading.RLock()
        self._closed = False

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        config: MemoryConfig | None = None,
        *,
        schema: RelationSchema | None = None,
        extractor: Extractor | None = None,
        judge: ConflictJudge | None = None,
        read_only: bool = False,
    ) -> Memory:
        """Open a memory: in memory when ``path`` is None, else the SQLite file at ``path``
        (created if missing, restored exactly if it exists).

        ``extractor`` turns observations into facts (`observe`); ``judge``, if given,
        decides conflicts the schema cannot (at most one call per observation)."""
        core = MemoryCore(config or MemoryConfig(), schema or default_schema())
        store: Store = InMemoryStore() if path is None else SQLiteStore(path, read_only=read_only)
        state = store.load()
        core.graph.restore(state.entities, state.facts, state.episodes, state.events)
        return cls(core, store, extractor, judge=judge, read_only=read_only and path is not None)

    # ------------------------------------------------------------------ plumbing
    def _write(self, operation: Callable[[], T], *, persist: bool = True) -> T:
        """Run a core operation and persist what it changed, all or nothing."""
        with self._lock:
            if self._closed:
                raise MagsError("this memory is closed; open it again with Memory.open(...)")
            if self._read_only and persist:
                raise StoreError("this memory was opened read-only; open it without read_only")
            try:
                result = operation()
            except MagsError:
                self._core.take_changes()  # validation failed before anything changed
                raise
            except BaseException:
                self._rollback()
                raise
            changes = self._core.take_changes()
            if persist and not self._read_only:
                try:
                    self._store.write(changes)
                except BaseException:
                    self._rollback()
                    raise
            return result

    def _rollback(self) -> None:
        """After a failed write, go back to what the store holds."""
        if isinstance(self._store, InMemoryStore):
            return  # nothing to go back to: the in-memory graph is the only copy
        self.refresh()

    def refresh(self) -> None:
        """Reload the state from the store (a reader sees what writers committed since)."""
        with self._lock:
            fresh = MemoryCore(self._core.config, self._core.schema)
            state = self._store.load()
            fresh.graph.restore(state.entities, state.facts, state.episodes, state.events)
            self._core = fresh

    # -------------------------------------------------------------------- writes
    def add(
        self, facts: Iterable[Fact | tuple[Any, ...]], t: float, source: str | None = None
    ) -> list[int]:
        """Add facts as evidence at time ``t``; returns their ids (new or reinforced).

        Facts are `Fact` objects or ``(subject, relation, object[, qualifiers])`` tuples. A fact
        that contradicts a current one under the schema supersedes it.
        """
        return self._write(lambda: self._core.add(facts, t, source))

    def observe(
        self,
        text: str | bytes,
        t: float,
        source: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> Episode:
        """Store an observation as an episode and add the facts the extractor finds in it.

        ``extra`` is handed to the extractor beside the text (e.g. a game's admissible
        commands); only the text is stored.

        With a conflict judge, the current facts it finds contradicted (among those the
        schema cannot decide) are closed in the same write.

        If extraction or the judge fails, the episode is still kept (with no facts) and
        `ExtractionError` says why; the graph is unchanged.
        """
        with self._lock:
            clean_text, t = self._core.check_observation(text, t, source)
            if self._extractor is None:
                raise ExtractorNotConfiguredError(
                    "Memory.observe needs an extractor to turn text into facts: open the memory "
                    "with Memory.open(..., extractor=...), or add facts directly with "
                    "Memory.add([(subject, relation, object)], t)"
                )
            context = ExtractionContext(t, source, self._known_names(), dict(extra or {}))
            try:
                extraction = self._extractor.extract(clean_text, context)
                if not isinstance(extraction, Extraction):
                    raise ExtractionError(
                        f"extractor returned {type(extraction).__name__}, expected Extraction"
                    )
                judged = self._judged(clean_text, extraction)
                return self._write(
                    lambda: self._core.observe(
                        clean_text, t, source, extraction.facts, extraction.negations, judged
                    )
                )
            except (StoreError, MemoryError, KeyboardInterrupt):
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                episode = self._write(
                    lambda: self._core.record_failed_episode(clean_text, t, source, error)
                )
                raise ExtractionError(
                    f"extraction failed for the observation at t={t}: {exc}. "
                    f"The text is kept as episode {episode.id}; the graph is unchanged."
                ) from exc

    def _judged(self, text: str, extraction: Extraction) -> list[int]:
        """The current facts the judge finds contradicted (no call without candidates)."""
        if self._judge is None or not extraction.facts:
            return []
        candidates = self._core.undecided_conflicts(extraction.facts, JUDGE_CANDIDATES)
        if not candidates:
            return []
        new = [
            (f.subject, f.relation, f.object) if isinstance(f, Fact) else (f[0], f[1], f[2])
            for f in extraction.facts
        ]
        verdict = set(self._judge.judge(text, new, candidates))
        return [c.id for c in candidates if c.id in verdict]

    def _known_names(self) -> tuple[str, ...]:
        graph = self._core.graph
        recent = (e for e in reversed(graph.entities.values()) if e.id in graph.adjacency)
        return tuple(e.name for e in islice(recent, KNOWN_NAMES_FOR_EXTRACTOR))

    def negate(
        self,
        relation: str | None,
        *,
        t: float,
        subject: str | None = None,
        object: str | None = None,
    ) -> list[int]:
        """Negative evidence: close every current fact matching the pattern.

        ``m.negate("in", object="fridge", t=5)`` says the fridge is empty; returns the ids of
        the facts it closed.
        """
        negation = Negation(relation, subject, object)
        return self._write(lambda: self._core.negate([negation], t))

    def use(self, used: Recall | Iterable[int], t: float) -> list[int]:
        """Reinforce facts that were recalled into a prompt that led to an action."""
        ids = [f.id for f in used.facts] if isinstance(used, Recall) else list(used)
        return self._write(lambda: self._core.use(ids, t))

    def set_strength(self, fact_id: int, strength: float, t: float) -> None:
        """Set an active fact's strength by hand (e.g. from the web demo's graph editor)."""
        self._write(lambda: self._core.set_strength(fact_id, strength, t))

    def merge(self, keep: str, other: str, t: float) -> int:
        """Merge entity ``other`` into ``keep`` (facts re-pointed, names kept as aliases)."""
        return self._write(lambda: self._core.merge(keep, other, t))

    def split(
        self, name: str, fact_ids: Iterable[int], t: float, new_name: str | None = None
    ) -> int:
        """Move some facts of an entity onto a new entity; returns its id."""
        return self._write(lambda: self._core.split(name, fact_ids, t, new_name))

    def abstract(self, t: float, min_support: int = 3) -> list[int]:
        """Episodic -> semantic: a pattern shared by ``min_support`` or more instances of a
        category (``x is_a knife``, ``x has blade``) becomes a general fact
        (``knife has blade``, qualifier ``general=True``); returns the general facts' ids."""
        return self._write(lambda: self._core.abstract(t, min_support))

    def recall(self, query: str, t: float, budget_tokens: int | None = None) -> Recall:
        """The facts (and supporting episodes) most relevant to ``query``, packed into
        ``budget_tokens`` (default: the config's ``budget_tokens``). No LLM is called."""
        return self._write(
            lambda: self._core.recall(query, t, budget_tokens), persist=not self._read_only
        )

    def configure(self, config: MemoryConfig) -> None:
        """Change hyperparameters live; they apply from the next call."""
        with self._lock:
            self._core.set_config(config)

    # ------------------------------------------------------------------- queries
    @property
    def config(self) -> MemoryConfig:
        """The hyperparameters in force."""
        return self._core.config

    @property
    def now(self) -> float:
        """The time of the latest change (-inf for an empty memory)."""
        return self._core.now

    def facts_about(self, name: str, t: float) -> list[FactView]:
        """Active facts about an entity, strongest first."""
        with self._lock:
            return self._core.facts_about(name, t)

    def where_is(self, name: str, t: float) -> FactView | None:
        """The current location fact of an entity, or None."""
        with self._lock:
            return self._core.where_is(name, t)

    def neighbours(self, room: str, t: float) -> dict[str, str]:
        """Rooms reachable from ``room`` by direction, from current map facts."""
        with self._lock:
            return self._core.neighbours(room, t)

    def history(self, name: str) -> list[FactView]:
        """Every fact ever stored about an entity, superseded and archived ones included."""
        with self._lock:
            return self._core.history(name)

    def snapshot(self, t: float) -> dict[str, Any]:
        """The active graph as a JSON-able ``{"t", "entities", "facts"}`` dict."""
        with self._lock:
            return self._core.snapshot(t)

    def events(self, since: int = 0) -> list[Event]:
        """Events after sequence number ``since``, oldest first."""
        with self._lock:
            return self._core.events(since)

    def stats(self) -> dict[str, int]:
        """Counts of entities, facts, active facts, episodes and events."""
        with self._lock:
            return self._core.stats()

    def close(self) -> None:
        """Close the store; the memory cannot be used afterwards."""
        with self._lock:
            if not self._closed:
                self._store.close()
                self._closed = True

    def __enter__(self) -> Memory:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
