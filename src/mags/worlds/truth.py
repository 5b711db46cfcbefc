"""Ground truth from TextWorld: true facts and walkthroughs. The evaluator's side only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class TrueFact:
    """One true proposition of the world state, with entity names as the game prints them.

    The player is ``P`` and the inventory ``I``; types are TextWorld's (``r`` room, ``d`` door,
    ``c`` container, ``s`` supporter, ``o`` object, ``f`` food, ``k`` key, ...).

    Example
    -------
    >>> fact = TrueFact("at", ("red potato", "garden"), ("f", "r"))
    >>> str(fact)
    'at(red potato: f, garden: r)'
    >>> TrueFact.parse("in(old key: k, I: I)")
    TrueFact(predicate='in', args=('old key', 'I'), types=('k', 'I'))
    """

    predicate: str
    args: tuple[str, ...]
    types: tuple[str, ...]

    def __str__(self) -> str:
        inner = ", ".join(f"{a}: {t}" for a, t in zip(self.args, self.types, strict=True))
        return f"{self.predicate}({inner})"

    @classmethod
    def parse(cls, text: str) -> TrueFact:
        """Read TextWorld's printed form, ``name(arg: type, ...)`` (names hold no colon)."""
        predicate, _, rest = text.strip().partition("(")
        if not rest.endswith(")"):
            raise ValueError(f"not a TextWorld fact: {text!r}")
        args, types = [], []
        inner = rest[:-1].strip()
        for item in inner.split(", ") if inner else []:
            name, _, type_ = item.rpartition(": ")
            args.append(name)
            types.append(type_)
        return cls(predicate.strip(), tuple(args), tuple(types))

    @classmethod
    def from_proposition(cls, proposition: Any) -> TrueFact:
        """Convert a TextWorld `Proposition` whose variables carry readable names."""
        return cls(
            str(proposition.name),
            tuple(str(v.name) for v in proposition.arguments),
            tuple(str(v.type) for v in proposition.arguments),
        )


def facts_from_propositions(propositions: Iterable[Any]) -> list[TrueFact]:
    """Sorted `TrueFact`s from TextWorld propositions (``infos["facts"]``)."""
    return sorted(TrueFact.from_proposition(p) for p in propositions)


def walkthrough_of(game: Any) -> tuple[list[str], str]:
    """The optimal-steps reference of a `textworld.Game`, and where it came from.

    The winning policy's commands from the start state (``"policy"``, what
    ``policy_commands`` gives at reset, computed once); where there is none (``tw-cooking
    --drop`` games), the walkthrough stored in the game's metadata (``"metadata"``).
    """
    from textworld.generator.game import GameProgression
    from textworld.generator.inform7 import Inform7Game

    policy = GameProgression(game, track_quests=True).winning_policy
    if policy:
        commands = [str(c) for c in Inform7Game(game).gen_commands_from_actions(policy)]
        if commands:
            return commands, "policy"
    metadata = list(game.metadata.get("walkthrough") or [])
    return [str(c) for c in metadata], "metadata" if metadata else "none"
