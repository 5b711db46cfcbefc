"""Probe results as a summary table and a plot of F1 and stale rate over steps."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from mags.probes.calibration import merged
from mags.probes.runner import ProbeResult


def summarize(results: Sequence[ProbeResult]) -> list[dict[str, Any]]:
    """One row per (track, policy, strategy): means over games, F1 spread, memory share.

    Example
    -------
    >>> r = ProbeResult("tiny", 1, "liquid", "walkthrough", None, 1.0, 1.0, 1.0, 0.0, 8,
    ...                 0.5, 5.0, True)
    >>> summarize([r])[0]["memory_share"]
    0.1
    """
    groups: dict[tuple[str, str, str], list[ProbeResult]] = {}
    for r in results:
        groups.setdefault((r.track, r.policy, r.strategy), []).append(r)
    rows = []
    for (track, policy, strategy), rs in groups.items():
        f1s = [r.f1 for r in rs]
        forecasts = merged([r.calibration for r in rs])
        memory = statistics.fmean(r.memory_ms_per_step for r in rs)
        env = statistics.fmean(r.env_ms_per_step for r in rs)
        rows.append(
            {
                "track": track,
                "policy": policy,
                "strategy": strategy,
                "games": len(rs),
                "precision": statistics.fmean(r.precision for r in rs),
                "recall": statistics.fmean(r.recall for r in rs),
                "f1": statistics.fmean(f1s),
                "f1_min": min(f1s),
                "stale_rate": statistics.fmean(r.stale_rate for r in rs),
                "brier": forecasts.brier,
                "ece": forecasts.ece,
                "steps": statistics.fmean(r.steps for r in rs),
                "memory_ms_per_step": memory,
                "env_ms_per_step": env,
                "memory_share": round(memory / env, 4) if env else 0.0,
            }
        )
    return rows


def summary_table(results: Sequence[ProbeResult]) -> Table:
    """A rich table of `summarize`'s rows."""
    readers = sorted({r.extractor for r in results})
    extractor = "" if readers in ([], ["rules"]) else f", {' and '.join(readers)} extractor"
    table = Table(title=f"Belief accuracy (means over games{extractor})")
    for name in (
        "track",
        "policy",
        "strategy",
        "games",
        "precision",
        "recall",
        "F1",
        "F1 min",
        "stale",
        "Brier",
        "ECE",
        "steps",
        "memory ms",
        "env ms",
        "memory/env",
    ):
        table.add_column(
            name, justify="left" if name in ("track", "policy", "strategy") else "right"
        )
    for row in summarize(results):
        table.add_row(
            str(row["track"]),
            str(row["policy"]),
            str(row["strategy"]),
            str(row["games"]),
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            f"{row['f1_min']:.3f}",
            f"{100 * float(row['stale_rate']):.1f}%",
            f"{row['brier']:.3f}",
            f"{row['ece']:.3f}",
            f"{row['steps']:.0f}",
            f"{row['memory_ms_per_step']:.2f}",
            f"{row['env_ms_per_step']:.2f}",
            f"{100 * float(row['memory_share']):.1f}%",
        )
    return table


def plot_over_steps(results: Sequence[ProbeResult], path: Path) -> Path:
    """F1 and stale rate against the step, averaged over games, one line per strategy.

    One column per (track, policy); written as PNG to ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = sorted({(r.track, r.policy) for r in results})
    fig, axes = plt.subplots(
        2, len(panels), figsize=(4.2 * len(panels), 6), squeeze=False, sharey="row"
    )
    for col, (track, policy) in enumerate(panels):
        for strategy in sorted({r.strategy for r in results}):
            runs = [
                r for r in results if (r.track, r.policy, r.strategy) == (track, policy, strategy)
            ]
            if not runs:
                continue
            for row, series in enumerate(("f1_by_step", "stale_by_step")):
                mean = _mean_series([getattr(r, series) for r in runs])
                axes[row][col].plot(range(len(mean)), mean, label=strategy)
        axes[0][col].set_title(f"{track} ({policy})")
        axes[1][col].set_xlabel("step")
    axes[0][0].set_ylabel("F1")
    axes[1][0].set_ylabel("stale rate")
    axes[0][0].legend(loc="lower left")
    return _save(fig, path)


def plot_reliability(results: Sequence[ProbeResult], path: Path) -> Path:
    """The reliability plot: per strategy, the share of believed atoms that were true
    against the belief (strength) they were held with, pooled over games; the diagonal is
    perfect calibration. One panel per (track, policy); written as PNG to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = sorted({(r.track, r.policy) for r in results})
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4), squeeze=False)
    for col, (track, policy) in enumerate(panels):
        ax = axes[0][col]
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
        for strategy in sorted({r.strategy for r in results}):
            runs = [
                r for r in results if (r.track, r.policy, r.strategy) == (track, policy, strategy)
            ]
            points = merged([r.calibration for r in runs]).curve()
            if points:
                xs, ys, _ = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", label=strategy)
        ax.set_title(f"{track} ({policy})")
        ax.set_xlabel("belief (strength)")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
    axes[0][0].set_ylabel("share true")
    axes[0][0].legend(loc="upper left")
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    """Write a figure as PNG to ``path`` (its folder made) and free it."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _mean_series(series: Sequence[Sequence[float]]) -> list[float]:
    """Mean at each step over the runs still going at that step."""
    longest = max(len(s) for s in series)
    out = []
    for i in range(longest):
        values = [s[i] for s in series if i < len(s)]
        out.append(sum(values) / len(values))
    return out


def summary_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """`summarize`'s rows (from one or many runs) as a Markdown table.

    Example
    -------
    >>> r = ProbeResult("tiny", 1, "liquid", "walkthrough", None, 1.0, 1.0, 1.0, 0.0, 8,
    ...                 0.5, 5.0, True)
    >>> print(summary_markdown(summarize([r])).splitlines()[2][:49])
    | tiny | walkthrough | liquid | 1 | 1.000 | 1.000
    """
    head = (
        "| track | policy | strategy | games | precision | recall | F1 | F1 min | stale | "
        "Brier | ECE | steps | memory ms/step | env ms/step | memory/env |"
    )
    lines = [head, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(
            f"| {row['track']} | {row['policy']} | {row['strategy']} | {row['games']} | "
            f"{row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | "
            f"{row['f1_min']:.3f} | {100 * row['stale_rate']:.1f}% | {row['brier']:.3f} | "
            f"{row['ece']:.3f} | {row['steps']:.0f} | "
            f"{row['memory_ms_per_step']:.2f} | {row['env_ms_per_step']:.2f} | "
            f"{100 * row['memory_share']:.1f}% |"
        )
    return "\n".join(lines)
