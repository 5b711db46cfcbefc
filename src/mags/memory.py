"""`Memory`: the public facade — the pure core, a store that persists each call, an extractor."""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from mags.config import MemoryConfig
from mags.core.engine import BOUNDARY_KEEP, MemoryCore
from mags.core.errors import ExtractionError, InvalidInputError, MagsError, StoreError
from mags.core.model import Episode, Event, Fact, FactView, Negation
from mags.core.resent import turn_key, unseen_latest
from mags.core.retrieve import Recall
from mags.core.schema import RelationSchema, default_schema
from mags.core.validate import check_when
from mags.extract.base import ConflictJudge, Extraction, ExtractionContext, Extractor
from mags.search.dense import Embedder
from mags.search.episodes import EpisodeSearch
from mags.search.timeq import time_window
from mags.search.tokens import DEFAULT_ENCODING, TokenCounter
from mags.store.base import Retention, Store, StoredState
from mags.store.memory import InMemoryStore
from mags.store.sqlite import SQLiteStore

T = TypeVar("T")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
KNOWN_NAMES_FOR_EXTRACTOR = 1000
#: At most this many current facts go to the conflict judge per observation (strongest).
JUDGE_CANDIDATES = 20
#: What may fill a recall's budget.
RECALL_SOURCES = ("facts", "episodes")
#: Chat roles whose messages are turns of the conversation, and those that are not.
CHAT_ROLES = frozenset({"user", "assistant"})
SKIPPED_ROLES = frozenset({"system", "developer", "tool", "function"})


def message_text(content: Any) -> str:
    """The text of an OpenAI message's content: a string, or the text parts of a list.

    Example
    -------
    >>> message_text([{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {}}])
    'Hi'
    """
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, Mapping)]
        return "\n".join(p for p in parts if isinstance(p, str) and p)
    return ""


def iso_text(value: Any) -> Any:
    """A `datetime` or `date` as ISO 8601 text; anything else as it is (checked later)."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def parse_when(value: str | None) -> datetime | None:
    """An ISO 8601 text as a naive `datetime` (None if missing or unreadable)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


def open_store(
    path: str | Path | None, *, read_only: bool = False, retention: Retention | None = None
) -> Store:
    """The store behind a memory's ``path``: None is in memory, a ``postgresql://`` URL a
    PostgreSQL memory, anything else a SQLite file.

    Example
    -------
    >>> type(open_store(None)).__name__
    'InMemoryStore'
    """
    if path is None:
        return InMemoryStore(retention)
    if isinstance(path, str) and path.startswith(POSTGRES_SCHEMES):
        from mags.store.postgres import PostgresStore  # psycopg only when asked for

        return PostgresStore(path, read_only=read_only, retention=retention)
    return SQLiteStore(path, read_only=read_only, retention=retention)


def _is_time(t: object) -> bool:
    return isinstance(t, int | float) and not isinstance(t, bool)


def _absorb(core: MemoryCore, state: StoredState) -> None:
    core.graph.load(
        state.entities,
        state.facts,
        state.episodes,
        last_seq=state.last_seq,
        now=state.now,
        next_fact_id=state.next_fact_id,
        next_batch=state.next_batch,
    )


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
        embedder: Embedder | None = None,
        tokenizer: str = DEFAULT_ENCODING,
    ) -> None:
        self._core = core
        self._store = store
        self._extractor = extractor
        self._judge = judge
        self._read_only = read_only
        self._lock = threading.RLock()
        self._closed = False
        self._embedder = embedder
        self._count = TokenCounter(tokenizer)
        self._search = self._index(core)
        # The latest time this process's own calls gave (never behind the memory at open).
        self._own_t = core.now
        self._stale = False  # RAM holds a failed write's changes until it is read again

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
        embedder: Embedder | None = None,
        tokenizer: str = DEFAULT_ENCODING,
        retention: Retention | None = None,
    ) -> Memory:
        """Open a memory: in memory when ``path`` is None, a PostgreSQL memory for a
        ``postgresql://`` URL (`mags.store.postgres`), else the SQLite file at ``path``
        (created if missing, restored exactly if it exists). Only the active graph is read
        into RAM; history stays in the store. Several processes may open one stored memory
        for writing: their calls take turns, each on top of what the others committed.
        ``retention`` bounds the history the store keeps (default: all of it).

        ``extractor`` turns observations into facts (`observe`, `observe_turn`); without one,
        observations are kept as searchable episodes only. ``judge``, if given, decides
        conflicts the schema cannot (at most one call per observation). ``embedder`` adds
        dense episode search to the lexical one (`mags.search.dense`); ``tokenizer`` names
        the encoding recall counts its budget in (``cl100k_base`` or ``o200k_base``)."""
        core = MemoryCore(config or MemoryConfig(), schema or default_schema())
        store = open_store(path, read_only=read_only, retention=retention)
        try:
            _absorb(core, store.load())
        except BaseException:
            store.close()
            raise
        return cls(
            core,
            store,
            extractor,
            judge=judge,
            read_only=read_only and path is not None,
            embedder=embedder,
            tokenizer=tokenizer,
        )

    def _index(self, core: MemoryCore) -> EpisodeSearch:
        search = EpisodeSearch(self._embedder)
        self._latest_when: str | None = None
        self._indexed(search, core.graph.episodes.values())
        return search

    def _indexed(self, search: EpisodeSearch, episodes: Iterable[Episode]) -> None:
        """Index new episodes; remember the latest wall-clock time (relative time in
        queries resolves against it)."""
        batch = list(episodes)
        search.add(batch)
        for episode in batch:
            if episode.when is not None:
                self._latest_when = episode.when

    # ------------------------------------------------------------------ plumbing
    def _write(self, t: float, operation: Callable[[float], T], *, persist: bool = True) -> T:
        """Run a core operation at time ``t`` in a write turn and persist what it changed,
        all or nothing. The turn starts with what other writers committed since our last
        read; their clock is this memory's clock too, so a ``t`` that only they have passed
        runs at their latest time (a ``t`` behind this process's own calls is still an
        error)."""
        with self._lock:
            if self._closed:
                raise MagsError("this memory is closed; open it again with Memory.open(...)")
            if self._read_only and persist:
                raise StoreError("this memory was opened read-only; open it without read_only")
            if not persist or self._read_only:  # a reader's recall changes its RAM only
                try:
                    return operation(t)
                finally:
                    self._core.take_changes()
            if self._stale:
                self._reload()  # a failed write could not be undone then: now it is
            changed_ram = False  # validation errors and a refused turn change nothing
            try:
                with self._store.turn() as news:
                    changed_ram = True
                    self._absorb(news)
                    given = t
                    if _is_time(t) and self._own_t <= t < self._core.now:
                        t = self._core.now  # another writer's clock went past ours
                    try:
                        result = operation(t)
                    except MagsError:
                        self._core.take_changes()  # validation failed before any change
                        changed_ram = False
                        raise
                    changes = self._core.take_changes()
                    self._store.write(changes)
            except BaseException:
                if changed_ram:
                    self._stale = True
                    with contextlib.suppress(MagsError):  # the store may be down: next time
                        self._reload()  # back to what the store holds
                raise
            self._indexed(self._search, changes.episodes)
            self._own_t = max(self._own_t, given)
            return result

    def _absorb(self, news: StoredState) -> None:
        """Apply what other writers committed (a no-op when nothing was)."""
        if news:
            _absorb(self._core, news)
            self._indexed(self._search, news.episodes)

    def _reload(self) -> None:
        """Read the active graph again from the store (after a failed write)."""
        if isinstance(self._store, InMemoryStore):
            return  # nothing to go back to: the in-memory graph is the only copy
        fresh = MemoryCore(self._core.config, self._core.schema)
        _absorb(fresh, self._store.load())
        self._core = fresh
        self._search.close()
        self._search = self._index(fresh)
        self._own_t = min(self._own_t, fresh.now)
        self._stale = False

    def refresh(self) -> None:
        """Read what writers committed since the last read (incremental: only the rows
        they wrote). A writer catches up by itself at each write; a reader calls this."""
        with self._lock:
            if self._stale:
                self._reload()
            else:
                self._absorb(self._store.catch_up())

    # -------------------------------------------------------------------- writes
    def add(
        self, facts: Iterable[Fact | tuple[Any, ...]], t: float, source: str | None = None
    ) -> list[int]:
        """Add facts as evidence at time ``t``; returns their ids (new or reinforced).

        Facts are `Fact` objects or ``(subject, relation, object[, qualifiers])`` tuples. A fact
        that contradicts a current one under the schema supersedes it.
        """
        return self._write(t, lambda t: self._core.add(facts, t, source))

    def observe(
        self,
        text: str | bytes,
        t: float,
        source: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        speaker: str | None = None,
        when: datetime | date | str | None = None,
        role: str | None = None,
        extract: bool = True,
    ) -> Episode:
        """Store an observation as an episode and add the facts the extractor finds in it.

        ``extra`` is handed to the extractor beside the text (e.g. a game's admissible
        commands); only the text is stored. ``speaker``, ``when`` (wall-clock time, recorded
        as data; ``t`` alone drives dynamics) and ``role`` describe a chat turn (see
        `observe_turn`).

        With a conflict judge, the current facts it finds contradicted (among those the
        schema cannot decide) are closed in the same write.

        ``extract=False`` stores the episode only; `extract_episode` reads it later (off a
        request path, say). An observation is never lost. Without an extractor it is kept
        as an episode with no facts (searchable by `recall`). If extraction or the judge
        fails, the episode is still kept (with no facts) and `ExtractionError` says why; the
        graph is unchanged.
        """
        with self._lock:
            clean_text, t, iso_when = self._core.check_observation(
                text, t, source, speaker, iso_text(when)
            )
            if self._extractor is None or not extract:
                return self._write(
                    t,
                    lambda t: self._core.record_failed_episode(
                        clean_text, t, source, None, speaker, iso_when
                    ),
                )
            context = ExtractionContext(
                t, source, self._known_names(), dict(extra or {}), speaker, iso_when, role
            )
            try:
                extraction = self._extractor.extract(clean_text, context)
                if not isinstance(extraction, Extraction):
                    raise ExtractionError(
                        f"extractor returned {type(extraction).__name__}, expected Extraction"
                    )
                judged = self._judged(clean_text, extraction)
                return self._write(
                    t,
                    lambda t: self._core.observe(
                        clean_text,
                        t,
                        source,
                        extraction.facts,
                        extraction.negations,
                        judged,
                        speaker,
                        iso_when,
                        extraction.corrections,
                        extraction.forget,
                    ),
                )
            except (StoreError, MemoryError, KeyboardInterrupt):
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                episode = self._write(
                    t,
                    lambda t: self._core.record_failed_episode(
                        clean_text, t, source, error, speaker, iso_when
                    ),
                )
                raise ExtractionError(
                    f"extraction failed for the observation at t={t}: {exc}. "
                    f"The text is kept as episode {episode.id}; the graph is unchanged."
                ) from exc

    def observe_turn(
        self,
        text: str | bytes,
        t: float,
        speaker: str,
        *,
        role: str | None = None,
        when: datetime | date | str | None = None,
        source: str | None = None,
        extract: bool = True,
    ) -> Episode:
        """Store one chat turn: ``speaker`` said ``text`` at turn ``t``.

        The turn is an episode with its speaker, its ``source`` id (e.g. LoCoMo's ``D3:7``)
        and its wall-clock time ``when``; the extractor, if any, gets all three, so that
        what a speaker asserts in the first person becomes facts about that speaker. An
        ``role="assistant"`` turn is never evidence about the user. Without an extractor,
        or when it fails, the turn is still kept and searchable (see `observe`).

        Example
        -------
        >>> m = Memory.open()
        >>> m.observe_turn("I moved to Berlin last month.", t=1, speaker="Caroline",
        ...                when="2023-05-08T13:56:00", source="D1:1").speaker
        'Caroline'
        >>> print(m.recall("Where did Caroline move?", t=2).text)
        Observations:
        [8 May 2023]
        - Caroline: I moved to Berlin last month.
        """
        return self.observe(text, t, source, speaker=speaker, when=when, role=role, extract=extract)

    def extract_episode(self, episode_id: int, *, role: str | None = None) -> list[int]:
        """Run the extractor on a stored episode (one kept with ``extract=False``) and add
        what it finds, linked to that episode, at the memory's current time; returns the
        fact ids. ``role`` is the turn's chat role (``assistant`` turns assert nothing
        about the user).

        Example
        -------
        >>> from mags.core.schema import chat_schema
        >>> from mags.extract.chat_rules import ChatRuleExtractor
        >>> m = Memory.open(schema=chat_schema(), extractor=ChatRuleExtractor())
        >>> turn = m.observe_turn("I work as a nurse.", t=1, speaker="ana", extract=False)
        >>> m.facts_about("ana", t=1)
        []
        >>> ids = m.extract_episode(turn.id, role="user")
        >>> [(f.relation, f.object) for f in m.facts_about("ana", t=1)]
        [('works_as', 'nurse')]
        """
        with self._lock:  # read under the lock; the extractor (an LLM, maybe) runs outside it
            if self._extractor is None:
                raise InvalidInputError("this memory has no extractor; open it with extractor=")
            episode = self._core.graph.episodes.get(episode_id)
            if episode is None:
                raise InvalidInputError(f"no episode with id {episode_id!r}")
            context = ExtractionContext(
                max(episode.t, self._core.now),
                episode.source,
                self._known_names(),
                {},
                episode.speaker,
                episode.when,
                role,
            )
        try:
            extraction = self._extractor.extract(episode.text, context)
        except Exception as exc:
            raise ExtractionError(
                f"extraction failed for episode {episode_id}: {exc}. The episode is kept; "
                "the graph is unchanged."
            ) from exc
        return self._write(  # at the time of the write: other turns may have come meanwhile
            episode.t,
            lambda t: self._core.extract_into(
                episode_id,
                extraction.facts,
                extraction.negations,
                max(t, self.now),
                extraction.corrections,
                extraction.forget,
            ),
        )

    def observe_messages(
        self,
        messages: Iterable[Mapping[str, Any]],
        t: float,
        *,
        when: datetime | date | str | None = None,
        source: str | None = None,
    ) -> list[Episode]:
        """Store chat messages in the OpenAI format (``{"role", "content", "name"?}``), all
        at turn ``t``, in order; returns the episodes stored.

        The speaker is the message's ``name``, else its role (``user``, ``assistant``).
        System and tool messages are instructions, not conversation: they are skipped, as
        are messages with no text. Content given as a list of parts keeps its text parts.
        A history sent again (what every OpenAI app does) is stored once: messages the
        memory already holds, in order, among its latest turns of the same ``source``
        are skipped (`mags.core.resent`). Every message is stored even if extraction fails
        for some; then `ExtractionError` is raised at the end, naming them.

        Example
        -------
        >>> m = Memory.open()
        >>> history = [{"role": "user", "content": "I moved to Lisbon."}]
        >>> len(m.observe_messages(history, t=0))
        1
        >>> history += [{"role": "assistant", "content": "Nice!"}]
        >>> [e.text for e in m.observe_messages(history, t=1)]
        ['Nice!']
        """
        chosen: list[tuple[int, str, str, str]] = []
        for i, message in enumerate(messages):
            if not isinstance(message, Mapping):
                raise InvalidInputError(
                    f"message #{i} must be a dict with 'role' and 'content', got {message!r:.100}"
                )
            role = message.get("role")
            if role not in CHAT_ROLES:
                if role in SKIPPED_ROLES:
                    continue
                raise InvalidInputError(
                    f"message #{i} has role {role!r}; expected one of "
                    f"{sorted(CHAT_ROLES | SKIPPED_ROLES)}"
                )
            text = message_text(message.get("content"))
            if not text.strip():
                continue
            chosen.append((i, str(message.get("name") or role), str(role), text))
        episodes: list[Episode] = []
        failed: list[str] = []
        for index in unseen_latest(
            len(chosen),
            lambda begin: [turn_key(speaker, text) for _, speaker, _, text in chosen[begin:]],
            lambda count: [
                turn_key(e.speaker or "", e.text) for e in self.latest_episodes(count, source)
            ],
        ):
            i, speaker, role, text = chosen[index]
            if self.was_forgotten(source, speaker, text):
                continue  # asked to be forgotten: a resent history does not bring it back
            try:
                episodes.append(
                    self.observe_turn(text, t, speaker, role=role, when=when, source=source)
                )
            except ExtractionError as exc:
                failed.append(f"message #{i}: {exc}")
        if failed:
            raise ExtractionError("; ".join(failed))
        return episodes

    def latest_episodes(self, count: int, *sources: str | None) -> list[Episode]:
        """The latest ``count`` episodes of the given ``sources`` (every source when none is
        given), oldest first; forgotten ones are not among them."""
        found: list[Episode] = []
        if count <= 0:
            return found
        with self._lock:
            for episode in reversed(self._core.graph.episodes.values()):
                if not sources or episode.source in sources:
                    found.append(episode)
                    if len(found) >= count:
                        break
        return found[::-1]

    def was_forgotten(self, source: str | None, speaker: str, text: str) -> bool:
        """Whether a turn with this source, speaker and text was asked to be forgotten."""
        with self._lock:
            return (source, *turn_key(speaker, text)) in self._core.graph.forgotten_turns

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
        return self._write(t, lambda t: self._core.negate([negation], t))

    def use(self, used: Recall | Iterable[int], t: float) -> list[int]:
        """Reinforce facts that were recalled into a prompt that led to an action."""
        ids = [f.id for f in used.facts] if isinstance(used, Recall) else list(used)
        return self._write(t, lambda t: self._core.use(ids, t))

    def forget(self, fact_id: int, t: float) -> None:
        """Close an active fact on request: gone from the active graph and from recall;
        `history` still shows it, as it shows every closed fact."""
        self._write(t, lambda t: self._core.forget(fact_id, t))

    def set_strength(self, fact_id: int, strength: float, t: float) -> None:
        """Set an active fact's strength by hand (e.g. from the web demo's graph editor)."""
        self._write(t, lambda t: self._core.set_strength(fact_id, strength, t))

    def merge(self, keep: str, other: str, t: float) -> int:
        """Merge entity ``other`` into ``keep`` (facts re-pointed, names kept as aliases)."""
        return self._write(t, lambda t: self._core.merge(keep, other, t))

    def split(
        self, name: str, fact_ids: Iterable[int], t: float, new_name: str | None = None
    ) -> int:
        """Move some facts of an entity onto a new entity; returns its id."""
        return self._write(t, lambda t: self._core.split(name, fact_ids, t, new_name))

    def abstract(self, t: float, min_support: int = 3) -> list[int]:
        """Episodic -> semantic: a pattern shared by ``min_support`` or more instances of a
        category (``x is_a knife``, ``x has blade``) becomes a general fact
        (``knife has blade``, qualifier ``general=True``); returns the general facts' ids."""
        return self._write(t, lambda t: self._core.abstract(t, min_support))

    def recall(
        self,
        query: str,
        t: float,
        budget_tokens: int | None = None,
        *,
        sources: Iterable[str] = RECALL_SOURCES,
        now: datetime | date | str | None = None,
        exclude_episodes: Iterable[int] = (),
        about: Iterable[str] = (),
        present: int = 0,
    ) -> Recall:
        """The facts and episodes most relevant to ``query``, packed into ``budget_tokens``
        (default: the config's ``budget_tokens``), counted with the memory's tokenizer.
        No LLM is called.

        ``sources`` picks what may fill the budget: ``"facts"`` (spreading from the query's
        entities, with the episodes behind the chosen facts), ``"episodes"`` (lexical and,
        with an embedder, dense search over every episode). A time expression in the query
        ("last week", "in May 2023") boosts what is dated inside it; relative ones resolve
        against ``now`` (default: the latest dated episode). ``Recall.via`` says which
        channel found each episode. Episodes in ``exclude_episodes`` (turns the prompt
        already holds) are never packed. Names in ``about`` (the user a personal memory
        serves) seed the facts as if the query named them, without entering the search.
        ``present=N`` is the mode for an agent acting step by step: the facts the last N
        observations stated go first, then the rest by relevance
        (``memory.recall(goal + observation, t, 200, present=2)``).
        """
        chosen = set(sources)
        excluded = tuple(exclude_episodes)
        if not chosen or chosen - set(RECALL_SOURCES):
            raise InvalidInputError(
                f"sources must be a non-empty subset of {RECALL_SOURCES}, got {sorted(chosen)}"
            )
        with self._lock:
            reference = check_when(iso_text(now)) or self._latest_when
            window = time_window(query, parse_when(reference)) if isinstance(query, str) else None
            # The time phrase picks dates, not words: "last week" must not match "this week".
            words = query.replace(window.phrase, " ") if window is not None else query
            hits = (
                self._search.search(words, dense_scale=self._core.config.dense_scale)
                if "episodes" in chosen and words.strip()
                else []
            )
            return self._write(
                t,
                lambda t: self._core.recall(
                    query,
                    t,
                    budget_tokens,
                    hits=hits,
                    window=window,
                    use_facts="facts" in chosen,
                    count=self._count,
                    exclude=excluded,
                    about=tuple(about),
                    present=present,
                ),
                persist=not self._read_only,
            )

    def episodes(self, since: int = 0) -> list[Episode]:
        """Episodes with id greater than ``since``, oldest first."""
        with self._lock:
            graph = self._core.graph
            if since <= 0:
                return list(graph.episodes.values())
            # Ids only grow: read from ``since`` on instead of scanning every episode (the
            # proxy asks for the last few on every request).
            found = (graph.episodes.get(i) for i in range(since + 1, graph.next_episode_id))
            return [e for e in found if e is not None]

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
    def schema(self) -> RelationSchema:
        """The relations this memory accepts."""
        return self._core.schema

    @property
    def now(self) -> float:
        """The time of the latest change; 0.0 for an empty memory, so that counting on from
        it (``t=memory.now + 1``) always works.

        Example
        -------
        >>> m = Memory.open()
        >>> m.now, m.add([("apple", "in", "fridge")], t=m.now + 1), m.now
        (0.0, [1], 1.0)
        """
        now = self._core.now
        return 0.0 if now == -math.inf else now

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
        """Every fact stored about an entity (and the entities merged into it), superseded
        and archived ones included, read from the store."""
        with self._lock:
            return self._core.history_views(self._store.history(self._core.lineage(name)))

    def all_facts(self) -> list[FactView]:
        """Every fact stored, current and closed, oldest first (for an export)."""
        with self._lock:
            t = max(self._core.now, 0.0)
            return [self._core.view(f, t) for f in self._store.facts()]

    def snapshot(self, t: float) -> dict[str, Any]:
        """The active graph as a JSON-able ``{"t", "entities", "facts"}`` dict."""
        with self._lock:
            return self._core.snapshot(t)

    def events(self, since: int = 0) -> list[Event]:
        """Events after sequence number ``since``, oldest first (read from the store;
        retention may have dropped the oldest)."""
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise InvalidInputError(f"since must be a non-negative integer, got {since!r}")
        with self._lock:
            return self._store.events(since)

    def boundary(
        self, t: float, relations: Sequence[str] | None = None, keep: float = BOUNDARY_KEEP
    ) -> list[int]:
        """Say that a context ended at ``t`` (a new game, task or session): what may have
        changed behind it (``relations``, default every relation that can change) keeps
        ``keep`` of its strength, so the first reading after it decides. Returns the ids of
        the facts weakened.

        Example
        -------
        >>> m = Memory.open()
        >>> _ = m.add([("apple", "in", "fridge"), ("kitchen", "north_of", "hall")], t=0)
        >>> len(m.boundary(t=1))   # the apple may have moved; the map did not
        1
        """
        return self._write(t, lambda t: self._core.boundary(t, relations, keep))

    def sources(self) -> dict[str, dict[str, float | int]]:
        """Each source and relation class that certain outcomes have confirmed or refuted,
        with the reliability a reading stated at confidence 0.9 now gets from it (with
        ``MemoryConfig(belief=1)``; learned in this process, not stored).

        Example
        -------
        >>> from mags import Fact, Negation
        >>> m = Memory.open(config=MemoryConfig(belief=1))
        >>> _ = m.observe("You see an apple in the fridge.", t=0, source="eyes")
        >>> m.sources()
        {}
        """
        with self._lock:
            return self._core.sources()

    def stats(self) -> dict[str, int]:
        """Counts of entities, facts, active facts, episodes and events."""
        with self._lock:
            counts = self._core.stats()
            stored = self._store.counts()
            return {
                "entities": counts["entities"],
                "active_entities": counts["active_entities"],
                "facts": stored["facts"],
                "active_facts": counts["active_facts"],
                "episodes": counts["episodes"],
                "events": stored["events"],
            }

    def close(self) -> None:
        """Close the store; the memory cannot be used afterwards."""
        with self._lock:
            if not self._closed:
                self._store.close()
                self._search.close()
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
