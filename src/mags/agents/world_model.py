"""What the planner knows, read off a memory's beliefs: the map, where things are, states.

Built fresh each step from `Belief`s (the first belief for a slot wins, so memories list
their most trusted beliefs first). Pure: no game, no memory object.

The model notes which beliefs a decision read (``consulted``, by fact id): the player's
room, the task (goal, recipe), the places of things asked about, the states tested and
the map links of the paths found. Those are the facts the agent relies on, and its memory
reinforces them by use; scanning everything to rank or filter does not count.

Example
-------
>>> from mags.agents.memories import Belief
>>> b = lambda s, r, o, **q: Belief(s, r, o, q)
>>> world = WorldModel.read([b("player", "at", "kitchen"), b("garden", "south_of", "kitchen"),
...                          b("kitchen", "exit", "south"), b("apple", "on", "table"),
...                          b("table", "at", "garden")])
>>> world.room, world.room_of("apple"), world.path("kitchen", "garden")
('kitchen', 'garden', ['south'])
>>> world = WorldModel.read([Belief("player", "at", "hall", {}, 7),
...                          Belief("coin", "at", "hall", {}, 8),
...                          Belief("rug", "at", "hall", {}, 9)])
>>> world.room_of("coin"), world.consulted
('hall', [7, 8])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from mags.agents.memories import Belief
from mags.core.model import Negation
from mags.core.names import name_key
from mags.extract.textworld import affordances_of

DIRECTIONS = ("north", "south", "east", "west")
OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}
LOCATION_RELATIONS = ("at", "in", "on", "held_by")
RECIPE_TRUST = 0.75
"""The strength a recipe's reading needs before the planner acts on it without reading
the cookbook again (three agreeing readings pass it; one does not)."""
BELIEF_RECIPE_TRUST = 0.999
"""The same where strengths are probabilities (belief mode): a wrong cut or cooking loses
the game, so the planner acts once it is 99.9% sure (three agreeing readings at the rule
extractor's confidence 0.9)."""


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
    recipe_doubt: set[str] = field(default_factory=set)
    """Ingredients whose preparations the memory is not sure of: a rival way within one
    reading of the best, or a best way weaker than `RECIPE_TRUST` (a cut or a cooking done
    wrong loses the game)."""
    goals: list[str] = field(default_factory=list)
    rooms: set[str] = field(default_factory=set)
    opens: dict[str, str] = field(default_factory=dict)
    """What a note said opens what: lock (lower case) -> key."""
    task: list[Belief] = field(default_factory=list)
    sources: dict[tuple[str, ...], Belief] = field(default_factory=dict)
    """The belief behind each entry: ("place", thing), ("link", room, direction),
    ("exit", room, direction), ("door", room, direction), ("state", thing, state)."""
    read_ids: dict[int, None] = field(default_factory=dict)

    @property
    def consulted(self) -> list[int]:
        """Fact ids of the beliefs read so far (the player's room first), in order."""
        return list(self.read_ids)

    def consult(self, *keys: tuple[str, ...]) -> None:
        """Note the beliefs behind some entries as read."""
        for key in keys:
            belief = self.sources.get(key)
            if belief is not None:
                self.consult_belief(belief)

    def consult_task(self) -> None:
        """Note the goal and recipe beliefs as read (a plan is made from them)."""
        for belief in self.task:
            self.consult_belief(belief)

    def consult_belief(self, belief: Belief) -> None:
        """Note one belief as read."""
        if belief.fact_id is not None:
            self.read_ids[belief.fact_id] = None

    @classmethod
    def read(cls, beliefs: Iterable[Belief], trust: float = RECIPE_TRUST) -> WorldModel:
        """Build the model from beliefs (earlier beliefs win a slot); a recipe reading
        weaker than ``trust`` is in doubt."""
        world = cls()
        recipe: dict[str, tuple[str, ...]] = {}
        readings: dict[str, list[Belief]] = {}  # ingredient -> its ways, best first
        sources = world.sources
        for b in beliefs:
            s, r, o = b.subject, b.relation, b.object
            if r == "at" and s == "player":
                if world.room is None:
                    world.room = o
                    world.consult_belief(b)  # every decision starts from where we are
                world.rooms.add(o)
            elif r in LOCATION_RELATIONS:
                if s not in world.place:
                    world.place[s] = (r, o)
                    sources[("place", s)] = b
                if r == "at":
                    world.rooms.add(o)
            elif r == "exit":
                world.exits.setdefault(s, set()).add(o)
                sources.setdefault(("exit", s, o), b)
                world.rooms.add(s)
            elif r.endswith("_of") and r[:-3] in DIRECTIONS:
                # "garden south_of kitchen": going south from the kitchen leads to the garden.
                if (o, r[:-3]) not in world.leads_to:
                    world.leads_to[(o, r[:-3])] = s
                    sources[("link", o, r[:-3])] = b
                world.rooms.update((s, o))
            elif r == "connects":
                direction = str(b.qualifiers.get("direction", ""))
                if direction in DIRECTIONS and (o, direction) not in world.doors:
                    world.doors[(o, direction)] = s
                    sources[("door", o, direction)] = b
            elif r == "is":
                world.states.setdefault(s, set()).add(o)
                sources.setdefault(("state", s, o), b)
            elif r == "needs" and s == "recipe":
                readings.setdefault(o, []).append(b)
                world.task.append(b)
            elif r == "opens":
                if o.lower() not in world.opens:
                    world.opens[o.lower()] = s
                    sources[("opens", o.lower())] = b
            elif r == "goal" and s == "player":
                world.goals.append(o)
                world.task.append(b)
        for ingredient, ways in readings.items():
            ways.sort(key=lambda b: (-b.evidence, -b.strength))  # the vote: most read first
            recipe[ingredient] = _directions(ways[0])
            if _doubtful(ways, trust):
                world.recipe_doubt.add(ingredient)
        world.recipe = recipe or None
        return world

    def see_exits(self, admissible: Iterable[str]) -> None:
        """The exits of the room we are in, as the game's commands show them: a ``go``
        command is an open way, a door believed here is a closed one; a believed exit or
        link that is neither is dropped (a misread, or an extractor's false fact)."""
        if self.room is None:
            return
        goes = {c[3:] for c in admissible if c.startswith("go ") and c[3:] in DIRECTIONS}
        if not goes:
            return  # no way shown at all: a view we cannot judge by
        ways = goes | {d for (r, d) in self.doors if r == self.room}
        self.exits[self.room] = ways
        for d in DIRECTIONS:
            if d not in ways:
                self.leads_to.pop((self.room, d), None)

    def contradicted_by(self, admissible: Sequence[str], wanted: Iterable[str]) -> list[Negation]:
        """What the game's commands here show false, as certain negations: an exit or a
        map link of this room with no ``go`` command and no door believed there, and each
        ``wanted`` thing believed in plain view here (in the room, on a supporter, in a
        container that is not closed) that no command names, or believed carried and not
        droppable; a door believed here that no command names. The game's commands are
        its own word, not a reading: trying the command would fail ("You can't go that
        way", "You can't see any such thing").

        Example
        -------
        >>> world = WorldModel.read([Belief("player", "at", "hall", {}),
        ...                          Belief("hall", "exit", "north", {}),
        ...                          Belief("coin", "at", "hall", {})])
        >>> [(n.relation, n.subject, n.object) for n in
        ...  world.contradicted_by(["go east", "examine rug"], ["coin"])]
        [('exit', 'hall', 'north'), ('at', 'coin', 'hall')]
        """
        room = self.room
        if room is None or not admissible:
            return []  # no commands at all (the game is over): nothing to judge by
        view = affordances_of(tuple(admissible))
        out: list[Negation] = []
        named = {name_key(n) for n in view.visible | view.held}
        doors = set()
        for (r, d), door in self.doors.items():
            if r != room:
                continue
            if d in view.exits or name_key(door) in named:
                doors.add(d)
            else:  # no such door here: the commands would name it (examine, open...)
                out.append(Negation("connects", door, room))
        if view.exits:  # no way shown at all: a view we cannot judge by
            for d in DIRECTIONS:
                if d in view.exits or d in doors:
                    continue
                if d in self.exits.get(room, ()):
                    out.append(Negation("exit", room, d))
                target = self.leads_to.get((room, d))
                if target is not None:  # no way there, so no way back either
                    out.append(Negation(f"{d}_of", target, room))
                    out.append(Negation(f"{OPPOSITE[d]}_of", room, target))
        held = {name_key(n) for n in view.held}
        shut = {name_key(n) for n in view.openable | view.unlockable}
        for thing in wanted:
            where = self.place.get(thing)
            if where is None:
                continue
            relation, holder = where
            key = name_key(thing)
            if relation == "held_by" and holder == "player":
                gone = key not in held  # what is carried can be dropped (or put, or eaten)
            elif relation == "at":
                gone = holder == room and key not in named
            else:
                h = name_key(holder)
                gone = h in named and h not in shut and key not in named
            if gone:
                out.append(Negation(relation, thing, holder))
        return out

    # ----------------------------------------------------------------------- queries
    def carried(self) -> set[str]:
        """Things believed held by the player (what we carry is part of every plan)."""
        held = {x for x, (r, o) in self.place.items() if r == "held_by" and o == "player"}
        self.consult(*(("place", x) for x in held))
        return held

    def room_of(self, thing: str, depth: int = 4, *, consult: bool = True) -> str | None:
        """The room a thing is in, following holders (knife on table at kitchen).

        ``consult=False`` for scans that only filter (their beliefs are not relied on)."""
        for _ in range(depth):
            where = self.place.get(thing)
            if where is None:
                return None
            if consult:
                self.consult(("place", thing))
            relation, holder = where
            if relation == "held_by":
                return self.room
            if relation == "at":
                return holder
            thing = holder
        return None

    def key_for(self, lock: str) -> str | None:
        """The key believed to open ``lock`` (what a note said), if any."""
        key = self.opens.get(lock.lower())
        if key is not None:
            self.consult(("opens", lock.lower()))
        return key

    def holder_of(self, thing: str) -> str | None:
        """The container or supporter a thing is in or on, if any."""
        where = self.place.get(thing)
        if where and where[0] in ("in", "on"):
            self.consult(("place", thing))
            return where[1]
        return None

    def is_(self, thing: str, state: str) -> bool:
        """Whether a thing is believed to be in a state (open, sliced, ...)."""
        if self._has(thing, state):
            self.consult(("state", thing, state))
            return True
        return False

    def _has(self, thing: str, state: str) -> bool:
        """`is_` for scans: nothing is noted as read."""
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
        return self._walked(start, self._search(start, lambda r: r == goal))

    def _walked(self, start: str, steps: list[str] | None) -> list[str] | None:
        """Note the links (and their doors) along a path as read; the path unchanged."""
        room = start
        for d in steps or ():
            self.consult(("link", room, d), ("door", room, d))
            room = self.leads_to[(room, d)]
        return steps

    def path_to_frontier(self, start: str, skip_locked: bool = False) -> list[str] | None:
        """Directions to the nearest unexplored exit, that exit's direction included.

        With ``skip_locked``, exits behind a door believed locked do not count.
        """

        def open_exits(room: str) -> list[str]:
            return [
                d
                for d in self.unexplored(room)
                if not (skip_locked and self._has(self.doors.get((room, d), ""), "locked"))
            ]

        best = self._walked(start, self._search(start, lambda r: bool(open_exits(r))))
        if best is None:
            return None
        end = start
        for d in best:
            end = self.leads_to[(end, d)]
        exit_ = open_exits(end)[0]
        self.consult(("exit", end, exit_))
        return [*best, exit_]

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
                    and not self._has(self.doors.get((room, d), ""), "locked")
                ):
                    came[nxt] = (room, d)
                    queue.append(nxt)
        return None


def _directions(belief: Belief) -> tuple[str, ...]:
    """The preparations a recipe belief asks for (``prepare=sliced,fried``)."""
    return tuple(p for p in str(belief.qualifiers.get("prepare", "")).split(",") if p)


def _doubtful(readings: Sequence[Belief], trust: float = RECIPE_TRUST) -> bool:
    """Whether an ingredient's directions are in doubt, its ``readings`` best first.

    The best way is the one read most often (then the strongest): a vote over the cookbook's
    readings, as each agreeing reading is one more piece of evidence. It is in doubt while
    it is weaker than ``trust`` or another way is within one reading of it.

    Example
    -------
    >>> ways = [Belief("recipe", "needs", "apple", {"prepare": p}, None, s, e)
    ...         for p, s, e in (("sliced", 0.9, 4), ("diced", 0.8, 2))]
    >>> _doubtful(ways), _doubtful(ways[1:] + ways[:1])
    (False, True)
    """
    best = readings[0]
    if best.strength < trust:
        return True
    return any(
        _directions(other) != _directions(best) and other.evidence >= best.evidence - 1
        for other in readings[1:]
    )
