"""Policies: what picks the next command. Each gets the observation and the memory only.

- `planner`: the graph planner (`mags.agents.planner`), acting from the memory's beliefs.
- `random`: a uniform choice among the admissible commands, the floor.
- `llm`: goal + memory context + recent observations + admissible commands -> one action,
  through a `ChatModel` (the OpenAI-schema adapter plugs in here).
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from mags.agents.memories import AgentMemory
from mags.agents.planner import PlannerPolicy
from mags.agents.world_model import BELIEF_RECIPE_TRUST, RECIPE_TRUST, WorldModel
from mags.core.errors import InvalidInputError
from mags.core.retrieve import estimate_tokens
from mags.worlds.env import Observation

POLICIES = ("planner", "random", "llm")
CONTEXT_BUDGET_TOKENS = 600
RECENT_OBSERVATIONS = 3


@dataclass(frozen=True)
class Decision:
    """A command, the memory context (with its size) that informed it, and the ids of the
    facts it relied on (the planner's consulted beliefs; reinforced by use)."""

    command: str
    context: str = ""
    context_tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0
    used_facts: tuple[int, ...] = ()


class Policy(Protocol):
    """Anything that picks a command from an observation and a memory."""

    name: str

    def act(self, observation: Observation, memory: AgentMemory, t: float) -> Decision:
        """The next command."""
        ...


class GraphPlanner:
    """The planner over a snapshot of the memory's current beliefs (`AgentMemory.beliefs`),
    never its recall; the beliefs it consulted are reported as used, so the liquid memory
    reinforces them."""

    name = "planner"

    def __init__(self) -> None:
        self.planner = PlannerPolicy()

    def act(self, observation: Observation, memory: AgentMemory, t: float) -> Decision:
        admissible = observation.admissible_commands
        trust = recipe_trust(memory)
        world = WorldModel.read(memory.beliefs(t), trust)
        # What the game's commands show false is certain: into memory first, then the plan
        # is made from what the memory believes next (another place, another exit).
        refuted = world.contradicted_by(admissible, self.planner.wanted(world))
        if refuted:
            memory.refute(refuted, t)
            world = WorldModel.read(memory.beliefs(t), trust)
        command = self.planner.choose(world, admissible)
        return Decision(command, used_facts=tuple(world.consulted))


def recipe_trust(memory: AgentMemory) -> float:
    """How sure of a recipe the planner must be: a probability where the memory's
    strengths are probabilities (belief mode), else the contest's strength scale."""
    probabilities = getattr(memory, "probabilities", False)
    return BELIEF_RECIPE_TRUST if probabilities else RECIPE_TRUST


class RandomPolicy:
    """A uniform choice among admissible commands (``look``/``inventory`` left out)."""

    name = "random"

    def __init__(self, seed: int | None) -> None:
        self.rng = random.Random(seed)

    def act(self, observation: Observation, memory: AgentMemory, t: float) -> Decision:
        choices = [c for c in observation.admissible_commands if c not in ("look", "inventory")]
        return Decision(self.rng.choice(choices) if choices else "look")


class ChatModel(Protocol):
    """The seam to an LLM: one call, one answer, with token usage."""

    def complete_action(self, prompt: str, admissible: list[str]) -> tuple[str, int, int]:
        """The chosen command, prompt tokens and completion tokens."""
        ...


class LLMPolicy:
    """Prompt = goal + memory context + the last observations + admissible commands."""

    name = "llm"

    def __init__(self, model: ChatModel, budget_tokens: int = CONTEXT_BUDGET_TOKENS) -> None:
        self.model = model
        self.budget = budget_tokens
        self.recent: deque[str] = deque(maxlen=RECENT_OBSERVATIONS)
        self.goal = ""

    def act(self, observation: Observation, memory: AgentMemory, t: float) -> Decision:
        if not self.goal:
            self.goal = observation.objective
        self.recent.append(observation.text)
        context = memory.context(f"{self.goal} {observation.text}", t, self.budget)
        prompt = build_prompt(
            self.goal, context, list(self.recent), list(observation.admissible_commands)
        )
        command, prompt_tokens, completion_tokens = self.model.complete_action(
            prompt, list(observation.admissible_commands)
        )
        return Decision(
            command,
            context,
            estimate_tokens(context) if context else 0,
            prompt_tokens,
            completion_tokens,
            1,
        )


def build_prompt(goal: str, context: str, recent: list[str], admissible: list[str]) -> str:
    """The LLM policy's prompt (versioned with the adapter's prompts in the LLM issue).

    Example
    -------
    >>> print(build_prompt("Find the coin.", "", ["You are in a hall."], ["go east"]))
    Goal: Find the coin.
    <BLANKLINE>
    Recent observations:
    You are in a hall.
    <BLANKLINE>
    Admissible commands: go east
    Answer with exactly one admissible command.
    """
    parts = [f"Goal: {goal}"]
    if context:
        parts.append(f"Memory:\n{context}")
    parts.append("Recent observations:\n" + "\n---\n".join(recent))
    parts.append(
        "Admissible commands: "
        + ", ".join(admissible)
        + "\nAnswer with exactly one admissible command."
    )
    return "\n\n".join(parts)


def make_policy(name: str, seed: int | None = None, model: ChatModel | None = None) -> Policy:
    """A fresh policy by name."""
    if name == "planner":
        return GraphPlanner()
    if name == "random":
        return RandomPolicy(seed)
    if name == "llm":
        if model is None:
            raise InvalidInputError(
                "the llm policy needs an OpenAI-compatible model: pass "
                "play_game(llm=LLMClient(...)) or, on the command line, --llm-base-url and "
                "--llm-model (or MAGS_LLM_BASE_URL, MAGS_LLM_MODEL)"
            )
        return LLMPolicy(model)
    raise ValueError(f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")
