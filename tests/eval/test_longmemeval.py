"""`mags eval longmemeval` on small files in LongMemEval's published format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mags.cli import main
from mags.eval.longmemeval import evaluate, load_longmemeval, session_recall, update_order

FILLER = [
    {"role": "user", "content": "Can you suggest a recipe with lentils?"},
    {"role": "assistant", "content": "Try a red lentil soup with cumin and lemon."},
]


def instance(qid: str, qtype: str, question: str, answer: str, sessions: list[Any]) -> dict:
    ids = [f"{qid}-s{i}" for i in range(len(sessions))]
    days = [f"2023/05/{10 + i:02d} (Wed) 10:00" for i in range(len(sessions))]
    return {
        "question_id": qid, "question_type": qtype, "question": question, "answer": answer,
        "question_date": "2023/06/01 (Thu) 09:00", "haystack_session_ids": ids,
        "haystack_dates": days, "haystack_sessions": sessions,
        "answer_session_ids": [sid for sid, s in zip(ids, sessions, strict=True)
                               if any(t.get("has_answer") for t in s)],
    }  # fmt: skip


def write_set(path: Path) -> Path:
    said = {"role": "user", "has_answer": True}
    items = [
        instance("ku1", "knowledge-update", "Where do I live now?", "Lisbon", [
            [{**said, "content": "I live in Porto, near the river."}, *FILLER],
            FILLER,
            [{**said, "content": "Big news: I just moved to Lisbon!"}, *FILLER],
        ]),
        instance("ssu1", "single-session-user", "What is my dog's name?", "Biscuit", [
            FILLER, [{**said, "content": "My dog Biscuit loves the beach."}], FILLER,
        ]),
        instance("tr1", "temporal-reasoning", "What did I buy last week?", "a kayak", [
            FILLER, [{**said, "content": "Last week I bought a kayak for the lake."}],
        ]),
        instance("ssu2_abs", "single-session-user", "What is my cat's name?",
                 "You did not mention a cat", [FILLER, FILLER]),
    ]  # fmt: skip
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def test_scores_by_type_with_abstentions_apart(tmp_path: Path) -> None:
    instances = load_longmemeval(write_set(tmp_path / "s.json"))
    scores = evaluate(instances, ["liquid", "bm25"], [60, 1000])
    assert (scores.instances, scores.abstentions) == (4, 1)
    rows = {(r["system"], r["metric"], r.get("budget", r.get("k")), r["type"]): r
            for r in scores.rows()}  # fmt: skip
    for system in ("liquid", "bm25"):
        assert rows[(system, "evidence_recall", 1000, "all")]["value"] == 1.0
        assert rows[(system, "answer_containment", 1000, "all")]["questions"] == 3
        assert rows[(system, "session_recall", 5, "single-session-user")]["value"] == 1.0
    # The latest evidence (the move) ranks above the stale one in MAGS's recall.
    assert rows[("liquid", "update_order", 1000, "knowledge-update")]["value"] == 1.0


def test_session_recall_and_update_order_by_hand(tmp_path: Path) -> None:
    assert session_recall(["a:1", "b:1", "a:2"], ["b"], 1) == 0.0
    assert session_recall(["a:1", "b:1", "a:2"], ["b"], 2) == 1.0
    (ku, *_) = load_longmemeval(write_set(tmp_path / "s.json"))
    assert update_order(["ku1-s2:1", "ku1-s0:1"], ku) == 1.0
    assert update_order(["ku1-s0:1", "ku1-s2:1"], ku) == 0.0
    assert update_order(["ku1-s0:1"], ku) == 0.0  # the current value not packed at all


def test_the_command_writes_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_set(tmp_path / "s.json")
    out = tmp_path / "out"
    args = ["eval", "longmemeval", "--data", str(data), "--systems", "liquid,bm25",
            "--budgets", "60,1000", "--embedder", "none", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "abstention questions (not scored): 1" in summary and "## update order" in summary
    assert len((out / "rows.jsonl").read_text().splitlines()) > 10
    capsys.readouterr()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: i.pop("haystack_sessions"), "missing key 'haystack_sessions'"),
        (lambda i: i.update(haystack_dates="2023/05/10"), "'haystack_dates' must be a list"),
        (lambda i: i["haystack_sessions"][0].append({"role": "user"}), "needs a string 'content'"),
        (lambda i: i.update(haystack_session_ids=[], haystack_dates=[], haystack_sessions=[]),
         "holds no turns"),
        (lambda i: i["haystack_dates"].pop(), "differ in length"),
    ],
)  # fmt: skip
def test_bad_input_names_the_file_the_instance_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, message: str
) -> None:
    items = json.loads(write_set(tmp_path / "s.json").read_text())
    change(items[1])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(items), encoding="utf-8")
    assert main(["eval", "longmemeval", "--data", str(bad), "--embedder", "none"]) != 0
    err = capsys.readouterr().err
    assert "bad.json, instance 1 (ssu1)" in err and message in err
