"""`mags bench` plots (PNG, matplotlib's Agg backend, no pyplot state).

- ``score_by_variant.png``: normalized score per (policy + memory) variant, grouped by
  track, with the sample standard deviation over games as error bars.
- ``steps_vs_walkthrough.png``: each game's steps against its walkthrough steps, coloured
  by variant (filled: won, hollow: not won), with y = x and y = 2x for reference.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> rows = [{"track": "tiny", "policy": "planner", "memory": "liquid", "seed": 1,
...          "normalized_score": 1.0, "won": True, "steps": 9, "walkthrough_steps": 7}]
>>> [p.name for p in write_plots(rows, Path(tempfile.mkdtemp()))]
['score_by_variant.png', 'steps_vs_walkthrough.png']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mags.bench.summary import Row, VariantSummary, summarize, variant_label

SCORE_PLOT = "score_by_variant.png"
STEPS_PLOT = "steps_vs_walkthrough.png"
DPI = 120


def _colours(labels: Sequence[str]) -> dict[str, Any]:
    """A stable colour per variant label (tab10, then tab20 for more variants)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(labels) <= 10 else "tab20"]
    return {label: cmap(i % cmap.N) for i, label in enumerate(labels)}


def _variants(rows_or_summaries: Sequence[Any]) -> list[str]:
    labels = []
    for item in rows_or_summaries:
        if isinstance(item, VariantSummary):
            labels.append(item.variant)
        else:
            labels.append(variant_label(str(item.get("policy")), str(item.get("memory"))))
    return list(dict.fromkeys(labels))


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def plot_scores(summaries: Sequence[VariantSummary], path: Path) -> Path:
    """Grouped bars: one group per track, one bar per variant, error bars = std.

    Example
    -------
    >>> import tempfile
    >>> plot_scores([], Path(tempfile.mkdtemp()) / "s.png").name
    's.png'
    """
    tracks = list(dict.fromkeys(s.track for s in summaries))
    labels = _variants(summaries)
    colours = _colours(labels)
    width = 0.8 / max(1, len(labels))
    fig = Figure(figsize=(max(6.0, 1.2 + len(tracks) * (0.4 + 0.35 * len(labels))), 4.8))
    ax = fig.add_subplot()
    by_key = {(s.track, s.variant): s for s in summaries}
    for j, label in enumerate(labels):
        xs, heights, errors = [], [], []
        for i, track in enumerate(tracks):
            s = by_key.get((track, label))
            if s is None or math.isnan(s.score_mean):
                continue
            xs.append(i - 0.4 + width * (j + 0.5))
            heights.append(s.score_mean)
            errors.append(s.score_std)
        bars = ax.bar(
            xs,
            heights,
            width * 0.92,
            yerr=errors,
            capsize=3,
            color=colours[label],
            label=label,
            error_kw={"elinewidth": 1, "ecolor": "0.25"},
        )
        # The value on each bar: a zero score is otherwise an invisible bar.
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize="x-small")
    ax.set_xticks(range(len(tracks)), tracks)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("normalized score (mean ± std)")
    ax.set_title("Normalized score by policy + memory")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if labels:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    fig.tight_layout()
    return _save(fig, path)


def plot_steps(rows: Sequence[Row], path: Path) -> Path:
    """Scatter of each game's steps against its walkthrough steps, coloured by variant.

    Rows that failed or lack a walkthrough are left out. Points of one variant are nudged
    sideways a little so that games with equal walkthroughs stay visible.

    Example
    -------
    >>> import tempfile
    >>> plot_steps([], Path(tempfile.mkdtemp()) / "s.png").name
    's.png'
    """
    games = [
        r
        for r in rows
        if not r.get("error")
        and isinstance(r.get("steps"), int | float)
        and isinstance(r.get("walkthrough_steps"), int | float)
        and r["walkthrough_steps"] > 0
    ]
    labels = _variants(games)
    colours = _colours(labels)
    fig = Figure(figsize=(7.5, 5.2))
    ax = fig.add_subplot()
    top = max([1.0, *(max(r["steps"], 2 * r["walkthrough_steps"]) for r in games)])
    right = max([1.0, *(r["walkthrough_steps"] for r in games)])
    nudge = 0.012 * right
    for j, label in enumerate(labels):
        mine = [
            r for r in games if variant_label(str(r.get("policy")), str(r.get("memory"))) == label
        ]
        offset = (j - (len(labels) - 1) / 2) * nudge
        for won in (True, False):
            pts = [r for r in mine if bool(r.get("won")) == won]
            if pts:
                ax.scatter(
                    [r["walkthrough_steps"] + offset for r in pts],
                    [r["steps"] for r in pts],
                    s=36,
                    facecolors=colours[label] if won else "none",
                    edgecolors=colours[label],
                    linewidths=1.4,
                    alpha=0.85,
                )
    handles: list[Any] = [
        Line2D([], [], marker="o", ls="", color=colours[label], label=label) for label in labels
    ]
    handles.append(ax.axline((0, 0), slope=1, color="0.3", lw=1, label="y = x"))
    handles.append(ax.axline((0, 0), slope=2, color="0.3", lw=1, ls="--", label="y = 2x"))
    ax.set_xlim(0, right * 1.08)
    ax.set_ylim(0, top * 1.08)
    ax.set_xlabel("walkthrough steps (optimal reference)")
    ax.set_ylabel("steps taken")
    ax.set_title("Steps against walkthrough per game (filled: won, hollow: not won)")
    ax.grid(alpha=0.3)
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        frameon=False,
    )
    fig.tight_layout()
    return _save(fig, path)


def write_plots(rows: Sequence[Row], out_dir: Path) -> list[Path]:
    """Both plots of `rows` into `out_dir`; their paths.

    Example: see the module docstring.
    """
    return [
        plot_scores(summarize(rows), out_dir / SCORE_PLOT),
        plot_steps(rows, out_dir / STEPS_PLOT),
    ]
