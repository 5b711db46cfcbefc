"""One stable layout for every frame of a run: each entity gets one place, once.

Positions are computed over the union of all entities and facts the run ever held, so a
node never jumps between frames. Three ideas make a TextWorld memory read like a map:

- **Rooms on a compass grid.** ``north_of``/``south_of``/``east_of``/``west_of`` facts
  put rooms on grid cells (the first cell free nearest to where the map says, so an
  inconsistent map still gets a place for every room); those rooms are pinned.
- **Everything else by forces.** A seeded Fruchterman-Reingold layout (springs along facts,
  repulsion between all nodes) places things near their rooms and holders around the
  pinned rooms. Plain numpy: deterministic, no extra dependency.
- **Values as satellites.** A state or direction (``closed``, ``east``) is shared by many
  subjects and would drag them all together; each ``subject -> value`` fact gets its own
  small satellite beside the subject instead (a direction on its side of the compass).

Example
-------
>>> layout = layout_graph(
...     {"kitchen": "room", "hall": "room", "apple": "thing", "east": "direction"},
...     [("hall", "east_of", "kitchen"), ("apple", "at", "kitchen"),
...      ("kitchen", "exit", "east")],
... )
>>> layout.position("hall")[0] > layout.position("kitchen")[0]   # east is to the right
True
>>> satellite = layout.ends("kitchen", "east")[1]
>>> satellite[0] > layout.position("kitchen")[0]
True
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from mags.viz.trace import Replay

Point = tuple[float, float]

VALUE_KINDS = frozenset({"state", "direction"})
"""Kinds of entity drawn as per-subject satellites rather than as one shared node."""

COMPASS = {"north_of": (0, 1), "south_of": (0, -1), "east_of": (1, 0), "west_of": (-1, 0)}
"""``a REL b`` puts ``a`` at ``b`` plus this grid offset."""

_SIDES = {"north": 90.0, "south": 270.0, "east": 0.0, "west": 180.0, "up": 60.0, "down": 240.0}

ROOM_SPACING = 5.0
"""Grid cell size, in ideal edge lengths: room for a room's things between rooms."""

SATELLITE_DISTANCE = 0.6
"""How far a value's satellite sits from its subject, in ideal edge lengths."""

REPULSION = 2.0
"""Repulsion over spring pull: above 1, a crowded room's things spread out further."""


@dataclass(frozen=True)
class Layout:
    """Node positions and value satellites, in a box whose longer side is 1."""

    positions: Mapping[str, Point]
    satellites: Mapping[tuple[str, str], Point]
    width: float
    height: float

    def position(self, name: str) -> Point:
        """Where entity ``name`` is drawn."""
        return self.positions[name]

    def ends(self, subject: str, obj: str) -> tuple[Point, Point]:
        """Where an edge ``subject -> obj`` starts and ends (a satellite if ``obj`` is one)."""
        start = self.positions[subject]
        end = self.satellites.get((subject, obj))
        return start, end if end is not None else self.positions[obj]

    def is_satellite(self, subject: str, obj: str) -> bool:
        """Whether the edge ``subject -> obj`` ends on a satellite of ``subject``."""
        return (subject, obj) in self.satellites


def replay_layout(replay: Replay, seed: int = 0) -> Layout:
    """The layout of every entity and fact ``replay`` ever held (see the module docstring)."""
    edges = [(e.subject, e.relation, e.object) for e in replay.all_edges().values()]
    for frame in replay.frames:  # superseded facts added and closed in one step
        edges.extend((d.edge.subject, d.edge.relation, d.edge.object) for d in frame.departures)
    return layout_graph(replay.node_kinds(), edges, seed)


def layout_graph(
    kinds: Mapping[str, str], edges: Iterable[tuple[str, str, str]], seed: int = 0
) -> Layout:
    """Lay out entities ``kinds`` (name -> kind) joined by ``(subject, relation, object)``."""
    edges = sorted(set(edges))
    for subject, _, obj in edges:
        kinds = {**kinds, subject: kinds.get(subject, "entity"), obj: kinds.get(obj, "entity")}
    subjects = {s for s, _, _ in edges}
    values = {n for n, kind in kinds.items() if kind in VALUE_KINDS and n not in subjects}
    values &= {o for _, _, o in edges}  # a value nothing points at is an ordinary node
    names = sorted(n for n in kinds if n not in values)
    index = {name: i for i, name in enumerate(names)}
    springs = sorted(
        {(index[s], index[o]) for s, _, o in edges if s not in values and o not in values}
    )
    anchors = _compass_grid(names, edges, kinds)
    xy = _force_layout(names, springs, anchors, seed)
    positions = {name: (float(xy[i, 0]), float(xy[i, 1])) for i, name in enumerate(names)}
    satellites = _satellites(positions, [(s, o) for s, _, o in edges if o in values])
    return _normalized(positions, satellites)


def _compass_grid(
    names: list[str], edges: list[tuple[str, str, str]], kinds: Mapping[str, str]
) -> dict[str, tuple[int, int]]:
    """Grid cells for entities joined by compass facts, breadth-first from the first room."""
    moves: dict[str, list[tuple[str, tuple[int, int]]]] = {}
    for subject, relation, obj in edges:
        if relation in COMPASS and subject in names and obj in names:
            dx, dy = COMPASS[relation]
            moves.setdefault(obj, []).append((subject, (dx, dy)))
            moves.setdefault(subject, []).append((obj, (-dx, -dy)))
    cells: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    # Rooms first, then by name: the same trace always gives the same map.
    for start in sorted(moves, key=lambda n: (kinds.get(n) != "room", n)):
        if start in cells:
            continue
        right = max((x for x, _ in taken), default=-2) + 2  # a new map part: to the right
        queue = deque([(start, (right, 0))])
        while queue:
            name, wanted = queue.popleft()
            if name in cells:
                continue
            cell = _nearest_free(wanted, taken)
            cells[name] = cell
            taken.add(cell)
            for other, (dx, dy) in sorted(moves[name]):
                if other not in cells:
                    queue.append((other, (cell[0] + dx, cell[1] + dy)))
    return cells


def _nearest_free(wanted: tuple[int, int], taken: set[tuple[int, int]]) -> tuple[int, int]:
    radius = 0
    while True:
        ring = [
            (wanted[0] + dx, wanted[1] + dy)
            for dx in range(-radius, radius + 1)
            for dy in range(-radius, radius + 1)
            if max(abs(dx), abs(dy)) == radius
        ]
        free = [c for c in ring if c not in taken]
        if free:
            return min(free, key=lambda c: (abs(c[0] - wanted[0]) + abs(c[1] - wanted[1]), c))
        radius += 1


def _force_layout(
    names: list[str],
    springs: list[tuple[int, int]],
    anchors: Mapping[str, tuple[int, int]],
    seed: int,
    iterations: int = 250,
) -> np.ndarray:
    """Fruchterman-Reingold with pinned anchors; ideal edge length 1."""
    n = len(names)
    rng = np.random.default_rng(seed)
    xy = np.zeros((n, 2))
    pinned = np.zeros(n, dtype=bool)
    for i, name in enumerate(names):
        if name in anchors:
            xy[i] = np.array(anchors[name], dtype=float) * ROOM_SPACING
            pinned[i] = True
    _seed_positions(xy, pinned, springs, rng)
    if n < 2 or pinned.all():
        return xy
    span = max(float(np.ptp(xy, axis=0).max()), math.sqrt(n))
    sources = np.array([a for a, _ in springs], dtype=int)
    targets = np.array([b for _, b in springs], dtype=int)
    centre = xy[pinned].mean(axis=0) if pinned.any() else np.zeros(2)
    for step in range(iterations):
        delta = xy[:, None, :] - xy[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=2), 0.05)
        force = REPULSION * (delta / distance[..., None] ** 2).sum(axis=1)  # k^2 / d
        if len(springs):
            pull = xy[targets] - xy[sources]
            length = np.linalg.norm(pull, axis=1, keepdims=True)
            pull = pull * length  # attraction d^2 / k, along the edge
            np.add.at(force, sources, pull)
            np.add.at(force, targets, -pull)
        force += 0.05 * (centre - xy)  # gravity: loose pieces stay in view
        temperature = 0.1 * span * (1.0 - step / iterations) + 0.01
        size = np.maximum(np.linalg.norm(force, axis=1, keepdims=True), 1e-9)
        move = force / size * np.minimum(size, temperature)
        move[pinned] = 0.0
        xy += move
    return xy


def _seed_positions(
    xy: np.ndarray, pinned: np.ndarray, springs: list[tuple[int, int]], rng: np.random.Generator
) -> None:
    """Start each free node beside a placed neighbour (breadth-first), else at random."""
    neighbours: dict[int, list[int]] = {}
    for a, b in springs:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    placed = set(np.flatnonzero(pinned).tolist())
    queue = deque(sorted(placed))
    while queue:
        i = queue.popleft()
        for j in neighbours.get(i, []):
            if j not in placed:
                xy[j] = xy[i] + rng.normal(0.0, 0.6, 2)
                placed.add(j)
                queue.append(j)
    spread = math.sqrt(len(xy)) * 1.5
    for i in range(len(xy)):
        if i not in placed:
            xy[i] = rng.uniform(-spread, spread, 2)
            placed.add(i)
            queue.append(i)
            while queue:  # and this node's own component around it
                k = queue.popleft()
                for j in neighbours.get(k, []):
                    if j not in placed:
                        xy[j] = xy[k] + rng.normal(0.0, 0.6, 2)
                        placed.add(j)
                        queue.append(j)


def _satellites(
    positions: Mapping[str, Point], pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], Point]:
    """A point beside the subject for each ``(subject, value)``: directions on their side."""
    by_subject: dict[str, list[str]] = {}
    for subject, value in sorted(set(pairs)):
        by_subject.setdefault(subject, []).append(value)
    satellites = {}
    for subject, values in by_subject.items():
        x, y = positions[subject]
        others = [v for v in values if v not in _SIDES]
        for value in values:
            if value in _SIDES:
                angle = _SIDES[value]
            else:  # spread the states over the upper half: a node's name is drawn below it
                slot = others.index(value)
                angle = 20.0 + 140.0 * (slot + 0.5) / len(others) + _jitter(subject)
            rad = math.radians(angle)
            satellites[(subject, value)] = (
                x + SATELLITE_DISTANCE * math.cos(rad),
                y + SATELLITE_DISTANCE * math.sin(rad),
            )
    return satellites


def _jitter(name: str) -> float:
    """A stable small angle per name, so neighbouring subjects' states do not line up."""
    return (hashlib.sha256(name.encode()).digest()[0] / 255.0 - 0.5) * 30.0


def _normalized(
    positions: Mapping[str, Point], satellites: Mapping[tuple[str, str], Point]
) -> Layout:
    """Shift and scale everything into a box whose longer side is 1 (aspect kept)."""
    points = list(positions.values()) + list(satellites.values())
    if not points:
        return Layout({}, {}, 1.0, 1.0)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, y0 = min(xs), min(ys)
    scale = max(max(xs) - x0, max(ys) - y0) or 1.0

    def fit(p: Point) -> Point:
        return ((p[0] - x0) / scale, (p[1] - y0) / scale)

    return Layout(
        {name: fit(p) for name, p in positions.items()},
        {pair: fit(p) for pair, p in satellites.items()},
        (max(xs) - x0) / scale,
        (max(ys) - y0) / scale,
    )
