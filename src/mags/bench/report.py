"""Rendering of the memory benchmark: a rich table for the terminal, Markdown for a file."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.table import Table

from mags.bench.metrics import TargetCheck
from mags.bench.workload import PROBE_CALLS, PROBE_STEP

NOTES = (
    "MAGS runs with the default MemoryConfig except theta_prune=0.0: nothing decays away, "
    "so the active graph grows with N (see 'active facts').",
    "Workload (mags.bench.workload, seeded): an agent's life on a grid of about N/200 rooms "
    "with 3 pieces of furniture each, N/20 objects and a few people; 10-20 facts per add call "
    "(moves that supersede, states that flip, facts seen again, map links, generic relations).",
    "Each implementation and size runs in a fresh process, so each peak RSS is its own; "
    "each process is pinned to one CPU where the OS allows (less run-to-run noise).",
    "Insert rates count only the time inside Memory.add (the workload is generated lazily).",
    "Recall: budget 600 tokens, entity-centred questions about entities seen so far.",
    "Both networkx references hold the same active facts and strength state in one "
    "MultiGraph, answer MAGS's queries in one process and pack as MAGS does; no episodes.",
    "Plain networkx (the 'speedup' target): what one would write with networkx; seeds by a "
    "scan over all nodes' names, single_source_shortest_path_length up to 2 hops from each "
    "seed, every edge among the reached nodes scored; no name index, fanout cap or "
    "non-spreading kinds.",
    "Same-algorithm networkx: MAGS's own seeding (dict of names), 2-hop spreading, fanout "
    "cap and scoring; it checks MAGS's answers, and its speedup measures the data "
    "structures alone.",
    f"add call: the median of {PROBE_CALLS} further add calls of {PROBE_STEP} facts each, "
    "after the load, so that its growth with history shows across sizes.",
)


def _int(v: float) -> str:
    return f"{v:,.0f}"


def _ms(v: float) -> str:
    return f"{v:.3f}" if v < 1 else f"{v:.2f}"


def _ratio(v: float) -> str:
    return f"{v:.1f}x"


def _fraction(v: float) -> str:
    return f"{v:.3f}"


def _seconds(v: float) -> str:
    return f"{v:.1f}"


ROWS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("active_facts", "active facts", _int),
    ("insert_per_s", "insert, in memory (facts/s)", _int),
    ("insert_persisted_per_s", "insert, SQLite file (facts/s)", _int),
    ("recall_p50_ms", "recall p50 (ms)", _ms),
    ("recall_p95_ms", "recall p95 (ms)", _ms),
    ("add_call_ms", f"add call of {PROBE_STEP} facts, median (ms)", _ms),
    ("rss_mb", "peak RSS, in memory (MB)", _int),
    ("plain_recall_p50_ms", "plain networkx recall p50 (ms)", _ms),
    ("plain_recall_p95_ms", "plain networkx recall p95 (ms)", _ms),
    ("speedup", "speedup over plain networkx (p50)", _ratio),
    ("plain_overlap", "answer overlap with plain networkx", _fraction),
    ("reference_recall_p50_ms", "same-algorithm networkx recall p50 (ms)", _ms),
    ("reference_recall_p95_ms", "same-algorithm networkx recall p95 (ms)", _ms),
    ("speedup_same_algorithm", "speedup over same-algorithm networkx (p50)", _ratio),
    ("recall_overlap", "answer overlap with same-algorithm networkx", _fraction),
    ("reference_rss_mb", "networkx peak RSS, both references (MB)", _int),
    ("wall_s", "wall time, all runs (s)", _seconds),
)


def _cell(row: Mapping[str, Any], key: str, fmt: Callable[[float], str], mark: str) -> str:
    value = row.get(key)
    if not isinstance(value, int | float):
        return "-"
    return f"{fmt(value)} {mark}".rstrip()


def _marks(checks: Sequence[TargetCheck]) -> dict[tuple[int, str], str]:
    return {(c.target.size, c.target.metric): c.mark for c in checks if c.ok is not None}


def figures_grid(
    results: Mapping[int, Mapping[str, Any]], checks: Sequence[TargetCheck]
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the figures table: one row per figure, one column per size.

    A cell with a target carries its mark (✓ met, ✗ missed).

    Example
    -------
    >>> header, rows = figures_grid({10_000: {"recall_p50_ms": 0.5}}, [])
    >>> header, rows[3]
    (['figure', '10,000 facts'], ['recall p50 (ms)', '0.500'])
    """
    sizes = sorted(results)
    marks = _marks(checks)
    header = ["figure", *(f"{size:,} facts" for size in sizes)]
    rows = [
        [label, *(_cell(results[s], key, fmt, marks.get((s, key), "")) for s in sizes)]
        for key, label, fmt in ROWS
    ]
    return header, rows


def _plain(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def targets_grid(checks: Sequence[TargetCheck]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the targets table."""
    header = ["target", "measured", "bound", "met"]
    rows = [[c.target.label, _plain(c.value), _plain(c.bound), c.mark] for c in checks]
    return header, rows


def rich_tables(
    results: Mapping[int, Mapping[str, Any]], checks: Sequence[TargetCheck]
) -> list[Table]:
    """The figures and the targets as rich tables."""
    header, rows = figures_grid(results, checks)
    figures = Table(title="mags bench-memory", caption=NOTES[0])
    for i, name in enumerate(header):
        figures.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        figures.add_row(*row)
    tables = [figures]
    if checks:
        header, rows = targets_grid(checks)
        targets = Table(title="targets (a measurement report, not an assertion)")
        for i, name in enumerate(header):
            targets.add_column(name, justify="left" if i == 0 else "right")
        for row in rows:
            targets.add_row(*row)
        tables.append(targets)
    return tables


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---", *("---:" for _ in header[1:])]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def markdown(
    results: Mapping[int, Mapping[str, Any]],
    checks: Sequence[TargetCheck],
    context: Mapping[str, str],
) -> str:
    """The whole report as Markdown: context, figures, targets and notes.

    Example
    -------
    >>> text = markdown({300: {"recall_p50_ms": 0.2}}, [], {"command": "mags bench-memory"})
    >>> text.splitlines()[0], "| recall p50 (ms) | 0.200 |" in text
    ('# mags bench-memory', True)
    """
    lines = ["# mags bench-memory", ""]
    lines += [f"- **{key}**: {value}" for key, value in context.items()]
    lines += ["", "## Figures", ""]
    lines += _markdown_table(*figures_grid(results, checks))
    if checks:
        lines += ["", "## Targets", "", "A measurement report, not an assertion.", ""]
        lines += _markdown_table(*targets_grid(checks))
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in NOTES]
    return "\n".join(lines) + "\n"
