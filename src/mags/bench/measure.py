"""One measurement in a fresh process, so that its peak RSS is its own.

``python -m mags.bench.measure {mags,sqlite,reference} ...`` is started by
`mags.bench.memory_bench`; it prints JSON lines on stdout: ``{"progress": ...}`` while it
runs, then one ``{"result": {...}}``. The ``mags`` run also writes the active graph, the
queries and its recall answers to a dump file that the ``reference`` run reads, so the
networkx references (both, in that one process) answer the same queries over the same facts.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from mags.bench.metrics import overlap, percentile
from mags.bench.reference import EntityRow, FactRow, PlainNetworkxRecall, ReferenceRecall
from mags.bench.workload import PROBE_CALLS, PROBE_STEP, AgentLife
from mags.config import MemoryConfig
from mags.memory import Memory

BUDGET_TOKENS = 600
CHECK_QUERIES = 5
"""Queries on which the reference must agree with MAGS (the in-benchmark assertion)."""
MIN_CHECK_OVERLAP = 0.5
DUMP_CHUNK = 10_000


def bench_config() -> MemoryConfig:
    """Defaults except ``theta_prune=0``: nothing decays away, the active graph grows with N."""
    return MemoryConfig(theta_prune=0.0)


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (``ru_maxrss`` is KiB on Linux)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0  # bytes on macOS
    return kib / scale


def pin_to_one_cpu() -> int | None:
    """Keep this process on one CPU (the last one allowed), where the OS supports it.

    On a small (virtual) machine the scheduler moving a process between CPUs mid-run
    doubled the spread of the figures from run to run; pinned, they agree within ~10%.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except OSError:
        return None
    return cpu


class Progress:
    """Progress lines on stdout for the parent, at most a few per second."""

    def __init__(self, phase: str, total: int) -> None:
        self.phase, self.total = phase, total
        self._last = 0.0
        self.update(0, force=True)

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or done >= self.total or now - self._last >= 0.2:
            self._last = now
            _send({"progress": self.phase, "done": done, "total": self.total})


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def load(memory: Memory, life: AgentLife, label: str) -> float:
    """Feed the whole workload into ``memory``; returns the seconds spent inside ``add``.

    Steps are generated lazily and only the add calls are timed, so neither the workload's
    own cost nor its memory shows in the figures.
    """
    progress = Progress(label, life.size)
    spent, done = 0.0, 0
    for t, facts in life.steps():
        start = time.perf_counter()
        memory.add(facts, t=t)
        spent += time.perf_counter() - start
        done += len(facts)
        progress.update(done)
    progress.update(done, force=True)
    return spent


# ------------------------------------------------------------------------------ MAGS
def measure_mags(size: int, seed: int, recalls: int, dump: Path) -> dict[str, Any]:
    """Load in memory, time recalls and fixed-shape add calls, dump the graph."""
    wall = time.perf_counter()
    life = AgentLife(size, seed)
    memory = Memory.open(config=bench_config())
    insert_s = load(memory, life, "load")
    active = memory.stats()["active_facts"]
    t = float(life.t)
    queries = life.queries(recalls, seed)
    progress = Progress("recall", len(queries))
    latencies: list[float] = []
    answers: list[list[int]] = []
    for i, query in enumerate(queries):
        start = time.perf_counter()
        result = memory.recall(query, t, budget_tokens=BUDGET_TOKENS)
        latencies.append((time.perf_counter() - start) * 1e3)
        answers.append([f.id for f in result.facts])
        progress.update(i + 1)
    write_dump(dump, memory, t, queries, answers)
    progress = Progress("add calls", PROBE_CALLS)
    add_ms: list[float] = []
    for i in range(PROBE_CALLS):
        step_t, facts = life.step(PROBE_STEP)
        start = time.perf_counter()
        memory.add(facts, t=step_t)
        add_ms.append((time.perf_counter() - start) * 1e3)
        progress.update(i + 1)
    return {
        "facts": size,
        "steps": life.t - PROBE_CALLS,
        "insert_per_s": size / insert_s,
        "active_facts": active,
        "recall_p50_ms": percentile(latencies, 50),
        "recall_p95_ms": percentile(latencies, 95),
        "add_call_ms": percentile(add_ms, 50),
        "add_call_p95_ms": percentile(add_ms, 95),
        "rss_mb": peak_rss_mb(),
        "wall_s": time.perf_counter() - wall,
        "config": "default MemoryConfig except theta_prune=0.0",
    }


def measure_sqlite(size: int, seed: int) -> dict[str, Any]:
    """Load the same workload into a SQLite file in a temporary folder."""
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mags-bench-") as folder:
        path = Path(folder) / "memory.db"
        life = AgentLife(size, seed)
        with Memory.open(path, config=bench_config()) as memory:
            insert_s = load(memory, life, "load (SQLite)")
        file_mb = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
    return {
        "insert_persisted_per_s": size / insert_s,
        "sqlite_mb": file_mb,
        "persisted_rss_mb": peak_rss_mb(),
        "wall_s": time.perf_counter() - wall,
    }


# ------------------------------------------------------------------------------ dump
def _active_rows(memory: Memory) -> tuple[Iterator[EntityRow], Iterator[FactRow]]:
    """The active entities and facts, read from the core directly.

    ``Memory.snapshot`` would build a dict per fact at once; at a million facts that peak
    would pollute the RSS figure, so the rows are streamed from the graph instead.
    """
    graph = memory._core.graph
    entities = (
        EntityRow(e.id, e.name, tuple(e.aliases), e.kind)
        for e in (graph.entities[i] for i in sorted(graph.adjacency))
    )
    facts = (
        FactRow(
            f.id,
            f.subject,
            f.relation,
            f.object,
            f.qualifiers,
            f.strength,
            f.t0,
            f.tau,
            f.floor,
            f.importance,
            f.evidence,
        )
        for f in (graph.facts[fid] for fid in sorted(graph.active))
    )
    return entities, facts


def _chunks(items: Iterator[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= DUMP_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_dump(
    path: Path, memory: Memory, t: float, queries: Sequence[str], answers: Sequence[list[int]]
) -> None:
    """Write what the reference needs as a stream of pickled chunks."""
    entities, facts = _active_rows(memory)
    with path.open("wb") as out:
        header = {"t": t, "queries": list(queries), "answers": list(answers)}
        pickle.dump(("header", header), out)
        for chunk in _chunks(entities):
            pickle.dump(("entities", chunk), out)
        for chunk in _chunks(facts):
            pickle.dump(("facts", chunk), out)


def _read_dump(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    while True:
        try:
            yield pickle.load(stream)
        except EOFError:
            return


# ------------------------------------------------------------------------- reference
Recaller = ReferenceRecall | PlainNetworkxRecall


def time_recalls(
    recaller: Recaller,
    label: str,
    t: float,
    queries: Sequence[str],
    answers: Sequence[list[int]],
) -> tuple[list[float], list[float]]:
    """Each query's latency in ms, and its answer's overlap with MAGS's answer."""
    progress = Progress(label, len(queries))
    latencies: list[float] = []
    overlaps: list[float] = []
    for i, query in enumerate(queries):
        start = time.perf_counter()
        ids, _ = recaller.recall(query, t, BUDGET_TOKENS)
        latencies.append((time.perf_counter() - start) * 1e3)
        overlaps.append(overlap(ids, answers[i]))
        progress.update(i + 1)
    return latencies, overlaps


def measure_reference(
    dump: Path, max_queries: int | None, plain_max_queries: int | None = None
) -> dict[str, Any]:
    """Build the networkx graph from the dump; time both references on MAGS's queries.

    The same-algorithm reference (`ReferenceRecall`) answers first and its answers are
    checked against MAGS's; then the plain one (`PlainNetworkxRecall`) answers the same
    queries (the first ``plain_max_queries`` of them) over the same graph object.
    """
    wall = time.perf_counter()
    reference = ReferenceRecall(bench_config())
    header: dict[str, Any] = {}
    build = time.perf_counter()
    with dump.open("rb") as stream:
        for kind, payload in _read_dump(stream):
            if kind == "header":
                header = payload
            elif kind == "entities":
                reference.add_entities(payload)
            else:
                reference.add_facts(payload)
    build_s = time.perf_counter() - build
    t, queries, answers = header["t"], header["queries"], header["answers"]
    if max_queries is not None:
        queries = queries[:max_queries]
    latencies, overlaps = time_recalls(reference, "reference recall", t, queries, answers)
    check = overlaps[:CHECK_QUERIES]
    agree = sum(check) / max(1, len(check))
    plain = PlainNetworkxRecall(bench_config(), reference.graph)
    plain_queries = queries if plain_max_queries is None else queries[:plain_max_queries]
    plain_ms, plain_overlaps = time_recalls(plain, "plain recall", t, plain_queries, answers)
    return {
        "reference_recall_p50_ms": percentile(latencies, 50),
        "reference_recall_p95_ms": percentile(latencies, 95),
        "reference_build_s": build_s,
        "reference_queries": len(queries),
        "reference_rss_mb": peak_rss_mb(),
        "recall_overlap": sum(overlaps) / max(1, len(overlaps)),
        "reference_check": "ok" if agree >= MIN_CHECK_OVERLAP else f"mismatch ({agree:.2f})",
        "plain_recall_p50_ms": percentile(plain_ms, 50),
        "plain_recall_p95_ms": percentile(plain_ms, 95),
        "plain_overlap": sum(plain_overlaps) / max(1, len(plain_overlaps)),
        "plain_queries": len(plain_queries),
        "wall_s": time.perf_counter() - wall,
    }


# ------------------------------------------------------------------------------ main
def main(argv: Sequence[str] | None = None) -> int:
    """Run one measurement and print its result as the last JSON line."""
    parser = argparse.ArgumentParser(prog="python -m mags.bench.measure")
    parser.add_argument("kind", choices=("mags", "sqlite", "reference"))
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recalls", type=int, default=500)
    parser.add_argument("--dump", type=Path, help="the dump file (written by mags)")
    parser.add_argument("--max-queries", type=int, help="cap on the reference's queries")
    parser.add_argument(
        "--plain-max-queries", type=int, help="cap on the plain networkx reference's queries"
    )
    args = parser.parse_args(argv)
    if args.kind in ("mags", "reference") and args.dump is None:
        parser.error(f"{args.kind} needs --dump")
    pin_to_one_cpu()
    if args.kind == "mags":
        result = measure_mags(args.size, args.seed, args.recalls, args.dump)
    elif args.kind == "sqlite":
        result = measure_sqlite(args.size, args.seed)
    else:
        result = measure_reference(args.dump, args.max_queries, args.plain_max_queries)
    _send({"result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
