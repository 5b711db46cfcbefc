"""Plots of a whole run: how strengths are spread, and how the active graph grows and churns.

- ``strengths.png``: per step, a histogram of the active facts' strengths as one column of a
  heatmap (darker: more facts at that strength), with the median and the quartiles on top.
- ``activity.png``: active facts over the steps with the facts superseded and archived (by
  decay, by capacity) each step as bars, and the score below.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from mags.viz.trace import parse_trace
>>> replay = parse_trace(['{"step": 0, "command": null, "observation": "", "score": 0,'
...     ' "done": true, "action": null, "events": [], "graph": {"nodes": [], "edges": [{'
...     '"id": 1, "subject": "a", "relation": "at", "object": "b", "strength": 0.5}]}}'])
>>> [p.name for p in write_plots(replay, Path(tempfile.mkdtemp()))]
['strengths.png', 'activity.png']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mags.viz.frames import STATUS_COLOURS
from mags.viz.trace import Replay

STRENGTH_PLOT = "strengths.png"
ACTIVITY_PLOT = "activity.png"
BINS = 20
DPI = 120


def write_plots(replay: Replay, out: Path) -> list[Path]:
    """Write both plots into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    return [_strengths(replay, out / STRENGTH_PLOT), _activity(replay, out / ACTIVITY_PLOT)]


def _strengths(replay: Replay, path: Path) -> Path:
    steps = [f.step for f in replay.frames]
    counts = np.zeros((BINS, len(steps)))
    quartiles = np.full((3, len(steps)), np.nan)
    for i, frame in enumerate(replay.frames):
        values = np.array([e.strength for e in frame.edges])
        if len(values):
            counts[:, i] = np.histogram(values, bins=BINS, range=(0.0, 1.0))[0]
            quartiles[:, i] = np.percentile(values, [25, 50, 75])
    fig = Figure(figsize=(10, 4.5))
    axes = fig.add_subplot()
    lo, hi = steps[0] - 0.5, steps[-1] + 0.5
    image = axes.imshow(
        np.ma.masked_equal(counts, 0),
        origin="lower",
        aspect="auto",
        extent=(lo, hi, 0.0, 1.0),
        cmap="viridis_r",
        interpolation="nearest",
    )
    fig.colorbar(image, ax=axes, label="active facts at this strength")
    axes.plot(steps, quartiles[1], color="#d62728", lw=1.8, label="median")
    axes.fill_between(
        steps, quartiles[0], quartiles[2], color="#d62728", alpha=0.12, label="25-75 %"
    )
    axes.set_xlim(lo, hi)
    axes.set_ylim(0, 1)
    axes.set_xlabel("step")
    axes.set_ylabel("strength")
    axes.set_title(f"Strength of the active facts over the run ({replay.source})", fontsize=10)
    axes.legend(loc="lower left", fontsize=8, framealpha=0.8)
    return _save(fig, path)


def _activity(replay: Replay, path: Path) -> Path:
    frames = replay.frames
    steps = np.array([f.step for f in frames])
    fig = Figure(figsize=(10, 6))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    bars = top.twinx()  # a few changes per step beside a hundred active facts
    base = np.zeros(len(frames))
    for kind, colour, label in (
        ("reconcile", STATUS_COLOURS["superseded"], "superseded"),
        ("decay_archive", STATUS_COLOURS["decay"], "archived: decay"),
        ("capacity_archive", STATUS_COLOURS["capacity"], "archived: capacity"),
        ("merge", STATUS_COLOURS["merged"], "merged"),
    ):
        values = np.array([f.count(kind) for f in frames], dtype=float)
        if values.any():
            bars.bar(steps, values, bottom=base, color=colour, width=0.8, alpha=0.7, label=label)
            base += values
    bars.set_ylabel("facts changed this step")
    bars.set_ylim(0, max(1.0, float(base.max())) * 2.2)  # bars in the lower half, line above
    top.plot(steps, [len(f.edges) for f in frames], color="#222", lw=2, label="active facts")
    top.plot(
        steps,
        [len(f.nodes) for f in frames],
        color="#4c72b0",
        lw=1.2,
        ls="--",
        label="active entities",
    )
    top.set_ylim(0, None)
    top.set_zorder(bars.get_zorder() + 1)
    top.patch.set_visible(False)
    top.set_ylabel("active")
    top.set_title(f"Active graph over the run ({replay.source})", fontsize=10)
    handles = top.get_legend_handles_labels()[0] + bars.get_legend_handles_labels()[0]
    top.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.85)
    bottom.step(steps, [f.score for f in frames], where="post", color="#2ca02c", lw=1.8)
    bottom.set_ylabel("score")
    bottom.set_xlabel("step")
    bottom.set_ylim(0, max(1, max(f.score for f in frames)) * 1.15)
    return _save(fig, path)


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    return path
