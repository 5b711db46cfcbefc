"""The agent loop one step at a time: observe -> memory update -> policy -> act.

`AgentStepper` drives a game step by step, so that a caller (the web demo, a notebook, a
whole-game runner) decides when the next step happens and sees each one as a `StepRecord`:
the observation, the memory's events, the decision, and what each part cost.

Step ``t`` is: the memory reads observation ``t`` (at logical time ``t``), then the policy
picks the next command, unless the game is over or the step budget is spent, and the memory
reinforces the facts that decision used (DESIGN §1's use). The command is played at the
start of step ``t + 1``.

Example
-------
>>> from mags.agents.memories import make_memory
>>> from mags.agents.policies import make_policy
>>> stepper = AgentStepper(ScriptedEnv(["-= Hall =-", "-= Kitchen =-"]),
...                        make_memory("none"), make_policy("random", seed=1))
>>> first = stepper.start()
>>> first.step, first.observation.text, first.decision is not None
(0, '-= Hall =-', True)
>>> last = stepper.step()
>>> last.step, last.observation.command, last.done, stepper.finished
(1, 'go east', True, True)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mags.agents.memories import AgentMemory
from mags.agents.policies import Decision, Policy
from mags.agents.steps import step_extra, step_text
from mags.core.errors import MagsError
from mags.worlds.env import Observation


class GameOverError(MagsError):
    """A step was asked for after the game ended (won, lost, or out of steps)."""


class Env(Protocol):
    """The agent's side of a game (`mags.worlds.GameEnv` is one)."""

    def reset(self) -> Observation:
        """Start the game."""
        ...

    def step(self, command: str) -> Observation:
        """Play one command."""
        ...


@dataclass(frozen=True)
class StepRecord:
    """One step: what the agent saw, what its memory did, what it chose, and the cost.

    ``decision`` is None on the last step (game over or budget spent). ``events`` are the
    memory's events of this step (``kind``, ``facts``, ``data``...; [] for memories that do
    not track them). Times are in milliseconds.
    """

    step: int
    observation: Observation
    decision: Decision | None
    events: list[dict[str, Any]] = field(default_factory=list)
    memory_ms: float = 0.0
    policy_ms: float = 0.0
    env_ms: float = 0.0

    @property
    def done(self) -> bool:
        """No further step: the game is over or the step budget is spent."""
        return self.decision is None


class AgentStepper:
    """Plays a game one step at a time with a memory and a policy.

    Parameters
    ----------
    env : the game (only the agent's side).
    memory : what the agent remembers; updated every step.
    policy : what picks the next command from the observation and the memory.
    budget : the most commands played; the step that reaches it makes no decision.
    task : what a person asks the agent to do, in its own words; it stands in for the
        game's objective and is part of what the memory reads at step 0.
    start_time : the memory's logical time at step 0 (a life-long agent's memory runs on
        from game to game: step ``t`` is memory time ``start_time + t``).
    """

    def __init__(
        self,
        env: Env,
        memory: AgentMemory,
        policy: Policy,
        *,
        budget: int | None = None,
        task: str | None = None,
        start_time: float = 0.0,
    ) -> None:
        if budget is not None and (isinstance(budget, bool) or budget < 0):
            raise MagsError(f"budget must be a non-negative number of steps, got {budget!r}")
        self.env = env
        self.memory = memory
        self.policy = policy
        self.budget = budget
        self.task = task.strip() if task else None
        self.start_time = start_time
        self.last: StepRecord | None = None

    @property
    def started(self) -> bool:
        """Whether `start` was called."""
        return self.last is not None

    @property
    def finished(self) -> bool:
        """Whether the game has ended (no decision on the last step)."""
        return self.last is not None and self.last.decision is None

    def start(self) -> StepRecord:
        """Reset the game and take step 0 (the introduction). Starts over if called again."""
        clock = time.perf_counter()
        observation = self.env.reset()
        env_ms = 1000.0 * (time.perf_counter() - clock)
        return self._take(0, observation, env_ms)

    def step(self) -> StepRecord:
        """Play the chosen command and take the next step; `GameOverError` after the end."""
        if self.last is None:
            raise MagsError("the game has not started: call start() first")
        if self.last.decision is None:
            raise GameOverError("the game is over; start() it again to replay")
        clock = time.perf_counter()
        observation = self.env.step(self.last.decision.command)
        env_ms = 1000.0 * (time.perf_counter() - clock)
        return self._take(self.last.step + 1, observation, env_ms)

    def _take(self, t: int, observation: Observation, env_ms: float) -> StepRecord:
        clock = time.perf_counter()
        text, extra = step_text(observation), step_extra(observation)
        if t == 0 and self.task:
            text = f"Your task: {self.task}\n\n{text}"
            extra["task"] = self.task
        now = self.start_time + t
        self.memory.update(text, now, extra)
        memory_ms = 1000.0 * (time.perf_counter() - clock)
        decision: Decision | None = None
        policy_ms = 0.0
        if not observation.done and (self.budget is None or t < self.budget):
            clock = time.perf_counter()
            decision = self.policy.act(observation, self.memory, now)
            policy_ms = 1000.0 * (time.perf_counter() - clock)
            clock = time.perf_counter()
            self.memory.use(decision.used_facts, now, decision.command)
            memory_ms += 1000.0 * (time.perf_counter() - clock)
        events = self.memory.new_events()
        self.last = StepRecord(t, observation, decision, events, memory_ms, policy_ms, env_ms)
        return self.last


class ScriptedEnv:
    """A stand-in game whose rooms are given texts; every command moves to the next one.

    For examples and tests of code that drives an `Env`; the last text ends the game.

    Example
    -------
    >>> env = ScriptedEnv(["-= Hall =-", "-= Yard =-"])
    >>> env.reset().admissible_commands, env.step("go east").done
    (('go east',), True)
    """

    def __init__(self, texts: Sequence[str]) -> None:
        if not texts:
            raise MagsError("a scripted game needs at least one text")
        self.texts = list(texts)
        self.position = 0

    def reset(self) -> Observation:
        self.position = 0
        return self._observe(None)

    def step(self, command: str) -> Observation:
        self.position = min(self.position + 1, len(self.texts) - 1)
        return self._observe(command)

    def _observe(self, command: str | None) -> Observation:
        last = self.position == len(self.texts) - 1
        return Observation(
            text=self.texts[self.position],
            description=self.texts[self.position],
            inventory="You are carrying nothing.",
            score=int(last),
            max_score=1,
            moves=self.position,
            admissible_commands=() if last else ("go east",),
            done=last,
            won=last,
            lost=False,
            objective="Walk east.",
            command=command,
        )
