"""`mags eval locomo` on a synthetic conversation: recall computed exactly as specified,
evidence problems counted, rows and files written, the answer path through a real server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mags.cli import main
from mags.eval.locomo import load_locomo
from mags.eval.locomo_eval import Evidence, evaluate, evidence_recall
from mags.llm.testserver import ChatServer, Reply

TURNS = [
    ("Ann", "I adopted a puppy named Rex last week."),
    ("Bob", "Congrats! What breed is Rex?"),
    ("Ann", "Rex is a beagle."),
    ("Bob", "I started learning the violin."),
    ("Ann", "Nice, my sister plays the cello."),
    ("Bob", "We should play together sometime."),
]


def write_conversation(path: Path) -> Path:
    session = [
        {"speaker": s, "dia_id": f"D1:{i + 1}", "text": text} for i, (s, text) in enumerate(TURNS)
    ]
    record = {
        "sample_id": "synthetic-1",
        "conversation": {
            "speaker_a": "Ann",
            "speaker_b": "Bob",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": session,
        },
        "qa": [
            {"question": "What breed is Ann's puppy Rex?", "answer": "beagle",
             "evidence": ["D1:1", "D1:3"], "category": 1},
            {"question": "Which instrument is Bob learning?", "answer": "violin",
             "evidence": ["D1:4", "D9:99"], "category": 4},
            {"question": "What does Ann's sister play?", "answer": "cello", "evidence": [],
             "category": 4},
        ],
    }  # fmt: skip
    path.write_text(json.dumps([record]), encoding="utf-8")
    return path


def test_evidence_recall_counts_whole_turn_lines_only() -> None:
    lines = {"D1:1": "- Ann: I adopted a puppy.", "D1:2": "- Bob: Nice."}
    assert evidence_recall("- Ann: I adopted a puppy.\n- Bob: Ni", ["D1:1", "D1:2"], lines) == 0.5


def test_broken_and_empty_evidence_is_counted_not_scored(tmp_path: Path) -> None:
    (conversation,) = load_locomo(write_conversation(tmp_path / "conv.json"))
    evidence = Evidence.of(conversation)
    assert [valid for _, valid in evidence.usable] == [("D1:1", "D1:3"), ("D1:4",)]
    assert (evidence.empty, evidence.broken_ids, evidence.unusable) == (1, 1, 1)


def test_recall_at_a_budget_matches_a_hand_computed_case(tmp_path: Path) -> None:
    conversations = load_locomo(write_conversation(tmp_path / "conv.json"))
    tally = evaluate(conversations, ["bm25", "window", "full"], [24, 1000])
    rows = {(r["system"], r["budget"], r["category"]): r for r in tally.rows([24, 1000])}
    # At 1000 tokens every turn fits: every system finds all the usable evidence.
    assert rows[("bm25", 1000, "all")]["recall"] == 1.0
    assert rows[("full", None, "all")]["recall"] == 1.0
    # 24 tokens hold the header, the date line and one turn. BM25's best turn for the
    # puppy question is D1:2 ("What breed is Rex?": both rare words), not evidence: 0 of 2;
    # for the violin question it is D1:4: 1 of 1. The window holds the last turn, D1:6.
    # Answer containment follows: "beagle" is not in D1:2, "violin" is in D1:4.
    assert rows[("bm25", 24, 1)] == {
        "system": "bm25", "budget": 24, "category": 1, "recall": 0.0, "questions": 1,
        "containment": 0.0, "answers": 1,
    }  # fmt: skip
    assert rows[("bm25", 24, 4)]["recall"] == 1.0 == rows[("bm25", 24, 4)]["containment"]
    assert rows[("bm25", 24, "all")]["recall"] == 0.5 == rows[("bm25", 24, "all")]["containment"]
    assert (
        rows[("window", 24, "all")]["recall"] == 0.0 == rows[("window", 24, "all")]["containment"]
    )
    assert rows[("bm25", 1000, "all")]["containment"] == 1.0
    assert tally.questions == 3 and tally.unusable == 1


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(args) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_command_prints_rows_and_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_conversation(tmp_path / "conv.json")
    out = tmp_path / "out"
    rows = run_cli(
        ["eval", "locomo", "--data", str(data), "--systems", "liquid,bm25,full",
         "--budgets", "60,300", "--json", "--out", str(out)],
        capsys,
    )  # fmt: skip
    recall_rows = [r for r in rows if "recall" in r]
    assert {tuple(sorted(r)) for r in recall_rows} == {
        ("answers", "budget", "category", "containment", "questions", "recall", "system")
    }
    assert {(r["system"], r["budget"]) for r in recall_rows if r["category"] == "all"} == {
        ("liquid", 60), ("liquid", 300), ("bm25", 60), ("bm25", 300), ("full", None),
    }  # fmt: skip
    assert any(r.get("kind") == "ingest" and r["system"] == "liquid" for r in rows)
    assert (out / "recall_vs_budget.png").stat().st_size > 0
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "evidence ids naming no turn (dropped): 1" in summary
    assert "| liquid |" in summary


def test_bad_input_is_said_in_the_flags_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "locomo", "--data", str(tmp_path / "missing.json")]) != 0
    assert "pass the LoCoMo JSON file with --data" in capsys.readouterr().err
    data = write_conversation(tmp_path / "conv.json")
    assert main(["eval", "locomo", "--data", str(data), "--systems", "magic"]) != 0
    assert "--systems: unknown ['magic']" in capsys.readouterr().err


def test_the_answer_path_asks_the_model_and_scores_f1_and_the_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_conversation(tmp_path / "conv.json")
    with ChatServer() as server:
        # One question per system: the liquid context's answer and verdict, then full's.
        server.script(
            Reply.text("beagle"), Reply.json({"correct": True}),
            Reply.text("a poodle"), Reply.json({"correct": False}),
        )  # fmt: skip
        rows = run_cli(
            ["eval", "locomo", "--data", str(data), "--systems", "liquid,full", "--json",
             "--budgets", "300", "--answer-budget", "300", "--answer-limit", "1",
             "--llm-base-url", server.url, "--llm-model", "test-model"],
            capsys,
        )  # fmt: skip
        prompts = [r.body["messages"][-1]["content"] for r in server.requests]
    answers = {(r["system"], r["category"]): r for r in rows if r.get("kind") == "answers"}
    assert answers[("liquid", "all")]["f1"] == 1.0 and answers[("liquid", "all")]["accuracy"] == 1
    assert answers[("full", "all")]["f1"] == 0.0 and answers[("full", "all")]["accuracy"] == 0
    assert len(prompts) == 4
    assert (
        "What breed is Ann's puppy Rex?" in prompts[0] and "- Ann: Rex is a beagle." in prompts[0]
    )


def test_a_context_too_long_for_the_model_is_unanswered_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_conversation(tmp_path / "conv.json")
    overflow = "This model's maximum context length is 2048 tokens. However, you requested 9000."
    with ChatServer() as server:
        server.script(
            Reply.text("beagle"), Reply.json({"correct": True}),  # liquid
            Reply.error(400, overflow),  # full: the whole conversation does not fit
        )  # fmt: skip
        rows = run_cli(
            ["eval", "locomo", "--data", str(data), "--systems", "liquid,full", "--json",
             "--budgets", "300", "--answer-budget", "300", "--answer-limit", "1",
             "--llm-base-url", server.url, "--llm-model", "test-model"],
            capsys,
        )  # fmt: skip
        assert len(server.requests) == 3  # the overflow was neither retried nor judged
    answers = {(r["system"], r["category"]): r for r in rows if r.get("kind") == "answers"}
    assert answers[("full", "all")]["unanswered"] == 1 and answers[("full", "all")]["f1"] == 0.0
    assert answers[("liquid", "all")]["unanswered"] == 0
