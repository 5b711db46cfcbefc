"""Running belief probes: play a game, and after every step score what a strategy believes.

The agent side (the strategy) sees only what a player sees — the command, the game's text,
the room description, the inventory answer and the admissible commands. The evaluator
side supplies the true state and the scope (the player's room, from the truth) and, for
the walkthrough policy, the commands.

Example
-------
>>> from mags.probes.runner import ProbeSpec
>>> ProbeSpec("tiny", 1, "liquid", "walkthrough").describe()
'tiny seed 1: liquid, walkthrough policy'
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mags.agents.capacity import Capacity
from mags.agents.memories import make_memory
from mags.agents.steps import step_extra, step_text, visible_names
from mags.config import MemoryConfig
from mags.extract.base import Extractor
from mags.extract.llm import LLMExtractor
from mags.extract.noise import NoiseSpec, noisy, regime
from mags.extract.textworld import TextWorldExtractor
from mags.llm import LLMClient, LLMConfig
from mags.probes.beliefs import (
    BeliefScore,
    Scope,
    beliefs_from_facts,
    compared_beliefs,
    score,
    true_state_size,
    truth_atoms,
)
from mags.probes.calibration import Calibration, add_forecasts, atom_probabilities
from mags.worlds.cache import WorldCache
from mags.worlds.env import Observation, open_game

POLICIES = ("walkthrough", "random")
STRATEGIES = (
    "liquid",
    "no-decay",
    "no-use",
    "no-contest",
    "belief",
    "latest-slot",
    "lru",
    "random-evict",
    "append-only",
    "one-per-relation",
)
"""MAGS, its ablations (no decay, no use-reinforcement, no contest) and the baselines it
is compared with (all `mags.agents.memories` variants)."""
DEFAULT_RANDOM_STEPS = 500
NO_INFORMATION = frozenset({"look", "inventory"})
"""Commands the random policy skips: the step already carries their answers."""
GAME_ENDING_VERBS = ("eat ",)
"""Verbs the random policy skips: eating anything but the meal loses a kitchen game at once,
which would end most random runs within a few dozen steps."""


@dataclass(frozen=True)
class ProbeSpec:
    """One probe run: a game, a strategy and a policy."""

    game: str
    seed: int | None
    strategy: str
    policy: str
    steps: int | None = None
    capacity: Capacity | None = None
    """The memory's capacity (facts, or a share of the game's true state at the start)."""
    llm: LLMConfig | None = None
    """When set, an `LLMExtractor` over this endpoint reads the steps instead of the rules."""
    noise: NoiseSpec | None = None
    """When set, the extractor's output gets seeded drops, false facts and swaps."""
    noise_seed: int = 0

    def describe(self) -> str:
        """A short label for progress bars and errors."""
        where = f"{self.game} seed {self.seed}" if self.seed is not None else self.game
        reader = f", {self.llm.model} extractor" if self.llm is not None else ""
        return f"{where}: {self.strategy}, {self.policy} policy{reader}"


@dataclass
class ProbeResult:
    """Scores of one run, averaged over its steps, with the per-step series for plots."""

    track: str
    seed: int | None
    strategy: str
    policy: str
    capacity: int | None
    precision: float
    recall: float
    f1: float
    stale_rate: float
    steps: int
    memory_ms_per_step: float
    env_ms_per_step: float
    won: bool
    extractor: str = "rules"
    """What read the steps: ``rules``, or the LLM extractor's model name."""
    noise: str = ""
    """The noise regime (`NoiseSpec.label`), with its seed; empty: none."""
    f1_by_step: list[float] = field(default_factory=list)
    stale_by_step: list[float] = field(default_factory=list)
    calibration: Calibration = field(default_factory=Calibration)
    """Every step's believed atoms as forecasts (their strength) against the truth."""

    @property
    def brier(self) -> float:
        """Brier score of the beliefs read as probabilities (see `mags.probes.calibration`)."""
        return self.calibration.brier

    @property
    def ece(self) -> float:
        """Expected calibration error of the beliefs read as probabilities."""
        return self.calibration.ece

    def to_json(self) -> dict[str, Any]:
        """The JSON row `mags probe --json` prints (series and bins left out)."""
        row = asdict(self)
        row.pop("f1_by_step")
        row.pop("stale_by_step")
        row.pop("calibration")
        row["brier"], row["ece"] = self.brier, self.ece
        return row


def probe_game(
    spec: ProbeSpec,
    cache: WorldCache | None = None,
    config: MemoryConfig | None = None,
) -> ProbeResult:
    """Play one game under a policy and score the strategy's beliefs after every step."""
    if spec.policy not in POLICIES:
        raise ValueError(f"unknown policy {spec.policy!r}; choose one of {', '.join(POLICIES)}")
    config = config or MemoryConfig()
    client = LLMClient(spec.llm) if spec.llm is not None else None
    extractor: Extractor | None = LLMExtractor(client) if client is not None else None
    extractor = (
        noisy(extractor or TextWorldExtractor(), spec.noise, spec.noise_seed, spec.seed)
        or extractor
    )
    env, evaluator = open_game(spec.game, spec.seed, cache=cache)
    observation = env.reset()
    capacity = None
    if spec.capacity is not None:
        capacity = spec.capacity.resolve(true_state_size(evaluator.facts()))
        config = config.with_changes(capacity=capacity)
    strategy = make_memory(spec.strategy, config, capacity=capacity, extractor=extractor)
    rng = random.Random(spec.seed)
    scope = Scope()
    scores: list[BeliefScore] = []
    calibration = Calibration()
    memory_s = 0.0
    try:
        plan = list(evaluator.walkthrough) if spec.policy == "walkthrough" else []
        limit = spec.steps
        if limit is None:
            limit = len(plan) if spec.policy == "walkthrough" else DEFAULT_RANDOM_STEPS
        previous_room: str | None = None
        for t in range(limit + 1):
            started = time.perf_counter()
            strategy.update(step_text(observation), t, step_extra(observation))
            memory_s += time.perf_counter() - started
            truth = evaluator.facts()
            room = next((f.args[1] for f in truth if f.predicate == "at" and f.args[0] == "P"), "")
            scope.observe(room, visible_names(observation), previous_room)
            previous_room = room
            held = strategy.beliefs(t)
            beliefs = beliefs_from_facts((b.subject, b.relation, b.object) for b in held)
            true_atoms = truth_atoms((f.predicate, f.args) for f in truth)
            scores.append(score(beliefs, true_atoms, scope))
            add_forecasts(
                calibration,
                atom_probabilities((b.subject, b.relation, b.object, b.strength) for b in held),
                true_atoms,
                compared_beliefs(beliefs, scope),
            )
            if observation.done or t == limit:
                break
            command = _next_command(spec.policy, plan, t, observation, rng)
            if command is None:
                break
            observation = env.step(command)
        won = observation.won
        env_ms = evaluator.env_ms_per_step
    finally:
        strategy.close()
        evaluator.close()
        if client is not None:
            client.close()
    n = len(scores)
    return ProbeResult(
        track=evaluator.track or str(spec.game),
        seed=spec.seed,
        strategy=spec.strategy,
        policy=spec.policy,
        capacity=capacity,
        extractor=spec.llm.model if spec.llm is not None else "rules",
        noise=regime(spec.noise, spec.noise_seed),
        precision=sum(s.precision for s in scores) / n,
        recall=sum(s.recall for s in scores) / n,
        f1=sum(s.f1 for s in scores) / n,
        stale_rate=sum(s.stale_rate for s in scores) / n,
        steps=n - 1,
        memory_ms_per_step=1000.0 * memory_s / n,
        env_ms_per_step=env_ms,
        won=won,
        f1_by_step=[s.f1 for s in scores],
        stale_by_step=[s.stale_rate for s in scores],
        calibration=calibration,
    )


def _next_command(
    policy: str, plan: list[str], t: int, observation: Observation, rng: random.Random
) -> str | None:
    if policy == "walkthrough":
        return plan[t] if t < len(plan) else None
    choices = [
        c
        for c in observation.admissible_commands
        if c not in NO_INFORMATION and not c.startswith(GAME_ENDING_VERBS)
    ]
    return rng.choice(choices) if choices else None


def run_probes(
    specs: Iterable[ProbeSpec],
    cache_root: Path | None = None,
    workers: int = 1,
    on_result: Callable[[ProbeResult], None] | None = None,
    config: MemoryConfig | None = None,
) -> list[ProbeResult]:
    """Run probes, in worker processes when ``workers > 1``; results in the specs' order."""
    specs = list(specs)
    if workers <= 1:
        results = []
        for spec in specs:
            cache = WorldCache(cache_root) if cache_root else None
            result = probe_game(spec, cache, config)
            results.append(result)
            if on_result:
                on_result(result)
        return results
    from concurrent.futures import ProcessPoolExecutor, as_completed

    out: dict[int, ProbeResult] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(_probe_in_worker, spec, cache_root, config): i
            for i, spec in enumerate(specs)
        }
        for future in as_completed(futures):
            result = future.result()
            out[futures[future]] = result
            if on_result:
                on_result(result)
    return [out[i] for i in range(len(specs))]


def _probe_in_worker(
    spec: ProbeSpec, cache_root: Path | None, config: MemoryConfig | None
) -> ProbeResult:
    return probe_game(spec, WorldCache(cache_root) if cache_root else None, config)
