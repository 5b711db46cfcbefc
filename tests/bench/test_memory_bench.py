"""Smoke tests of `mags bench-memory` and its synthetic workload.

One tiny size through the real command: three measurement processes, JSON out. Takes a
couple of seconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mags.bench.memory_bench import parse_sizes
from mags.bench.reference import EntityRow, FactRow, PlainNetworkxRecall
from mags.bench.workload import AgentLife
from mags.cli import main

pytest.importorskip("networkx")

REQUIRED = (
    "facts",
    "active_facts",
    "insert_per_s",
    "insert_persisted_per_s",
    "recall_p50_ms",
    "recall_p95_ms",
    "add_call_ms",
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
    "reference_rss_mb",
    "wall_s",
)


@pytest.mark.timeout(60)
def test_bench_memory_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    code = main(["bench-memory", "--sizes", "300", "--json", "--recalls", "20", "--out", str(out)])
    assert code == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1
    row = json.loads(lines[0])
    for key in REQUIRED:
        value = row[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), key
        assert math.isfinite(value) and value > 0, (key, value)
    assert row["facts"] == 300
    assert row["reference_check"] == "ok"
    assert 0.5 <= row["recall_overlap"] <= 1.0
    assert row["plain_queries"] == 20
    assert row["speedup"] == pytest.approx(row["plain_recall_p50_ms"] / row["recall_p50_ms"])
    assert row["targets"] == []  # no target is set at 300 facts
    text = out.read_text(encoding="utf-8")
    assert "| recall p50 (ms) |" in text and "theta_prune=0.0" in text


@pytest.mark.parametrize("sizes", ["abc", "50", "1000,x", ""])
def test_bad_sizes_exit_2(sizes: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench-memory", "--sizes", sizes]) == 2
    assert "--sizes" in capsys.readouterr().err


def test_bad_recalls_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench-memory", "--sizes", "300", "--recalls", "0"]) == 2
    assert "--recalls" in capsys.readouterr().err


def test_plain_networkx_recall_finds_the_fact_two_hops_away() -> None:
    from mags import MemoryConfig

    plain = PlainNetworkxRecall(MemoryConfig())
    plain.add_entities(
        [
            EntityRow(1, "box of matches", ("matches",), "thing"),
            EntityRow(2, "drawer 3", (), "container"),
            EntityRow(3, "kitchen", (), "room"),
            EntityRow(4, "hall", (), "room"),
            EntityRow(5, "open", (), "state"),
        ]
    )
    plain.add_facts(
        [
            FactRow(10, 1, "in", 2, (), 0.8, 0.0, 50.0, 0.0, 1.0, 1),
            FactRow(11, 2, "in", 3, (), 0.9, 0.0, 50.0, 0.0, 1.0, 1),
            FactRow(12, 3, "next to", 4, (), 0.9, 0.0, 50.0, 0.0, 1.0, 1),  # 3 hops away
            FactRow(13, 2, "is", 5, (), 0.6, 0.0, 50.0, 0.0, 1.0, 1),
        ]
    )
    assert plain.seeds("Where is the box of matches?") == {1: 3.0}
    ids, text = plain.recall("Where is the box of matches?", t=0.0, budget=600)
    assert ids == [10, 11, 13]
    assert "- box of matches in drawer 3 [0.80]" in text.splitlines()
    assert plain.recall("what about the garage?", t=0.0, budget=600) == ([], "")


def test_parse_sizes_sorts_and_dedupes() -> None:
    assert parse_sizes("100000,10000,10_000") == [10_000, 100_000]


def test_workload_is_deterministic_and_exact() -> None:
    first = list(AgentLife(2000, seed=3).steps())
    assert first == list(AgentLife(2000, seed=3).steps())
    assert first != list(AgentLife(2000, seed=4).steps())
    assert sum(len(facts) for _, facts in first) == 2000
    assert [t for t, _ in first] == list(range(1, len(first) + 1))


def test_workload_never_splits_an_entity() -> None:
    from mags import Memory, MemoryConfig

    life = AgentLife(3000, seed=5)
    memory = Memory.open(config=MemoryConfig(theta_prune=0.0))
    for t, facts in life.steps():
        memory.add(facts, t=t)
    kinds = {event.kind for event in memory.events()}
    assert "split" not in kinds and "merge" not in kinds
    assert "reconcile" in kinds and "reinforce" in kinds
