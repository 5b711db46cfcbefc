"""Read a `mags play --trace` JSONL file into typed frames, one per step.

A trace row holds the active graph *after* its step and the memory's events *of* that
step. Comparing each graph with the previous one, read through the events, tells what
happened to every edge: it appeared, was reinforced or merged, or it left the graph
because it was superseded (reconciled), archived by decay or archived over capacity.

Example
-------
>>> rows = [
...     '{"step": 0, "command": null, "observation": "Kitchen.", "score": 0, "done": false,'
...     ' "action": "go east", "events": [{"seq": 1, "t": 0, "kind": "add", "facts": [1]}],'
...     ' "graph": {"nodes": [{"id": "player", "kind": "thing"}, {"id": "kitchen", "kind":'
...     ' "room"}], "edges": [{"id": 1, "subject": "player", "relation": "at", "object":'
...     ' "kitchen", "strength": 0.5}]}}',
...     '{"step": 1, "command": "go east", "observation": "Hall.", "score": 0, "done": true,'
...     ' "action": null, "events": [{"seq": 2, "t": 1, "kind": "reconcile", "facts": [1, 2]}],'
...     ' "graph": {"nodes": [{"id": "player", "kind": "thing"}, {"id": "hall", "kind":'
...     ' "room"}], "edges": [{"id": 2, "subject": "player", "relation": "at", "object":'
...     ' "hall", "strength": 0.5}]}}',
... ]
>>> replay = parse_trace(rows)
>>> [(f.step, dict(f.states)) for f in replay.frames]
[(0, {1: 'new'}), (1, {2: 'new'})]
>>> [(d.edge.object, d.reason) for d in replay.frames[1].departures]
[('kitchen', 'superseded')]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mags.core.errors import InvalidInputError

EdgeState = Literal["steady", "new", "reinforced", "merged"]
"""What happened this step to an edge that is active after it."""

DepartureReason = Literal["superseded", "decay", "capacity", "removed"]
"""Why an edge left the active graph this step ("removed": no event says; e.g. an edit)."""

HOW_TO_TRACE = (
    "make a trace with `mags play GAME --seed N --trace FILE` and a liquid memory "
    "(liquid, no-decay, no-use, no-contest, belief, no-reconcile or capacity; "
    "liquid is the default)"
)

_DEPARTURE_EVENTS: dict[str, DepartureReason] = {
    "decay_archive": "decay",
    "capacity_archive": "capacity",
}


class TraceError(InvalidInputError):
    """A trace file cannot be drawn; the message names the line and what was wrong."""


@dataclass(frozen=True)
class Edge:
    """One fact of the active graph: ``subject --relation--> object`` at a strength."""

    id: int
    subject: str
    relation: str
    object: str
    strength: float

    def label(self) -> str:
        """The fact as text.

        >>> Edge(3, "apple", "on", "table", 0.7).label()
        'apple on table'
        """
        return f"{self.subject} {self.relation} {self.object}"


@dataclass(frozen=True)
class Departure:
    """An edge that left the active graph this step, as it was last seen, and why."""

    edge: Edge
    reason: DepartureReason


@dataclass(frozen=True)
class Frame:
    """One step of a run: the transcript line and the active graph after the step."""

    step: int
    command: str | None
    action: str | None
    observation: str
    score: int
    done: bool
    nodes: Mapping[str, str]
    """Active entity name -> kind (room, thing, state, ...)."""
    edges: tuple[Edge, ...]
    states: Mapping[int, EdgeState]
    """Active edge id -> what happened to it this step."""
    departures: tuple[Departure, ...]
    event_counts: Mapping[str, int] = field(default_factory=dict)
    """Events of this step by kind (a reconcile or archive counts once per fact)."""

    def count(self, kind: str) -> int:
        """How many facts this step's events of ``kind`` touched (0 if none)."""
        return self.event_counts.get(kind, 0)

    @property
    def archived(self) -> int:
        """Facts archived this step, by decay or over capacity."""
        return self.count("decay_archive") + self.count("capacity_archive")

    @property
    def eventful(self) -> bool:
        """Whether something was reconciled, archived or merged this step."""
        return bool(self.count("reconcile") or self.archived or self.count("merge"))


@dataclass(frozen=True)
class Replay:
    """A whole run, frame by frame, read from ``source``."""

    source: str
    frames: tuple[Frame, ...]

    def node_kinds(self) -> dict[str, str]:
        """Every entity that was ever active -> its last kind, in order of appearance."""
        kinds: dict[str, str] = {}
        for frame in self.frames:
            kinds.update(frame.nodes)
        return kinds

    def all_edges(self) -> dict[int, Edge]:
        """Every edge that was ever active, as last seen, in order of appearance."""
        edges: dict[int, Edge] = {}
        for frame in self.frames:
            edges.update((e.id, e) for e in frame.edges)
        return edges

    def ghosts(self, index: int, linger: int) -> list[tuple[Departure, int]]:
        """Edges that left the graph in the last ``linger`` steps up to frame ``index``.

        Each comes with its age in frames (0: it left in this very frame), so that a
        drawing can flash it and then let it fade. An edge that came back is left out.
        """
        active = {e.id for e in self.frames[index].edges}
        seen: set[int] = set()
        ghosts = []
        for age in range(min(linger, index + 1)):
            for departure in self.frames[index - age].departures:
                if departure.edge.id not in active and departure.edge.id not in seen:
                    seen.add(departure.edge.id)
                    ghosts.append((departure, age))
        return ghosts


def read_trace(path: str | Path) -> Replay:
    """Read and check the JSONL trace at ``path`` (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"no trace file at {path}: {HOW_TO_TRACE}")
    with path.open(encoding="utf-8") as lines:
        return parse_trace(lines, str(path))


def parse_trace(lines: Iterable[str], source: str = "<trace>") -> Replay:
    """Parse trace rows (JSON text, one per line; blank lines skipped) into a `Replay`."""
    frames: list[Frame] = []
    previous: dict[int, Edge] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        row = _json_object(line, where)
        frame = _frame(row, previous, where)
        if frames and frame.step <= frames[-1].step:
            raise TraceError(
                f"{where}: step {frame.step} comes after step {frames[-1].step}; a trace "
                f"holds one game with its steps in order: {HOW_TO_TRACE}"
            )
        frames.append(frame)
        previous = {e.id: e for e in frame.edges}
    if not frames:
        raise TraceError(f"{source} holds no steps: {HOW_TO_TRACE}")
    return Replay(source, tuple(frames))


def _json_object(line: str, where: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TraceError(
            f"{where} is not JSON ({exc.msg} at column {exc.colno}); each line of a trace is "
            f"one JSON object: {HOW_TO_TRACE}"
        ) from None
    if not isinstance(row, dict):
        raise TraceError(f"{where} is a JSON {type(row).__name__}, not an object: {HOW_TO_TRACE}")
    return row


def _frame(row: dict[str, Any], previous: dict[int, Edge], where: str) -> Frame:
    if "graph" not in row:
        raise TraceError(
            f"{where} has no 'graph': the trace was written with a memory that keeps no "
            f"graph (none, window, full-history, rag, summary, append-only or "
            f"one-per-relation), so there is nothing to draw; {HOW_TO_TRACE}"
        )
    step = _field(row, "step", int, where)
    nodes = _nodes(_field(row, "graph", dict, where), where)
    edges = _edges(row["graph"], where)
    for edge in edges:  # an edge's ends are entities even if the row forgot to list them
        nodes.setdefault(edge.subject, "entity")
        nodes.setdefault(edge.object, "entity")
    touched: dict[str, set[int]] = {}
    counts: Counter[str] = Counter()
    superseded: set[int] = set()
    for event in _field(row, "events", list, where):
        kind, facts = _event(event, where)
        touched.setdefault(kind, set()).update(facts)
        if kind == "reconcile":
            superseded.add(facts[0])  # the old fact first, then the new one if any
            counts[kind] += 1
        else:
            counts[kind] += len(facts) if kind in (*_DEPARTURE_EVENTS, "merge") else 1
    active = {e.id for e in edges}
    states: dict[int, EdgeState] = {}
    for edge in edges:
        if edge.id in touched.get("merge", ()):
            states[edge.id] = "merged"
        elif edge.id not in previous or edge.id in touched.get("add", ()):
            states[edge.id] = "new"
        elif edge.id in touched.get("reinforce", ()):
            states[edge.id] = "reinforced"
        else:
            states[edge.id] = "steady"
    departures = []
    for fact_id, edge in previous.items():
        if fact_id in active:
            continue
        reason: DepartureReason = "removed"
        if fact_id in superseded:
            reason = "superseded"
        for kind, why in _DEPARTURE_EVENTS.items():
            if fact_id in touched.get(kind, ()):
                reason = why
        departures.append(Departure(edge, reason))
    return Frame(
        step=step,
        command=_optional_text(row, "command", where),
        action=_optional_text(row, "action", where),
        observation=_field(row, "observation", str, where),
        score=_field(row, "score", int, where),
        done=_field(row, "done", bool, where),
        nodes=nodes,
        edges=tuple(edges),
        states=states,
        departures=tuple(departures),
        event_counts=dict(counts),
    )


def _field(row: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    if name not in row:
        raise TraceError(f"{where} has no {name!r}: {HOW_TO_TRACE}")
    value = row[name]
    # bool is an int in Python; a step or score of `true` is still malformed.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TraceError(
            f"{where}: {name!r} should be a JSON {_json_type(kind)}, got {json.dumps(value)[:60]}: "
            f"{HOW_TO_TRACE}"
        )
    return value


def _optional_text(row: Mapping[str, Any], name: str, where: str) -> str | None:
    if row.get(name) is None:
        return None
    text: str = _field(row, name, str, where)
    return text


def _json_type(kind: type) -> str:
    names = {int: "integer", float: "number", str: "string", bool: "boolean", dict: "object"}
    return names.get(kind, kind.__name__)


def _nodes(graph: Mapping[str, Any], where: str) -> dict[str, str]:
    nodes: dict[str, str] = {}
    for node in _field(graph, "nodes", list, f"{where} (graph)"):
        if not isinstance(node, dict):
            raise TraceError(f"{where}: a graph node should be an object, got {node!r}")
        name = _field(node, "id", str, f"{where} (graph node)")
        nodes[name] = _field(node, "kind", str, f"{where} (graph node {name!r})")
    return nodes


def _edges(graph: Mapping[str, Any], where: str) -> list[Edge]:
    edges = []
    for item in _field(graph, "edges", list, f"{where} (graph)"):
        if not isinstance(item, dict):
            raise TraceError(f"{where}: a graph edge should be an object, got {item!r}")
        at = f"{where} (graph edge {item.get('id')!r})"
        strength = item.get("strength")
        if not isinstance(strength, int | float) or isinstance(strength, bool):
            raise TraceError(f"{at}: 'strength' should be a number, got {strength!r}")
        edges.append(
            Edge(
                id=_field(item, "id", int, at),
                subject=_field(item, "subject", str, at),
                relation=_field(item, "relation", str, at),
                object=_field(item, "object", str, at),
                strength=float(strength),
            )
        )
    return edges


def _event(event: Any, where: str) -> tuple[str, list[int]]:
    if not isinstance(event, dict):
        raise TraceError(f"{where}: an event should be an object, got {event!r}")
    kind: str = _field(event, "kind", str, f"{where} (event)")
    facts: list[Any] = event.get("facts", [])
    if not isinstance(facts, list) or not all(
        isinstance(f, int) and not isinstance(f, bool) for f in facts
    ):
        raise TraceError(f"{where}: a {kind!r} event's 'facts' should be fact ids, got {facts!r}")
    if kind == "reconcile" and not facts:
        raise TraceError(f"{where}: a 'reconcile' event names no fact; it should name the old one")
    return kind, facts
