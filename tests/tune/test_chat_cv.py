"""`mags tune-chat`: recall weights chosen by leave-one-conversation-out cross-validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mags.cli import main
from mags.config import MemoryConfig
from mags.tune.chat import RECALL_WEIGHTS, folds

TURNS = [
    ("Ann", "I adopted a puppy named {pet} last week."),
    ("Bob", "Congrats! What breed is {pet}?"),
    ("Ann", "{pet} is a beagle."),
    ("Bob", "I started learning the {instrument}."),
    ("Ann", "Nice, my sister plays the cello."),
    ("Bob", "We should play together sometime."),
]


def conversation(sample: str, pet: str, instrument: str) -> dict[str, object]:
    turns = [
        {"speaker": s, "dia_id": f"D1:{i + 1}", "text": t.format(pet=pet, instrument=instrument)}
        for i, (s, t) in enumerate(TURNS)
    ]
    return {
        "sample_id": sample,
        "conversation": {
            "speaker_a": "Ann", "speaker_b": "Bob",
            "session_1_date_time": "1:56 pm on 8 May, 2023", "session_1": turns,
        },
        "qa": [
            {"question": f"What breed is {pet}?", "answer": "beagle",
             "evidence": ["D1:1", "D1:3"], "category": 1},
            {"question": "Which instrument is Bob learning?", "answer": instrument,
             "evidence": ["D1:4"], "category": 4},
        ],
    }  # fmt: skip


def test_each_fold_chooses_without_the_conversation_it_scores() -> None:
    # Candidate 1 is best on a and b, candidate 0 on c: the fold that holds c out picks 1.
    scores = {0: {"a": 0.1, "b": 0.2, "c": 0.9}, 1: {"a": 0.8, "b": 0.7, "c": 0.1}}
    by = {f.held_out: f for f in folds(scores)}
    assert by["c"].chosen == 1 and by["c"].out_of_fold == 0.1 and by["c"].in_fold == 0.75
    assert by["a"].chosen == 0 and by["a"].out_of_fold == 0.1  # 0's mean on b, c is 0.55


def test_the_command_writes_folds_summary_and_a_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "dev.json"
    records = [conversation(f"c{i}", pet, inst) for i, (pet, inst) in
               enumerate([("Rex", "violin"), ("Bo", "drums"), ("Max", "flute")])]  # fmt: skip
    data.write_text(json.dumps(records), encoding="utf-8")
    out = tmp_path / "out"
    args = ["tune-chat", "--data", str(data), "--trials", "3", "--embedder", "none",
            "--budgets", "40,300", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    rows = [json.loads(line) for line in (out / "folds.jsonl").read_text().splitlines()]
    assert [r["held_out"] for r in rows] == ["c0", "c1", "c2"]
    assert all(set(r["params"]) == set(RECALL_WEIGHTS) for r in rows)
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "out-of-fold mean" in summary and "| fact_share |" in summary
    assert MemoryConfig.from_toml(out / "best.toml").tau0 == MemoryConfig.for_chat().tau0
    assert main(args) == 0  # resumes: the study already holds its three candidates
    assert "3 candidates" in (out / "summary.md").read_text(encoding="utf-8")
    capsys.readouterr()


def test_too_few_conversations_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "one.json"
    data.write_text(json.dumps([conversation("c0", "Rex", "violin")]), encoding="utf-8")
    assert main(["tune-chat", "--data", str(data), "--out", str(tmp_path / "o")]) != 0
    assert "needs at least 3 conversations" in capsys.readouterr().err
