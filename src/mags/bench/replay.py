"""LLM cells of `mags bench` without a model: a replayed action list over real HTTP.

To measure what each memory puts into the LLM policy's prompt, every memory must see the
same game: the same commands, hence the same observations. `replay_actions` fixes those
commands once per game (a seeded random walk over the admissible commands that leaves out
the ones that can end a kitchen game: eating, drinking, cooking, so that games last long
enough to measure at step 100), and `replay_client` serves them from
`mags.llm.testserver.ChatServer.replaying`: the LLM policy builds its real prompt (goal,
the memory's context, recent observations, admissible commands), sends it through the real
`openai` client, and gets the next command of the list back, with usage counted as the
client estimates it (about four characters per token).

Example
-------
>>> with replay_client(["go east"]) as client:
...     client.model
'replay'
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from mags.llm.client import LLMClient
from mags.llm.config import LLMConfig
from mags.llm.testserver import ChatServer
from mags.worlds.cache import WorldCache
from mags.worlds.env import open_game

REPLAY_MODEL = "replay"
#: Commands a replay never plays: they can end a game (a meal eaten, an ingredient burnt).
GAME_ENDING_VERBS = ("eat", "drink", "cook", "prepare")
#: Commands that show nothing new.
IDLE_COMMANDS = ("look", "inventory")


def replay_actions(
    game: str, seed: int | None, steps: int, cache: WorldCache | None = None
) -> list[str]:
    """The commands of a random walk (seeded with ``seed``) of at most ``steps`` steps.

    The game is deterministic, so replaying them reproduces the same observations.
    """
    env, evaluator = open_game(game, seed, cache=cache)
    rng = random.Random(seed)
    actions: list[str] = []
    try:
        observation = env.reset()
        while not observation.done and len(actions) < steps:
            choices = [
                c
                for c in observation.admissible_commands
                if c not in IDLE_COMMANDS and c.split()[0] not in GAME_ENDING_VERBS
            ]
            command = rng.choice(choices) if choices else "look"
            actions.append(command)
            observation = env.step(command)
    finally:
        evaluator.close()
    return actions


@contextmanager
def replay_client(actions: list[str]) -> Iterator[LLMClient]:
    """An `LLMClient` whose endpoint answers ``actions`` in order (then ``look``)."""
    with (
        ChatServer.replaying(actions) as server,
        LLMClient(LLMConfig(server.url, "none", REPLAY_MODEL)) as client,
    ):
        yield client
