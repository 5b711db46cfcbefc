"""Belief accuracy: a memory's current facts as TextWorld predicates, scored against the truth.

Pure functions, no game and no I/O. A belief is a ground atom like ``("in", ("knife",
"I"))``. Memory facts map onto TextWorld's predicates (``player at kitchen`` ->
``at(P, kitchen)``, ``knife held_by player`` -> ``in(knife, I)``, ``door is open`` ->
``open(door)``, ``backyard east_of kitchen`` -> ``east_of(backyard, kitchen)``, a door
that connects two rooms -> ``link`` both ways, ``fried`` -> ``fried`` and ``cooked``).

Only predicates a player can observe through the text are compared (``COMPARED``): where
things are, open/closed/locked, the map, and the food states the game prints. Static
properties the text never states (``cuttable``, ``edible``, ``uncut``; ``raw`` is printed
for ``needs_cooking`` food, not for ``raw`` food) are left out, on both sides.

The scope is what the agent has observed (`Scope`): a fact about things never seen
together cannot be known and is not counted against the memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Atom = tuple[str, tuple[str, ...]]
"""A ground predicate: name and argument names (lower case; ``P`` player, ``I`` inventory)."""

LOCATION = ("at", "in", "on")
OPENNESS = ("open", "closed", "locked")
MAP = ("north_of", "south_of", "east_of", "west_of")
COOKING = ("fried", "roasted", "grilled", "burned")
CUTTING = ("sliced", "diced", "chopped")
COMPARED = frozenset({*LOCATION, *OPENNESS, *MAP, "link", *COOKING, "cooked", *CUTTING})
SPECIAL = {"p": "P", "i": "I"}


def normalize(name: str) -> str:
    """Names compare in lower case; the player and inventory keep TextWorld's P and I."""
    low = name.strip().lower()
    return SPECIAL.get(low, low) if len(low) == 1 else low


def atom(predicate: str, *args: str) -> Atom:
    """Build an atom with normalized names.

    Example
    -------
    >>> atom("at", "P", "Kitchen")
    ('at', ('P', 'kitchen'))
    """
    return predicate, tuple(normalize(a) for a in args)


def beliefs_from_facts(facts: Iterable[tuple[str, str, str]]) -> set[Atom]:
    """TextWorld atoms for a memory's current ``(subject, relation, object)`` facts.

    Example
    -------
    >>> facts = [("player", "at", "kitchen"), ("knife", "held_by", "player")]
    >>> sorted(beliefs_from_facts(facts + [("tomato", "is", "fried")]))[:2]
    [('at', ('P', 'kitchen')), ('cooked', ('tomato',))]
    """
    out: set[Atom] = set()
    connects: dict[str, set[str]] = {}
    facts = list(facts)
    burned = {s.lower() for s, r, o in facts if r == "is" and o.lower() == "burned"}
    for subject, relation, obj in facts:
        s, o = subject.lower(), obj.lower()
        if relation == "at":
            out.add(atom("at", "P" if s == "player" else s, o))
        elif relation in ("in", "on"):
            out.add(atom(relation, s, o))
        elif relation == "held_by" and o == "player":
            out.add(atom("in", s, "I"))
        elif relation == "is":
            if o in OPENNESS or o in CUTTING:
                out.add(atom(o, s))
            elif o in COOKING:
                out.add(atom(o, s))
                if o != "burned" and s not in burned:  # TextWorld: burned food is not cooked
                    out.add(atom("cooked", s))
        elif relation in MAP:
            out.add(atom(relation, s, o))
        elif relation == "connects":
            connects.setdefault(s, set()).add(o)
    for door, rooms in connects.items():
        for a in rooms:
            for b in rooms:
                if a != b:
                    out.add(atom("link", a, door, b))
    return out


def truth_atoms(facts: Iterable[tuple[str, Iterable[str]]]) -> set[Atom]:
    """The compared part of the true state, from ``(predicate, args)`` pairs."""
    return {atom(p, *args) for p, args in facts if p in COMPARED}


@dataclass
class Scope:
    """What the agent has observed so far: things seen together, rooms walked between.

    A location atom is in scope once its two things were seen in the same step; a map or
    link atom once the agent walked between its two rooms; a state atom once its thing was
    seen. The player's location is always in scope.
    """

    seen: set[str] = field(default_factory=set)
    together: set[frozenset[str]] = field(default_factory=set)
    walked: set[frozenset[str]] = field(default_factory=set)

    def observe(self, room: str, visible: Iterable[str], previous_room: str | None) -> None:
        """Record one step: the room the player is in and the names in view."""
        names = {normalize(v) for v in visible} | {normalize(room), "I"}
        self.seen |= names
        for a in names:
            for b in names:
                if a < b:
                    self.together.add(frozenset((a, b)))
        if previous_room is not None and normalize(previous_room) != normalize(room):
            self.walked.add(frozenset((normalize(previous_room), normalize(room))))

    def covers(self, a: Atom) -> bool:
        """Whether the agent could know this atom."""
        predicate, args = a
        if predicate == "at" and args[0] == "P":
            return True
        if predicate in LOCATION:
            return frozenset(args) in self.together
        if predicate in MAP:
            return frozenset(args) in self.walked
        if predicate == "link":
            return args[1] in self.seen and frozenset((args[0], args[2])) in self.walked
        return all(arg in self.seen for arg in args)


@dataclass(frozen=True)
class BeliefScore:
    """One comparison: counts and the rates derived from them."""

    believed: int
    true: int
    correct: int
    stale: int

    @property
    def precision(self) -> float:
        return self.correct / self.believed if self.believed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def stale_rate(self) -> float:
        return self.stale / self.believed if self.believed else 0.0


def _slot(a: Atom) -> tuple[str, ...] | None:
    """The exclusive slot an atom fills: a thing has one location, one openness, ..."""
    predicate, args = a
    if predicate in LOCATION:
        return ("location", args[0])
    if predicate in OPENNESS:
        return ("openness", args[0])
    if predicate in COOKING and predicate != "burned":
        return ("cooking", args[0])
    if predicate in CUTTING:
        return ("cutting", args[0])
    if predicate in MAP:
        return (predicate, args[1])
    return None


def compared_beliefs(beliefs: set[Atom], scope: Scope) -> set[Atom]:
    """The beliefs a score counts: compared predicates about things the agent has seen."""
    return {
        a for a in beliefs if a[0] in COMPARED and all(x in scope.seen or x == "P" for x in a[1])
    }


def score(beliefs: set[Atom], truth: set[Atom], scope: Scope) -> BeliefScore:
    """Compare beliefs with the truth within the scope.

    A stale belief is one the truth contradicts: it fills a slot the truth fills
    differently (the knife believed on the table while it is carried).

    Example
    -------
    >>> scope = Scope(); scope.observe("kitchen", ["knife", "table"], None)
    >>> truth = {atom("at", "P", "kitchen"), atom("in", "knife", "I")}
    >>> s = score({atom("at", "P", "kitchen"), atom("on", "knife", "table")}, truth, scope)
    >>> s.correct, s.stale, round(s.f1, 2)
    (1, 1, 0.5)
    """
    truth_in = {a for a in truth if scope.covers(a)}
    believed = compared_beliefs(beliefs, scope)
    true_slots: dict[tuple[str, ...], set[Atom]] = {}
    for a in truth:
        slot = _slot(a)
        if slot is not None:
            true_slots.setdefault(slot, set()).add(a)
    stale = 0
    for a in believed - truth:
        slot = _slot(a)
        if slot is not None and slot in true_slots:
            stale += 1
    return BeliefScore(len(believed), len(truth_in), len(believed & truth_in), stale)


def true_state_size(facts: Iterable[Any]) -> int:
    """How many atoms of the memory's schema a true state holds (`TrueFact`s in), what a
    relative capacity (``--capacity 25%``) is a share of."""
    return len(truth_atoms((f.predicate, f.args) for f in facts))
