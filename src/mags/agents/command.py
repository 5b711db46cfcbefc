"""`mags play`: one game, shown as it goes (or a progress bar), then its result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from mags.agents.memories import MEMORY_VARIANTS
from mags.agents.play import PlayResult, PlaySpec, play_game
from mags.agents.policies import POLICIES, Decision
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.worlds.cache import WorldCache
from mags.worlds.env import Observation


def play_command(
    game: str,
    *,
    seed: int | None,
    policy: str,
    memory: str,
    config: MemoryConfig | None,
    max_steps: int | None,
    trace: str | None,
    as_json: bool,
    quiet: bool,
    cache: WorldCache | None,
) -> int:
    """Play and render; returns the exit status."""
    if policy not in POLICIES:
        raise InvalidInputError(f"--policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if memory not in MEMORY_VARIANTS:
        raise InvalidInputError(
            f"--memory must be one of {', '.join(MEMORY_VARIANTS)}, got {memory!r}"
        )
    if max_steps is not None and max_steps < 1:
        raise InvalidInputError(f"--max-steps must be at least 1, got {max_steps}")
    spec = PlaySpec(game, seed, policy, memory, max_steps)
    err = Console(stderr=True)
    show = Console(stderr=as_json)
    trace_path = Path(trace) if trace else None
    if quiet or as_json:
        with Progress(
            TextColumn(f"[bold]{spec.describe()}[/]"),
            BarColumn(),
            TextColumn("step {task.completed}  score {task.fields[score]}"),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("play", total=None, score=0)

            def tick(t: int, obs: Observation, decision: Decision | None) -> None:
                progress.update(task, completed=t, score=obs.score)

            result = play_game(spec, cache=cache, config=config, trace=trace_path, on_step=tick)
    else:

        def narrate(t: int, obs: Observation, decision: Decision | None) -> None:
            if obs.command is not None:
                show.print(f"[bold cyan]> {obs.command}[/]")
            show.print(obs.text.strip(), markup=False, highlight=False)
            show.print(f"[dim]step {t} · score {obs.score}/{obs.max_score}[/]")

        result = play_game(spec, cache=cache, config=config, trace=trace_path, on_step=narrate)
    if as_json:
        print(json.dumps(result.to_json()), flush=True)
    else:
        show.print(result_table(result))
    if trace_path is not None:
        err.print(f"trace written to {trace_path}")
    sys.stdout.flush()
    return 0


def result_table(result: PlayResult) -> Table:
    """A two-column table of a game's result."""
    table = Table(title=f"{result.track} seed {result.seed}: {result.policy} + {result.memory}")
    table.add_column("")
    table.add_column("", justify="right")
    verdict = "won" if result.won else "lost" if result.lost else "not finished"
    rows = [
        ("result", verdict),
        ("score", f"{result.score}/{result.max_score} ({result.normalized_score:.2f})"),
        ("steps / walkthrough", f"{result.steps} / {result.walkthrough_steps}"),
        ("dead-end revisits", str(result.dead_end_revisits)),
        ("active facts", str(result.active_facts)),
        ("memory ms / step", f"{result.memory_ms_per_step:.2f}"),
        ("policy ms / step", f"{result.policy_ms_per_step:.2f}"),
        ("game ms / step", f"{result.env_ms_per_step:.2f}"),
        (
            "LLM calls (tokens in/out)",
            f"{result.llm_calls} ({result.prompt_tokens}/{result.completion_tokens})",
        ),
        ("wall time", f"{result.wall_s:.1f} s"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table
