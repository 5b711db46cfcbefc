"""The graph planner: the embedded default policy, acting from memory and admissible commands.

It never sees the game's true state: it reads the memory's beliefs into a `WorldModel`
each step and picks one admissible command.

- **Kitchen** (the objective asks for a meal): read the cookbook, fetch each ingredient
  (opening containers and doors on the way), take the knife if anything must be cut, cook
  with the right appliance (stove to fry, oven to roast, BBQ to grill), cut, then prepare
  and eat the meal. With a carrying limit it drops what the recipe no longer needs.
- **Maze** (the objective names a thing to take): explore toward the nearest exit not yet
  tried (shortest path over the remembered map), open what is closed, fetch a key only
  when a locked door or container is in the way, and take the target and nothing else.

Exploration never re-enters a part of the map already explored unless it is on the way.

Example
-------
>>> from mags.agents.memories import Belief
>>> world = WorldModel.read([Belief("player", "at", "hall", {}),
...                          Belief("hall", "exit", "north", {}),
...                          Belief("player", "goal", "coin", {})])
>>> PlannerPolicy().choose(world, ["go north", "look"])
'go north'
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence

from mags.agents.world_model import OPPOSITE, WorldModel

APPLIANCE = {"fried": "stove", "roasted": "oven", "grilled": "bbq"}
CUT_VERB = {"sliced": "slice", "diced": "dice", "chopped": "chop"}
COOK_STATES = frozenset(APPLIANCE)
CUT_STATES = frozenset(CUT_VERB)
STUCK_REPEATS = 3
LOOP_MOVES = 6
"""Moves back and forth between two rooms this many times in a row are a loop."""
KEY_CHAIN = 3
"""How many locks deep a key is fetched (a key in a locked chest whose key is in another)."""
RECIPE_READS = 12
"""The most times the cookbook is read while the recipe is in doubt (then the way read
most often is followed). At noise 0.3 an ingredient's true line survives about half of the
readings and a rival one a sixth of them: six readings tie too often (development seeds)."""


KEY_NOUNS = frozenset({"key", "keycard", "latchkey", "passkey", "skeleton-key"})
"""The nouns keys are named with; a keyboard is not one (and taking the wrong object
loses a treasure hunt)."""
WRITING_NOUNS = frozenset(
    {
        "note",
        "letter",
        "page",
        "paper",
        "postcard",
        "memo",
        "message",
        "notice",
        "diary",
        "scroll",
        "card",
        "sign",
        "leaflet",
        "poster",
        "journal",
        "book",
    }
)
"""The nouns of things that carry writing: one step to read may say which key opens what."""
LABEL = re.compile(r"^(?:no\.?\s*)?(?:\d+|[a-z]|[ivx]+)$")
"""A key's label after its noun, as in "Key 1", "key A", "key no. 3", "key IV"."""


def is_writing(name: str) -> bool:
    """Whether a thing carries writing, by its noun ("scrap of paper", "torn page").

    Example
    -------
    >>> is_writing("torn page"), is_writing("scrap of paper"), is_writing("paperweight")
    (True, True, False)
    """
    words = name.lower().split()
    head = words[: words.index("of")] if "of" in words else words
    return bool(head) and (head[-1] in WRITING_NOUNS or words[-1] in WRITING_NOUNS)


def is_key(name: str) -> bool:
    """Whether a thing is a key, by its noun: the last word ("golden key"), or the word
    before a label ("Key 1", "key B").

    Example
    -------
    >>> is_key("fresh laundry scented passkey"), is_key("Key 1"), is_key("keyboard")
    (True, True, False)
    >>> is_key("key lime pie")
    False
    """
    words = name.lower().split()
    if not words:
        return False
    if words[-1] in KEY_NOUNS:
        return True
    return any(
        w in KEY_NOUNS and LABEL.match(" ".join(words[i + 1 :])) for i, w in enumerate(words)
    )


class PlannerPolicy:
    """Chooses one admissible command from the believed world (see the module docstring)."""

    name = "planner"

    def __init__(self) -> None:
        self.opened: set[str] = set()
        self.dropped: set[str] = set()  # put down to free a hand: fetched again last
        self.key_wanted = False  # a lock blocked the way and no carried key opened it
        self.recent: deque[str] = deque(maxlen=STUCK_REPEATS)
        self.moves: deque[str] = deque(maxlen=LOOP_MOVES)
        self.loops = 0
        self.tried: dict[str, frozenset[str]] = {}  # locked thing -> keys that did not fit
        self.examined: set[str] = set()
        # What was cut and cooked: doing either twice loses a game, so the planner keeps
        # its own commands (as it keeps what it opened) instead of trusting a misread view.
        self.cut: set[str] = set()
        self.cooked: set[str] = set()
        self.recipe_reads = 0
        # The ways walked in this game, both ends: a map link the memory holds that is not
        # among them was learnt elsewhere (another house, for a life-long agent).
        self.walked: set[tuple[str, str]] = set()

    def choose(self, world: WorldModel, admissible: Sequence[str]) -> str:
        """The next command."""
        self.dropped -= world.carried()
        self.note_tried_keys(world, admissible)
        world.see_exits(admissible)
        plan = _Plan(world, admissible, self.opened, self.dropped, self.key_wanted, self.tried)
        plan.examined = self.examined
        plan.cut, plan.cooked = self.cut, self.cooked
        plan.walked = self.walked
        plan.recipe_reads = self.recipe_reads
        command = plan.best()
        reading = (command or "").lower() == "examine cookbook" and self.recipe_reads < RECIPE_READS
        if command is None or (self._stuck(command) and not reading):
            command = plan.fallback()
        command = self._unloop(command, admissible)
        self.recent.append(command)
        self.moves.append(command)
        if command.startswith("go ") and world.room is not None:
            direction = command[3:]
            self.walked.add((world.room, direction))
            there = world.leads_to.get((world.room, direction))
            if there is not None and direction in OPPOSITE:
                self.walked.add((there, OPPOSITE[direction]))
        if command.startswith("open "):
            self.opened.add(command[5:])
        if command.startswith("drop "):
            self.dropped.add(command[5:])
        if command.startswith("examine "):
            self.examined.add(command[8:].lower())
        if command.lower() == "examine cookbook":
            self.recipe_reads += 1
        verb, _, rest = command.lower().partition(" ")
        if verb in CUT_VERB.values():
            self.cut.add(rest.split(" with ")[0])
        elif verb == "cook":
            self.cooked.add(rest.split(" with ")[0])
        # A key is wanted until one is taken or a lock opens (the one it was wanted for).
        self.key_wanted = plan.key_wanted and not (
            command.startswith("unlock ")
            or (command.startswith("take ") and is_key(command[5:].split(" from ")[0]))
        )
        return command

    def wanted(self, world: WorldModel) -> list[str]:
        """The things a plan may go for: the task's targets, the recipe's ingredients, the
        knife, the cookbook, the appliances and every key (what a false place of costs
        steps)."""
        recipe = world.recipe or {}
        tools = ("knife", "cookbook", *APPLIANCE.values())
        keys = [x for x in world.place if is_key(x)]
        return list(dict.fromkeys([*world.goals, *recipe, *tools, *keys]))

    def note_tried_keys(self, world: WorldModel, admissible: Sequence[str]) -> None:
        """A closed or locked thing here that no admissible command opens or unlocks does
        not take the keys we carry (the game offers ``unlock X with K`` only for a K that
        fits, and ``open X`` only for what is closed and not locked)."""
        here = world.room
        verbs = ("unlock ", "open ")
        openable = {
            c.lower().split(" ", 1)[1].split(" with ")[0]
            for c in admissible
            if c.lower().startswith(verbs)
        }
        for thing in world.place:
            shut = world._has(thing, "locked") or world._has(thing, "closed")
            is_here = world.room_of(thing, consult=False) == here
            if shut and is_here and thing.lower() not in openable:
                self.tried[thing] = self.tried.get(thing, frozenset()) | world.carried()

    def _unloop(self, command: str, admissible: Sequence[str]) -> str:
        """Two moves back and forth, again and again, mean the map believed is wrong (a
        false link, a room misread): step out of the loop through another exit."""
        recent = [*self.moves, command]
        if len(recent) <= LOOP_MOVES or not command.startswith("go "):
            return command
        pair = set(recent[-LOOP_MOVES:])
        alternating = all(recent[i] != recent[i + 1] for i in range(-LOOP_MOVES, -1))
        if len(pair) != 2 or not alternating:
            return command
        others = sorted(c for c in admissible if c.startswith("go ") and c not in pair)
        if not others:
            return command
        self.loops += 1
        self.moves.clear()
        return others[self.loops % len(others)]

    def _stuck(self, command: str) -> bool:
        """The same non-moving command again and again means a belief is wrong."""
        return (
            len(self.recent) == STUCK_REPEATS
            and all(c == command for c in self.recent)
            and not command.startswith("go ")
        )


class _Plan:
    """One step's reasoning."""

    def __init__(
        self,
        world: WorldModel,
        admissible: Sequence[str],
        opened: set[str],
        dropped: set[str],
        key_wanted: bool,
        tried: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.key_wanted = key_wanted
        self.tried = tried if tried is not None else {}
        self.examined: set[str] = set()
        self.cut: set[str] = set()
        self.cooked: set[str] = set()
        self.recipe_reads = 0
        self.walked: set[tuple[str, str]] = set()
        self.w = world
        self.opened = opened
        self.dropped = dropped
        self.fetching: list[str] = []  # the locks whose keys are being fetched, outermost first
        # Admissible commands by lower case (memory names may differ in case: BBQ).
        self.adm = {c.lower(): c for c in admissible}
        self.room = world.room or ""

    def can(self, command: str) -> str | None:
        return self.adm.get(command.lower())

    # ------------------------------------------------------------------ top level
    def best(self) -> str | None:
        w = self.w
        w.consult_task()
        if w.recipe is not None or "meal" in w.goals:
            return self.kitchen()
        targets = [g for g in w.goals if g != "meal"]
        if targets:
            return self.maze(targets[0])
        return self.explore()

    def fallback(self) -> str:
        """Something useful-looking when no plan applies: explore, else any command."""
        for prefix in ("go ", "open ", "examine "):
            options = sorted(c for c in self.adm.values() if c.startswith(prefix))
            if options:
                return options[len(self.opened) % len(options)]
        return next(iter(self.adm.values()), "look")

    # ------------------------------------------------------------------ kitchen
    def kitchen(self) -> str | None:
        w = self.w
        if self.can("eat meal"):
            return self.can("eat meal")
        if w.recipe is None:
            return self.can("examine cookbook") or self.fetch_view("cookbook")
        if w.recipe_doubt and self.recipe_reads < RECIPE_READS:
            # A wrong cut or a wrong cooking loses the game: read again while it is cheap
            # (the same reading again and again is not being stuck, see `choose`).
            read = self.can("examine cookbook")
            if read:
                return read
        carried = w.carried()
        needed = [i for i in w.recipe if i not in carried]
        cuts = [
            (i, s)
            for i, preps in w.recipe.items()
            for s in preps
            if s in CUT_STATES and not w.is_(i, s) and i.lower() not in self.cut
        ]
        cooks = [
            (i, s)
            for i, preps in w.recipe.items()
            for s in preps
            if s in COOK_STATES and not w.is_(i, s) and i.lower() not in self.cooked
        ]
        has_knife = "knife" in carried
        full = self.hands_full()
        if full:
            drop = self.drop_unneeded(set(w.recipe), knife_needed=bool(cuts))
            if drop:
                return drop
        # Work on what is at hand first: cut with the knife, cook where the appliance is.
        for ingredient, state in cuts:
            command = has_knife and self.can(f"{CUT_VERB[state]} {ingredient} with knife")
            if command:
                return command
        for ingredient, state in cooks:
            command = self.can(f"cook {ingredient} with {APPLIANCE[state]}")
            if command:
                return command
        if cuts and not has_knife and self.w.room_of("knife") == self.room:
            command = self.make_room_for("knife", cuts) if full else self.take("knife")
            if command:
                return command
        # An ingredient the game lets us take here is taken, whatever the memory believes
        # of it (its place may be unread yet): walking off to look for another would waste
        # the trip here.
        for ingredient in needed:
            if ingredient not in self.dropped and not full and self.take(ingredient):
                return self.take(ingredient)
        for ingredient in self.nearest_keeping_order(needed):
            here = self.w.room_of(ingredient) == self.room
            command = self.make_room_for(ingredient, cuts) if full and here else None
            command = command or self.fetch(ingredient)
            if command:
                return command
        for _, state in cooks:
            command = self.go_to_thing(APPLIANCE[state])
            if command:
                return command
        if cuts and not has_knife:
            command = self.fetch("knife")
            if command:
                return command
        # Everything prepared: the meal is made where the cookbook is (the kitchen).
        return (
            self.can("prepare meal") or self.go_to_thing("cookbook") or self.go_to_room("kitchen")
        )

    def make_room_for(self, thing: str, cuts: Sequence[tuple[str, str]]) -> str | None:
        """Drop something to free a hand for ``thing`` (the carrying limit of kitchen-hard).

        The knife goes first when nothing carried, nor ``thing``, still needs cutting;
        otherwise an ingredient with no cutting left (it is picked up again later).
        """
        carried = self.w.carried()
        pending = {i for i, _ in cuts}
        if "knife" in carried and thing not in pending and not pending & carried:
            return self.can("drop knife")
        recipe = self.w.recipe or {}
        victims = sorted(i for i in carried if i in recipe and i not in pending and i != thing)
        return self.can(f"drop {victims[0]}") if victims else None

    def hands_full(self) -> bool:
        """Something visible can be taken only if the hands are free: none can."""
        takes = any(c.startswith("take ") for c in self.adm)
        return not takes and any(c.startswith("drop ") for c in self.adm) and self.sees_takeable()

    def sees_takeable(self) -> bool:
        w = self.w
        return any(
            (w.room_of(x) == self.room and x not in w.carried()) for x in (w.recipe or {})
        ) or ("knife" not in w.carried() and w.room_of("knife") == self.room)

    def drop_unneeded(self, needed: set[str], knife_needed: bool) -> str | None:
        for command in sorted(self.adm):
            if command.startswith("drop "):
                thing = command[5:]
                if thing not in needed and not (thing == "knife" and knife_needed):
                    return self.adm[command]
        return None

    def nearest_keeping_order(self, things: Sequence[str]) -> list[str]:
        """`nearest`, but things we dropped ourselves after all the others."""
        fresh = [x for x in things if x not in self.dropped]
        return self.nearest(fresh) + self.nearest([x for x in things if x in self.dropped])

    def nearest(self, things: Sequence[str]) -> list[str]:
        """Things ordered by how far their believed room is (unknown last)."""

        def distance(thing: str) -> int:
            room = self.w.room_of(thing)
            path = self.w.path(self.room, room) if room else None
            return len(path) if path is not None else 1000

        return sorted(things, key=distance)

    # ------------------------------------------------------------------ maze
    def maze(self, target: str) -> str | None:
        command = self.take(target)
        if command:
            return command
        carried = self.w.carried()
        # Read what carries writing as soon as it is in view: a note may say which key opens
        # which lock, and knowing it now saves walking back for the key later.
        command = self.read_here()
        if command:
            return command
        named = self.named_key_here(carried)
        if named:
            return named
        # A key is taken only for a lock that matters: one in front of us that no carried key
        # opens, or, while we do not know where the target is, any lock (it may be behind
        # it). A wrong object can lose a game, so keys are not collected for nothing.
        lost = self.w.room_of(target, consult=False) is None
        locked = sorted(x for x in self.w.states if self.w._has(x, "locked"))
        wanted = self.key_wanted or self.locked_here_without_key(self.w.holder_of(target))
        if wanted or (lost and locked and not self.untried_key(carried, locked)):
            command = self.take_likeliest_key(carried, locked)
            if command:
                return command
        holder = self.w.holder_of(target)
        if holder and self.w.room_of(target) == self.room:
            command = self.open_thing(holder)
            if command:
                return command
        room = self.w.room_of(target)
        if room and room != self.room:
            command = self.go_to_room(room)
            if command:
                return command
        return self.explore()

    def read_here(self) -> str | None:
        """``examine`` a thing here that carries writing and was not read yet."""
        for low, command in sorted(self.adm.items()):
            thing = low[8:]
            if low.startswith("examine ") and thing not in self.examined and is_writing(thing):
                return command
        return None

    def named_key_here(self, carried: set[str]) -> str | None:
        """Take a key in view that a note says opens something (a key with a known use is
        no risk, and fetching it later costs a walk back)."""
        for key in self.w.opens.values():
            if key not in carried:
                command = self.take(key)
                if command:
                    return command
        return None

    def untried_key(self, carried: set[str], locked: Sequence[str]) -> bool:
        """Whether we carry a key not yet tried on some known lock (try it before taking
        another: each key taken is a risk)."""
        keys = {k for k in carried if is_key(k)}
        return any(keys - self.tried.get(lock, frozenset()) for lock in locked)

    def take_likeliest_key(self, carried: set[str], locked: Sequence[str]) -> str | None:
        """Take the visible key most like a known lock (a *brass key* for a *brass door*:
        the words they share), else the first by name."""
        lock_words = {w for lock in locked for w in lock.lower().split()} - KEY_NOUNS
        options = []
        for low, command in sorted(self.adm.items()):
            thing = low[5:].split(" from ")[0]
            if low.startswith("take ") and is_key(thing) and thing not in carried:
                shared = len(set(thing.split()) & lock_words)
                options.append((-shared, low, command))
        return min(options)[2] if options else None

    # ------------------------------------------------------------------ fetching
    def take(self, thing: str) -> str | None:
        command = self.can(f"take {thing}")
        if command:
            return command
        prefix = f"take {thing.lower()} from "
        return next((c for low, c in sorted(self.adm.items()) if low.startswith(prefix)), None)

    def fetch(self, thing: str) -> str | None:
        """The next command toward holding a thing."""
        if thing in self.w.carried():
            return None
        command = self.take(thing)
        if command:
            return command
        return self.fetch_view(thing)

    def fetch_view(self, thing: str) -> str | None:
        """The next command toward seeing a thing: go to it, open its holder, explore."""
        w = self.w
        room = w.room_of(thing)
        if room is not None and room != self.room:
            command = self.go_to_room(room)
            if command:
                return command
        holder = w.holder_of(thing)
        if holder is not None and w.room_of(holder) == self.room:
            command = self.open_thing(holder)
            if command:
                return command
        return self.explore()

    def go_to_thing(self, thing: str) -> str | None:
        room = self.w.room_of(thing)
        if room is None:
            for name in self.w.place:
                if name.lower() == thing.lower():
                    room = self.w.room_of(name)
        if room is None:
            return self.explore()
        return None if room == self.room else self.go_to_room(room)

    def go_to_room(self, room: str) -> str | None:
        path = self.w.path(self.room, room)
        if not path:
            return None if room == self.room else self.explore()
        return self.move(path[0])

    def open_thing(self, thing: str) -> str | None:
        """Open a closed container or door; unlock it first if a key is at hand."""
        command = self.can(f"open {thing}")
        if command:
            return command
        unlock = f"unlock {thing.lower()} with "
        command = next((c for low, c in self.adm.items() if low.startswith(unlock)), None)
        if command:
            return command
        if self.w.is_(thing, "locked"):
            return self.fetch_key(thing)
        return None

    def locked_here_without_key(self, holder: str | None = None) -> bool:
        """A locked door in this room, or the target's ``holder`` here, locked, that no
        admissible unlock opens. Other locked containers do not count: a key taken for
        them is a risk (a wrong object can lose a game) for nothing we need yet."""
        w = self.w
        here = {door for (room, _), door in w.doors.items() if room == self.room}
        if holder is not None and w.room_of(holder, consult=False) == self.room:
            here.add(holder)
        for thing in here:
            if w.is_(thing, "locked"):
                unlock = f"unlock {thing.lower()} with "
                if not any(low.startswith(unlock) for low in self.adm):
                    return True
        return False

    def fetch_key(self, lock: str | None = None) -> str | None:
        """Toward a key not carried (a carried one that fitted would be unlockable here):
        first the one a note says opens ``lock``, then the nearest, keys known to open
        something else last. A key behind another lock is fetched through that lock, up
        to `KEY_CHAIN` locks deep."""
        if len(self.fetching) >= KEY_CHAIN or (lock is not None and lock in self.fetching):
            return None
        self.fetching.append(lock or "")
        self.key_wanted = True
        try:
            carried = self.w.carried()
            keys = [x for x in self.w.place if is_key(x) and x not in carried]
            named = self.w.key_for(lock) if lock else None
            first = [k for k in keys if named and k.lower() == named.lower()]
            elsewhere = {k.lower() for k in self.w.opens.values()}
            rest = self.nearest([k for k in keys if k not in first])
            rest.sort(key=lambda k: k.lower() in elsewhere)  # stable: nearest within each
            for key in first + rest:
                command = self.fetch(key)
                if command:
                    return command
            return None
        finally:
            self.fetching.pop()

    # ------------------------------------------------------------------ moving
    def move(self, direction: str) -> str | None:
        door = self.w.doors.get((self.room, direction))
        command = self.can(f"go {direction}")
        if command:
            return command
        if door is not None:
            return self.open_thing(door)
        return None

    def explore(self) -> str | None:
        """Toward what is not seen yet. In order: unlock what a carried key fits and open a
        closed container here (either may reveal what we look for, neither can lose a
        game); walk to the nearest exit not yet tried, past locked doors only when nothing
        else is left; open what is left here; go back to a closed container seen and not
        opened (a locked one only with keys not tried on it yet); fetch a key."""
        unlocks = sorted(c for low, c in self.adm.items() if low.startswith("unlock "))
        doors = {d.lower() for d in self.w.doors.values()}
        return (
            (unlocks[0] if unlocks else None)
            or self.open_here(skip=doors)
            or self.toward_frontier(skip_locked=True)
            or self.open_here()
            or self.revisit_container()
            or self.fetch_key()
            or self.toward_frontier(skip_locked=False)
            or self.recheck_link()
            or self.look_closer()
        )

    def recheck_link(self) -> str | None:
        """Everything believed explored and what we look for not found: walk the weakest
        map link not walked in this game (a stale one, learnt in another house, is the
        likeliest to be wrong; walking it either confirms it or replaces it). Within one
        game every link is the agent's own move (a certain outcome), so this fires only for
        a memory that has known other houses, or under ``outcomes=noisy``."""
        w = self.w
        unwalked = [
            (belief.strength, room, d)
            for (room, d) in w.leads_to
            if (room, d) not in self.walked
            and (belief := w.sources.get(("link", room, d))) is not None
        ]
        for _, room, d in sorted(unwalked):
            if room == self.room:
                command = self.move(d)
            else:
                path = w.path(self.room, room)
                command = self.move(path[0]) if path else None
            if command:
                return command
        return None

    def open_here(self, skip: set[str] | frozenset[str] = frozenset()) -> str | None:
        """Open something here not opened yet (what ``skip`` names left shut)."""
        for low, command in sorted(self.adm.items()):
            thing = low[5:]
            if low.startswith("open ") and thing not in skip and thing not in self.opened:
                return command
        return None

    def toward_frontier(self, skip_locked: bool) -> str | None:
        """A step toward the nearest exit not yet tried."""
        path = self.w.path_to_frontier(self.room, skip_locked=skip_locked)
        return self.move(path[0]) if path else None

    def look_closer(self) -> str | None:
        """Everything is explored and what we look for is not found: examine what we have
        not examined yet (a note may say which key opens what; a fixture may be a locked
        container), here first, else in the nearest room with such a thing."""
        carried = self.w.carried()
        for low, command in sorted(self.adm.items()):
            thing = low[8:]
            held = any(thing == c.lower() for c in carried)
            if low.startswith("examine ") and thing not in self.examined and not held:
                return command
        waiting = [
            x
            for x in self.w.place
            if x.lower() not in self.examined
            and x not in carried
            and self.w.room_of(x, consult=False) not in (None, self.room)
        ]
        return self.walk_to_nearest(waiting)

    def revisit_container(self) -> str | None:
        """Toward the nearest closed or locked container seen and never opened; a locked
        one only while we carry a key not yet tried there."""
        w = self.w
        carried = frozenset(w.carried())
        doors = set(w.doors.values())
        waiting = []
        for thing in w.place:
            if thing in doors or thing in self.opened:
                continue
            if not (w._has(thing, "locked") or w._has(thing, "closed")):
                continue
            if thing in self.tried and not (carried - self.tried[thing]):
                continue
            room = w.room_of(thing, consult=False)
            if room is not None and room != self.room:
                waiting.append(thing)
        return self.walk_to_nearest(waiting)

    def walk_to_nearest(self, things: Sequence[str]) -> str | None:
        """A step toward the nearest of ``things`` whose room a known way leads to (never
        an exploration: these are what exploring falls back on)."""
        for thing in self.nearest(things):
            room = self.w.room_of(thing, consult=False)
            path = self.w.path(self.room, room) if room else None
            command = self.move(path[0]) if path else None
            if command:
                return command
        return None
