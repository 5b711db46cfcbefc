"""The relation schema: which relations exist and which facts cannot be true together.

Reconciliation asks the schema for a fact's *slots*: keys that at most one current fact
may hold. A portable object has one location (`in`/`on`/`at`/`held_by` share the
``location`` group); `open`/`closed`/`locked` are exclusive values of `is`; a room has one
room to its north. A new fact that takes an occupied slot supersedes the occupant.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from mags.core.errors import InvalidInputError, UnknownRelationError

SlotKey = tuple[int, str]
#: What a slot is keyed by: the graph's entity ids, or names (a baseline without a graph).
EntityT = TypeVar("EntityT", bound=Hashable)


@dataclass(frozen=True, slots=True)
class RelationSpec:
    """How one relation behaves.

    Attributes
    ----------
    name: canonical relation name (lower case, underscores).
    group: functional group; a subject holds at most one current fact across the group.
    functional: a subject holds at most one current fact of this relation.
    inverse_functional: an object is the target of at most one current fact of this relation.
    state_values: the object is a state value; values in one exclusive set exclude each other.
    stable: the fact never decays below the memory's ``s_floor`` while current.
    importance: weight in capacity pruning and retrieval.
    subject_kind, object_kind: kinds given to untyped entities at either end.
    tau_scale: the fact's first time constant is ``tau0 * tau_scale`` (a preference lasts
        longer than a plan).
    per_qualifier: the functional and inverse-functional slots are taken once per value of
        this qualifier, and not at all by a fact without it (a door leads to one room in
        each direction, and a room has one door in each direction).
    hazard: the chance per step that the world changes the value behind the memory's back
        (a portable thing's place often, where a person lives rarely, a map link never);
        with ``MemoryConfig.belief`` a belief fades toward "unknown" at this rate
        (`mags.core.belief`). None: the relation's time constant decides, as without it.
    """

    name: str
    group: str | None = None
    functional: bool = False
    inverse_functional: bool = False
    state_values: bool = False
    stable: bool = False
    importance: float = 1.0
    subject_kind: str | None = None
    object_kind: str | None = None
    description: str = ""
    tau_scale: float = 1.0
    per_qualifier: str | None = None
    hazard: float | None = None

    def __post_init__(self) -> None:
        if self.hazard is not None and not 0.0 <= self.hazard <= 1.0:
            raise InvalidInputError(
                f"relation {self.name!r}: hazard must be a chance per step in [0, 1], "
                f"got {self.hazard!r}"
            )


def relation_key(name: str) -> str:
    """Canonical spelling of a relation name.

    Example
    -------
    >>> relation_key(" North Of ")
    'north_of'
    """
    return "_".join(name.strip().lower().replace("-", " ").split())


class RelationSchema:
    """A closed set of relations, their synonyms and the exclusive sets of state values.

    Example
    -------
    >>> schema = default_schema()
    >>> schema.resolve("inside").name
    'in'
    >>> schema.state_group("locked")
    'openness'
    """

    def __init__(
        self,
        relations: Iterable[RelationSpec],
        synonyms: Mapping[str, str] | None = None,
        exclusive_states: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.relations: dict[str, RelationSpec] = {r.name: r for r in relations}
        self.synonyms = {relation_key(k): v for k, v in (synonyms or {}).items()}
        for target in self.synonyms.values():
            if target not in self.relations:
                raise ValueError(f"synonym target {target!r} is not a declared relation")
        self._state_group = {
            value: group for group, values in (exclusive_states or {}).items() for value in values
        }
        self.exclusive_states = {g: tuple(v) for g, v in (exclusive_states or {}).items()}
        self._cache: dict[str, RelationSpec] = {}

    def extend(
        self,
        relations: Iterable[RelationSpec] = (),
        synonyms: Mapping[str, str] | None = None,
        exclusive_states: Mapping[str, Iterable[str]] | None = None,
    ) -> RelationSchema:
        """A new schema with more relations, synonyms and state sets (a relation of the same
        name replaces the old one); this schema is unchanged.

        Example
        -------
        >>> schema = default_schema().extend(
        ...     [RelationSpec("plays", description="plays an instrument or a sport")],
        ...     synonyms={"practises": "plays"})
        >>> schema.resolve("practises").name
        'plays'
        """
        merged = {**self.relations, **{r.name: r for r in relations}}
        return RelationSchema(
            merged.values(),
            {**self.synonyms, **(synonyms or {})},
            {**self.exclusive_states, **{g: tuple(v) for g, v in (exclusive_states or {}).items()}},
        )

    def resolve(self, relation: str) -> RelationSpec:
        """The spec of a relation name or synonym; a clear error for an unknown one."""
        spec = self._cache.get(relation)
        if spec is not None:
            return spec
        key = relation_key(relation)
        key = self.synonyms.get(key, key)
        found = self.relations.get(key)
        if found is None:
            known = ", ".join(sorted(self.relations))
            raise UnknownRelationError(
                f"unknown relation {relation!r}. Use one of: {known}; "
                "or pass a RelationSchema that declares it to Memory.open(schema=...)."
            )
        self._cache[relation] = found
        return found

    def state_group(self, value_key: str) -> str | None:
        """The exclusive set a state value belongs to, if any."""
        return self._state_group.get(value_key)

    def slots(
        self,
        spec: RelationSpec,
        subject: EntityT,
        obj: EntityT,
        object_key: str,
        qualifiers: Iterable[tuple[str, object]] = (),
    ) -> list[tuple[EntityT, str]]:
        """Slots a fact takes; the subject-side ones first (see `subject_side`).

        Example
        -------
        >>> schema = default_schema()
        >>> schema.slots(schema.resolve("in"), "apple", "fridge", "fridge")
        [('apple', 'g:location')]
        >>> schema.slots(schema.resolve("is"), "door", "open", "open")
        [('door', 's:openness')]
        >>> schema.slots(schema.resolve("connects"), "door", "hall", "hall",
        ...              (("direction", "south"),))
        [('door', 'r:connects/south'), ('hall', 'o:connects/south')]
        """
        out: list[tuple[EntityT, str]] = []
        suffix = ""
        if spec.per_qualifier is not None:
            value = dict(qualifiers).get(spec.per_qualifier)
            if value is None:
                return out  # no direction, no slot: the fact stands beside the others
            suffix = f"/{value}"
        if spec.group is not None:
            out.append((subject, "g:" + spec.group))
        if spec.functional:
            out.append((subject, "r:" + spec.name + suffix))
        if spec.state_values:
            group = self._state_group.get(object_key)
            if group is not None:
                out.append((subject, "s:" + group))
        if spec.inverse_functional:
            out.append((obj, "o:" + spec.name + suffix))
        return out


def subject_side(slot: SlotKey) -> bool:
    """Whether a slot constrains the subject (a conflict there may mean two entities)."""
    return not slot[1].startswith("o:")


LOCATION_RELATIONS = ("in", "on", "at", "held_by")
DIRECTIONS = {"north_of": "south", "south_of": "north", "east_of": "west", "west_of": "east"}
"""``A north_of B`` means A lies north of B, so from B one goes *north* to reach A... and from
A one goes *south* to B. The value is the direction from the subject to the object."""


def default_schema() -> RelationSchema:
    """The schema MAGS uses unless told otherwise: locations, containment, possession,
    openness, map directions, food states and a handful of generic relations."""
    loc = "location"
    relations = [
        # Hazards per step (see RelationSpec.hazard): a thing's place and state change when
        # someone acts on them; the map never does.
        RelationSpec(
            "in", group=loc, object_kind="container", description="inside a container", hazard=0.01
        ),
        RelationSpec(
            "on", group=loc, object_kind="supporter", description="on a supporter", hazard=0.01
        ),
        RelationSpec(
            "at", group=loc, object_kind="room", description="lying in a room", hazard=0.01
        ),
        RelationSpec(
            "held_by", group=loc, object_kind="person", description="carried by", hazard=0.01
        ),
        RelationSpec(
            "is", state_values=True, object_kind="state", description="state", hazard=0.01
        ),
        *(
            RelationSpec(
                d,
                functional=True,
                inverse_functional=True,
                stable=True,
                importance=2.0,
                subject_kind="room",
                object_kind="room",
                description=f"subject lies {d.removesuffix('_of')} of object",
                hazard=0.0,
            )
            for d in DIRECTIONS
        ),
        # A door seen from a room in one direction: one room per (door, direction), one door
        # per (room, direction), so a misread room contests the true one.
        RelationSpec(
            "connects",
            functional=True,
            inverse_functional=True,
            per_qualifier="direction",
            stable=True,
            importance=1.5,
            subject_kind="door",
            object_kind="room",
            description="a door or passage opens onto a room",
            hazard=0.0,
        ),
        RelationSpec(
            "exit",
            stable=True,
            subject_kind="room",
            object_kind="direction",
            description="a way out of a room (object: the direction)",
        ),
        # The task outranks every other fact when a capacity binds: without it an agent
        # keeps a perfect map and no reason to walk it (measured: --capacity 25%).
        RelationSpec("needs", importance=3.0, description="a recipe or goal needs something"),
        RelationSpec("goal", importance=3.0, description="what the agent is asked to achieve"),
        RelationSpec("is_a", description="category or type"),
        RelationSpec("part_of", description="component of"),
        RelationSpec("has", description="generic possession or attribute"),
        RelationSpec("owns", description="ownership"),
        RelationSpec("likes", description="preference"),
        RelationSpec("dislikes", description="preference"),
        RelationSpec("knows", description="acquaintance"),
        RelationSpec("opens", description="a key or tool opens something"),
        RelationSpec("related_to", description="any other link"),
    ]
    synonyms = {
        "inside": "in",
        "inside_of": "in",
        "is_in": "in",
        "contained_in": "in",
        "on_top_of": "on",
        "is_on": "on",
        "located_at": "at",
        "is_at": "at",
        "located_in": "at",
        "carried_by": "held_by",
        "carried": "held_by",
        "holds_by": "held_by",
        "state": "is",
        "status": "is",
        "requires": "needs",
        "type": "is_a",
        "unlocks": "opens",
        "wants": "goal",
    }
    exclusive_states = {
        "openness": ("open", "closed", "locked"),
        "cut": ("uncut", "sliced", "diced", "chopped"),
        "cooking": ("raw", "cooked", "roasted", "fried", "grilled"),
        # Burning keeps how a thing was cooked (a burned roast is still roasted).
        "burning": ("burned", "unburned"),
        "edibility": ("edible", "inedible", "eaten"),
        "light": ("lit", "unlit"),
        "power": ("on", "off"),
    }
    return RelationSchema(relations, synonyms, exclusive_states)


#: Qualifier that dates an event fact (an ISO date such as ``2023-05-07``).
WHEN = "when"


def chat_schema() -> RelationSchema:
    """The default schema plus what conversations need (DESIGN §5): where people live and
    work (functional: a move supersedes, history kept), family and identity (``stable``:
    they hold for life), preferences (slow decay), plans (fast decay), and dated events
    (``did``/``attended``/``visited`` with a ``when`` qualifier).

    Example
    -------
    >>> schema = chat_schema()
    >>> schema.resolve("moved_to").name, schema.resolve("married_to").stable
    ('lives_in', True)
    """
    person = "person"

    def about_person(name: str, description: str, **kw: object) -> RelationSpec:
        return RelationSpec(name, subject_kind=person, description=description, **kw)  # type: ignore[arg-type]

    relations = [
        # Hazards per turn: people move and change jobs rarely (and say so when they do).
        about_person(
            "lives_in",
            "lives in a place",
            functional=True,
            object_kind="place",
            tau_scale=4.0,
            hazard=1e-4,
        ),
        about_person("works_as", "job or role", functional=True, tau_scale=4.0, hazard=1e-4),
        about_person(
            "works_at", "employer or workplace", functional=True, tau_scale=4.0, hazard=1e-4
        ),
        about_person("is_from", "place of origin", stable=True, object_kind="place"),
        about_person("studies", "subject or school of study", tau_scale=2.0),
        about_person("likes", "preference", tau_scale=4.0),
        about_person("dislikes", "preference", tau_scale=4.0),
        about_person("married_to", "spouse", functional=True, stable=True, object_kind=person),
        about_person(
            "child_of", "a parent of the subject is the object", stable=True, object_kind=person
        ),
        about_person(
            "parent_of", "a child of the subject is the object", stable=True, object_kind=person
        ),
        about_person("sibling_of", "brother or sister", stable=True, object_kind=person),
        about_person("friend_of", "friend", tau_scale=4.0, object_kind=person),
        about_person("identifies_as", "identity (gender, orientation, ...)", stable=True),
        about_person("plans", "something the subject means to do (qualifier when)", tau_scale=0.5),
        about_person("did", "something the subject did (qualifier when)"),
        about_person("attended", "an event the subject went to (qualifier when)"),
        about_person(
            "visited", "a place the subject went to (qualifier when)", object_kind="place"
        ),
    ]
    synonyms = {
        "moved_to": "lives_in",
        "lives_at": "lives_in",
        "resides_in": "lives_in",
        "job": "works_as",
        "occupation": "works_as",
        "is_employed_as": "works_as",
        "employer": "works_at",
        "employed_by": "works_at",
        "comes_from": "is_from",
        "origin": "is_from",
        "loves": "likes",
        "enjoys": "likes",
        "hates": "dislikes",
        "spouse": "married_to",
        "wife_of": "married_to",
        "husband_of": "married_to",
        "daughter_of": "child_of",
        "son_of": "child_of",
        "brother_of": "sibling_of",
        "sister_of": "sibling_of",
        "identity": "identifies_as",
        "intends": "plans",
        "plans_to": "plans",
        "went_to": "visited",
        "travelled_to": "visited",
        "traveled_to": "visited",
        "participated_in": "attended",
        "took_part_in": "attended",
    }
    return default_schema().extend(relations, synonyms)
