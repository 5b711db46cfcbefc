"""Hand-made treasure hunts: games built room by room with TextWorld's `GameMaker`.

Generated challenges (tw-treasure_hunter, tw-cooking) share templates: the objective's
wording, the key nouns, where things lie. A game made by hand shares none of them, so
these hunts are how the planner is checked for templates it may have learned. Each
seed gives one house of about a dozen rooms (room names drawn from a list, laid out as a
random tree on a grid), two or three locked doors on the way to the treasure, the
treasure in a locked locker, keys with any name ("Key 1", "golden key", "small brass
key"), sometimes a key in a closed chest, a locked decoy cabinet with its own key, and a
note per lock that says which key opens it. The game states no objective; the task is
said separately (`Hunt.task`, ``mags play FILE --task TEXT``), as a person would.

The walkthrough is built with the house: for each lock, in order, walk to its key, take
it, walk to the lock, unlock and open it; then the treasure. `GameMaker` replays it to
check it and records it as the game's quest, so winning means holding the treasure.

Example
-------
>>> plan = plan_hunt(3)
>>> len(plan.rooms), plan.task
(12, 'Find the jade idol and take it.')
>>> plan.walkthrough[-1]
'take jade idol from strongbox'
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mags.worlds.errors import WorldError

ROOM_NAMES = (
    "Hall", "Library", "Study", "Pantry", "Cellar", "Attic", "Gallery", "Chapel", "Armoury",
    "Conservatory", "Scullery", "Nursery", "Workshop", "Observatory", "Boathouse", "Vestry",
    "Parlour", "Laundry", "Larder", "Solar", "Buttery", "Map Room", "Stables", "Greenhouse",
)  # fmt: skip
KEY_NAMES = (
    "Key 1", "Key 2", "Key 3", "Key A", "golden key", "small brass key", "rusty key",
    "bone key", "red keycard", "silver latchkey", "crooked key", "Key 7",
)  # fmt: skip
DOOR_NAMES = ("iron door", "oak door", "green door", "trapdoor", "glass door", "grille")
LOCKER_NAMES = ("iron locker", "steel locker", "blue locker", "strongbox", "safe")
TREASURES = ("silver chalice", "ruby crown", "treasure", "gold coin", "jade idol", "old map")
NOTE_NAMES = ("note", "torn page", "letter", "scrap of paper", "postcard", "memo")
CHEST_NAMES = ("wooden chest", "toolbox", "sea trunk", "wicker basket")
JUNK = ("dusty book", "candle", "teacup", "pair of boots", "umbrella", "globe")
NOTE_WORDING = (
    "Scrawled on it: {key} opens the {lock}.",
    "It reads: '{key} is for the {lock}.'",
    "A hasty hand has written: {key} unlocks the {lock}.",
    "Someone noted that {key} fits the {lock}.",
)
STEPS = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}
OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}


@dataclass
class Lock:
    """A locked door (between ``room`` and the room beyond, ``direction`` of it) or locker."""

    name: str
    room: str
    key: str
    key_room: str
    direction: str | None = None  # None: a locker
    key_chest: str | None = None  # the key lies in this closed chest


@dataclass
class HuntPlan:
    """The house before it is built: rooms, ways, locks, things, and the walkthrough."""

    seed: int
    rooms: list[str]
    ways: dict[tuple[str, str], str]  # (room, direction) -> room
    locks: list[Lock]
    treasure: str
    notes: list[tuple[str, str, str]]  # (note name, room, text)
    junk: list[tuple[str, str]]  # (thing, room)
    start: str
    walkthrough: list[str] = field(default_factory=list)

    @property
    def task(self) -> str:
        """What a person would ask the player to do."""
        return f"Find the {self.treasure} and take it."


@dataclass(frozen=True)
class Hunt:
    """A built hunt: the game file, its task and its walkthrough."""

    path: Path
    task: str
    walkthrough: tuple[str, ...]
    rooms: int


def plan_hunt(seed: int, rooms: int = 12, doors: int | None = None) -> HuntPlan:
    """Lay out one house for ``seed`` (the same seed, the same house)."""
    if rooms < 4:
        raise WorldError(f"a hunt needs at least 4 rooms, got {rooms}")
    rng = random.Random(seed)
    names = rng.sample(ROOM_NAMES, rooms)
    ways, parent = _tree(names, rng)
    start = names[0]
    depth = {start: 0}
    for room in names[1:]:
        depth[room] = depth[parent[room][0]] + 1
    # The treasure lies in one of the deepest rooms; doors gate the way there.
    deepest = max(depth.values())
    treasure_room = rng.choice([r for r in names if depth[r] >= deepest - 1 and r != start])
    way = _path_rooms(parent, treasure_room)  # start ... treasure_room
    n_doors = doors if doors is not None else rng.choice((2, 3))
    candidates = list(range(1, len(way)))  # door between way[i-1] and way[i]
    gates = sorted(rng.sample(candidates, min(n_doors, len(candidates))))
    key_names = rng.sample(KEY_NAMES, len(gates) + 2)
    door_names = rng.sample(DOOR_NAMES, len(gates))
    locks: list[Lock] = []
    for index, (gate, door) in enumerate(zip(gates, door_names, strict=True)):
        before, beyond = way[gate - 1], way[gate]
        direction = parent[beyond][1]
        reachable = _reachable(
            start, ways, {(before, direction)} | _later(locks, ways, way, gates[index:])
        )
        key_room = rng.choice(sorted(reachable - {before} or reachable))
        locks.append(Lock(door, before, key_names[index], key_room, direction))
    locker = rng.choice(LOCKER_NAMES)
    all_open = set(names)
    locks.append(
        Lock(
            locker,
            treasure_room,
            key_names[len(gates)],
            rng.choice(sorted(all_open - {treasure_room})),
        )
    )
    # A decoy: a locked cabinet with junk in it, and its own key.
    decoy_room = rng.choice(sorted(set(names) - {treasure_room}))
    decoy_key_room = rng.choice(sorted(_reachable(start, ways, _door_ways(locks, ways))))
    decoy = Lock("cabinet", decoy_room, key_names[len(gates) + 1], decoy_key_room)
    # One key (not the first) lies in a closed chest.
    chest_name = rng.choice(CHEST_NAMES)
    if len(locks) > 1:
        locks[rng.randrange(1, len(locks))].key_chest = chest_name
    note_names = rng.sample(NOTE_NAMES, len(locks))
    notes = []
    blocked = _door_ways(locks, ways)
    for lock, note in zip(locks, note_names, strict=True):
        text = rng.choice(NOTE_WORDING).format(key=lock.key, lock=lock.name)
        where = rng.choice(sorted(_reachable(start, ways, blocked)))
        notes.append((note, where, text))
    junk = [(thing, rng.choice(names)) for thing in rng.sample(JUNK, 3)]
    junk.append(("old coin", decoy.room))  # inside the decoy cabinet
    plan = HuntPlan(seed, names, ways, [*locks, decoy], rng.choice(TREASURES), notes, junk, start)
    plan.walkthrough = _walkthrough(plan, ways)
    return plan


def build_hunt(plan: HuntPlan, path: str | Path) -> Hunt:
    """Build and compile the house with `GameMaker` into ``path`` (a ``.z8`` file)."""
    from textworld import GameMaker
    from textworld.generator.game import GameOptions

    path = Path(path)
    if path.suffix != ".z8":
        raise WorldError(f"a hunt is written as a .z8 game, not {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    options = GameOptions()
    options.seeds = plan.seed
    maker = GameMaker(options)
    rooms = {name: maker.new_room(name) for name in plan.rooms}
    gates = {(lock.room, lock.direction): lock for lock in plan.locks if lock.direction}
    made: dict[str, Any] = {}  # doors and lockers by name
    linked: set[tuple[str, str]] = set()
    for (room, direction), other in plan.ways.items():
        if (other, OPPOSITE[direction]) in linked or (room, direction) in linked:
            continue
        link = maker.connect(
            getattr(rooms[room], direction), getattr(rooms[other], OPPOSITE[direction])
        )
        linked.add((room, direction))
        lock = gates.get((room, direction)) or gates.get((other, OPPOSITE[direction]))
        if lock is not None:
            door = maker.new_door(link, name=lock.name)
            door.add_property("locked")
            made[lock.name] = door
    maker.set_player(rooms[plan.start])
    for lock in plan.locks:
        if lock.direction is None:
            box = maker.new(type="c", name=lock.name)
            box.add_property("locked")
            rooms[lock.room].add(box)
            made[lock.name] = box
        key = maker.new(type="k", name=lock.key)
        if lock.key_chest:
            chest = maker.new(type="c", name=lock.key_chest)
            chest.add_property("closed")
            rooms[lock.key_room].add(chest)
            chest.add(key)
        else:
            rooms[lock.key_room].add(key)
        maker.add_fact("match", key, made[lock.name])
    treasure_lock = plan.locks[-2]
    treasure = maker.new(type="o", name=plan.treasure)
    made[treasure_lock.name].add(treasure)
    for thing, room in plan.junk:
        item = maker.new(type="o", name=thing)
        if thing == "old coin":
            made["cabinet"].add(item)
        else:
            rooms[room].add(item)
    for name, room, text in plan.notes:
        rooms[room].add(maker.new(type="o", name=name, desc=text))
    from textworld.generator import compile_game
    from textworld.generator.inform7.world2inform7 import CouldNotCompileGameError

    try:
        maker.set_quest_from_commands(plan.walkthrough)
        game = maker.build()
        game.objective = ""  # a hand-made game says nothing of what to do
        options.path = str(path)
        options.force_recompile = True
        compile_game(game, options)
    except CouldNotCompileGameError as exc:
        # TextWorld names the rooms it describes with its own grammar while it records
        # the quest; two alike names make Inform 7 refuse the game (about 1 seed in 5).
        raise WorldError(f"hunt {plan.seed} could not be compiled by Inform 7: {exc}") from None
    return Hunt(path, plan.task, tuple(plan.walkthrough), len(plan.rooms))


# ---------------------------------------------------------------------------- layout
def _tree(
    names: list[str], rng: random.Random
) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str]]]:
    """Rooms on grid cells, each new one beside an earlier one: a random tree of ways."""
    cell = {names[0]: (0, 0)}
    taken = {(0, 0): names[0]}
    ways: dict[tuple[str, str], str] = {}
    parent: dict[str, tuple[str, str]] = {}
    for room in names[1:]:
        options = [
            (other, d)
            for other, (x, y) in cell.items()
            for d, (dx, dy) in STEPS.items()
            if (x + dx, y + dy) not in taken
        ]
        other, d = rng.choice(sorted(options))
        x, y = cell[other]
        dx, dy = STEPS[d]
        cell[room] = (x + dx, y + dy)
        taken[cell[room]] = room
        ways[(other, d)] = room
        ways[(room, OPPOSITE[d])] = other
        parent[room] = (other, d)
    return ways, parent


def _path_rooms(parent: dict[str, tuple[str, str]], room: str) -> list[str]:
    path = [room]
    while path[-1] in parent:
        path.append(parent[path[-1]][0])
    return path[::-1]


def _reachable(
    start: str, ways: dict[tuple[str, str], str], blocked: set[tuple[str, str]]
) -> set[str]:
    """Rooms reachable from ``start`` without crossing a blocked (room, direction) way."""
    seen = {start}
    queue = deque([start])
    while queue:
        room = queue.popleft()
        for d in STEPS:
            other = ways.get((room, d))
            if other is None or other in seen:
                continue
            if (room, d) in blocked or (other, OPPOSITE[d]) in blocked:
                continue
            seen.add(other)
            queue.append(other)
    return seen


def _later(
    locks: list[Lock], ways: dict[tuple[str, str], str], way: list[str], gates: list[int]
) -> set[tuple[str, str]]:
    """The ways still locked when the lock at ``gates[0]`` is to be opened."""
    out = set()
    for gate in gates:
        before, beyond = way[gate - 1], way[gate]
        out |= {(before, d) for d in STEPS if ways.get((before, d)) == beyond}
    return out


def _door_ways(locks: list[Lock], ways: dict[tuple[str, str], str]) -> set[tuple[str, str]]:
    return {(lock.room, lock.direction) for lock in locks if lock.direction}


def _walkthrough(plan: HuntPlan, ways: dict[tuple[str, str], str]) -> list[str]:
    """Key, lock, key, lock, ..., treasure: the commands in order (decoy left alone)."""
    here = plan.start
    commands: list[str] = []

    def walk(to: str) -> None:
        nonlocal here
        commands.extend(_route(here, to, ways))
        here = to

    real = [lock for lock in plan.locks if lock.name != "cabinet"]
    for lock in real:
        walk(lock.key_room)
        if lock.key_chest:
            commands += [f"open {lock.key_chest}", f"take {lock.key} from {lock.key_chest}"]
        else:
            commands.append(f"take {lock.key}")
        walk(lock.room)
        commands += [f"unlock {lock.name} with {lock.key}", f"open {lock.name}"]
    commands.append(f"take {plan.treasure} from {real[-1].name}")
    return commands


def _route(start: str, goal: str, ways: dict[tuple[str, str], str]) -> list[str]:
    """``go`` commands along the tree's only path from ``start`` to ``goal``."""
    came: dict[str, tuple[str, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        room = queue.popleft()
        for d in STEPS:
            other = ways.get((room, d))
            if other is not None and other not in came:
                came[other] = (room, d)
                queue.append(other)
    steps = []
    room = goal
    while came[room] is not None:
        previous, d = came[room]  # type: ignore[misc]
        steps.append(f"go {d}")
        room = previous
    return steps[::-1]
