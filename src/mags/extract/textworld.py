"""The rule-based TextWorld extractor: the embedded default that needs no LLM.

It reads one game step — the command, the game's feedback, and, when the caller passes
them in ``extra``, the room's description, the inventory answer and the admissible
commands — and returns facts in the default schema with negative evidence:

- the player's room (``player at kitchen``) and the map (``backyard east_of kitchen``
  after going east), exits (``kitchen exit south``), doors (``patio door connects kitchen``
  with its direction as a qualifier) and their states;
- where things are: on supporters, in containers, in the room, carried (``held_by
  player``), and open/closed/locked states;
- food states (sliced, diced, chopped; fried, roasted, grilled, burned; eaten);
- the cookbook's recipe (``recipe needs tomato`` with the preparations as qualifiers) and
  the objective's target (``player goal passkey``), or a person's task in its place
  (``extra["task"]``, free wording: "Find the ruby crown");
- what an examined note says opens what (``Key 1 opens iron door``);
- what is no longer so: everything a complete view of the room, a supporter, an open
  container or the inventory does not show is negated, so moved things do not linger.

Admissible commands name every visible thing exactly ("take red hot pepper from counter"),
so free text only has to be matched against those names; without them the extractor still
reads action feedback, room headers, door sentences, recipes and inventories.

One extractor follows one game (it remembers the room it is in); make a new one per game.

Example
-------
>>> from mags import Memory
>>> memory = Memory.open(extractor=TextWorldExtractor())
>>> step = {"command": None, "admissible_commands": ["examine table", "go east",
...         "take apple from table"], "inventory": "You are carrying nothing."}
>>> _ = memory.observe("-= Kitchen =-\\nOn the table you see an apple.", t=0, extra=step)
>>> memory.where_is("apple", t=0).object
'table'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mags.core.model import Fact, Negation
from mags.extract.base import Extraction, ExtractionContext
from mags.extract.textworld_text import (
    COOK_STATES,
    CUT_STATES,
    CUT_VERBS,
    DIRECTIONS,
    OPPOSITE,
    STATE_WORDS,
    clean,
    directions_in,
    find_mentions,
    food_states,
    is_failure,
    parse_command,
    parse_inventory,
    parse_key_notes,
    parse_objective,
    parse_recipe,
    parse_task,
    room_header,
    sentences,
    split_list,
)

PLAYER = "player"
RECIPE = "recipe"
OBJECTIVE_CONFIDENCE = 0.8
"""A place named only in the objective is believed, but less than a place seen."""
VIEW_CONFIDENCE = 0.9
"""What a view shows (a room, a container's contents, the inventory): very likely, but a
reading can be wrong, so it contests what earlier views established (mags.core.reconcile)."""
ACTION_CONFIDENCE = 1.0
"""The effect of the agent's own command that the game accepted (it took the apple, the
door is open now, it walked into the kitchen, and where that move led): certain, so it
supersedes at once. The task the agent was given (``player goal coin``) is as certain: it
is what the agent was asked, not a reading of a view."""

_COOKED = re.compile(r"\bYou (fried|roasted|grilled|burned) the (.+?)[.!]", re.IGNORECASE)
_CUT = re.compile(r"\bYou (slice|dice|chop) the (.+?)[.!]", re.IGNORECASE)
_EATEN = re.compile(r"\bYou eat the (.+?)[.!]", re.IGNORECASE)
_REVEALING = re.compile(r"\bYou open the (.+?), revealing (.+?)[.!]", re.IGNORECASE)


@dataclass(frozen=True)
class Affordances:
    """What the admissible commands say about the visible world."""

    visible: frozenset[str]
    held: frozenset[str]
    on_floor: frozenset[str]
    holder_of: Mapping[str, str]
    openable: frozenset[str]  # "open X" is admissible: X is closed
    closable: frozenset[str]  # "close X" is admissible: X is open
    unlockable: frozenset[str]  # "unlock X with K" is admissible: X is locked
    exits: tuple[str, ...]

    @classmethod
    def read(cls, commands: Iterable[str]) -> Affordances:
        """Sort admissible commands into what they reveal.

        Example
        -------
        >>> a = Affordances.read(["take knife from table", "drop apple", "go east"])
        >>> a.holder_of["knife"], sorted(a.held), a.exits
        ('table', ['apple'], ('east',))
        """
        visible: set[str] = set()
        held: set[str] = set()
        on_floor: set[str] = set()
        holder_of: dict[str, str] = {}
        openable: set[str] = set()
        closable: set[str] = set()
        unlockable: set[str] = set()
        exits: list[str] = []
        for command in commands:
            c = parse_command(command)
            if c.verb == "go" and c.obj in DIRECTIONS:
                exits.append(c.obj)
            elif c.obj is None:
                continue
            elif c.verb == "examine":
                visible.add(c.obj)
            elif c.verb == "take":
                visible.add(c.obj)
                if c.other is None:
                    on_floor.add(c.obj)
                else:
                    holder_of[c.obj] = c.other
                    visible.add(c.other)
            elif c.verb in ("drop", "eat", "put", "insert"):
                held.add(c.obj)
            elif c.verb == "open":
                openable.add(c.obj)
            elif c.verb == "close":
                closable.add(c.obj)
            elif c.verb == "unlock":
                unlockable.add(c.obj)
                if c.other:
                    held.add(c.other)
            elif c.verb in ("lock",) and c.other:
                held.add(c.other)
        return cls(
            frozenset(visible | openable | closable | unlockable),
            frozenset(held),
            frozenset(on_floor),
            holder_of,
            frozenset(openable),
            frozenset(closable),
            frozenset(unlockable),
            tuple(exits),
        )


@dataclass
class TextWorldExtractor:
    """Turns TextWorld steps into facts; see the module docstring.

    Pass ``extra={"command": ..., "description": ..., "inventory": ...,
    "admissible_commands": [...]}`` to `Memory.observe` for complete views.
    """

    room: str | None = None
    containers: set[str] = field(default_factory=set)
    supporters: set[str] = field(default_factory=set)
    foods: set[str] = field(default_factory=set)
    """Things known to be food (a recipe's ingredients, things once shown with a food
    state): a view that shows one without a cooking or cutting word says it is raw or
    uncut, so a false "fried" does not outlast the next look."""
    doors: dict[tuple[str, str], str] = field(default_factory=dict)

    def new_game(self) -> None:
        """Start over in another game: the room it stands in and the doors it saw belong to
        the last one; what it learnt of things (containers, supporters, foods) stays."""
        self.room = None
        self.doors = {}

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        """Facts and negations in one step (see the module docstring)."""
        extra = context.extra
        command, feedback = _split_command(text, extra.get("command"))
        description = clean(str(extra.get("description") or ""))
        step = _Step(self, command, feedback, description, extra)
        step.read()
        return Extraction(facts=step.facts, negations=step.negations)


def _split_command(text: str, command: Any) -> tuple[str | None, str]:
    """The command (from ``extra`` or a leading ``> command`` line) and the feedback."""
    body = text
    lines = text.lstrip().split("\n", 1)
    if lines and lines[0].startswith("> "):
        command = command or lines[0][2:].strip()
        body = lines[1] if len(lines) > 1 else ""
    return (str(command).strip() or None) if command else None, clean(body)


@lru_cache(maxsize=1024)  # a room seen again gives the same commands
def affordances_of(commands: tuple[str, ...]) -> Affordances:
    """`Affordances.read`, cached: a room seen again gives the same commands."""
    return Affordances.read(commands)


class _Step:
    """The reading of one step; collects facts and negations."""

    def __init__(
        self,
        extractor: TextWorldExtractor,
        command: str | None,
        feedback: str,
        description: str,
        extra: Mapping[str, Any],
    ) -> None:
        self.x = extractor
        self.command = parse_command(command) if command else None
        self.feedback = feedback
        self.description = description
        self.failed = command is not None and is_failure(feedback)
        admissible = extra.get("admissible_commands")
        self.affordances = affordances_of(tuple(admissible)) if admissible is not None else None
        self.inventory = extra.get("inventory")
        self.task = str(extra.get("task") or "")
        self.facts: list[Fact] = []
        self.negations: list[Negation] = []

    def add(self, subject: str, relation: str, obj: str, **kw: Any) -> None:
        kw.setdefault("confidence", VIEW_CONFIDENCE)
        self.facts.append(Fact(subject, relation, obj, **kw))

    def deny(self, relation: str, subject: str | None = None, object: str | None = None) -> None:
        """Negative evidence from what the view does not show (as uncertain as the view)."""
        self.negations.append(Negation(relation, subject, object, VIEW_CONFIDENCE))

    def add_effect(self, subject: str, relation: str, obj: str, **kw: Any) -> None:
        """A fact the agent's accepted command made true."""
        self.add(subject, relation, obj, confidence=ACTION_CONFIDENCE, **kw)

    # ----------------------------------------------------------------------- reading
    def read(self) -> None:
        self.read_objective()
        self.read_room()
        self.read_recipe()
        self.read_food_feedback()
        self.read_command_effect()
        self.read_key_notes()
        if self.affordances is None:
            self.read_action_feedback()
        else:
            self.read_view(self.affordances)
        self.read_inventory()

    def read_objective(self) -> None:
        if self.command is not None:
            return
        if self.task:  # a person's task (mags play --task) stands in for the game's own
            objective = parse_task(self.task)
        else:
            if re.search(r"\bcook a delicious meal\b", self.feedback, re.IGNORECASE):
                self.add_effect(PLAYER, "goal", "meal")
            objective = parse_objective(self.feedback.split("-=", 1)[0])
        if objective is None:
            return
        self.add_effect(PLAYER, "goal", objective.target, qualifiers={"verb": objective.verb})
        if objective.room and not objective.holder:
            self.add(objective.target, "at", objective.room, confidence=OBJECTIVE_CONFIDENCE)

    def read_room(self) -> None:
        header = room_header(self.feedback) or room_header(self.description)
        if header is None:
            return
        previous, cmd = self.x.room, self.command
        if (
            cmd is not None
            and cmd.verb == "go"
            and cmd.obj in OPPOSITE
            and previous is not None
            and header != previous
            and not self.failed
        ):
            # Where the agent's own move led: its outcome, as certain as the header.
            self.add_effect(header, f"{cmd.obj}_of", previous)
            self.add_effect(previous, f"{OPPOSITE[cmd.obj]}_of", header)
            door = self.x.doors.get((previous, cmd.obj))
            if door is not None:
                self.add_effect(
                    door, "connects", header, qualifiers={"direction": OPPOSITE[cmd.obj]}
                )
                self.x.doors[(header, OPPOSITE[cmd.obj])] = door
        self.x.room = header
        # The room's header is the game saying where the player is, not a reading of a
        # view: certain, so a wrong or missed reading of it lasts one step, never a contest.
        self.add_effect(PLAYER, "at", header)

    def read_recipe(self) -> None:
        recipe = parse_recipe(self.feedback)
        if recipe is None:
            return
        for ingredient in recipe.ingredients:
            self.x.foods.add(ingredient.lower())
            preps = recipe.preparations.get(ingredient, ())
            qualifiers = {"prepare": ",".join(preps)} if preps else None
            self.add(RECIPE, "needs", ingredient, qualifiers=qualifiers)
        # No negation of the lines this reading lacks: a cookbook does not change, so a line
        # missed is a misreading, and reading it again is a vote (see the planner's doubt).

    def read_food_feedback(self) -> None:
        for match in _COOKED.finditer(self.feedback):
            self.add_effect(match.group(2).lower(), "is", match.group(1).lower())
        for match in _CUT.finditer(self.feedback):
            self.add_effect(match.group(2).lower(), "is", CUT_VERBS[match.group(1).lower()])
        for match in _EATEN.finditer(self.feedback):
            self.add_effect(match.group(1).lower(), "is", "eaten")

    def read_command_effect(self) -> None:
        """The effect of the command on its object, when the game accepted it."""
        cmd, room = self.command, self.x.room
        if cmd is None or self.failed or cmd.obj is None:
            return
        obj, other = cmd.obj, cmd.other
        if cmd.verb == "take":
            self.add_effect(obj, "held_by", PLAYER)
        elif cmd.verb == "drop" and room:
            self.add_effect(obj, "at", room)
        elif cmd.verb == "put" and other:
            self.x.supporters.add(other)
            self.add_effect(obj, "on", other)
        elif cmd.verb == "insert" and other:
            self.x.containers.add(other)
            self.add_effect(obj, "in", other)
        elif cmd.verb in ("open", "close", "lock", "unlock"):
            state = {"open": "open", "close": "closed", "lock": "locked", "unlock": "closed"}
            self.add_effect(obj, "is", state[cmd.verb])

    def read_key_notes(self) -> None:
        """What a text the agent examined says opens what ("Key 1 opens the iron door")."""
        cmd = self.command
        if cmd is None or cmd.verb not in ("examine", "read") or self.failed:
            return
        for key, lock in parse_key_notes(self.feedback):
            self.add(key, "opens", lock)
        # "The steel locker looks strong. It is closed." (a locked one says so too; one
        # that no command opens is locked, which the planner works out from the commands)
        state = re.search(r"\bIt is (open|closed|locked)\b", self.feedback)
        if state and cmd.obj:
            self.add(cmd.obj, "is", state.group(1))

    def read_action_feedback(self) -> None:
        """Without admissible commands: what the feedback reveals besides the effect."""
        if self.command is None or self.failed:
            return
        match = _REVEALING.search(self.feedback)
        if match:
            container = match.group(1).lower()
            self.x.containers.add(container)
            for shown in split_list(match.group(2)):
                self.add_with_states(shown, "in", container)

    def read_view(self, a: Affordances) -> None:
        """A complete view of the room from the admissible commands and the description."""
        room = self.x.room
        if room is None:
            return
        text = self.description or self.feedback
        said = sentences(text)
        low = " ".join(said).lower()
        doors = self.read_doors(a, said, room)
        containers = self.x.containers
        # With the hands full nothing can be taken, so the commands no longer say where
        # things lie: read it from the text, and do not negate what the view cannot show.
        hands_full = not a.holder_of and not a.on_floor and bool(a.held)
        holders = (containers | self.x.supporters) & a.visible
        for thing in a.visible:
            holder = a.holder_of.get(thing)
            if holder is None and hands_full and thing not in doors:
                holder = _holder_in_text(said, thing, holders - {thing})
            if holder is not None:
                if holder in a.openable or holder in a.closable or _says_contains(low, holder):
                    containers.add(holder)
                relation = "in" if holder in containers else "on"
                if relation == "on":
                    self.x.supporters.add(holder)
                self.add(thing, relation, holder)
            elif thing in doors or thing in a.held:
                continue
            else:
                self.add(thing, "at", room)
            self.add_states(thing, low)
        for thing in a.visible | doors:
            if thing in a.unlockable or _says_locked(low, thing):
                self.add(thing, "is", "locked")
            elif thing in a.closable:
                self.add(thing, "is", "open")
            elif thing in a.openable:
                self.add(thing, "is", "closed")
            elif thing in doors:  # a door that can be neither opened nor closed is locked
                self.add(thing, "is", "locked")
        for direction in sorted(set(a.exits) | {d for (r, d) in self.x.doors if r == room}):
            self.add(room, "exit", direction)
        self.deny("exit", subject=room)
        if hands_full:
            return
        # What this view does not show is not there any more.
        self.deny("at", object=room)
        for thing in a.visible:
            if thing in self.x.supporters:
                self.deny("on", object=thing)
            elif thing in containers and thing in a.closable:
                self.deny("in", object=thing)

    def read_doors(self, a: Affordances, said: Sequence[str], room: str) -> set[str]:
        """Doors in view: openable things named in a sentence with a direction."""
        doors: set[str] = set()
        candidates = a.visible - set(a.holder_of) - a.held - a.on_floor
        for sentence in said:
            directions = directions_in(sentence)
            if not directions:
                continue
            mentions = [name for _, name in find_mentions(sentence, candidates)]
            if len(mentions) != 1:
                continue
            door = mentions[0]
            doors.add(door)
            self.x.doors[(room, directions[0])] = door
            self.add(door, "connects", room, qualifiers={"direction": directions[0]})
        return doors

    def read_inventory(self) -> None:
        if self.inventory is None:
            return
        shown = parse_inventory(str(self.inventory))
        if shown is None:
            return
        for item in shown:
            self.add_with_states(item, "held_by", PLAYER)
        self.deny("held_by", object=PLAYER)

    # ----------------------------------------------------------------------- helpers
    def add_with_states(self, shown: str, relation: str, holder: str) -> None:
        name, states = food_states(shown)
        self.add(name, relation, holder)
        self.add_food_states(name, states)

    def add_food_states(self, thing: str, states: Iterable[str]) -> None:
        """A shown thing's food states; for a known food, what it is not yet as well."""
        states = [s for s in states if s in COOK_STATES or s in CUT_STATES]
        for state in states:
            self.add(thing, "is", state)
        name = thing.lower()
        if states:
            self.x.foods.add(name)
        if name in self.x.foods:
            if not any(s in COOK_STATES for s in states):
                self.add(thing, "is", "raw")
            if not any(s in CUT_STATES for s in states):
                self.add(thing, "is", "uncut")

    def add_states(self, thing: str, low: str) -> None:
        """Food states printed before a thing's name in the (lower-case) description."""
        name = thing.lower()
        at = low.find(" " + name)
        while at >= 0:
            end = at + 1 + len(name)
            if end == len(low) or not low[end].isalnum():
                shown = []
                for word in reversed(low[:at].split()[-3:]):
                    if word not in STATE_WORDS:
                        break
                    shown.append(word)
                self.add_food_states(thing, shown)
                return
            at = low.find(" " + name, at + 1)


def _holder_in_text(said: Sequence[str], thing: str, holders: Iterable[str]) -> str | None:
    """The one known holder named in a sentence beside the thing, if there is exactly one."""
    holders = list(holders)
    name = thing.lower()
    for sentence in said:
        if name not in sentence.lower():
            continue
        mentions = [name for _, name in find_mentions(sentence, [thing, *holders])]
        if thing in mentions:
            others = [m for m in mentions if m != thing]
            if len(others) == 1:
                return others[0]
    return None


def _says_contains(low: str, holder: str) -> bool:
    """Whether the description speaks of the holder as a container."""
    name = holder.lower()
    verbs = ("contains ", "is empty", "holds ", "has ", "is filled with")
    return any(f"the {name} {verb}" in low for verb in verbs)


def _says_locked(low: str, thing: str) -> bool:
    name = thing.lower()
    return f"locked {name}" in low or f"{name} is locked" in low
