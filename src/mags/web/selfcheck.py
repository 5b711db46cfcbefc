"""The web self-check: `mags doctor`'s checks plus a short game on ``tiny``.

Example
-------
>>> row = smoke_row(SmokeResult(steps=10, score=1, max_score=3, facts=12, ms_per_step=8.0))
>>> row.ok, row.detail
(True, '10 steps on tiny seed 1 (planner + liquid): score 1/3, 12 active facts, 8 ms per step')
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mags.agents.memories import make_memory
from mags.agents.policies import make_policy
from mags.agents.stepper import AgentStepper
from mags.doctor import run_checks
from mags.web.views import SelfCheck, SelfCheckRow
from mags.worlds.cache import WorldCache
from mags.worlds.env import open_game

if TYPE_CHECKING:
    from mags.llm.config import LLMConfig

SMOKE_TRACK = "tiny"
SMOKE_SEED = 1
SMOKE_STEPS = 10


@dataclass(frozen=True)
class SmokeResult:
    """What the smoke game did."""

    steps: int
    score: int
    max_score: int
    facts: int
    ms_per_step: float


def smoke_game(cache: WorldCache, steps: int = SMOKE_STEPS) -> SmokeResult:
    """Play ``steps`` steps of tiny seed 1 with the planner on a liquid memory."""
    env, evaluator = open_game(SMOKE_TRACK, SMOKE_SEED, cache=cache)
    memory = make_memory("liquid")
    try:
        stepper = AgentStepper(env, memory, make_policy("planner", SMOKE_SEED), budget=steps)
        started = time.perf_counter()
        record = stepper.start()
        while not stepper.finished:
            record = stepper.step()
        elapsed = time.perf_counter() - started
        return SmokeResult(
            steps=record.step,
            score=record.observation.score,
            max_score=evaluator.max_score,
            facts=memory.size(),
            ms_per_step=1000.0 * elapsed / (record.step + 1),
        )
    finally:
        memory.close()
        evaluator.close()


def smoke_row(result: SmokeResult | Exception) -> SelfCheckRow:
    """The smoke game as a self-check row: it must play and its memory must fill."""
    name = "smoke game"
    if isinstance(result, Exception):
        return SelfCheckRow(
            name=name,
            ok=False,
            detail=f"{type(result).__name__}: {result}",
            advice="run `mags doctor` and `mags play tiny --seed 1` to see what breaks",
        )
    ok = result.steps > 0 and result.facts > 0
    return SelfCheckRow(
        name=name,
        ok=ok,
        detail=f"{result.steps} steps on {SMOKE_TRACK} seed {SMOKE_SEED} (planner + liquid): "
        f"score {result.score}/{result.max_score}, {result.facts} active facts, "
        f"{result.ms_per_step:.0f} ms per step",
        advice="" if ok else "the memory stayed empty: run `mags play tiny --seed 1` to see why",
    )


def self_check(
    cache: WorldCache, inform_home: str | None = None, llm: LLMConfig | None = None
) -> SelfCheck:
    """Every doctor check and the smoke game; never raises."""
    rows = [
        SelfCheckRow(name=c.name, ok=c.ok, detail=c.detail, advice=c.advice)
        for c in run_checks(cache.root, inform_home=inform_home, llm=llm)
    ]
    if llm is None:
        # Not a failure: the LLM is optional. The row says how to get one.
        rows.append(
            SelfCheckRow(
                name="LLM (optional)",
                ok=True,
                detail="none: the llm policy and the summary memory are unavailable. To try "
                "them with a small local model: make llm-local, then .venv/bin/mags local-llm "
                "in another terminal, then reload this page",
                advice="",
            )
        )
    try:
        smoke: SmokeResult | Exception = smoke_game(cache)
    except Exception as error:  # a self-check reports what broke instead of failing
        smoke = error
    rows.append(smoke_row(smoke))
    return SelfCheck(ok=all(r.ok for r in rows), rows=rows)
