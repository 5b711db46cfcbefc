"""What the planner knows, read off a memory's beliefs: the map, where things are, states.

Built fresh each step from `Belief`s (the first belief for a slot wins, so memories list
their most trusted beliefs first). Pure: no game, no memory object.

Example
-------
>>> from mags.agents.memories import Belief
>>> b = lambda s, r, o, **q: Belief(s, r, o, q)
>>> world = WorldModel.read([b("player", "at", "kitchen"), b("garden", "south_of", "kitchen"),
...                          b("kitchen", "exit", "south"), b("apple", "on", "table"),
...                          b("table", "at", "garden")])
>>> world.room, world.room_of("apple"), world.path("kitchen", "garden")
('kitchen', 'garden', ['south'])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from mags.agents.memories import Belief

DIRECTIONS = ("north", "south", "east", "west")
LOCATION_RELATIONS = ("at", "in", "on", "held_by")


@dataclass
class WorldModel:
    """The believed world: rooms and the ways between them, things and their places."""

    room: str | None = None
    exits: dict[str, set[str]] = field(default_factory=dict)
    leads_to: dict[tuple[str, str], str] = field(default_factory=dict)
    doors: dict[tuple[str, str], str] = field(default_factory=dict)
    place: dict[str, tuple[str, str]] = field(default_factory=dict)
    states: dict[str, set[str]] = field(default_factory=dict)
    recipe: dict[str, tuple[str, ...]] | None = None
    goals: list[str] = field(default_factory=list)
    rooms: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, beliefs: Iterable[Belief]) -> WorldModel:
        """Build the model from beliefs (earlier beliefs win a slot)."""
        world = cls()
        recipe: dict[str, tuple[str, ...]] = {}
        for b in beliefs:
            s, r, o = b.subject, b.relation, b.object
            if r == "at" and s == "player":
                world.room = world.room or o
                world.rooms.add(o)
            elif r in LOCATION_RELATIONS:
                world.place.setdefault(s, (r, o))
                if r == "at":
                    world.rooms.add(o)
            elif r == "exit":
                world.exits.setdefault(s, set()).add(o)
                world.rooms.add(s)
            elif r.endswith("_of") and r[:-3] in DIRECTIONS:
                # "garden south_of kitchen": going south from the kitchen leads to the garden.
                world.leads_to.setdefault((o, r[:-3]), s)
                world.rooms.update((s, o))
            elif r == "connects":
                direction = str(b.qualifiers.get("direction", ""))
                if direction in DIRECTIONS:
                    world.doors.setdefault((o, direction), s)
            elif r == "is":
                world.states.setdefault(s, set()).add(o)
            elif r == "needs" and s == "recipe":
                prepare = str(b.qualifiers.get("prepare", ""))
                recipe[o] = tuple(p for p in prepare.split(",") if p)
            elif r == "goal" and s == "player":
                world.goals.append(o)
        world.recipe = recipe or None
        return world

    # ----------------------------------------------------------------------- queries
    def carried(self) -> set[str]:
        """Things believed held by the player."""
        return {x for x, (r, o) in self.place.items() if r == "held_by" and o == "player"}

    def room_of(self, thing: str, depth: int = 4) -> str | None:
        """The room a thing is in, following holders (knife on table at kitchen)."""
        for _ in range(depth):
            where = self.place.get(thing)
            if where is None:
                return None
            relation, holder = where
            if relation == "held_by":
                return self.room
            if relation == "at":
                return holder
            thing = holder
        return None

    def holder_of(self, thing: str) -> str | None:
        """The container or supporter a thing is in or on, if any."""
        where = self.place.get(thing)
        return where[1] if where and where[0] in ("in", "on") else None

    def is_(self, thing: str, state: str) -> bool:
        """Whether a thing is believed to be in a state (open, sliced, ...)."""
        return state in self.states.get(thing, ())

    def unexplored(self, room: str) -> list[str]:
        """Exits of a room that lead nowhere known yet."""
        return [
            d
            for d in DIRECTIONS
            if d in self.exits.get(room, ()) and (room, d) not in self.leads_to
        ]

    def path(self, start: str, goal: str) -> list[str] | None:
        """Directions of a shortest known way from ``start`` to ``goal`` (BFS)."""
        return self._search(start, lambda r: r == goal)

    def path_to_frontier(self, start: str, skip_locked: bool = False) -> list[str] | None:
        """Directions to the nearest unexplored exit, that exit's direction included.

        With ``skip_locked``, exits behind a door believed locked do not count.
        """

        def open_exits(room: str) -> list[str]:
            return [
                d
                for d in self.unexplored(room)
                if not (skip_locked and self.is_(self.doors.get((room, d), ""), "locked"))
            ]

        best = self._search(start, lambda r: bool(open_exits(r)))
        if best is None:
            return None
        end = start
        for d in best:
            end = self.leads_to[(end, d)]
        return [*best, open_exits(end)[0]]

    def _search(self, start: str, done: Callable[[str], bool]) -> list[str] | None:
        """Breadth-first over known, unlocked ways to the first room where ``done`` holds."""
        test = done
        queue: deque[str] = deque([start])
        came: dict[str, tuple[str, str] | None] = {start: None}
        while queue:
            room = queue.popleft()
            if test(room):
                steps: list[str] = []
                while came[room] is not None:
                    previous, d = came[room]  # type: ignore[misc]
                    steps.append(d)
                    room = previous
                return steps[::-1]
            for d in DIRECTIONS:
                nxt = self.leads_to.get((room, d))
                if (
                    nxt is not None
                    and nxt not in came
                    and not self.is_(self.doors.get((room, d), ""), "locked")
                ):
                    came[nxt] = (room, d)
                    queue.append(nxt)
        return None
