"""`mags bench` results summarized: pure functions over result rows, a Markdown report, a table.

A *row* is one played game as written to ``results.jsonl`` (`PlayResult.to_json()` plus the
run's context and ``error``). Rows are grouped per (track, policy, memory) variant; each group
gets its games, normalized score mean and spread, win rate, the median of steps over
walkthrough steps, and the cost figures of DESIGN §4.

Example
-------
>>> rows = [
...     {"track": "tiny", "policy": "planner", "memory": "liquid", "normalized_score": 1.0,
...      "won": True, "steps": 12, "walkthrough_steps": 6, "error": None},
...     {"track": "tiny", "policy": "planner", "memory": "liquid", "normalized_score": 0.5,
...      "won": False, "steps": 30, "walkthrough_steps": 10, "error": None},
... ]
>>> s = summarize(rows)[0]
>>> s.games, s.score_mean, s.win_rate, s.steps_ratio_median
(2, 0.75, 0.5, 2.5)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.table import Table

Row = Mapping[str, Any]


def mean(values: Iterable[float]) -> float:
    """The arithmetic mean; NaN for no values.

    Example
    -------
    >>> mean([1, 2, 6]), math.isnan(mean([]))
    (3.0, True)
    """
    items = [float(v) for v in values]
    return statistics.fmean(items) if items else math.nan


def std(values: Iterable[float]) -> float:
    """The sample standard deviation (n - 1); 0 for one value, NaN for none.

    Example
    -------
    >>> std([1, 3]), std([5]), math.isnan(std([]))
    (1.4142135623730951, 0.0, True)
    """
    items = [float(v) for v in values]
    if not items:
        return math.nan
    return statistics.stdev(items) if len(items) > 1 else 0.0


def median(values: Iterable[float]) -> float:
    """The median (the mean of the two middle values for an even count); NaN for none.

    Example
    -------
    >>> median([3, 1, 2]), median([1, 2, 3, 10]), math.isnan(median([]))
    (2.0, 2.5, True)
    """
    items = [float(v) for v in values]
    return float(statistics.median(items)) if items else math.nan


def variant_label(policy: str, memory: str) -> str:
    """How a (policy, memory) variant is named in tables and plots.

    Example
    -------
    >>> variant_label("planner", "liquid")
    'planner + liquid'
    """
    return f"{policy} + {memory}"


@dataclass(frozen=True)
class VariantSummary:
    """The figures of one (track, policy, memory) variant over its games.

    Means are over successful games (``failed`` counts the cells that raised); NaN where no
    game informs a figure. ``steps_ratio_median`` is the median over games with a walkthrough
    of steps / walkthrough steps, won or not (a game that runs out of steps counts its budget).
    """

    track: str
    policy: str
    memory: str
    games: int
    failed: int
    score_mean: float
    score_std: float
    win_rate: float
    steps_ratio_median: float
    dead_end_revisits_mean: float
    context_tokens_per_step_mean: float
    memory_ms_per_step_mean: float

    @property
    def variant(self) -> str:
        """``policy + memory``."""
        return variant_label(self.policy, self.memory)


def _failed(row: Row) -> bool:
    return bool(row.get("error"))


def _numbers(rows: Sequence[Row], key: str) -> list[float]:
    """The values of `key` that are numbers (missing or null ones left out)."""
    out = []
    for row in rows:
        value = row.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append(float(value))
    return out


def steps_ratio(row: Row) -> float | None:
    """Steps over walkthrough steps of one game; None without a walkthrough.

    Example
    -------
    >>> steps_ratio({"steps": 12, "walkthrough_steps": 8}), steps_ratio({"steps": 3})
    (1.5, None)
    """
    steps, walkthrough = row.get("steps"), row.get("walkthrough_steps")
    if not isinstance(steps, int | float) or not isinstance(walkthrough, int | float):
        return None
    return float(steps) / float(walkthrough) if walkthrough > 0 else None


def summarize(rows: Iterable[Row]) -> list[VariantSummary]:
    """One `VariantSummary` per (track, policy, memory), in order of first appearance.

    Example
    -------
    >>> rows = [{"track": "t", "policy": "random", "memory": "none", "error": "boom"}]
    >>> s = summarize(rows)[0]
    >>> s.games, s.failed, math.isnan(s.score_mean)
    (0, 1, True)
    """
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        key = (str(row.get("track")), str(row.get("policy")), str(row.get("memory")))
        groups.setdefault(key, []).append(row)
    out = []
    for (track, policy, memory), group in groups.items():
        ok = [r for r in group if not _failed(r)]
        ratios = [r for r in (steps_ratio(row) for row in ok) if r is not None]
        out.append(
            VariantSummary(
                track=track,
                policy=policy,
                memory=memory,
                games=len(ok),
                failed=len(group) - len(ok),
                score_mean=mean(_numbers(ok, "normalized_score")),
                score_std=std(_numbers(ok, "normalized_score")),
                win_rate=mean(1.0 if r.get("won") else 0.0 for r in ok),
                steps_ratio_median=median(ratios),
                dead_end_revisits_mean=mean(_numbers(ok, "dead_end_revisits")),
                context_tokens_per_step_mean=mean(_numbers(ok, "context_tokens_per_step")),
                memory_ms_per_step_mean=mean(_numbers(ok, "memory_ms_per_step")),
            )
        )
    return out


def _fmt(value: float, digits: int = 2, *, percent: bool = False) -> str:
    if math.isnan(value):
        return "—"
    return f"{100 * value:.0f}%" if percent else f"{value:.{digits}f}"


COLUMNS = (
    "policy",
    "memory",
    "games",
    "normalized score (mean ± std)",
    "win rate",
    "steps / walkthrough (median)",
    "dead-end revisits (mean)",
    "context tokens / step",
    "memory ms / step",
)


def table_cells(s: VariantSummary) -> list[str]:
    """The cells of one table row, formatted (``COLUMNS`` names them).

    Example
    -------
    >>> s = summarize([{"track": "t", "policy": "p", "memory": "m", "normalized_score": 1.0,
    ...                 "won": True, "steps": 4, "walkthrough_steps": 4}])[0]
    >>> table_cells(s)[:6]
    ['p', 'm', '1', '1.00 ± 0.00', '100%', '1.00']
    """
    games = str(s.games) + (f" ({s.failed} failed)" if s.failed else "")
    return [
        s.policy,
        s.memory,
        games,
        "—" if math.isnan(s.score_mean) else f"{s.score_mean:.2f} ± {s.score_std:.2f}",
        _fmt(s.win_rate, percent=True),
        _fmt(s.steps_ratio_median),
        _fmt(s.dead_end_revisits_mean, 1),
        _fmt(s.context_tokens_per_step_mean, 0),
        _fmt(s.memory_ms_per_step_mean),
    ]


@dataclass(frozen=True)
class ReportHeader:
    """What the report says about its run."""

    command: str
    date: str
    git_revision: str
    machine: str
    notes: tuple[str, ...] = ()


def markdown_report(
    summaries: Sequence[VariantSummary],
    header: ReportHeader,
    *,
    failures: Sequence[str] = (),
    plots: Sequence[str] = (),
) -> str:
    """The Markdown of ``summary.md``: the header, one table per track, failures, plots.

    Example
    -------
    >>> s = summarize([{"track": "tiny", "policy": "planner", "memory": "liquid",
    ...                 "normalized_score": 1.0, "won": True, "steps": 6,
    ...                 "walkthrough_steps": 6}])
    >>> text = markdown_report(s, ReportHeader("mags bench ...", "2025-01-01", "abc1234", "2 CPUs"))
    >>> print(text.splitlines()[-1])
    | planner | liquid | 1 | 1.00 ± 0.00 | 100% | 1.00 | — | — | — |
    """
    lines = [
        "# Benchmark: policies and memories on TextWorld tracks",
        "",
        f"- command: `{header.command}`",
        f"- date: {header.date}",
        f"- git revision: {header.git_revision}",
        f"- machine: {header.machine}",
        *(f"- {note}" for note in header.notes),
        "",
        "Normalized score = score / max score (mean ± sample std over games); steps / "
        "walkthrough is the median over games of steps over the walkthrough's length; "
        "the other figures are means over games (DESIGN §4).",
    ]
    for track in dict.fromkeys(s.track for s in summaries):
        lines += ["", f"## {track}", ""]
        lines.append("| " + " | ".join(COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
        for s in summaries:
            if s.track == track:
                lines.append("| " + " | ".join(table_cells(s)) + " |")
    if failures:
        lines += ["", "## Failed cells", ""]
        lines += [f"- {failure}" for failure in failures]
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{plot}]({plot})" for plot in plots]
    return "\n".join(lines) + "\n"


def rich_table(summaries: Sequence[VariantSummary], title: str = "Benchmark") -> Table:
    """The summaries as one rich table (a track column first).

    Example
    -------
    >>> rich_table([]).row_count
    0
    """
    table = Table(title=title)
    table.add_column("track")
    for name in COLUMNS:
        table.add_column(name, justify="left" if name in ("policy", "memory") else "right")
    for s in summaries:
        table.add_row(s.track, *table_cells(s))
    return table
