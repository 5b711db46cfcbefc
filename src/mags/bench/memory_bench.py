"""`mags bench-memory`: insert, recall and add-call cost of MAGS against a networkx reference.

For each size N the runner starts three fresh processes (`mags.bench.measure`): MAGS in
memory (insert rate, recall latency, add-call cost, peak RSS; it also dumps its active
graph), the two networkx references over that dump (same queries), and MAGS on a SQLite file
(persisted insert rate). Results come back as JSON lines; this module merges them, checks
the targets and renders them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

import mags
from mags.bench.metrics import check_targets
from mags.bench.reference import import_networkx
from mags.bench.report import markdown, rich_tables

MIN_SIZE = 100
REFERENCE_QUERY_CAP: dict[int, int] = {}
"""Sizes from which the same-algorithm networkx reference answers fewer queries (none)."""
PLAIN_QUERY_CAP: dict[int, int] = {}
"""Sizes from which the plain networkx reference answers fewer queries (none so far)."""
KEY_ORDER = (
    "facts",
    "active_facts",
    "insert_per_s",
    "insert_persisted_per_s",
    "recall_p50_ms",
    "recall_p95_ms",
    "add_call_ms",
    "add_call_p95_ms",
    "rss_mb",
    "plain_recall_p50_ms",
    "plain_recall_p95_ms",
    "speedup",
    "plain_overlap",
    "plain_queries",
    "reference_recall_p50_ms",
    "reference_recall_p95_ms",
    "speedup_same_algorithm",
    "recall_overlap",
    "reference_check",
    "reference_rss_mb",
    "reference_build_s",
    "reference_queries",
    "recalls",
    "steps",
    "sqlite_mb",
    "persisted_rss_mb",
    "wall_s",
    "config",
)

ProgressFn = Callable[[str, int, int], None]


class BenchUsageError(ValueError):
    """A bad command-line value (exit code 2)."""


class BenchError(RuntimeError):
    """A measurement process failed (exit code 1)."""


def parse_sizes(text: str) -> list[int]:
    """Sizes from ``"10000,100000"``: distinct, ascending, each at least `MIN_SIZE`.

    Example
    -------
    >>> parse_sizes("100000, 10_000,10000")
    [10000, 100000]
    >>> parse_sizes("abc")
    Traceback (most recent call last):
    ...
    mags.bench.memory_bench.BenchUsageError: --sizes: 'abc' is not a whole number; ...
    """
    sizes = set()
    for part in text.split(","):
        part = part.strip()
        try:
            size = int(part)
        except ValueError:
            raise BenchUsageError(
                f"--sizes: {part!r} is not a whole number; give comma-separated fact counts, "
                "e.g. --sizes 10000,100000"
            ) from None
        if size < MIN_SIZE:
            raise BenchUsageError(f"--sizes: {size} is too small; each size must be >= {MIN_SIZE}")
        sizes.add(size)
    return sorted(sizes)


# ------------------------------------------------------------------------ processes
def _child_env() -> dict[str, str]:
    """The child's environment: mags importable from here, a fixed hash seed."""
    env = dict(os.environ)
    src = str(Path(mags.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env["PYTHONHASHSEED"] = "0"  # set iteration order, hence float sums, reproducible
    return env


def run_child(argv: Sequence[str], on_progress: ProgressFn) -> dict[str, Any]:
    """Run ``python -m mags.bench.measure ARGV``; relay its progress; return its result."""
    command = [sys.executable, "-m", "mags.bench.measure", *argv]
    result: dict[str, Any] | None = None
    with tempfile.TemporaryFile(mode="w+") as errors:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=_child_env()
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if not line.startswith("{"):
                    continue  # a stray print is not a protocol message
                message = json.loads(line)
                if "progress" in message:
                    on_progress(message["progress"], message["done"], message["total"])
                elif "result" in message:
                    result = message["result"]
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if code != 0 or result is None:
            errors.seek(0)
            tail = errors.read()[-3000:]
            raise BenchError(f"'{' '.join(argv)}' failed (exit code {code}):\n{tail}")
    return result


def _cap_args(option: str, caps: dict[int, int], size: int) -> list[str]:
    """``[option, cap]`` for the largest cap whose size ``size`` reaches, else ``[]``.

    Example
    -------
    >>> _cap_args("--max-queries", {1_000_000: 100}, 2_000_000), _cap_args("-x", {}, 10)
    (['--max-queries', '100'], [])
    """
    cap = [v for k, v in sorted(caps.items()) if size >= k]
    return [option, str(cap[-1])] if cap else []


def measure_size(
    size: int, seed: int, recalls: int, progress: Callable[[str], ProgressFn]
) -> dict[str, Any]:
    """Every figure for one size, from three fresh processes."""
    start = time.perf_counter()
    common = ["--size", str(size), "--seed", str(seed), "--recalls", str(recalls)]
    with tempfile.TemporaryDirectory(prefix="mags-bench-") as folder:
        dump = str(Path(folder) / "graph.pickle")
        core = run_child(["mags", *common, "--dump", dump], progress("MAGS in memory"))
        capped = [
            *_cap_args("--max-queries", REFERENCE_QUERY_CAP, size),
            *_cap_args("--plain-max-queries", PLAIN_QUERY_CAP, size),
        ]
        ref = run_child(["reference", "--dump", dump, *capped], progress("networkx references"))
    persisted = run_child(["sqlite", *common], progress("MAGS on SQLite"))
    row: dict[str, Any] = {**persisted, **ref, **core, "recalls": recalls}
    mags_p50 = max(core["recall_p50_ms"], 1e-9)
    row["speedup"] = ref["plain_recall_p50_ms"] / mags_p50
    row["speedup_same_algorithm"] = ref["reference_recall_p50_ms"] / mags_p50
    row["wall_s"] = time.perf_counter() - start
    return {key: row[key] for key in KEY_ORDER if key in row} | {
        k: v for k, v in row.items() if k not in KEY_ORDER
    }


# ---------------------------------------------------------------------------- report
def _git_revision() -> str:
    """``git rev-parse`` of the source tree, ``+dirty`` when it has changes; tolerant."""
    where = Path(mags.__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=where, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def _memory_gb() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return "memory unknown"
    return f"{total / 2**30:.0f} GiB"


def _command(args: argparse.Namespace) -> str:
    parts = ["mags bench-memory", f"--sizes {args.sizes}", f"--seed {args.seed}"]
    parts.append(f"--recalls {args.recalls}")
    if args.json:
        parts.append("--json")
    if args.out:
        parts.append(f"--out {args.out}")
    return " ".join(parts)


def _context(args: argparse.Namespace) -> dict[str, str]:
    return {
        "command": f"`{_command(args)}`",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git revision": _git_revision(),
        "machine": f"{os.cpu_count()} CPUs, {_memory_gb()}, {platform.platform()}",
        "python": platform.python_version(),
    }


# ------------------------------------------------------------------------------- CLI
def _progress_factory(bar: Progress, size: int) -> Callable[[str], ProgressFn]:
    """One progress task per measurement process, labelled with the size and the phase."""

    def start(label: str) -> ProgressFn:
        task = bar.add_task(f"{size:,} facts · {label}", total=None)

        def update(phase: str, done: int, total: int) -> None:
            text = f"{size:,} facts · {label} · {phase}"
            bar.update(task, description=text, completed=done, total=total)

        return update

    return start


def _check_args(args: argparse.Namespace) -> list[int]:
    sizes = parse_sizes(args.sizes)
    if args.recalls < 1:
        raise BenchUsageError(f"--recalls must be at least 1, got {args.recalls}")
    if args.out:
        folder = Path(args.out).resolve().parent
        if not folder.is_dir():
            raise BenchUsageError(f"--out: folder {folder} does not exist")
    return sizes


def run_from_cli(args: argparse.Namespace) -> int:
    """Run the benchmark for ``args`` (see `mags.cli`); returns the exit code."""
    try:
        sizes = _check_args(args)
    except BenchUsageError as exc:
        print(f"mags bench-memory: error: {exc}", file=sys.stderr)
        return 2
    try:
        import_networkx()  # fail now, not after the first MAGS run
    except RuntimeError as exc:
        print(f"mags bench-memory: error: {exc}", file=sys.stderr)
        return 1
    err = Console(stderr=True)
    results: dict[int, dict[str, Any]] = {}
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=not args.json,
            # JSON lines go to stdout untouched; rich would route them through stderr.
            redirect_stdout=False,
            redirect_stderr=False,
        ) as bar:
            for size in sizes:
                progress = _progress_factory(bar, size)
                results[size] = measure_size(size, args.seed, args.recalls, progress)
                if args.json:
                    checks = [c for c in check_targets(results) if c.target.size == size]
                    row = results[size] | {"targets": [c.to_dict() for c in checks]}
                    print(json.dumps(row), flush=True)
    except BenchError as exc:
        print(f"mags bench-memory: error: a measurement failed: {exc}", file=sys.stderr)
        return 1
    checks = check_targets(results)
    if not args.json:
        out = Console()
        for table in rich_tables(results, checks):
            out.print(table)
    if args.out:
        Path(args.out).write_text(markdown(results, checks, _context(args)), encoding="utf-8")
    bad = {s: r["reference_check"] for s, r in results.items() if r["reference_check"] != "ok"}
    if bad:
        print(
            f"mags bench-memory: error: the networkx reference disagrees with Memory.recall "
            f"on its check queries: {bad}; its timings do not compare like with like",
            file=sys.stderr,
        )
        return 1
    return 0
