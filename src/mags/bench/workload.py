"""A seeded synthetic agent's life: the facts an agent would add to its memory, step by step.

The world is a grid of rooms with furniture (containers and supporters), portable objects
and a few people. Every step one person acts in one room and the agent writes down 10-20
facts: where the person went, the map around the room, furniture and its state, objects
moved, taken and dropped (so reconciliation fires), things seen again (reinforcement) and
generic relations (``is_a``, ``part_of``, ``likes``, ``owns``, ``needs``).

The universe grows with the target size so that degrees stay bounded: about ``N/200``
rooms, 3 pieces of furniture per room, ``N/20`` objects, ``N/40`` objects per category.
Every name carries a unique number ("red apple 4711"): the core never merges names that
differ in a number, so entities stay apart. One step never holds two conflicting facts
about one subject (that would split the entity, by design).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator

FactTuple = tuple[str, str, str]
Step = tuple[int, list[FactTuple]]

ROOM_TYPES = (
    "kitchen",
    "hallway",
    "bedroom",
    "bathroom",
    "garden",
    "cellar",
    "study",
    "pantry",
    "attic",
    "library",
    "garage",
    "workshop",
    "living room",
    "laundry room",
)
CONTAINER_TYPES = (
    "wooden chest",
    "fridge",
    "cupboard",
    "drawer",
    "toolbox",
    "wardrobe",
    "crate",
    "wicker basket",
    "safe",
    "trunk",
)
SUPPORTER_TYPES = (
    "table",
    "shelf",
    "counter",
    "desk",
    "workbench",
    "bench",
    "chest of drawers",
    "nightstand",
)
OBJECT_TYPES = (
    "red apple",
    "brass key",
    "old book",
    "silver coin",
    "kitchen knife",
    "rusty wrench",
    "glass jar",
    "paper map",
    "wool scarf",
    "wax candle",
    "tin cup",
    "green bottle",
    "leather glove",
    "iron nail",
    "blue pen",
    "oil lamp",
    "yellow banana",
    "carrot",
    "box of matches",
    "reading glasses",
    "wooden spoon",
    "copper pot",
    "toy robot",
    "umbrella",
)
CATEGORY_TYPES = (
    "fruit",
    "tool",
    "utensil",
    "garment",
    "document",
    "toy",
    "ingredient",
    "trinket",
    "light source",
    "vessel",
)
PERSON_NAMES = (
    "Alice",
    "Bob",
    "Carol",
    "Dave",
    "Erin",
    "Frank",
    "Grace",
    "Heidi",
    "Ivan",
    "Judy",
    "Mallory",
    "Olivia",
    "Peggy",
    "Rupert",
    "Sybil",
    "Trent",
    "Victor",
    "Walter",
)
DIRECTIONS: dict[str, tuple[int, int]] = {
    "north_of": (-1, 0),
    "south_of": (1, 0),
    "east_of": (0, 1),
    "west_of": (0, -1),
}
"""Grid offset of the room that the relation puts first: the room at ``(r-1, c)`` lies
``north_of`` the room at ``(r, c)``."""
OPPOSITE = {
    "north_of": "south_of",
    "south_of": "north_of",
    "east_of": "west_of",
    "west_of": "east_of",
}
NEXT_STATE = {"open": ("closed",), "closed": ("open", "locked"), "locked": ("closed",)}
MAX_HELD = 4
MIN_STEP, MAX_STEP = 10, 20
PROBE_STEP = 15
"""Facts per step of the fixed-shape steps that measure the cost of one add call."""
PROBE_CALLS = 200
"""How many such add calls are timed after the load."""


class AgentLife:
    """The world of a synthetic agent's life, sized for ``size`` facts.

    ``steps()`` yields ``(t, facts)`` pairs whose facts add up to exactly ``size``; each pair
    is meant for one ``Memory.add(facts, t=t)`` call. Everything follows from ``seed``.

    Example
    -------
    >>> life = AgentLife(size=300, seed=1)
    >>> steps = list(life.steps())
    >>> sum(len(facts) for _, facts in steps), steps[0][0]
    (300, 1)
    >>> all(MIN_STEP <= len(facts) <= MAX_STEP for _, facts in steps[:-1])
    True
    >>> len(life.step(PROBE_STEP)[1])
    15
    >>> steps == list(AgentLife(size=300, seed=1).steps())
    True
    """

    def __init__(self, size: int, seed: int = 0) -> None:
        if size < 1:
            raise ValueError(f"size must be positive, got {size}")
        self.size = size
        self.t = 0
        self.rng = rng = random.Random(seed)
        n_rooms = max(4, size // 200)
        n_objects = max(8, size // 20)
        n_persons = 3 + size // 100_000
        n_categories = max(4, n_objects // 40)
        self.width = math.ceil(math.sqrt(n_rooms))
        n_names = 4 * n_rooms + n_objects + n_persons + n_categories
        numbers = iter(rng.sample(range(1, 10 * n_names + 100), n_names))  # unique suffixes

        def named(kinds: tuple[str, ...], count: int) -> list[str]:
            return [f"{rng.choice(kinds)} {next(numbers)}" for _ in range(count)]

        self.rooms = named(ROOM_TYPES, n_rooms)
        self.persons = named(PERSON_NAMES, n_persons)
        self.categories = named(CATEGORY_TYPES, n_categories)
        # Furniture: three pieces per room, about 60% containers; containers have a state.
        self.furniture: list[str] = []
        self.furniture_room: list[int] = []
        self.is_container: list[bool] = []
        self.state: list[str] = []
        self.room_furniture: list[list[int]] = []
        for room in range(n_rooms):
            pieces = []
            for _ in range(3):
                container = rng.random() < 0.6
                kinds = CONTAINER_TYPES if container else SUPPORTER_TYPES
                pieces.append(len(self.furniture))
                self.furniture.append(f"{rng.choice(kinds)} {next(numbers)}")
                self.furniture_room.append(room)
                self.is_container.append(container)
                state = rng.choices(("open", "closed", "locked"), (5, 4, 1))[0]
                self.state.append(state if container else "")
            self.room_furniture.append(pieces)
        # Objects: a hidden starting place, a category, sometimes a whole they are part of.
        self.objects = named(OBJECT_TYPES, n_objects)
        self.location: list[tuple[str, int]] = []
        self.room_objects: list[list[int]] = [[] for _ in range(n_rooms)]
        for obj in range(n_objects):
            room = rng.randrange(n_rooms)
            self.location.append(self._spot(room))
            self.room_objects[room].append(obj)
        self.category = [rng.randrange(n_categories) for _ in range(n_objects)]
        self.part_of = [
            rng.randrange(n_objects) if rng.random() < 0.1 else -1 for _ in range(n_objects)
        ]
        self.needs = [
            rng.randrange(n_objects) if rng.random() < 0.05 else -1 for _ in range(n_objects)
        ]
        # People: where they are, what they carry, a bounded set of likes, belongings, needs.
        self.person_room = [rng.randrange(n_rooms) for _ in range(n_persons)]
        self.held: list[list[int]] = [[] for _ in range(n_persons)]
        self.preferences = [
            [
                (rel, rng.randrange(n_objects))
                for rel in ("likes",) * 8 + ("owns",) * 12 + ("needs",) * 4
            ]
            for _ in range(n_persons)
        ]
        # What the memory has heard of so far: recall queries ask only about these.
        self.known_objects: list[int] = []
        self.known_furniture: list[int] = []
        self.known_rooms: list[int] = []
        self.known_persons: list[int] = []
        self.known_categories: list[int] = []
        self._known: set[tuple[str, int]] = set()

    # ----------------------------------------------------------------------- geometry
    def neighbour(self, room: int, relation: str) -> int | None:
        """The room that lies ``relation`` (e.g. ``north_of``) of ``room``, if any."""
        dr, dc = DIRECTIONS[relation]
        r, c = divmod(room, self.width)
        r, c = r + dr, c + dc
        other = r * self.width + c
        if r < 0 or not 0 <= c < self.width or other >= len(self.rooms):
            return None
        return other

    def _spot(self, room: int) -> tuple[str, int]:
        """A random place in ``room``: its floor (30%) or a piece of its furniture."""
        if self.rng.random() < 0.3:
            return ("at", room)
        piece = self.rng.choice(self.room_furniture[room])
        return ("in" if self.is_container[piece] else "on", piece)

    def _name(self, relation: str, target: int) -> str:
        if relation == "at":
            return self.rooms[target]
        if relation == "held_by":
            return self.persons[target]
        return self.furniture[target]

    def _know(self, kind: str, index: int) -> None:
        if (kind, index) not in self._known:
            self._known.add((kind, index))
            {
                "object": self.known_objects,
                "furniture": self.known_furniture,
                "room": self.known_rooms,
                "person": self.known_persons,
                "category": self.known_categories,
            }[kind].append(index)

    # -------------------------------------------------------------------------- steps
    def steps(self) -> Iterator[Step]:
        """Steps of 10-20 facts until exactly ``size`` facts have been produced."""
        produced = 0
        while produced < self.size:
            want = min(self.rng.randint(MIN_STEP, MAX_STEP), self.size - produced)
            t, facts = self.step(want)
            produced += len(facts)
            yield t, facts

    def step(self, size: int) -> Step:
        """The next step: exactly ``size`` facts at the next time."""
        self.t += 1
        builder = _StepBuilder(self, size)
        builder.run()
        return self.t, builder.facts

    # ------------------------------------------------------------------------ queries
    def queries(self, count: int, seed: int = 0) -> list[str]:
        """Entity-centred questions about entities the memory has heard of.

        Example
        -------
        >>> life = AgentLife(size=500, seed=2)
        >>> _ = list(life.steps())
        >>> len(life.queries(5)), life.queries(3) == life.queries(3)
        (5, True)
        """
        if not self.known_rooms:
            raise ValueError("no step has been taken yet: there is nothing to ask about")
        rng = random.Random(seed)
        makers: list[tuple[float, Callable[[random.Random], str | None]]] = [
            (0.35, self._where_query),
            (0.2, self._contents_query),
            (0.2, self._map_query),
            (0.1, self._person_query),
            (0.1, self._category_query),
            (0.05, self._state_query),
        ]
        weights = [w for w, _ in makers]
        out: list[str] = []
        while len(out) < count:
            maker = rng.choices(makers, weights)[0][1]
            query = maker(rng)
            if query is not None:
                out.append(query)
        return out

    def _where_query(self, rng: random.Random) -> str | None:
        if not self.known_objects:
            return self._map_query(rng)
        return f"where is the {self.objects[rng.choice(self.known_objects)]}?"

    def _contents_query(self, rng: random.Random) -> str | None:
        if not self.known_furniture:
            return None
        piece = rng.choice(self.known_furniture)
        word = "in" if self.is_container[piece] else "on"
        return f"what is {word} the {self.furniture[piece]}?"

    def _map_query(self, rng: random.Random) -> str:
        room = self.rooms[rng.choice(self.known_rooms)]
        if rng.random() < 0.3:
            return f"which rooms are next to the {room}?"
        direction = rng.choice(tuple(DIRECTIONS)).removesuffix("_of")
        return f"what is {direction} of the {room}?"

    def _person_query(self, rng: random.Random) -> str:
        person = self.persons[rng.choice(self.known_persons)]
        return f"what is {person} carrying?" if rng.random() < 0.5 else f"where is {person}?"

    def _category_query(self, rng: random.Random) -> str | None:
        if rng.random() < 0.5 and self.known_categories:
            category = self.categories[rng.choice(self.known_categories)]
            article = "an" if category[0] in "aeiou" else "a"
            return f"which things are {article} {category}?"
        if not self.known_objects:
            return None
        return f"what do we know about the {self.objects[rng.choice(self.known_objects)]}?"

    def _state_query(self, rng: random.Random) -> str | None:
        for _ in range(8):  # about 60% of the furniture are containers
            piece = rng.choice(self.known_furniture) if self.known_furniture else -1
            if piece >= 0 and self.is_container[piece]:
                return f"is the {self.furniture[piece]} open?"
        return None


class _StepBuilder:
    """Builds one step: one person acts in one room; no subject gets two exclusive facts."""

    def __init__(self, life: AgentLife, size: int) -> None:
        self.life = life
        self.rng = life.rng
        self.size = size
        self.facts: list[FactTuple] = []
        self._seen: set[FactTuple] = set()
        self._busy: set[tuple[str, int]] = set()  # subjects whose location/state is said
        self.person = self.rng.randrange(len(life.persons))
        self.room = life.person_room[self.person]

    def room_left(self) -> int:
        return self.size - len(self.facts)

    def emit(self, fact: FactTuple) -> bool:
        """Add a fact unless it is already in the step or the step is full."""
        if fact in self._seen or len(self.facts) >= self.size:
            return False
        self._seen.add(fact)
        self.facts.append(fact)
        return True

    def run(self) -> None:
        life, rng = self.life, self.rng
        if ("person", self.person) not in life._known or rng.random() < 0.4:
            self.move_person()
        actions: list[Callable[[], None]] = [
            self.look_map,
            self.look_furniture,
            self.look_object,
            self.move_object,
            self.take,
            self.drop,
            self.flip_state,
            self.generic,
        ]
        weights = (15, 10, 20, 15, 10, 10, 10, 10)
        for _ in range(10 * self.size):
            if self.room_left() <= 0:
                return
            rng.choices(actions, weights)[0]()
        self.fill()

    def fill(self) -> None:
        """Deterministic filler when random actions ran dry: map and preference facts."""
        life = self.life
        for relation in DIRECTIONS:
            other = life.neighbour(self.room, relation)
            if other is not None:
                self.emit((life.rooms[other], relation, life.rooms[self.room]))
                life._know("room", other)
        for relation, obj in life.preferences[self.person]:
            if self.emit((life.persons[self.person], relation, life.objects[obj])):
                life._know("object", obj)
        for obj in range(len(life.objects)):
            if self.room_left() <= 0:
                return
            if self.emit((life.objects[obj], "is_a", life.categories[life.category[obj]])):
                life._know("object", obj)
                life._know("category", life.category[obj])

    # ----------------------------------------------------------------------- actions
    def move_person(self) -> None:
        life, rng = self.life, self.rng
        if ("person", self.person) in life._known:
            if rng.random() < 0.15:
                self.room = rng.randrange(len(life.rooms))  # a longer trip
            else:
                options = [life.neighbour(self.room, d) for d in DIRECTIONS]
                self.room = rng.choice([o for o in options if o is not None])
        life.person_room[self.person] = self.room
        self.emit((life.persons[self.person], "at", life.rooms[self.room]))
        self._busy.add(("person", self.person))
        life._know("person", self.person)
        life._know("room", self.room)

    def look_map(self) -> None:
        life = self.life
        relation = self.rng.choice(tuple(DIRECTIONS))
        other = life.neighbour(self.room, relation)
        if other is None:
            return
        here, there = life.rooms[self.room], life.rooms[other]
        # The same link said either way round: "B north_of A" or "A south_of B".
        if self.rng.random() < 0.5:
            self.emit((there, relation, here))
        else:
            self.emit((here, OPPOSITE[relation], there))
        life._know("room", self.room)
        life._know("room", other)

    def look_furniture(self) -> None:
        life = self.life
        piece = self.rng.choice(life.room_furniture[self.room])
        if ("furniture", piece) in self._busy:
            return
        self._busy.add(("furniture", piece))
        self.emit((life.furniture[piece], "at", life.rooms[self.room]))
        if life.is_container[piece]:
            self.emit((life.furniture[piece], "is", life.state[piece]))
        life._know("furniture", piece)
        life._know("room", self.room)

    def _free_object(self) -> int | None:
        objects = self.life.room_objects[self.room]
        if not objects:
            return None
        obj = self.rng.choice(objects)
        return None if ("object", obj) in self._busy else obj

    def _say_location(self, obj: int) -> None:
        life = self.life
        relation, target = life.location[obj]
        self._busy.add(("object", obj))
        self.emit((life.objects[obj], relation, life._name(relation, target)))
        life._know("object", obj)
        if relation in ("in", "on"):
            life._know("furniture", target)
        elif relation == "at":
            life._know("room", target)

    def look_object(self) -> None:
        obj = self._free_object()
        if obj is not None:
            self._say_location(obj)

    def _place(self, obj: int) -> bool:
        """Choose a new place in this room for ``obj``; opens a closed container first."""
        life = self.life
        relation, target = life._spot(self.room)
        if life.location[obj] == (relation, target):
            return False
        if relation == "in" and life.state[target] != "open":
            busy = ("furniture", target) in self._busy
            if life.state[target] == "locked" or busy or self.room_left() < 2:
                relation, target = "at", self.room
            else:
                life.state[target] = "open"
                self._busy.add(("furniture", target))
                self.emit((life.furniture[target], "is", "open"))
                life._know("furniture", target)
        life.location[obj] = (relation, target)
        return True

    def move_object(self) -> None:
        obj = self._free_object()
        if obj is not None and self._place(obj):
            self._say_location(obj)

    def take(self) -> None:
        life = self.life
        held = life.held[self.person]
        obj = self._free_object()
        if obj is None or len(held) >= MAX_HELD:
            return
        life.room_objects[self.room].remove(obj)
        held.append(obj)
        life.location[obj] = ("held_by", self.person)
        self._say_location(obj)

    def drop(self) -> None:
        life = self.life
        held = life.held[self.person]
        if not held:
            return
        obj = self.rng.choice(held)
        if ("object", obj) in self._busy:
            return
        held.remove(obj)
        life.room_objects[self.room].append(obj)
        self._place(obj)
        self._say_location(obj)

    def flip_state(self) -> None:
        life = self.life
        piece = self.rng.choice(life.room_furniture[self.room])
        if not life.is_container[piece] or ("furniture", piece) in self._busy:
            return
        life.state[piece] = self.rng.choice(NEXT_STATE[life.state[piece]])
        self._busy.add(("furniture", piece))
        self.emit((life.furniture[piece], "is", life.state[piece]))
        life._know("furniture", piece)

    def generic(self) -> None:
        life, rng = self.life, self.rng
        if rng.random() < 0.4:
            relation, liked = rng.choice(life.preferences[self.person])
            if self.emit((life.persons[self.person], relation, life.objects[liked])):
                life._know("object", liked)
            return
        obj = self._free_object()
        if obj is None:
            return
        name = life.objects[obj]
        roll = rng.random()
        if roll < 0.2 and life.part_of[obj] >= 0:
            whole = life.part_of[obj]
            self.emit((name, "part_of", life.objects[whole]))
            life._know("object", whole)
        elif roll < 0.3 and life.needs[obj] >= 0:
            other = life.needs[obj]
            self.emit((name, "needs", life.objects[other]))
            life._know("object", other)
        elif self.emit((name, "is_a", life.categories[life.category[obj]])):
            life._know("category", life.category[obj])
        life._know("object", obj)
