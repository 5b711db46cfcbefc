"""Browser sessions: each one its own game, agent and memory, none shared.

A `Session` owns one game (`mags.worlds.open_game`), one memory (a SQLite file in the
session's own temporary folder for the liquid variants) and one policy, driven by an
`AgentStepper`. Every operation on a session runs on the session's own worker thread:
that thread is the session's lock (one operation at a time, in order), keeps slow work
(TextWorld, generating a missing game) off the event loop, and keeps the memory's SQLite
connection on the thread that opened it. Sessions never wait on each other.

The `SessionRegistry` creates, finds and closes sessions: at most ``max_sessions`` at once
(`SessionLimitError` past that), and a session left alone for ``idle_s`` seconds is closed.

Example
-------
>>> registry = SessionRegistry(WorldCache("/tmp/mags-doc-worlds"), max_sessions=1)
>>> registry.get("nope")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mags.core.errors.NotFoundError: no session nope: it was closed, expired after 30 idle minutes...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mags.agents.memories import AgentMemory, LiquidMemory, make_memory, variant_config
from mags.agents.play import DEFAULT_MAX_STEPS
from mags.agents.policies import make_policy
from mags.agents.stepper import AgentStepper, GameOverError, StepRecord
from mags.config import MemoryConfig
from mags.core.belief import relation_class
from mags.core.errors import InvalidInputError, MagsError, NotFoundError, UnknownRelationError
from mags.core.retrieve import estimate_tokens
from mags.web.snapshots import BeliefGraph, events_of, fact_of, liquid_graph, step_stats
from mags.web.views import (
    ConfigValues,
    Fact,
    FactAdded,
    FactDetail,
    Graph,
    RecallResult,
    SessionState,
    SessionStatus,
    StepSummary,
    StepView,
    TimelineRow,
)
from mags.worlds.cache import WorldCache
from mags.worlds.env import Evaluator, GameEnv, open_game

if TYPE_CHECKING:
    from mags.llm.client import LLMClient

T = TypeVar("T")
DEFAULT_MAX_SESSIONS = 32
DEFAULT_IDLE_S = 30 * 60.0
STREAM_QUEUE = 1000
"""Messages a stream may fall behind by; a reader slower than that misses steps."""


class SessionLimitError(MagsError):
    """The server already holds as many sessions as it may."""


class ConflictError(MagsError):
    """The request does not fit the session's state (e.g. editing a memory with no graph)."""


@dataclass(frozen=True)
class SessionSpec:
    """What a session plays: a game (track name or game file) and the agent's parts."""

    track: str
    seed: int | None
    policy: str = "planner"
    memory: str = "liquid"
    config: MemoryConfig = field(default_factory=MemoryConfig)
    max_steps: int | None = None
    game: str | Path | None = None
    """The game to open: the track name (default) or the path of an uploaded game file."""


class Session:
    """One browser session: a game, an agent, a memory, and the steps played so far.

    Call the public methods through `call` (from the event loop): they run on the session's
    thread. ``llm`` serves the llm policy and the summary memory.
    """

    def __init__(
        self,
        session_id: str,
        spec: SessionSpec,
        *,
        cache: WorldCache,
        llm: LLMClient | None = None,
        default_config: MemoryConfig | None = None,
    ) -> None:
        self.id = session_id
        self.spec = spec
        self.cache = cache
        self.llm = llm
        self.default_config = default_config or MemoryConfig()
        self.config = spec.config
        self.folder = Path(tempfile.mkdtemp(prefix=f"mags-web-{session_id}-"))
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"mags-session-{session_id}")
        self.last_used = time.monotonic()
        self.closed = False
        # Run loop and stream subscribers: touched only on the event loop.
        self.running = False
        self.speed = 2.0
        self.run_task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()
        self.subscribers: set[asyncio.Queue[str | None]] = set()
        # Game and agent: touched only on the session's thread.
        self.env: GameEnv | None = None
        self.evaluator: Evaluator | None = None
        self.generation = 0
        self.memory: AgentMemory
        self.stepper: AgentStepper
        self.beliefs = BeliefGraph()
        self.kinds: dict[str, str] = {}
        """Kinds of every entity drawn so far (archived ones keep theirs)."""
        self.episode_steps: dict[int, int] = {}
        """The step of each memory episode (each step is one observation)."""
        self.subjects: dict[int, str] = {}
        """The subject of every fact drawn so far, by id (to find its history)."""
        self.steps: list[StepSummary] = []
        self.graphs: list[Graph] = []

    # ------------------------------------------------------------------ plumbing
    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on this session's thread and wait for it."""
        self.touch()
        if self.closed:
            raise NotFoundError(f"session {self.id} is closed; create a new one")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, function, *args)
        finally:
            self.touch()

    def touch(self) -> None:
        """Mark the session as in use (it expires after a while without)."""
        self.last_used = time.monotonic()

    @property
    def liquid(self) -> LiquidMemory | None:
        """The memory when it is a liquid variant (it has a graph to draw and edit)."""
        return self.memory if isinstance(self.memory, LiquidMemory) else None

    # ------------------------------------------------------- on the session thread
    def open(self) -> SessionState:
        """Open the game (generating it first if the cache lacks it) and take step 0."""
        game: str | Path = self.spec.track
        if self.spec.game is not None:  # an uploaded game, in this session's folder
            game = self.folder / Path(self.spec.game).name
        self.env, self.evaluator = open_game(game, self.spec.seed, cache=self.cache)
        return self.restart()

    def restart(self) -> SessionState:
        """The same game from the start, with a fresh memory and policy (current config)."""
        if self.env is None or self.evaluator is None:
            raise MagsError("the session's game is not open")
        self._close_memory()
        self.generation += 1
        summarizer = None
        model = None
        if self.llm is not None:
            from mags.llm.agents import LLMChatModel, LLMSummarizer

            summarizer = LLMSummarizer(self.llm) if self.spec.memory == "summary" else None
            model = LLMChatModel(self.llm) if self.spec.policy == "llm" else None
        self.memory = make_memory(
            self.spec.memory,
            self.config,
            summarizer=summarizer,
            path=self.folder / f"memory-{self.generation}.db",
        )
        self.beliefs = BeliefGraph()
        self.kinds = {}
        self.episode_steps = {}
        self.subjects = {}
        policy = make_policy(self.spec.policy, self.spec.seed, model)
        budget = self.spec.max_steps or self.evaluator.step_budget or DEFAULT_MAX_STEPS
        self.stepper = AgentStepper(self.env, self.memory, policy, budget=budget)
        self.steps = []
        self.graphs = []
        self._record(self.stepper.start())
        return self.state()

    def advance(self, n: int) -> list[StepView]:
        """Play up to ``n`` steps (fewer if the game ends); `GameOverError` if it has."""
        if self.stepper.finished:
            raise GameOverError("the game is over; reset it (POST .../reset) to play again")
        views = []
        for _ in range(n):
            views.append(self._record(self.stepper.step()))
            if self.stepper.finished:
                break
        return views

    def _record(self, record: StepRecord) -> StepView:
        graph = self._graph(record.step)
        events = events_of(record.events)
        for e in events:
            if e.kind == "observe" and "episode" in e.data:
                self.episode_steps[int(e.data["episode"])] = record.step
        obs = record.observation
        view = StepView(
            step=record.step,
            command=obs.command,
            observation=obs.text,
            action=record.decision.command if record.decision else None,
            score=obs.score,
            max_score=obs.max_score,
            done=record.done,
            won=obs.won,
            lost=obs.lost,
            events=events,
            stats=step_stats(events, graph),
            memory_ms=round(record.memory_ms, 3),
            policy_ms=round(record.policy_ms, 3),
            graph=graph,
        )
        self.steps.append(StepSummary(**{k: v for k, v in view if k != "graph"}))
        self.graphs.append(graph)
        return view

    def _graph(self, step: int) -> Graph:
        liquid = self.liquid
        if liquid is None:
            return self.beliefs.at(self.memory.beliefs(step), step)
        graph = liquid_graph(liquid.memory, step)
        self.kinds.update((n.id, n.kind) for n in graph.nodes)
        self.subjects.update((e.id, e.subject) for e in graph.edges)
        return graph

    def state(self) -> SessionState:
        """The whole session: settings, transcript and the current graph."""
        last = self.steps[-1]
        return SessionState(
            id=self.id,
            track=self.track_name,
            seed=self.evaluator.seed if self.evaluator else self.spec.seed,
            policy=self.spec.policy,
            memory=self.spec.memory,
            config=self.config_values(),
            step=last.step,
            running=self.running,
            speed=self.speed,
            done=last.done,
            won=last.won,
            score=last.score,
            max_score=last.max_score,
            objective=self.stepper.last.observation.objective if self.stepper.last else "",
            steps=list(self.steps),
            graph=self.graphs[-1],
            editable=self.liquid is not None,
        )

    @property
    def track_name(self) -> str:
        found = self.evaluator.track if self.evaluator else None
        return found or self.spec.track

    def status(self) -> SessionStatus:
        """Where the session stands (the stream's ``state`` message)."""
        last = self.steps[-1]
        return SessionStatus(
            id=self.id,
            step=last.step,
            running=self.running,
            speed=self.speed,
            done=last.done,
            won=last.won,
            score=last.score,
            max_score=last.max_score,
        )

    def graph_at(self, step: int | None) -> Graph:
        """The graph after ``step`` (default: the latest)."""
        if step is None:
            return self.graphs[-1]
        if not 0 <= step < len(self.graphs):
            raise NotFoundError(
                f"step {step} has not been played in this session; steps 0 to "
                f"{len(self.graphs) - 1} have"
            )
        return self.graphs[step]

    def timeline(self) -> list[TimelineRow]:
        """Counts per step: active facts, reconciliations, archivings, merges, score."""
        return [TimelineRow(step=s.step, score=s.score, **s.stats.model_dump()) for s in self.steps]

    # ------------------------------------------------------------------ config
    def config_values(self) -> ConfigValues:
        """The hyperparameters in force (with the memory variant's own overrides)."""
        values: ConfigValues = variant_config(self.spec.memory, self.config).to_dict()
        return values

    def configure(self, changes: ConfigValues) -> ConfigValues:
        """Change some hyperparameters; they apply from the next step."""
        config = merge_config(self.config, changes)
        self.config = config
        liquid = self.liquid
        if liquid is not None:
            liquid.memory.configure(variant_config(self.spec.memory, config))
        return self.config_values()

    def reset_config(self) -> ConfigValues:
        """Back to the server's default hyperparameters."""
        self.config = self.default_config
        liquid = self.liquid
        if liquid is not None:
            liquid.memory.configure(variant_config(self.spec.memory, self.config))
        return self.config_values()

    # ------------------------------------------------------------ graph editing
    def _editable(self) -> LiquidMemory:
        liquid = self.liquid
        if liquid is None:
            raise ConflictError(
                f"the {self.spec.memory} memory has no graph to edit; start a session with a "
                "liquid memory (liquid, no-decay, no-use, no-contest, belief, no-reconcile, "
                "capacity) to edit facts"
            )
        return liquid

    @property
    def now(self) -> int:
        """The current step: edits and recalls happen at this logical time."""
        return self.steps[-1].step

    def _after_edit(self) -> Graph:
        """Redraw the current step after an edit; its events join the step's."""
        liquid = self._editable()
        graph = self._graph(self.now)
        summary = self.steps[-1]
        events = summary.events + events_of(liquid.new_events())
        self.steps[-1] = summary.model_copy(
            update={"events": events, "stats": step_stats(events, graph)}
        )
        self.graphs[-1] = graph
        return graph

    def add_fact(self, subject: str, relation: str, object: str) -> FactAdded:
        """Add a fact by hand (as evidence now); returns it and the graph after it."""
        liquid = self._editable()
        try:
            [fact_id] = liquid.memory.add([(subject, relation, object)], t=self.now, source="web")
        except UnknownRelationError:
            # The core's advice (a RelationSchema in Python) means nothing on the page.
            known = ", ".join(sorted(liquid.memory.schema.relations))
            raise InvalidInputError(
                f"unknown relation {relation!r}: pick one from the relation field's list ({known})"
            ) from None
        graph = self._after_edit()
        fact = next((e for e in graph.edges if e.id == fact_id), None)
        if fact is None:  # archived at once (e.g. a capacity of fewer facts than it holds)
            fact = fact_of(
                next(f for f in liquid.memory.history(subject) if f.id == fact_id), self.kinds
            )
        return FactAdded(fact=fact, graph=graph)

    def set_strength(self, fact_id: int, strength: float) -> Graph:
        """Set an active fact's strength by hand."""
        liquid = self._editable()
        self._active(fact_id)
        liquid.memory.set_strength(fact_id, strength, t=self.now)
        return self._after_edit()

    def delete_fact(self, fact_id: int) -> Graph:
        """Negative evidence for exactly this fact: it is closed now, kept in history."""
        liquid = self._editable()
        fact = self._active(fact_id)
        liquid.memory.negate(fact.relation, subject=fact.subject, object=fact.object, t=self.now)
        return self._after_edit()

    def _active(self, fact_id: int) -> Fact:
        for edge in self._graph(self.now).edges:
            if edge.id == fact_id:
                return edge
        raise NotFoundError(
            f"fact {fact_id} is not in the current graph (it may have been superseded or "
            "archived); only active facts can be edited"
        )

    def fact_detail(self, fact_id: int) -> FactDetail:
        """A fact as it stands now, its subject's other facts of the same relation, and the
        text of the step it was last evidenced in."""
        liquid = self.liquid
        if liquid is None:
            return self._belief_detail(fact_id)
        subject = self.subjects.get(fact_id)
        if subject is None:
            raise NotFoundError(f"no fact {fact_id} has been in this session's graph")
        about = liquid.memory.history(subject)
        fact = next((f for f in about if f.id == fact_id), None)
        if fact is None:  # re-pointed onto another entity by a merge since it was drawn
            raise NotFoundError(f"fact {fact_id} is no longer about {subject!r}")
        history = [f for f in about if f.relation == fact.relation]
        episode_step = self.episode_steps.get(fact.episode) if fact.episode is not None else None
        memory = liquid.memory
        spec = memory.schema.relations.get(fact.relation)
        cls = f"/{relation_class(spec)}" if spec is not None else None
        return FactDetail(
            fact=fact_of(fact, self.kinds),
            history=[fact_of(f, self.kinds) for f in history if f.id != fact_id],
            episode_text=self.steps[episode_step].observation if episode_step is not None else None,
            belief=bool(memory.config.belief),
            hazard=spec.hazard if spec is not None else None,
            reliability={
                name.removesuffix(cls): float(row["reliability"])
                for name, row in memory.sources().items()
                if cls is not None and name.endswith(cls)
            },
        )

    def _belief_detail(self, fact_id: int) -> FactDetail:
        for graph in reversed(self.graphs):
            for edge in graph.edges:
                if edge.id == fact_id:
                    first = int(edge.valid_from)
                    return FactDetail(
                        fact=edge, history=[], episode_text=self.steps[first].observation
                    )
        raise NotFoundError(f"no fact {fact_id} has been in this session's graph")

    def recall(self, query: str, budget_tokens: int | None) -> RecallResult:
        """What the memory would put into a prompt about ``query`` now."""
        liquid = self.liquid
        if liquid is None:
            text = self.memory.context(query, self.now, budget_tokens or self.config.budget_tokens)
            return RecallResult(text=text, tokens=estimate_tokens(text) if text else 0, facts=[])
        found = liquid.memory.recall(query, t=self.now, budget_tokens=budget_tokens)
        self._after_edit()  # the recall event joins the current step
        return RecallResult(
            text=found.text,
            tokens=found.tokens,
            facts=[fact_of(f, self.kinds) for f in found.facts],
            empty_because=None if found.text else self._why_empty(found.seeds),
        )

    def _why_empty(self, seeds: tuple[str, ...]) -> str:
        """Why a recall packed nothing: no entity named, none with a current fact, or a
        budget too small for a single fact line."""
        liquid = self._editable()
        if not seeds:
            return "the memory knows no entity that the question names"
        if any(liquid.memory.facts_about(name, t=self.now) for name in seeds):
            return (
                f"the question names {', '.join(seeds)}, but not one fact line fits in the "
                "budget: raise the budget"
            )
        return f"the memory holds no current fact about {', '.join(seeds)}"

    # ------------------------------------------------------------------ closing
    def _close_memory(self) -> None:
        memory = getattr(self, "memory", None)
        if memory is not None:
            memory.close()
            for stale in self.folder.glob(f"memory-{self.generation}.db*"):
                stale.unlink(missing_ok=True)

    def shutdown(self) -> None:
        """Close the memory and the game and delete the session's folder."""
        with contextlib.suppress(Exception):
            self._close_memory()
        if self.env is not None:
            with contextlib.suppress(Exception):
                self.env.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    async def close(self) -> None:
        """Stop the run loop, end the streams, release everything."""
        if self.closed:
            return
        await self.pause()
        self.closed = True
        for queue in list(self.subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self.shutdown)
        self.executor.shutdown(wait=False)

    # --------------------------------------------------- run loop (event loop side)
    def subscribe(self) -> asyncio.Queue[str | None]:
        """A queue of stream messages (server-sent event text; None: the session closed)."""
        queue: asyncio.Queue[str | None] = asyncio.Queue(STREAM_QUEUE)
        self.subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str | None]) -> None:
        self.subscribers.discard(queue)

    def publish(self, event: str, data: str) -> None:
        """Send one server-sent event to every open stream."""
        message = f"event: {event}\ndata: {data}\n\n"
        for queue in list(self.subscribers):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled reader misses it
                queue.put_nowait(message)

    def publish_state(self) -> None:
        self.publish("state", self.status().model_dump_json())

    async def run(self, speed: float) -> None:
        """Play continuously at ``speed`` steps per second; each step goes to the streams."""
        if self.steps[-1].done:
            raise GameOverError("the game is over; reset it (POST .../reset) to play again")
        self.speed = speed
        self.wake.set()  # a new speed applies at once
        if self.run_task is None or self.run_task.done():
            self.running = True
            self.run_task = asyncio.create_task(self._loop())
        self.publish_state()

    async def pause(self) -> None:
        """Stop the run loop after the step in progress."""
        task = self.run_task
        self.running = False
        self.wake.set()
        if task is not None:
            with contextlib.suppress(Exception):
                await task
            self.run_task = None

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.running and not self.closed:
                started = loop.time()
                views = await self.call(self.advance, 1)
                for view in views:
                    self.publish("step", view.model_dump_json())
                if not views or views[-1].done:
                    break
                self.wake.clear()
                delay = 1.0 / self.speed - (loop.time() - started)
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), delay)
        except Exception as error:  # the stream says why the run stopped
            self.publish("error", _json_detail(str(error)))
        finally:
            self.running = False
            if not self.closed:
                self.publish_state()


def _json_detail(text: str) -> str:
    return json.dumps({"detail": text})


def merge_config(config: MemoryConfig, changes: ConfigValues) -> MemoryConfig:
    """``config`` with some values changed; `InvalidInputError` names a bad key or range.

    Example
    -------
    >>> merge_config(MemoryConfig(), {"eta": 0.7}).eta
    0.7
    >>> merge_config(MemoryConfig(), {"eta": 7})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.core.errors.InvalidInputError: MemoryConfig.eta = 7 is out of range [0.05, 1.0]...
    """
    return MemoryConfig.from_dict({**config.to_dict(), **changes})


class SessionRegistry:
    """The sessions of one server: created on demand, capped, closed when idle.

    Parameters
    ----------
    cache : where games are found (and generated into when missing).
    config : the default hyperparameters of new sessions.
    max_sessions : sessions open at once; one more is refused with `SessionLimitError`.
    idle_s : a session with no request (and no open stream) for this long is closed.
    llm : the client for the llm policy and the summary memory (None: not configured).
    """

    def __init__(
        self,
        cache: WorldCache,
        config: MemoryConfig | None = None,
        *,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        idle_s: float = DEFAULT_IDLE_S,
        llm: LLMClient | None = None,
    ) -> None:
        if max_sessions < 1:
            raise InvalidInputError(f"max_sessions must be at least 1, got {max_sessions}")
        if not idle_s > 0:
            raise InvalidInputError(f"idle_s must be a positive number of seconds, got {idle_s}")
        self.cache = cache
        self.config = config or MemoryConfig()
        self.max_sessions = max_sessions
        self.idle_s = idle_s
        self.llm = llm
        self.sessions: dict[str, Session] = {}
        self.opening = 0

    async def create(
        self, spec: SessionSpec, files: Mapping[str, bytes] | None = None
    ) -> tuple[Session, SessionState]:
        """Open a session (this waits while a missing game is generated).

        ``files`` (name -> content) are written into the session's folder first: an uploaded
        game, played when ``spec.game`` names one of them.
        """
        if len(self.sessions) + self.opening >= self.max_sessions:
            raise SessionLimitError(
                f"the server already runs {self.max_sessions} sessions, its limit; close one "
                f"(DELETE /api/sessions/ID) or try again later (idle sessions close after "
                f"{self.idle_s / 60:.0f} minutes)"
            )
        session = Session(
            secrets.token_urlsafe(9),
            spec,
            cache=self.cache,
            llm=self.llm,
            default_config=self.config,
        )
        self.opening += 1
        try:
            for name, content in (files or {}).items():
                (session.folder / Path(name).name).write_bytes(content)
            state = await session.call(session.open)
        except BaseException:
            await session.close()
            raise
        finally:
            self.opening -= 1
        self.sessions[session.id] = session
        return session, state

    def get(self, session_id: str) -> Session:
        """The open session ``session_id``; `NotFoundError` if there is none."""
        session = self.sessions.get(session_id)
        if session is None or session.closed:
            raise NotFoundError(
                f"no session {session_id}: it was closed, expired after "
                f"{self.idle_s / 60:.0f} idle minutes, or never existed; create one with "
                "POST /api/sessions"
            )
        session.touch()
        return session

    async def delete(self, session_id: str) -> None:
        """Close a session."""
        session = self.get(session_id)
        self.sessions.pop(session_id, None)
        await session.close()

    async def expire(self) -> list[str]:
        """Close sessions idle for longer than ``idle_s``; returns their ids."""
        now = time.monotonic()
        idle = [s for s in self.sessions.values() if now - s.last_used > self.idle_s]
        for session in idle:
            self.sessions.pop(session.id, None)
            await session.close()
        return [s.id for s in idle]

    async def close_all(self) -> None:
        """Close every session (server shutdown)."""
        sessions = list(self.sessions.values())
        self.sessions.clear()
        for session in sessions:
            await session.close()
