"""`mags eval locomo` output: a rich table, ``summary.md`` and the recall-against-budget plot.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> rows = [{"system": "bm25", "budget": 150, "category": "all", "recall": 0.5,
...          "questions": 2}]
>>> write_plot(rows, Path(tempfile.mkdtemp())).name
'recall_vs_budget.png'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from rich.table import Table

from mags.eval.locomo import CATEGORIES

PLOT = "recall_vs_budget.png"


def recall_grid(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[int, float]]:
    """``{system: {budget: overall recall}}`` (the full-context row has no budget)."""
    grid: dict[str, dict[int, float]] = {}
    for row in rows:
        if row["category"] == "all" and row["budget"] is not None:
            grid.setdefault(row["system"], {})[row["budget"]] = row["recall"]
    return grid


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def rich_table(rows: Sequence[Mapping[str, Any]], budgets: Sequence[int]) -> Table:
    """Overall evidence recall per system and budget, multi-hop and overall answer
    containment beside it."""
    table = Table(title="LoCoMo evidence recall (overall | multi-hop) and answer containment")
    table.add_column("system")
    for budget in budgets:
        table.add_column(f"{budget} tok", justify="right")
    by = {(r["system"], r["budget"], r["category"]): r for r in rows}
    for system in dict.fromkeys(r["system"] for r in rows):
        if system == "full":
            continue
        cells = []
        for b in budgets:
            every, multi = by.get((system, b, "all"), {}), by.get((system, b, 1), {})
            cells.append(
                f"{_cell(every.get('recall'))} | {_cell(multi.get('recall'))}"
                f" | {_cell(every.get('containment'))}"
            )
        table.add_row(system, *cells)
    return table


def markdown(
    rows: Sequence[Mapping[str, Any]],
    budgets: Sequence[int],
    facts: Mapping[str, Any],
) -> str:
    """``summary.md``: the run's facts, then per category a table of evidence recall and
    one of answer containment (where answers were scored)."""
    lines = ["# LoCoMo evidence recall and answer containment", ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    by = {(r["system"], r["budget"], r["category"]): r for r in rows}
    systems = [s for s in dict.fromkeys(r["system"] for r in rows) if s != "full"]
    for category in ["all", *sorted(CATEGORIES)]:
        name = "overall" if category == "all" else f"{category} {CATEGORIES[int(str(category))]}"
        sample = next((r for r in rows if r["category"] == category), None)
        if sample is None:
            continue
        lines += ["", f"## {name} ({sample['questions']} questions)"]
        for metric, title in (("recall", "evidence recall"), ("containment", "answer containment")):
            if all(r.get(metric) is None for r in rows if r["category"] == category):
                continue
            lines += ["", f"{title}:", ""]
            lines += ["| system | " + " | ".join(f"{b} tokens" for b in budgets) + " |"]
            lines += ["|---|" + "---:|" * len(budgets)]
            for system in systems:
                cells = [_cell(by.get((system, b, category), {}).get(metric)) for b in budgets]
                lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_plot(rows: Sequence[Mapping[str, Any]], out: Path) -> Path:
    """Overall evidence recall against the budget, one line per system."""
    figure = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for system, points in recall_grid(rows).items():
        budgets = sorted(points)
        axes.plot(budgets, [points[b] for b in budgets], marker="o", label=system)
    axes.set_xscale("log")
    ticks = sorted({b for points in recall_grid(rows).values() for b in points})
    axes.set_xticks(ticks, [str(b) for b in ticks])
    axes.minorticks_off()
    axes.set_xlabel("budget (tokens, cl100k_base)")
    axes.set_ylabel("evidence recall")
    axes.set_ylim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title("LoCoMo: evidence turns inside the packed context")
    path = out / PLOT
    figure.savefig(path, dpi=120, bbox_inches="tight")
    return path
