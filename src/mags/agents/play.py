"""The agent loop: observe -> memory update -> recall -> policy -> act, with a JSONL trace.

One call plays one game. The agent side (memory and policy) gets only `Observation`s; the
evaluator side measures the result (score, steps against the walkthrough, revisits of
explored dead ends) from the game's ground truth.

Example
-------
>>> PlaySpec("tiny", 1).describe()
'tiny seed 1: planner + liquid'
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mags.agents.capacity import Capacity
from mags.agents.memories import AgentMemory, LiquidMemory, Summarizer, make_memory
from mags.agents.policies import ChatModel, Decision, make_policy
from mags.agents.stepper import AgentStepper, StepRecord
from mags.config import MemoryConfig
from mags.extract.base import Extractor
from mags.extract.noise import NoiseSpec, noisy, regime
from mags.extract.textworld import TextWorldExtractor
from mags.probes.beliefs import true_state_size
from mags.worlds.cache import WorldCache
from mags.worlds.env import Evaluator, Observation, open_game
from mags.worlds.truth import TrueFact

if TYPE_CHECKING:
    from mags.llm.client import LLMClient

DEFAULT_MAX_STEPS = 100
#: Decisions (the 10th, 50th, 100th) at which a result records the policy's prompt size:
#: how what a memory puts into the prompt grows with the game.
PROMPT_CHECKPOINTS = (10, 50, 100)
MAP_PREDICATES = frozenset({"north_of", "south_of", "east_of", "west_of"})


@dataclass(frozen=True)
class PlaySpec:
    """One game to play: where, with which policy and memory, for how long."""

    game: str
    seed: int | None = None
    policy: str = "planner"
    memory: str = "liquid"
    max_steps: int | None = None
    noise: NoiseSpec | None = None
    """Seeded extraction errors (`mags.extract.noise`); None: the extractor as it is."""
    noise_seed: int = 0
    task: str | None = None
    """A person's task in free words (``mags play --task``); None: the game's objective."""
    capacity: Capacity | None = None
    """The memory's capacity (facts, or a share of the game's true state); None: its own."""

    def describe(self) -> str:
        """A short label."""
        where = f"{self.game} seed {self.seed}" if self.seed is not None else self.game
        noisy = f", noise {self.noise.label()}" if self.noise and not self.noise.silent else ""
        capped = f", capacity {self.capacity.label()}" if self.capacity else ""
        return f"{where}: {self.policy} + {self.memory}{noisy}{capped}"

    def extractor(self) -> Extractor | None:
        """The noisy extractor this game's memory reads with (None: the default one)."""
        return noisy(TextWorldExtractor(), self.noise, self.noise_seed, self.seed)


@dataclass
class PlayResult:
    """What `mags play --json` prints."""

    track: str
    seed: int | None
    policy: str
    memory: str
    score: int
    max_score: int
    normalized_score: float
    won: bool
    lost: bool
    steps: int
    walkthrough_steps: int
    dead_end_revisits: int
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    context_tokens_per_step: float
    prompt_tokens_at: dict[str, int]
    """The policy's prompt tokens at its n-th decision, for the n of `PROMPT_CHECKPOINTS`
    the game reached (keys are strings, for JSON)."""
    cache_hits: int
    cache_misses: int
    active_facts: int
    memory_ms_per_step: float
    policy_ms_per_step: float
    env_ms_per_step: float
    wall_s: float
    noise: str = ""
    """The noise regime and seed (``drop=0.2,false=0.2,swap=0.1,outcomes=certain,seed=0``);
    empty: none."""
    capacity: int | None = None
    """The capacity the memory played under, in facts (resolved from a share); None: none."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return asdict(self)


class Trace:
    """A JSONL trace: one object per step (observation, action, context, events, score)."""

    def __init__(self, path: Path | None) -> None:
        self.file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = path.open("w", encoding="utf-8")

    def write(self, row: dict[str, Any]) -> None:
        if self.file is not None:
            self.file.write(json.dumps(row) + "\n")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def play_game(
    spec: PlaySpec,
    *,
    cache: WorldCache | None = None,
    config: MemoryConfig | None = None,
    trace: Path | None = None,
    model: ChatModel | None = None,
    summarizer: Summarizer | None = None,
    llm: LLMClient | None = None,
    on_step: Callable[[int, Observation, Decision | None], None] | None = None,
) -> PlayResult:
    """Play one game; see the module docstring.

    The llm policy asks ``model`` and the summary memory ``summarizer``; either one left
    out is built on ``llm`` (an OpenAI-compatible endpoint) when that is given. The
    summarizer's calls and tokens count in the result's ``llm_calls`` and token totals
    when it keeps a ``usage`` tally (as `mags.llm.agents.LLMSummarizer` does).
    """
    started = time.perf_counter()
    if llm is not None:
        from mags.llm.agents import LLMChatModel, LLMSummarizer

        if model is None and spec.policy == "llm":
            model = LLMChatModel(llm)
        if summarizer is None and spec.memory == "summary":
            summarizer = LLMSummarizer(llm)
    summary_usage = _usage(summarizer)
    cost = _StepCost(summarizer, llm)
    env, evaluator = open_game(spec.game, spec.seed, cache=cache)
    capacity = None
    if spec.capacity is not None:
        env.reset()  # the true state is known once the game runs (the stepper resets again)
        capacity = spec.capacity.resolve(true_state_size(evaluator.facts()))
        config = (config or MemoryConfig()).with_changes(capacity=capacity)
    memory = make_memory(
        spec.memory, config, capacity=capacity, summarizer=summarizer, extractor=spec.extractor()
    )
    policy = make_policy(spec.policy, spec.seed, model)
    budget = spec.max_steps or evaluator.step_budget or DEFAULT_MAX_STEPS
    log = Trace(trace)
    memory_s = policy_s = 0.0
    totals = {"llm_calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "context_tokens": 0}
    rooms: list[str] = []
    prompt_at: dict[str, int] = {}
    try:
        stepper = AgentStepper(env, memory, policy, budget=budget, task=spec.task)
        record = stepper.start()
        walkthrough = len(evaluator.walkthrough)
        dead_ends = _dead_ends(evaluator.facts())
        while True:
            memory_s += record.memory_ms / 1000.0
            policy_s += record.policy_ms / 1000.0
            rooms.append(_player_room(evaluator))
            decision = record.decision
            if decision is not None:
                for key in ("llm_calls", "prompt_tokens", "completion_tokens"):
                    totals[key] += getattr(decision, key)
                totals["context_tokens"] += decision.context_tokens
                if record.step + 1 in PROMPT_CHECKPOINTS and decision.llm_calls:
                    prompt_at[str(record.step + 1)] = decision.prompt_tokens
            log.write(_trace_row(record, memory, cost.since_last()))
            if on_step is not None:
                on_step(record.step, record.observation, decision)
            if record.done:
                break
            record = stepper.step()
        observation, steps = record.observation, record.step
        for key, value in _usage(summarizer, since=summary_usage).items():
            totals[key] += value
        result = PlayResult(
            track=evaluator.track or spec.game,
            seed=spec.seed,
            policy=spec.policy,
            memory=spec.memory,
            noise=regime(spec.noise, spec.noise_seed),
            capacity=capacity,
            score=observation.score,
            max_score=evaluator.max_score,
            normalized_score=observation.score / evaluator.max_score if evaluator.max_score else 0,
            won=observation.won,
            lost=observation.lost,
            steps=steps,
            walkthrough_steps=walkthrough,
            dead_end_revisits=_revisits(rooms, dead_ends),
            llm_calls=totals["llm_calls"],
            prompt_tokens=totals["prompt_tokens"],
            completion_tokens=totals["completion_tokens"],
            context_tokens_per_step=totals["context_tokens"] / max(1, steps),
            prompt_tokens_at=prompt_at,
            cache_hits=llm.cache_hits if llm is not None else 0,
            cache_misses=llm.cache_misses if llm is not None else 0,
            active_facts=memory.size(),
            memory_ms_per_step=1000.0 * memory_s / (steps + 1),
            policy_ms_per_step=1000.0 * policy_s / max(1, steps),
            env_ms_per_step=evaluator.env_ms_per_step,
            wall_s=time.perf_counter() - started,
        )
    finally:
        log.close()
        memory.close()
        evaluator.close()
    return result


def _usage(counter: object, since: dict[str, int] | None = None) -> dict[str, int]:
    """Calls and tokens ``counter`` tallied (in its ``usage``) since ``since``; {} if none."""
    usage = getattr(counter, "usage", None)
    if usage is None:
        return {}
    now = {
        "llm_calls": int(getattr(usage, "calls", 0)),
        "prompt_tokens": int(getattr(usage, "prompt_tokens", 0)),
        "completion_tokens": int(getattr(usage, "completion_tokens", 0)),
    }
    return {key: value - (since or {}).get(key, 0) for key, value in now.items()}


class _StepCost:
    """What the memory's LLM calls and the client's cache did since the last step."""

    def __init__(self, summarizer: Summarizer | None, llm: LLMClient | None) -> None:
        self.summarizer = summarizer
        self.llm = llm
        self.last = self._now()

    def _now(self) -> dict[str, int]:
        now = {f"memory_{k}": v for k, v in _usage(self.summarizer).items()}
        if self.llm is not None:
            now["cache_hits"] = self.llm.cache_hits
            now["cache_misses"] = self.llm.cache_misses
        return now

    def since_last(self) -> dict[str, int]:
        now = self._now()
        delta = {key: value - self.last.get(key, 0) for key, value in now.items()}
        self.last = now
        return delta


def _trace_row(record: StepRecord, memory: AgentMemory, cost: dict[str, int]) -> dict[str, Any]:
    """One step of the JSONL trace.

    ``prompt_tokens``/``completion_tokens``/``llm_calls`` are the policy's for this step;
    ``memory_*`` the memory's own LLM calls (the summary memory), and ``cache_hits``/
    ``cache_misses`` the response cache's, when an LLM client is in play. ``graph`` is the
    active graph after this step's update, for memories that keep one (liquid variants).
    """
    observation, decision = record.observation, record.decision
    row: dict[str, Any] = {
        "step": record.step,
        "command": observation.command,
        "observation": observation.text,
        "score": observation.score,
        "done": observation.done,
        "action": decision.command if decision else None,
        "context": decision.context if decision else "",
        "context_tokens": decision.context_tokens if decision else 0,
        "prompt_tokens": decision.prompt_tokens if decision else 0,
        "completion_tokens": decision.completion_tokens if decision else 0,
        "llm_calls": decision.llm_calls if decision else 0,
        **cost,
        "memory_size": memory.size(),
        "events": record.events,
    }
    if isinstance(memory, LiquidMemory):
        row["graph"] = memory.graph(record.step)
    return row


def _player_room(evaluator: Evaluator) -> str:
    return next(
        (f.args[1] for f in evaluator.facts() if f.predicate == "at" and f.args[0] == "P"), ""
    )


def _dead_ends(facts: list[TrueFact]) -> set[str]:
    """Rooms with a single way in or out (from the true map: the evaluator's side)."""
    neighbours: dict[str, set[str]] = {}
    for f in facts:
        if f.predicate in MAP_PREDICATES:
            neighbours.setdefault(f.args[0], set()).add(f.args[1])
            neighbours.setdefault(f.args[1], set()).add(f.args[0])
    return {room for room, near in neighbours.items() if len(near) == 1}


def _revisits(rooms: list[str], dead_ends: set[str]) -> int:
    """Entries into a dead end already visited (the last room, the goal, not counted)."""
    seen: set[str] = set()
    count = 0
    for i, room in enumerate(rooms):
        entered = i == 0 or rooms[i - 1] != room
        if entered and room in dead_ends and room in seen and i != len(rooms) - 1:
            count += 1
        seen.add(room)
    return count
