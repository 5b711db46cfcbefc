"""The web API's request and response types: the contract's types as pydantic models.

These models are the OpenAPI schema the front end and the fuzz tests read, so every field
is typed and bounded where the contract bounds it.

Example
-------
>>> edge = Fact(id=1, subject="apple", relation="in", object="fridge", strength=0.5,
...             tau=50.0, evidence=1, valid_from=0.0, subject_kind="thing",
...             object_kind="container")
>>> Graph(step=0, nodes=[Node(id="apple", kind="thing")], edges=[edge]).edges[0].object
'fridge'
>>> StepRequest(n=101)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for StepRequest
...
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ConfigValues = dict[str, float | int | None]
"""Memory hyperparameters by name (`mags.config.MemoryConfig`); ``capacity`` may be None."""


class _Closed(BaseModel):
    """A request body with no unknown fields (a typo is an error, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------- graph
class Fact(BaseModel):
    """A fact (an edge) with its liquid state and the kinds of its two ends."""

    id: int
    subject: str
    relation: str
    object: str
    strength: float
    tau: float
    evidence: int
    valid_from: float
    valid_to: float | None = None
    archived_t: float | None = None
    archive_reason: str | None = None
    subject_kind: str
    object_kind: str
    salience: float | None = None
    """How much it deserves a place in a prompt now (`mags.core.salience`)."""


class Node(BaseModel):
    """An entity: its name is its id."""

    id: str
    kind: str


class Graph(BaseModel):
    """The active graph after a step (active facts only)."""

    step: int
    nodes: list[Node]
    edges: list[Fact]


class Event(BaseModel):
    """One change of the memory (`mags.core.model.Event`)."""

    seq: int
    t: float
    kind: str
    facts: list[int]
    data: dict[str, Any]


class StepStats(BaseModel):
    """Active facts after a step, and what happened in it."""

    active_facts: int
    reconcile: int
    archive: int
    merge: int


class StepSummary(BaseModel):
    """A step without its graph (the transcript and timeline of a session)."""

    step: int
    command: str | None
    observation: str
    action: str | None
    score: int
    max_score: int
    done: bool
    won: bool
    lost: bool
    events: list[Event]
    stats: StepStats
    memory_ms: float
    policy_ms: float


class StepView(StepSummary):
    """A step with the active graph after it."""

    graph: Graph


class StepsResponse(BaseModel):
    """The steps one request played."""

    steps: list[StepView]


class SessionState(BaseModel):
    """Everything the page needs to draw a session."""

    id: str
    track: str
    seed: int | None
    policy: str
    memory: str
    config: ConfigValues
    step: int
    running: bool
    speed: float
    done: bool
    won: bool
    score: int
    max_score: int
    objective: str
    steps: list[StepSummary]
    graph: Graph
    editable: bool


class SessionStatus(BaseModel):
    """The ``state`` message of the event stream: where a session stands, without steps."""

    id: str
    step: int
    running: bool
    speed: float
    done: bool
    won: bool
    score: int
    max_score: int


class TimelineRow(BaseModel):
    """One step of the timeline."""

    step: int
    active_facts: int
    reconcile: int
    archive: int
    merge: int
    score: int


class FactDetail(BaseModel):
    """A fact, the other facts of its subject and relation, and the text it came from."""

    fact: Fact
    history: list[Fact]
    episode_text: str | None
    belief: bool = False
    """Whether ``strength`` is a belief: the probability that the fact holds now."""
    hazard: float | None = None
    """The chance per step that its relation's value changes (None: the schema names none)."""
    reliability: dict[str, float] = {}
    """Each source's learned reliability on its relation class (belief mode)."""


class RecallResult(BaseModel):
    """What the memory would put into a prompt for a query."""

    text: str
    tokens: int
    facts: list[Fact]
    empty_because: str | None = None
    """Why nothing was recalled (None when something was): said in the page's words."""


class FactAdded(BaseModel):
    """The fact added by hand, and the graph after it."""

    fact: Fact
    graph: Graph


class GraphResponse(BaseModel):
    """The graph after an edit."""

    graph: Graph


class ConfigResponse(BaseModel):
    """The hyperparameters in force."""

    config: ConfigValues


# ---------------------------------------------------------------------------- catalogue
class Health(BaseModel):
    ok: bool
    version: str


class TrackInfo(BaseModel):
    name: str
    description: str
    seeds: list[int]
    cached: list[int]


class PolicyOption(BaseModel):
    name: str
    available: bool
    why: str


class Options(BaseModel):
    policies: list[PolicyOption]
    memories: list[str]
    llm_configured: bool
    llm_model: str | None = None
    """The model the llm policy and the summary memory use (None: no LLM)."""


class ConfigParam(BaseModel):
    """One slider: a hyperparameter's default, range and scale."""

    name: str
    default: float | int | None
    low: float
    high: float
    log: bool
    integer: bool
    optional: bool
    help: str


class SelfCheckRow(BaseModel):
    name: str
    ok: bool
    detail: str
    advice: str


class SelfCheck(BaseModel):
    ok: bool
    rows: list[SelfCheckRow]


class ErrorMessage(BaseModel):
    """Every 4xx answer: one plain sentence saying what was wrong and how to fix it."""

    detail: str


# ------------------------------------------------------------------------------ requests
class NewSession(_Closed):
    """A session on a track's game (generated first if the cache lacks it: may take a while)."""

    track: str = "tiny"
    seed: int | None = Field(default=1, ge=0, le=2**31 - 1)
    policy: str = "planner"
    memory: str = "liquid"
    config: ConfigValues | None = None
    max_steps: int | None = Field(default=None, ge=1, le=10_000)


class StepRequest(_Closed):
    n: int = Field(default=1, ge=1, le=100)


class RunRequest(_Closed):
    speed: float = Field(default=2.0, ge=0.5, le=50.0)


class RecallRequest(_Closed):
    query: str = Field(min_length=1, max_length=2000)
    budget_tokens: int | None = Field(default=None, ge=1, le=8000)


class NewFact(_Closed):
    subject: str = Field(min_length=1, max_length=200)
    relation: str = Field(min_length=1, max_length=100)
    object: str = Field(min_length=1, max_length=200)


class StrengthChange(_Closed):
    strength: float = Field(ge=0.0, le=1.0)


class TomlText(_Closed):
    toml: str = Field(max_length=100_000)
