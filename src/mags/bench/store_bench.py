"""`mags bench-memory --store`: what a memory costs as its history grows, on SQLite and
PostgreSQL, and with several writers.

Rows (each measured in a fresh child process, so that peak RSS is its own):

- **history**: a SQLite file with the synthetic agent's active graph (`AgentLife`:
  ``--agent-facts`` facts added through `Memory.add`, about 120k active at 1M) and ``H``
  facts of closed history with one event each (appended in bulk by SQL: how history was
  made does not change what opening it costs). Open time, peak RSS, file size, recall
  latency on the opened memory.
- **postgres**: the same agent's life added to a PostgreSQL memory (a throwaway server of
  the bench's own): persisted facts/s, recall latency; then ``--writers`` processes adding
  to one memory at once for ``--writer-seconds``: errors and lost facts.
- **conversation**: the first 600 turns of the longest LoCoMo conversation in
  ``--conversation`` through the chat ingest (rules, SQLite): bytes on disk.

Example
-------
>>> parse_history("10k,1M")
[10000, 1000000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mags import Memory
from mags.bench.measure import bench_config, peak_rss_mb
from mags.bench.metrics import percentile
from mags.bench.workload import AgentLife

DEFAULT_HISTORY = "10k,1M,10M"
DEFAULT_AGENT_FACTS = 1_000_000
"""The synthetic agent's life that leaves about 120k active facts (docs/bench/memory.md)."""
RECALLS = 300
PG_BATCH = 1_000
PG_BATCHES = 50
BUDGET_TOKENS = 600
CONVERSATION_TURNS = 600
TARGETS = {
    "open_ratio": 2.0,  # open at the largest history <= 2x open at the one before
    "rss_ratio": 1.5,
    "recall_p50_ms": 2.0,
    "recall_p95_ms": 10.0,
    "pg_insert_per_s": 10_000.0,
    "conversation_mb": 5.0,
}
ProgressFn = Callable[[str], None]


def parse_history(text: str) -> list[int]:
    """``10k,1M,10M`` as numbers of closed facts."""
    scale = {"k": 1_000, "m": 1_000_000}
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        factor = scale.get(part[-1:], 1)
        sizes.append(int(float(part[:-1] if factor > 1 else part) * factor))
    return sizes


# --------------------------------------------------------------------- child processes
def build_base_file(path: Path, agent_facts: int, seed: int) -> dict[str, Any]:
    """The agent's life through `Memory.add` into a new SQLite file."""
    life = AgentLife(agent_facts, seed)
    with Memory.open(path, config=bench_config()) as memory:
        for t, facts in life.steps():
            memory.add(facts, t=t)
        stats = memory.stats()
    return {"active_facts": stats["active_facts"], "agent_facts": stats["facts"]}


def append_history(path: Path, history: int) -> dict[str, Any]:
    """``history`` closed facts between existing entities, each with the reconcile event
    that closed it, older than everything current; ids continue after the live ones."""
    db = sqlite3.connect(path)
    first_fact = db.execute("SELECT MAX(id) FROM facts").fetchone()[0] + 1
    first_seq, now = db.execute("SELECT seq, t FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    entities = db.execute("SELECT MAX(id) FROM entities").fetchone()[0]
    db.execute("BEGIN")
    db.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
        "INSERT INTO facts (id, subject, relation, object, qualifiers, confidence, strength, "
        "t0, tau, evidence, importance, floor, valid_from, valid_to, archived_t, "
        "archive_reason, episode, batch, superseded_by, version, written) "
        "SELECT ? + i, 1 + (i * 7919) % ?, 'in', 1 + (i * 104729) % ?, NULL, 1.0, 0.3, "
        "-1.0, 50.0, 1, 1.0, 0.0, -2.0, -1.0, NULL, NULL, NULL, 0, NULL, 1, 0 FROM n",
        (history, first_fact, entities, entities),
    )
    db.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
        "INSERT INTO events (seq, t, kind, facts, entities, data) "
        "SELECT ? + i, ?, 'reconcile', '[' || (? + i) || ']', '[]', '{\"reason\": \"bench\"}' "
        "FROM n",
        (history, first_seq + 1, now, first_fact),
    )
    db.execute("COMMIT")
    db.close()
    return {"history": history}


def time_recalls(memory: Memory, queries: Sequence[str], t: float) -> tuple[float, float]:
    """p50 and p95 recall latency in ms."""
    latencies = []
    for query in queries:
        start = time.perf_counter()
        memory.recall(query, t, budget_tokens=BUDGET_TOKENS)
        latencies.append((time.perf_counter() - start) * 1e3)
    return percentile(latencies, 50), percentile(latencies, 95)


def measure_open(target: str, agent_facts: int, seed: int) -> dict[str, Any]:
    """Open a stored memory in this fresh process: seconds, peak RSS, recall latency."""
    start = time.perf_counter()
    memory = Memory.open(target, config=bench_config())
    open_s = time.perf_counter() - start
    rss = peak_rss_mb()
    life = AgentLife(agent_facts, seed)
    for _ in life.steps():  # the same life again, without a memory: what to ask about
        pass
    p50, p95 = time_recalls(memory, life.queries(RECALLS, seed), memory.now)
    return {
        "open_s": open_s,
        "rss_mb": rss,
        "active_facts": memory.stats()["active_facts"],
        "recall_p50_ms": p50,
        "recall_p95_ms": p95,
    }


def measure_pg_insert(url: str, agent_facts: int, seed: int) -> dict[str, Any]:
    """Persisted facts per second on PostgreSQL: the agent's life (one call of 10-20 facts
    per step, one commit each), then batches of ``PG_BATCH`` facts per call."""
    life = AgentLife(agent_facts, seed)
    spent = 0.0
    with Memory.open(url, config=bench_config()) as memory:
        for t, facts in life.steps():
            start = time.perf_counter()
            memory.add(facts, t=t)
            spent += time.perf_counter() - start
    batched = 0.0
    with Memory.open(url.replace("memory=", "memory=batched-"), config=bench_config()) as memory:
        for k in range(PG_BATCHES):
            facts = [(f"parcel {k} {i}", "in", f"crate {i % 97}") for i in range(PG_BATCH)]
            start = time.perf_counter()
            memory.add(facts, t=k)
            batched += time.perf_counter() - start
    return {
        "pg_step_insert_per_s": agent_facts / spent,
        "pg_insert_per_s": PG_BATCH * PG_BATCHES / batched,
    }


def run_writer(url: str, name: str, seconds: float) -> dict[str, Any]:
    """Add one fact per call to the shared memory until ``seconds`` are up."""
    memory = Memory.open(url)
    deadline = time.monotonic() + seconds
    calls = errors = 0
    while time.monotonic() < deadline:
        try:
            memory.add([(f"{name} note {calls}", "in", f"{name} tray")], t=max(memory.now, 0) + 1)
            calls += 1
        except Exception:  # counted and reported: the target is none
            errors += 1
    memory.close()
    return {"calls": calls, "errors": errors}


def measure_conversation(data: Path, folder: Path) -> dict[str, Any]:
    """The first 600 turns of the longest conversation, ingested: bytes on disk."""
    from mags.eval.locomo import Conversation, load_locomo
    from mags.eval.locomo_eval import ingest, mags_config

    longest = max(load_locomo(data), key=lambda c: len(c.turns))
    first = Conversation(
        longest.sample_id, longest.speakers, longest.turns[:CONVERSATION_TURNS], ()
    )
    path = folder / "conversation.db"
    ingest(first, path, mags_config("mags"), None).close()
    size = sum(p.stat().st_size for p in folder.iterdir() if p.name.startswith(path.name))
    return {
        "conversation": longest.sample_id,
        "turns": len(first.turns),
        "conversation_mb": size / 2**20,
    }


def child_main(argv: Sequence[str]) -> int:
    """``python -m mags.bench.store_bench KIND ...``: one measurement, its JSON on stdout."""
    parser = argparse.ArgumentParser(prog="python -m mags.bench.store_bench")
    parser.add_argument(
        "kind", choices=("build", "append", "open", "pg-insert", "writer", "conversation")
    )
    parser.add_argument("target")
    parser.add_argument("--agent-facts", type=int, default=DEFAULT_AGENT_FACTS)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="w")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args(argv)
    result: dict[str, Any]
    if args.kind == "build":
        result = build_base_file(Path(args.target), args.agent_facts, args.seed)
    elif args.kind == "append":
        result = append_history(Path(args.target), args.history)
    elif args.kind == "open":
        result = measure_open(args.target, args.agent_facts, args.seed)
    elif args.kind == "pg-insert":
        result = measure_pg_insert(args.target, args.agent_facts, args.seed)
    elif args.kind == "writer":
        result = run_writer(args.target, args.name, args.seconds)
    else:
        result = measure_conversation(Path(args.target), args.folder)
    print(json.dumps(result), flush=True)
    return 0


# --------------------------------------------------------------------------- parent
def _child(*argv: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "mags.bench.store_bench", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip()[-1500:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def history_rows(
    sizes: Sequence[int], agent_facts: int, seed: int, log: ProgressFn
) -> list[dict[str, Any]]:
    """Open time and RSS with growing closed history under one active graph."""
    if not sizes:
        return []
    rows = []
    facts = ("--agent-facts", str(agent_facts), "--seed", str(seed))
    with tempfile.TemporaryDirectory(prefix="mags-store-bench-") as folder:
        base = Path(folder) / "base.db"
        log(f"history: adding the agent's {agent_facts:,} facts to a SQLite file")
        start = time.perf_counter()
        built = _child("build", str(base), *facts)
        log(f"history: {built['active_facts']:,} active facts, {time.perf_counter() - start:.0f} s")
        for history in sizes:
            path = Path(folder) / f"history-{history}.db"
            shutil.copyfile(base, path)
            log(f"history {history:,}: appending closed facts and events")
            _child("append", str(path), "--history", str(history))
            log(f"history {history:,}: opening in a fresh process")
            opened = _child("open", str(path), *facts)
            rows.append(
                {"history": history, **built, **opened, "file_mb": path.stat().st_size / 2**20}
            )
            path.unlink()
    return rows


def postgres_rows(
    agent_facts: int, seed: int, writers: int, seconds: float, log: ProgressFn
) -> dict[str, Any]:
    """Inserts and recall on PostgreSQL, then several writers on one memory at once."""
    from mags.store.pg_cluster import TemporaryCluster

    with TemporaryCluster() as cluster:
        log(f"postgres: adding the agent's {agent_facts:,} facts, then batches")
        url = cluster.url("bench")
        facts = ("--agent-facts", str(agent_facts), "--seed", str(seed))
        row = _child("pg-insert", url, *facts)
        log("postgres: opening and recalling")
        opened = _child("open", url, *facts)
        row |= {f"pg_{k}": v for k, v in opened.items()}
        log(f"postgres: {writers} writers on one memory for {seconds:.0f} s")
        shared = cluster.url("shared")
        Memory.open(shared).close()
        command = [sys.executable, "-m", "mags.bench.store_bench", "writer", shared]
        running = [
            subprocess.Popen(
                [*command, "--name", f"w{i}", "--seconds", str(seconds)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(writers)
        ]
        results = []
        for process in running:
            out, err = process.communicate(timeout=seconds + 120)
            if process.returncode != 0:
                raise RuntimeError(f"a writer failed: {err.strip()[-1500:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
        with Memory.open(shared, read_only=True) as memory:
            stored = memory.stats()["facts"]
        calls = sum(r["calls"] for r in results)
        row |= {
            "writers": writers,
            "writer_seconds": seconds,
            "writer_calls": calls,
            "writer_errors": sum(r["errors"] for r in results),
            "writer_lost": calls - stored,
            "writer_calls_per_s": calls / seconds,
        }
    return row


def checks(
    history: list[dict[str, Any]], pg: dict[str, Any] | None, chat: dict[str, Any] | None
) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for every target the rows cover."""
    out = []
    if len(history) >= 2:
        last, before = history[-1], history[-2]
        ratio = last["open_s"] / before["open_s"]
        out.append(
            (
                f"open at {last['history']:,} <= 2x open at {before['history']:,}",
                f"{ratio:.2f}x",
                ratio <= TARGETS["open_ratio"],
            )
        )
        rss = last["rss_mb"] / before["rss_mb"]
        out.append(
            (
                f"RSS at {last['history']:,} <= 1.5x RSS at {before['history']:,}",
                f"{rss:.2f}x",
                rss <= TARGETS["rss_ratio"],
            )
        )
    for row in history[-1:]:
        for key in ("recall_p50_ms", "recall_p95_ms"):
            out.append((f"{key} <= {TARGETS[key]}", f"{row[key]:.2f}", row[key] <= TARGETS[key]))
    if pg is not None:
        rate = pg["pg_insert_per_s"]
        out.append(("PostgreSQL inserts >= 10k/s", f"{rate:,.0f}/s", rate >= 10_000))
        out.append(
            (
                f"{pg['writers']} writers for {pg['writer_seconds']:.0f} s: no error, no loss",
                f"{pg['writer_errors']} errors, {pg['writer_lost']} lost",
                pg["writer_errors"] == 0 and pg["writer_lost"] == 0,
            )
        )
    if chat is not None:
        mb = chat["conversation_mb"]
        out.append(("600-turn conversation <= 5 MB", f"{mb:.2f} MB", mb <= 5.0))
    return out


def markdown(
    history: list[dict[str, Any]],
    pg: dict[str, Any] | None,
    chat: dict[str, Any] | None,
    command: str,
) -> str:
    """The rows and targets as Markdown tables."""
    lines = [f"Command: `{command}`", ""]
    if history:
        lines += [
            "| closed history | active facts | file MB | open s | peak RSS MB "
            "| recall p50 / p95 ms |",
            "|---:|---:|---:|---:|---:|---|",
        ]
        for r in history:
            lines.append(
                f"| {r['history']:,} | {r['active_facts']:,} | {r['file_mb']:,.0f} | "
                f"{r['open_s']:.2f} | {r['rss_mb']:.0f} | "
                f"{r['recall_p50_ms']:.2f} / {r['recall_p95_ms']:.2f} |"
            )
        lines.append("")
    if pg is not None:
        lines += [
            "| PostgreSQL | figure |",
            "|---|---|",
            f"| persisted inserts, batches of {PG_BATCH:,} | "
            f"{pg['pg_insert_per_s']:,.0f} facts/s |",
            f"| persisted inserts, agent steps of 10-20 | "
            f"{pg['pg_step_insert_per_s']:,.0f} facts/s |",
            f"| open | {pg['pg_open_s']:.2f} s, {pg['pg_rss_mb']:.0f} MB peak RSS |",
            f"| recall p50 / p95 | {pg['pg_recall_p50_ms']:.2f} / "
            f"{pg['pg_recall_p95_ms']:.2f} ms |",
            f"| {pg['writers']} writers, one memory, {pg['writer_seconds']:.0f} s | "
            f"{pg['writer_calls']:,} calls ({pg['writer_calls_per_s']:,.0f}/s), "
            f"{pg['writer_errors']} errors, {pg['writer_lost']} lost |",
            "",
        ]
    if chat is not None:
        lines += [
            f"Conversation {chat['conversation']}, first {chat['turns']} turns: "
            f"{chat['conversation_mb']:.2f} MB on disk.",
            "",
        ]
    lines += ["| target | measured | met |", "|---|---|---|"]
    for name, measured, met in checks(history, pg, chat):
        lines.append(f"| {name} | {measured} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def run_store_bench(args: argparse.Namespace) -> int:
    """``mags bench-memory --store``: the rows above, printed and optionally written."""

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    try:
        sizes = parse_history(args.history) if args.history else []
    except ValueError:
        print(
            f"mags bench-memory: error: --history: not sizes like 10k,1M: {args.history!r}",
            file=sys.stderr,
        )
        return 2
    if args.conversation and not Path(args.conversation).is_file():
        print(
            f"mags bench-memory: error: --conversation: no file {args.conversation}",
            file=sys.stderr,
        )
        return 2
    try:
        history = history_rows(sizes, args.agent_facts, args.seed, log)
        pg = (
            postgres_rows(args.agent_facts, args.seed, args.writers, args.writer_seconds, log)
            if args.writers
            else None
        )
        chat = None
        if args.conversation:
            log("conversation: ingesting 600 turns")
            with tempfile.TemporaryDirectory(prefix="mags-chat-bench-") as folder:
                chat = _child("conversation", args.conversation, "--folder", folder)
    except RuntimeError as exc:
        print(f"mags bench-memory: error: a measurement failed: {exc}", file=sys.stderr)
        return 1
    text = markdown(history, pg, chat, "mags " + " ".join(sys.argv[1:]))
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.json:
        print(json.dumps({"history": history, "postgres": pg, "conversation": chat}))
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
