"""Reading TextWorld's English: pure helpers the rule-based extractor is built from.

TextWorld's four generators and ``tw-simple`` draw their sentences from large random
grammars ("You make out a fridge", "On the counter you see ...", "You don't like doors?
Why not try going west"), but the parts that carry facts are few and regular: the room
header ``-= Kitchen =-``, lists of things ("a knife, a raw tuna and a tomato"), the
feedback of actions ("You take the knife from the table."), the inventory answer, the
cookbook and the objective. Names are taken from the admissible commands where the caller
gives them, so free text only has to be matched against known names, not parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

DIRECTIONS = ("north", "south", "east", "west")
OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}
COOK_STATES = ("fried", "roasted", "grilled", "burned")
CUT_STATES = ("sliced", "diced", "chopped")
# Adjectives TextWorld prints before a food's name: its state, not part of the name.
STATE_WORDS = frozenset({"raw", *COOK_STATES, *CUT_STATES})
COOK_VERBS = {"fry": "fried", "roast": "roasted", "grill": "grilled"}
CUT_VERBS = {"slice": "sliced", "dice": "diced", "chop": "chopped"}

_HEADER = re.compile(r"^\s*-=\s*(.+?)\s*=-\s*$", re.MULTILINE)
_STATUS = re.compile(r"^>.*$", re.MULTILINE)  # the prompt line with score and room
_ART = re.compile(r"[$\\|_/]{3,}")  # the TextWorld banner
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_ARTICLE = re.compile(r"^(?:a|an|the|some)\s+", re.IGNORECASE)
_FAILURE = re.compile(
    r"^(?:You can't|You cannot|That's not|I didn't|I only understood|You need to|"
    r"You aren't|You haven't|It's locked|That doesn't|You're carrying too many|"
    r"You have to|You don't|There is no|You can only|Nothing happens|"
    r"\(first taking|Which do you mean)",
    re.IGNORECASE,
)


def clean(text: str) -> str:
    """Feedback without the banner and the status line.

    Example
    -------
    >>> clean("You take the apple.\\n\\n>   -= Kitchen =-0/3")
    'You take the apple.'
    """
    text = _STATUS.sub("", text)
    lines = [line for line in text.splitlines() if not _ART.search(line)]
    return "\n".join(lines).strip()


def room_header(text: str) -> str | None:
    """The room a description is of (lower case, as TextWorld names it), or None.

    Example
    -------
    >>> room_header("-= Alarmingly Hot Kitchen =-\\nYou are in a kitchen.")
    'alarmingly hot kitchen'
    """
    match = _HEADER.search(text)
    return match.group(1).strip().lower() if match else None


@lru_cache(maxsize=1024)  # descriptions repeat while nothing changes
def sentences(text: str) -> tuple[str, ...]:
    """Text cut into sentences (TextWorld's sentences end in . ! or ?)."""
    return tuple(s.strip() for s in _SENTENCE.split(text) if s.strip())


def split_list(text: str) -> list[str]:
    """Items of an English list, articles removed.

    Example
    -------
    >>> split_list("a knife, a raw red tuna and an apple")
    ['knife', 'raw red tuna', 'apple']
    """
    text = text.strip().rstrip(".!")
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", text)
    return [_ARTICLE.sub("", p.strip()) for p in parts if p.strip()]


def food_states(shown: str) -> tuple[str, tuple[str, ...]]:
    """A shown name split into the thing's name and the states printed before it.

    Example
    -------
    >>> food_states("sliced fried red hot pepper")
    ('red hot pepper', ('sliced', 'fried'))
    """
    words = shown.split()
    states: list[str] = []
    while len(words) > 1 and words[0].lower() in STATE_WORDS:
        states.append(words.pop(0).lower())
    return " ".join(words), tuple(states)


def is_failure(feedback: str) -> bool:
    """Whether the game refused the command ("You can't see any such thing.")."""
    first = clean(feedback).split("\n", 1)[0].strip()
    return not first or bool(_FAILURE.match(first))


def parse_inventory(text: str) -> list[str] | None:
    """Shown names of what the inventory answer lists, or None if it is not one.

    Example
    -------
    >>> parse_inventory("You are carrying: a knife and a sliced tomato.")
    ['knife', 'sliced tomato']
    >>> parse_inventory("You are carrying nothing.")
    []
    """
    text = " ".join(clean(text).split())
    if re.match(r"You are carrying nothing", text, re.IGNORECASE):
        return []
    match = re.match(r"You are carrying:?\s*(.*)", text, re.IGNORECASE)
    return split_list(match.group(1)) if match else None


@dataclass(frozen=True)
class Recipe:
    """The cookbook: ingredients and, per ingredient, the preparations asked for."""

    ingredients: tuple[str, ...]
    preparations: dict[str, tuple[str, ...]] = field(default_factory=dict)


def parse_recipe(text: str) -> Recipe | None:
    """The recipe in the cookbook's text, or None if the text holds none.

    Example
    -------
    >>> text = "Ingredients:\\n  tomato\\n  red onion\\n\\nDirections:\\n  slice the tomato\\n"
    >>> text += "  fry the tomato\\n  prepare meal"
    >>> parse_recipe(text)
    Recipe(ingredients=('tomato', 'red onion'), preparations={'tomato': ('sliced', 'fried')})
    """
    match = re.search(r"Ingredients:\s*(.*?)\s*Directions:\s*(.*)", text, re.DOTALL)
    if not match:
        return None
    ingredients = tuple(
        line.strip().lower() for line in match.group(1).splitlines() if line.strip()
    )
    preparations: dict[str, list[str]] = {}
    for line in match.group(2).splitlines():
        words = line.strip().lower().split(None, 2)
        if len(words) == 3 and words[1] == "the":
            state = COOK_VERBS.get(words[0]) or CUT_VERBS.get(words[0])
            if state:
                preparations.setdefault(words[2].rstrip("."), []).append(state)
    return Recipe(ingredients, {k: tuple(v) for k, v in preparations.items()})


@dataclass(frozen=True)
class Objective:
    """What the game asks for, as far as a sentence of it says."""

    verb: str
    target: str
    holder: str | None = None
    room: str | None = None


_TAKE_VERBS = r"\b(?:take|retrieve|recover|pick-up|pick up|lift|grab|fetch|get|find)\b"
_NAME = r"([^.!?\n]+?)"  # a name never spans sentences
_OBJECTIVES = (
    # "lift the coin from the floor of the forgotten spare room"
    re.compile(
        _TAKE_VERBS + rf"\s+the\s+{_NAME}\s+from\s+the\s+floor\s+of\s+the\s+{_NAME}[.!]", re.I
    ),
    # "take the passkey from the bench in the bathroom", "... from the mantelpiece"
    re.compile(
        _TAKE_VERBS + rf"\s+the\s+{_NAME}\s+from\s+the\s+{_NAME}"
        rf"(?:\s+(?:in|of|within|inside)\s+the\s+{_NAME})?[.!]",
        re.I,
    ),
    # "recover the key in the attic", "take the key that's in the attic"
    re.compile(_TAKE_VERBS + rf"\s+the\s+{_NAME}\s+(?:that's\s+)?in\s+the\s+{_NAME}[.!]", re.I),
    re.compile(_TAKE_VERBS + rf"\s+the\s+{_NAME}[.!]", re.I),
)


def parse_objective(text: str) -> Objective | None:
    """The target of a maze objective ("Recover the latchkey from the floor of the kitchen").

    Example
    -------
    >>> parse_objective("Your task is to take the passkey from the bench in the bathroom.")
    Objective(verb='take', target='passkey', holder='bench', room='bathroom')
    >>> parse_objective("Please lift the coin from the floor of the austere cubicle.")
    Objective(verb='take', target='coin', holder=None, room='austere cubicle')
    >>> parse_objective("Recover the key that's in the attic.")
    Objective(verb='take', target='key', holder=None, room='attic')
    """
    floor, held, in_room, bare = _OBJECTIVES
    match = floor.search(text)
    if match:
        return Objective("take", match.group(1).lower(), None, match.group(2).lower())
    match = held.search(text)
    if match:
        room = match.group(3).lower() if match.group(3) else None
        return Objective("take", match.group(1).lower(), match.group(2).lower(), room)
    match = in_room.search(text)
    if match:
        return Objective("take", match.group(1).lower(), None, match.group(2).lower())
    match = bare.search(text)
    if match:
        return Objective("take", match.group(1).lower())
    return None


_TASK_VERB = re.compile(
    r"\b(?:take|retrieve|recover|pick(?:-| )up|lift|grab|fetch|get|find|bring|collect|obtain"
    r"|locate|steal|search for|look for)\s+(?:me\s+|us\s+)?"
    r"(?:the\s+|an?\s+|some\s+|your\s+|my\s+)?",
    re.I,
)
_TASK_END = re.compile(
    r"\s+(?:from|in|inside|within|out|on|at|that|which|and|then|to|for)\b|[.!?,;:]|$", re.I
)
_TASK_PLACE = re.compile(
    r"\b(?:from|in|inside|within|out of)\s+(?:the\s+)?([^.!?,;]+?)"
    r"(?=\s+(?:in|of|and|then)\b|[.!?,;]|$)",
    re.I,
)


def parse_task(text: str) -> Objective | None:
    """The thing a person's task asks for, in free wording: a verb of fetching or finding
    and the noun phrase after it; "from/in the X" names where it may be.

    A game's own objective (`parse_objective`) follows the generator's sentences; a task
    is what a person types, so it may lack the article, the full stop or the room.

    Example
    -------
    >>> parse_task("Find the ruby crown and take it.")
    Objective(verb='take', target='ruby crown', holder=None, room=None)
    >>> parse_task("get Key 1 out of the blue locker")
    Objective(verb='take', target='key 1', holder='blue locker', room=None)
    >>> parse_task("Explore.") is None
    True
    """
    match = _TASK_VERB.search(text)
    if match is None:
        return None
    rest = text[match.end() :]
    end = _TASK_END.search(rest)
    target = rest[: end.start() if end else len(rest)].strip().lower()
    if not target or target in ("it", "them", "everything", "something"):
        return None
    place = _TASK_PLACE.search(rest[len(target) :])
    holder = place.group(1).strip().lower() if place else None
    floor = re.search(r"\bfloor of (?:the\s+)?([^.!?,;]+)", rest, re.I)
    if floor:  # "from the floor of the kitchen": a room, not a holder
        return Objective("take", target, None, floor.group(1).strip().lower())
    return Objective("take", target, holder, None)


_OPENS = re.compile(
    r"(?P<key>[\w][\w' -]*?)\s+"
    r"(?:opens|unlocks|fits|is for|works on|goes with)\s+(?:the\s+)?(?P<lock>[\w][\w' -]*?)"
    r"\s*(?:[.!?'\"]|$)",
    re.I,
)


_LEAD_IN = re.compile(r"\b(?:that|which|says|reads|wrote|written)\b", re.I)


def parse_key_notes(text: str) -> list[tuple[str, str]]:
    """(key, lock) pairs a written text states ("Key 1 opens the iron door.").

    Example
    -------
    >>> parse_key_notes("Scrawled on it: Key 1 opens the iron door. Nice weather.")
    [('Key 1', 'iron door')]
    >>> parse_key_notes("Someone noted that the golden key fits the blue locker.")
    [('golden key', 'blue locker')]
    """
    pairs = []
    for sentence in sentences(text):
        for match in _OPENS.finditer(sentence):
            # "Someone noted that the golden key": the name is what follows the lead-in.
            key = _LEAD_IN.split(match.group("key"))[-1].strip()
            key = re.sub(r"^the\s+", "", key, flags=re.I)
            pairs.append((key, match.group("lock").strip()))
    return pairs


@dataclass(frozen=True)
class Command:
    """A TextWorld command split into its verb and the names it mentions."""

    verb: str
    obj: str | None = None
    other: str | None = None


_TWO_PLACE = {
    "take": " from ",
    "put": " on ",
    "insert": " into ",
    "unlock": " with ",
    "lock": " with ",
    "cook": " with ",
    "slice": " with ",
    "dice": " with ",
    "chop": " with ",
}


@lru_cache(maxsize=8192)  # games repeat the same few hundred commands
def parse_command(command: str) -> Command:
    """Split a command into verb, object and second object.

    Example
    -------
    >>> parse_command("take red hot pepper from counter")
    Command(verb='take', obj='red hot pepper', other='counter')
    >>> parse_command("go east")
    Command(verb='go', obj='east', other=None)
    """
    words = command.strip().split(None, 1)
    if not words:
        return Command("")
    verb = words[0].lower()
    rest = words[1] if len(words) > 1 else None
    if rest is None:
        return Command(verb)
    joint = _TWO_PLACE.get(verb)
    if joint and joint in rest:
        obj, other = rest.rsplit(joint, 1)
        return Command(verb, obj.strip(), other.strip())
    return Command(verb, rest.strip())


def find_mentions(sentence: str, names: Iterable[str]) -> list[tuple[int, str]]:
    """Known names in a sentence with their positions, longest match first, no overlaps.

    Example
    -------
    >>> find_mentions("There is a patio door leading east.", ["door", "patio door"])
    [(11, 'patio door')]
    """
    low = sentence.lower()
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    present = {name for name in names if name.lower() in low}  # cheap test before the regex
    for name in sorted(present, key=len, reverse=True):
        for match in re.finditer(r"\b" + re.escape(name.lower()) + r"\b", low):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            taken.append(span)
            found.append((span[0], name))
    return sorted(found)


def directions_in(sentence: str) -> list[str]:
    """Compass directions a sentence names, in order."""
    return re.findall(r"\b(north|south|east|west)\b", sentence.lower())
