"""`mags play`: one game, shown as it goes (or a progress bar), then its result."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from mags.agents.memories import MEMORY_VARIANTS
from mags.agents.play import PlayResult, PlaySpec, play_game
from mags.agents.policies import POLICIES, Decision
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.extract.noise import NoiseSpec
from mags.worlds.cache import WorldCache
from mags.worlds.env import Observation
from mags.worlds.tracks import TRACKS

if TYPE_CHECKING:
    from mags.agents.capacity import Capacity
    from mags.llm.client import LLMClient
    from mags.llm.config import LLMConfig


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
    llm_base_url: str | None = None,
    llm_model: str | None = None,
    llm_api_key: str | None = None,
    llm_settings: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    noise: NoiseSpec | None = None,
    noise_seed: int = 0,
    task: str | None = None,
    capacity: Capacity | None = None,
) -> int:
    """Play and render; returns the exit status.

    The llm policy and the summary memory call the endpoint given by ``llm_*`` (the
    ``--llm-*`` flags), each falling back to ``environ``'s ``MAGS_LLM_*``/``OPENAI_*``
    variables; other games need neither.
    """
    if policy not in POLICIES:
        raise InvalidInputError(f"--policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if memory not in MEMORY_VARIANTS:
        raise InvalidInputError(
            f"--memory must be one of {', '.join(MEMORY_VARIANTS)}, got {memory!r}"
        )
    if max_steps is not None and max_steps < 1:
        raise InvalidInputError(f"--max-steps must be at least 1, got {max_steps}")
    if task is not None and not task.strip():
        raise InvalidInputError('--task is empty; say what to do, e.g. --task "Find the coin"')
    if seed is None and game in TRACKS:
        raise InvalidInputError(
            f"track {game} needs --seed (1-999 for development, 1001-1020 for the reported "
            f"evaluation), e.g. mags play {game} --seed 1"
        )
    spec = PlaySpec(game, seed, policy, memory, max_steps, noise, noise_seed, task, capacity)
    with ExitStack() as stack:
        llm = None
        if policy == "llm" or memory == "summary":
            llm = stack.enter_context(
                llm_client(spec, llm_base_url, llm_model, llm_api_key, environ or {}, llm_settings)
            )
        return _play(
            spec, llm, cache=cache, config=config, trace=trace, as_json=as_json, quiet=quiet
        )


def llm_client(
    spec: PlaySpec,
    base_url: str | None,
    model: str | None,
    api_key: str | None,
    environ: Mapping[str, str],
    settings: Mapping[str, Any] | None = None,
) -> LLMClient:
    """The client of the endpoint the flags (else the environment) name, for ``spec``."""
    from mags.llm.client import LLMClient

    what = "--policy llm" if spec.policy == "llm" else "--memory summary"
    config = llm_config(what, base_url, model, api_key, environ, settings)
    check_reachable(config.base_url)  # before the game starts, not at its first step
    return LLMClient(config)


def check_reachable(base_url: str, timeout_s: float = 5.0) -> None:
    """Fail at once when nothing answers at ``base_url`` (connection refused, no such
    host): a dead endpoint would otherwise show up only after the first step's retries.
    Any HTTP answer, even an error, means a server is there.

    Example
    -------
    >>> check_reachable("http://127.0.0.1:9/v1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.core.errors.InvalidInputError: nothing answers at --llm-base-url http://127.0.0.1:9/v1...
    """
    import httpx

    try:
        httpx.get(base_url.rstrip("/") + "/models", timeout=timeout_s)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # a slow answer is an answer
        raise InvalidInputError(
            f"nothing answers at --llm-base-url {base_url} ({type(exc).__name__}: {exc}); "
            "start the server (for a local model: mags local-llm) or fix --llm-base-url"
        ) from None


def llm_config(
    what: str,
    base_url: str | None,
    model: str | None,
    api_key: str | None,
    environ: Mapping[str, str],
    settings: Mapping[str, Any] | None = None,
) -> LLMConfig:
    """The endpoint the ``--llm-*`` flags name, each falling back to ``environ``
    (``MAGS_LLM_*``, else ``OPENAI_*``); an error says what ``what`` needs when neither does.
    ``settings`` are further `LLMConfig` fields (``timeout_s``, ``temperature``, ...).

    Example
    -------
    >>> llm_config("--policy llm", "http://localhost:8080/v1", "qwen", None, {}).model
    'qwen'
    """
    from mags.llm.config import LLMConfig

    # The flags win over the environment: they are laid over it, then read as one.
    flags = {
        "MAGS_LLM_BASE_URL": base_url,
        "MAGS_LLM_MODEL": model,
        "MAGS_LLM_API_KEY": api_key,
    }
    named = {**environ, **{name: value for name, value in flags.items() if value}}
    try:
        return LLMConfig.from_env(named, **(settings or {}))
    except InvalidInputError as error:
        if not str(error).startswith("no LLM"):
            raise  # a value given but out of range: its own message says which
        raise InvalidInputError(
            f"{what} needs an OpenAI-compatible endpoint: pass --llm-base-url and "
            f"--llm-model, or set MAGS_LLM_BASE_URL and MAGS_LLM_MODEL ({error})"
        ) from None


def _play(
    spec: PlaySpec,
    llm: LLMClient | None,
    *,
    cache: WorldCache | None,
    config: MemoryConfig | None,
    trace: str | None,
    as_json: bool,
    quiet: bool,
) -> int:
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

            result = play_game(
                spec, cache=cache, config=config, trace=trace_path, llm=llm, on_step=tick
            )
    else:

        def narrate(t: int, obs: Observation, decision: Decision | None) -> None:
            if obs.command is not None:
                show.print(f"[bold cyan]> {obs.command}[/]")
            show.print(obs.text.strip(), markup=False, highlight=False)
            show.print(f"[dim]step {t} · score {obs.score}/{obs.max_score}[/]")

        result = play_game(
            spec, cache=cache, config=config, trace=trace_path, llm=llm, on_step=narrate
        )
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
    table = Table(
        title=f"{result.track} seed {result.seed}: {result.policy} + {result.memory}",
        # The game's own "in N turns" counts its opening as a turn: one more than commands.
        caption="commands: what the agent sent; the game's turn count adds its opening turn",
    )
    table.add_column("")
    table.add_column("", justify="right")
    verdict = "won" if result.won else "lost" if result.lost else "not finished"
    rows = [
        ("result", verdict),
        ("score", f"{result.score}/{result.max_score} ({result.normalized_score:.2f})"),
        ("commands / walkthrough's", f"{result.steps} / {result.walkthrough_steps}"),
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
