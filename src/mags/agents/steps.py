"""A game step as memory input: the text to store and the player-visible side information."""

from __future__ import annotations

from typing import Any

from mags.extract.textworld import affordances_of
from mags.extract.textworld_text import food_states, parse_inventory
from mags.worlds.env import Observation


def step_text(observation: Observation) -> str:
    """What the memory stores for a step: the command line, then the game's answer."""
    if observation.command is None:
        return observation.text
    return f"> {observation.command}\n{observation.text}"


def step_extra(observation: Observation) -> dict[str, Any]:
    """Side information an extractor may use beside the text (all of it player-visible)."""
    return {
        "command": observation.command,
        "description": observation.description,
        "inventory": observation.inventory,
        "admissible_commands": list(observation.admissible_commands),
    }


def visible_names(observation: Observation) -> set[str]:
    """Names a player can see this step: things the commands name, and what is carried."""
    view = affordances_of(tuple(observation.admissible_commands))
    carried = parse_inventory(observation.inventory) or []
    return set(view.visible) | set(view.held) | {food_states(item)[0] for item in carried}
