"""What each memory puts into the LLM policy's prompt, as a game goes on (`mags bench`).

Rows of LLM cells carry ``prompt_tokens_at``: the policy's prompt tokens at its 10th, 50th
and 100th decision (`mags.agents.play.PROMPT_CHECKPOINTS`). Per track, memory and
checkpoint this module gives the mean over the games that reached it and its ratio to
``full-history`` (the whole transcript in every prompt) at the same checkpoint: ratio of the
means over the same games, which with ``--llm-replay`` all played the same commands.

Example
-------
>>> rows = [
...     {"track": "k", "policy": "llm", "memory": "liquid", "seed": 1,
...      "prompt_tokens_at": {"10": 900, "100": 1000}},
...     {"track": "k", "policy": "llm", "memory": "full-history", "seed": 1,
...      "prompt_tokens_at": {"10": 800, "100": 5000}},
... ]
>>> [(c.memory, c.step, c.tokens_mean, c.vs_full_history) for c in prompt_costs(rows)]
... # doctest: +NORMALIZE_WHITESPACE
[('liquid', 10, 900.0, 1.125), ('liquid', 100, 1000.0, 0.2),
 ('full-history', 10, 800.0, 1.0), ('full-history', 100, 5000.0, 1.0)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from rich.table import Table

from mags.agents.play import PROMPT_CHECKPOINTS
from mags.bench.summary import Row, mean

BASELINE = "full-history"
PROMPT_PLOT = "prompt_tokens_by_step.png"


@dataclass(frozen=True)
class PromptCost:
    """Mean prompt tokens of one (track, memory) at one checkpoint, over ``games`` games."""

    track: str
    memory: str
    step: int
    games: int
    tokens_mean: float
    vs_full_history: float
    """The ratio to full-history's mean over the same seeds (NaN without a full-history row)."""


def _tokens_at(row: Row, step: int) -> float | None:
    at = row.get("prompt_tokens_at") or {}
    value = at.get(str(step)) if isinstance(at, dict) else None
    return float(value) if isinstance(value, int | float) else None


def prompt_costs(rows: Iterable[Row]) -> list[PromptCost]:
    """One `PromptCost` per (track, memory, checkpoint) with data, in order of appearance."""
    rows = [r for r in rows if r.get("policy") == "llm" and not r.get("error")]
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((str(row.get("track")), str(row.get("memory"))), []).append(row)
    out = []
    for (track, memory), group in groups.items():
        baseline = {r.get("seed"): r for r in groups.get((track, BASELINE), [])}
        for step in PROMPT_CHECKPOINTS:
            mine = [v for r in group if (v := _tokens_at(r, step)) is not None]
            if not mine:
                continue
            pairs = [
                (_tokens_at(r, step), _tokens_at(baseline[r.get("seed")], step))
                for r in group
                if r.get("seed") in baseline
            ]
            both = [(a, b) for a, b in pairs if a is not None and b is not None]
            ratio = (
                sum(a for a, _ in both) / sum(b for _, b in both)
                if both and sum(b for _, b in both) > 0
                else math.nan
            )
            out.append(PromptCost(track, memory, step, len(mine), mean(mine), ratio))
    return out


def markdown_section(costs: Sequence[PromptCost]) -> str:
    """A Markdown section: per track, memories by rows, checkpoints by columns."""
    if not costs:
        return ""
    lines = [
        "## Prompt tokens per step (llm policy)",
        "",
        "Mean prompt tokens of the policy's call at its n-th decision, over the games that "
        f"reached it, and in brackets the ratio to {BASELINE} over the same games.",
    ]
    for track in dict.fromkeys(c.track for c in costs):
        lines += ["", f"### {track}", ""]
        lines.append("| memory | " + " | ".join(f"step {s}" for s in PROMPT_CHECKPOINTS) + " |")
        lines.append("|---|" + "---:|" * len(PROMPT_CHECKPOINTS))
        for memory in dict.fromkeys(c.memory for c in costs if c.track == track):
            cells = {c.step: c for c in costs if c.track == track and c.memory == memory}
            lines.append(
                f"| {memory} | "
                + " | ".join(_cell(cells.get(s)) for s in PROMPT_CHECKPOINTS)
                + " |"
            )
    return "\n".join(lines) + "\n"


def _cell(cost: PromptCost | None) -> str:
    if cost is None:
        return "—"
    ratio = "" if math.isnan(cost.vs_full_history) else f" ({100 * cost.vs_full_history:.0f}%)"
    return f"{cost.tokens_mean:.0f}{ratio} n={cost.games}"


def rich_table(costs: Sequence[PromptCost]) -> Table:
    """The costs as one rich table."""
    table = Table(title="Prompt tokens per step (llm policy; % of full-history)")
    table.add_column("track")
    table.add_column("memory")
    for step in PROMPT_CHECKPOINTS:
        table.add_column(f"step {step}", justify="right")
    for track in dict.fromkeys(c.track for c in costs):
        for memory in dict.fromkeys(c.memory for c in costs if c.track == track):
            cells = {c.step: c for c in costs if c.track == track and c.memory == memory}
            table.add_row(track, memory, *(_cell(cells.get(s)) for s in PROMPT_CHECKPOINTS))
    return table


def write_plot(costs: Sequence[PromptCost], out_dir: Path) -> Path | None:
    """``prompt_tokens_by_step.png``: mean prompt tokens against the step, a panel per track."""
    if not costs:
        return None
    tracks = list(dict.fromkeys(c.track for c in costs))
    fig = Figure(figsize=(5.0 * len(tracks), 4.0), layout="constrained")
    axes = fig.subplots(1, len(tracks), squeeze=False)[0]
    for ax, track in zip(axes, tracks, strict=True):
        for memory in dict.fromkeys(c.memory for c in costs if c.track == track):
            points = sorted(
                (c.step, c.tokens_mean) for c in costs if c.track == track and c.memory == memory
            )
            ax.plot(
                *zip(*points, strict=True),
                marker="o",
                label=memory,
                linewidth=2.5 if memory == "liquid" else 1.5,
            )
        ax.set_title(track)
        ax.set_xlabel("decision")
        ax.set_xticks(list(PROMPT_CHECKPOINTS))
        ax.set_ylabel("prompt tokens (mean)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    FigureCanvasAgg(fig)
    path = out_dir / PROMPT_PLOT
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
