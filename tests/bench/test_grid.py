"""`mags bench` on real games: the grid, resume, truncated files, failed cells, summaries."""

from __future__ import annotations

import json
import math
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest

from mags.bench.command import SUMMARY_FILE
from mags.bench.grid import Cell, RunContext, expand_grid, run_grid
from mags.bench.plots import SCORE_PLOT, STEPS_PLOT
from mags.bench.results import RESULTS_FILE, read_results, row_key
from mags.bench.summary import mean, median, std, summarize, table_cells
from mags.cli import main
from mags.config import MemoryConfig
from mags.worlds import WorldCache

GRID = [
    "bench",
    "--tracks",
    "tiny",
    "--seeds",
    "1-2",
    "--policies",
    "planner,random",
    "--memories",
    "liquid,none",
    "--max-steps",
    "30",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _bench(world_cache: WorldCache, out: Path, *extra: str) -> int:
    return main([*GRID, "--out", str(out), "--cache", str(world_cache.root), *extra])


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def grid_dir(world_cache: WorldCache, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small grid (tiny, seeds 1-2, planner+random, liquid+none), played once."""
    out = tmp_path_factory.mktemp("bench") / "out"
    assert _bench(world_cache, out, "--workers", "2") == 0
    return out


def test_a_small_grid_writes_rows_summary_and_plots(grid_dir: Path) -> None:
    rows = _lines(grid_dir / RESULTS_FILE)
    assert len(rows) == 8
    cells = {(r["track"], r["seed"], r["policy"], r["memory"]) for r in rows}
    assert cells == {
        ("tiny", seed, policy, memory)
        for seed in (1, 2)
        for policy in ("planner", "random")
        for memory in ("liquid", "none")
    }
    for row in rows:
        assert row["error"] is None and row["max_steps"] == 30 and row["game"] == "tiny"
        assert 0 < row["steps"] <= 30 and row["walkthrough_steps"] > 0
        assert row["config"] == MemoryConfig().to_dict() and len(row["config_hash"]) == 12
        assert row["git_revision"] and row["started_at"].endswith("+00:00")
        assert 0.0 <= row["normalized_score"] <= 1.0
    summary = (grid_dir / SUMMARY_FILE).read_text(encoding="utf-8")
    assert "## tiny" in summary and "git revision:" in summary and "CPUs" in summary
    assert "mags bench --tracks tiny --seeds 1-2" in summary
    table = [
        line
        for line in summary.splitlines()
        if line.startswith("| planner") or line.startswith("| random")
    ]
    assert len(table) == 4
    for name in (SCORE_PLOT, STEPS_PLOT):
        data = (grid_dir / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_running_again_adds_nothing(
    world_cache: WorldCache, grid_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (grid_dir / RESULTS_FILE).read_bytes()
    assert _bench(world_cache, grid_dir, "--workers", "2") == 0
    assert (grid_dir / RESULTS_FILE).read_bytes() == before
    captured = capsys.readouterr()
    assert "8 cells: 8 already in results.jsonl, 0 played" in captured.err
    assert "planner" in captured.out and "normalized score" in captured.out


def test_a_truncated_last_line_reruns_only_its_cell(
    world_cache: WorldCache, grid_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    shutil.copytree(grid_dir, out)
    path = out / RESULTS_FILE
    text = path.read_text(encoding="utf-8")
    last = json.loads(text.splitlines()[-1])
    cut = text[: len(text) - len(text.splitlines()[-1]) // 2 - 1]  # half the last line
    path.write_text(cut, encoding="utf-8")
    assert len(read_results(path).rows) == 7

    assert _bench(world_cache, out, "--workers", "1") == 0
    err = capsys.readouterr().err
    assert "truncated last line" in err and "7 already in results.jsonl, 1 played" in err
    rows = _lines(path)  # every line is JSON again
    assert len(rows) == 8 and row_key(rows[-1]) == row_key(last)
    assert len({row_key(r) for r in rows}) == 8


def test_a_bad_memory_exits_2_naming_the_valid_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "bench",
            "--tracks",
            "tiny",
            "--seeds",
            "1",
            "--memories",
            "liquid,lqiuid",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "'lqiuid'" in err and "liquid, none, window" in err and "capacity" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--tracks", "moon", "--seeds", "1"], "kitchen-difficult"),
        (["--tracks", "tiny", "--seeds", "1", "--policies", "greedy"], "planner, random, llm"),
        (["--tracks", "tiny"], "needs --seeds"),
        (["--tracks", "tiny", "--seeds", "1", "--workers", "0"], "--workers"),
        (["--tracks", "tiny", "--seeds", "1", "--max-steps", "0"], "--max-steps"),
    ],
)
def test_invalid_arguments_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code = main(["bench", *args, "--out", str(tmp_path / "out"), "--cache", str(tmp_path)])
    assert code == 2 and needle in capsys.readouterr().err


def test_a_failing_cell_is_a_row_with_its_error_and_runs_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.z8"
    broken.write_bytes(b"not a game")
    out = tmp_path / "out"
    args = ["bench", "--tracks", str(broken), "--out", str(out), "--cache", str(tmp_path)]
    assert main(args) == 1
    rows = _lines(out / RESULTS_FILE)
    assert len(rows) == 1 and rows[0]["error"] and rows[0]["score"] is None
    assert "Failed cells" in (out / SUMMARY_FILE).read_text(encoding="utf-8")
    assert "failed" in capsys.readouterr().out
    assert main(args) == 1  # a failed cell is not done: it is tried again
    assert len(_lines(out / RESULTS_FILE)) == 2


def test_an_interrupt_stops_the_workers_and_keeps_the_file_valid(
    world_cache: WorldCache, tmp_path: Path
) -> None:
    cells = expand_grid(["tiny"], [1, 2], ["random"], ["none", "window"], max_steps=200)
    context = RunContext.make(MemoryConfig(), world_cache.root)

    def interrupt(row: dict[str, Any]) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_grid(cells, tmp_path, context, workers=2, on_row=interrupt)
    assert multiprocessing.active_children() == []
    assert len(_lines(tmp_path / RESULTS_FILE)) == 1
    outcome = run_grid(cells, tmp_path, context, workers=1)
    assert (outcome.resumed, outcome.ran, len(outcome.rows)) == (1, 3, 4)


def test_a_changed_config_is_a_new_cell(tmp_path: Path) -> None:
    cell = Cell("tiny", 1, "planner", "liquid", 30)
    a = RunContext.make(MemoryConfig())
    b = RunContext.make(MemoryConfig(eta=0.3))
    assert cell.key(a.config_hash) != cell.key(b.config_hash)


# Summaries on hand-made rows.


def _row(
    policy: str, memory: str, score: float, won: bool, steps: int, walk: int, **extra: Any
) -> dict[str, Any]:
    return {
        "track": "t",
        "policy": policy,
        "memory": memory,
        "normalized_score": score,
        "won": won,
        "steps": steps,
        "walkthrough_steps": walk,
        "error": None,
        **extra,
    }


def test_mean_std_median() -> None:
    assert mean([1, 2, 3, 4]) == 2.5
    assert std([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx(2.138089935)  # sample std
    assert std([3.0]) == 0.0 and math.isnan(std([]))
    assert median([5, 1, 3]) == 3.0 and median([4, 1, 3, 2]) == 2.5
    assert math.isnan(mean([])) and math.isnan(median([]))


def test_summarize_groups_by_variant() -> None:
    rows = [
        _row(
            "planner",
            "liquid",
            1.0,
            True,
            10,
            5,
            dead_end_revisits=0,
            context_tokens_per_step=100.0,
            memory_ms_per_step=1.0,
        ),
        _row(
            "planner",
            "liquid",
            0.5,
            False,
            30,
            10,
            dead_end_revisits=2,
            context_tokens_per_step=200.0,
            memory_ms_per_step=3.0,
        ),
        _row(
            "planner",
            "liquid",
            0.0,
            False,
            12,
            4,
            dead_end_revisits=4,
            context_tokens_per_step=300.0,
            memory_ms_per_step=2.0,
        ),
        _row("random", "none", 0.2, False, 30, 0),  # no walkthrough: no ratio
        {"track": "t", "policy": "random", "memory": "none", "error": "boom"},
        {**_row("planner", "liquid", 1.0, True, 1, 1), "track": "u"},
    ]
    by = {(s.track, s.policy, s.memory): s for s in summarize(rows)}
    s = by[("t", "planner", "liquid")]
    assert s.games == 3 and s.failed == 0
    assert s.score_mean == pytest.approx(0.5) and s.score_std == pytest.approx(0.5)
    assert s.win_rate == pytest.approx(1 / 3)
    assert s.steps_ratio_median == 3.0  # ratios 2, 3, 3
    assert s.dead_end_revisits_mean == 2.0
    assert s.context_tokens_per_step_mean == 200.0 and s.memory_ms_per_step_mean == 2.0
    r = by[("t", "random", "none")]
    assert (r.games, r.failed, r.score_mean, r.score_std) == (1, 1, 0.2, 0.0)
    assert math.isnan(r.steps_ratio_median) and math.isnan(r.dead_end_revisits_mean)
    assert table_cells(r)[2:6] == ["1 (1 failed)", "0.20 ± 0.00", "0%", "—"]
    assert by[("u", "planner", "liquid")].games == 1


def test_bench_noise_is_part_of_each_cell_key(world_cache: WorldCache, tmp_path: Path) -> None:
    """A noisy run and a clean run in one folder are different cells; the regime is in the
    rows and in the summary's command line."""
    out = tmp_path / "out"
    args = ["--tracks", "tiny", "--seeds", "1", "--memories", "liquid", "--max-steps", "20"]
    base = ["bench", *args, "--out", str(out), "--cache", str(world_cache.root)]
    assert main(base) == 0
    assert main([*base, "--noise", "0.3", "--noise-seed", "4"]) == 0
    rows = _lines(out / RESULTS_FILE)
    assert [r["noise"] for r in rows] == [
        "",
        "drop=0.3,false=0.3,swap=0.15,outcomes=certain,seed=4",
    ]
    assert rows[0]["config_hash"] != rows[1]["config_hash"]
    summary = (out / SUMMARY_FILE).read_text(encoding="utf-8")
    assert "--noise drop=0.3,false=0.3,swap=0.15,outcomes=certain --noise-seed 4" in summary
    assert main([*base, "--noise", "0.3", "--noise-seed", "4"]) == 0  # resumed: no new row
    assert len(_lines(out / RESULTS_FILE)) == 2


def test_bench_capacity_is_part_of_each_cell_key(world_cache: WorldCache, tmp_path: Path) -> None:
    """A capped run is its own cell; a share resolves per game to facts of its true state."""
    out = tmp_path / "out"
    args = ["--tracks", "tiny", "--seeds", "1", "--memories", "lru", "--max-steps", "20"]
    base = ["bench", *args, "--out", str(out), "--cache", str(world_cache.root)]
    assert main([*base, "--capacity", "50%"]) == 0
    assert main([*base, "--capacity", "12"]) == 0
    rows = _lines(out / RESULTS_FILE)
    assert rows[0]["config_hash"] != rows[1]["config_hash"]
    assert rows[1]["capacity"] == 12 and rows[1]["active_facts"] <= 12
    assert rows[0]["capacity"] >= 10 and rows[0]["active_facts"] <= rows[0]["capacity"]
    assert "--capacity 12" in (out / SUMMARY_FILE).read_text(encoding="utf-8")  # the last run
