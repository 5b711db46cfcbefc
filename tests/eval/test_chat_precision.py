"""Precision of the chat rules against labels, on a small synthetic LoCoMo file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mags.eval.chat_precision import precision_report, render_markdown

CONVERSATION = {
    "sample_id": "synthetic",
    "conversation": {
        "speaker_a": "Ann",
        "speaker_b": "Bob",
        "session_1_date_time": "1:56 pm on 8 May, 2023",
        "session_1": [
            {"speaker": "Ann", "dia_id": "D1:1", "text": "I moved to Oslo. I love jazz."},
            {"speaker": "Bob", "dia_id": "D1:2", "text": "I went to a concert yesterday."},
            {"speaker": "Ann", "dia_id": "D1:3", "text": "Did you like it?"},
        ],
    },
    "qa": [],
}


def write_labels(path: Path, labels: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(label) + "\n" for label in labels), encoding="utf-8")
    return path


def label(
    n: int, source: str, s: str, r: str, o: str, correct: bool, **q: str
) -> dict[str, object]:
    return {
        "label_id": f"s{n}",
        "source": source,
        "subject": s,
        "relation": r,
        "object": o,
        "qualifiers": q,
        "correct": correct,
    }


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps([CONVERSATION]), encoding="utf-8")
    return path


def test_precision_counts_labels_the_extractor_still_produces(data: Path, tmp_path: Path) -> None:
    labels = write_labels(
        tmp_path / "labels.jsonl",
        [
            label(1, "D1:1", "Ann", "lives_in", "Oslo", True),
            label(2, "D1:1", "Ann", "likes", "jazz", False),
            label(3, "D1:2", "Bob", "attended", "concert", True, when="2023-05-07"),
            # No longer produced: reported, not counted.
            label(4, "D1:3", "Ann", "likes", "it", False),
            label(5, "D1:2", "Bob", "attended", "concert", True, when="2023-05-06"),
        ],
    )
    report = precision_report(data, labels)
    assert (report.facts, report.turns) == (3, 3)
    assert (report.labelled, report.correct) == (3, 2)
    assert report.precision == pytest.approx(0.667, abs=1e-3)
    assert report.per_relation == {"attended": (1, 1), "likes": (1, 0), "lives_in": (1, 1)}
    assert report.dropped == ("s4", "s5")
    table = render_markdown(report)
    assert "precision 0.667" in table
    assert "| likes | 1 | 0 | 0.000 |" in table
    assert "2 labelled facts no longer produced" in table


def test_no_labels_gives_zero_precision(data: Path, tmp_path: Path) -> None:
    report = precision_report(data, write_labels(tmp_path / "empty.jsonl", []))
    assert (report.labelled, report.precision, report.per_relation) == (0, 0.0, {})


REPO_LABELS = Path(__file__).resolve().parents[2] / "docs" / "eval" / "chat-rules-labels.jsonl"


def test_repository_labels_are_well_formed_and_hold_no_turn_text() -> None:
    keys = {"label_id", "source", "subject", "relation", "object", "qualifiers", "correct"}
    lines = REPO_LABELS.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 50
    for line in lines:
        row = json.loads(line)
        assert keys <= set(row) <= keys | {"note"}
        assert isinstance(row["correct"], bool)
        assert row["correct"] or row.get("note")
