"""`mags bench --policies llm --llm-replay`: prompt tokens per step of each memory, no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mags.bench.command import SUMMARY_FILE
from mags.bench.prompt_cost import PROMPT_PLOT
from mags.bench.replay import replay_actions
from mags.bench.results import RESULTS_FILE
from mags.cli import main
from mags.worlds import WorldCache


def test_replay_plays_the_same_commands_for_every_memory_and_reports_prompt_tokens(
    world_cache: WorldCache, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "bench",
            "--tracks",
            "tiny",
            "--seeds",
            "1",
            "--policies",
            "llm",
            "--memories",
            "liquid,full-history,window",
            "--max-steps",
            "50",
            "--llm-replay",
            "--out",
            str(out),
            "--cache",
            str(world_cache.root),
        ]
    )
    assert code == 0, capsys.readouterr().err
    rows = {r["memory"]: r for r in map(json.loads, (out / RESULTS_FILE).open())}
    assert {r["llm"] for r in rows.values()} == {"replay"}
    # The same commands, so the same game: equal scores and lengths for every memory.
    assert len({(r["score"], r["steps"]) for r in rows.values()}) == 1
    assert all(r["llm_calls"] == r["steps"] and r["error"] is None for r in rows.values())
    at = {memory: r["prompt_tokens_at"] for memory, r in rows.items()}
    assert set(at["liquid"]) == {"10", "50"}
    # The whole transcript outgrows a bounded memory as the game goes on.
    assert at["full-history"]["50"] > at["full-history"]["10"]
    assert at["full-history"]["50"] > at["liquid"]["50"]
    summary = (out / SUMMARY_FILE).read_text(encoding="utf-8")
    assert "## Prompt tokens per step (llm policy)" in summary
    assert (out / PROMPT_PLOT).read_bytes().startswith(b"\x89PNG")
    assert "% of full-history" in capsys.readouterr().out


def test_replay_actions_avoid_commands_that_end_the_game(world_cache: WorldCache) -> None:
    actions = replay_actions("tiny", 1, 60, world_cache)
    assert len(actions) == 60
    assert not [a for a in actions if a.split()[0] in ("eat", "drink", "cook", "prepare")]
    assert replay_actions("tiny", 1, 60, world_cache) == actions  # seeded: the same walk


def test_an_llm_grid_without_an_endpoint_says_how_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MAGS_LLM_BASE_URL", "MAGS_LLM_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    code = main(
        ["bench", "--tracks", "tiny", "--seeds", "1", "--policies", "llm", "--out", str(tmp_path)]
    )
    assert code == 2
    assert "--llm-replay" in capsys.readouterr().err
