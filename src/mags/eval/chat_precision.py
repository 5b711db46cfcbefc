"""Precision of the chat rule extractor against hand labels.

The labels (``docs/eval/chat-rules-labels.jsonl``) are a seeded sample of the facts
`ChatRuleExtractor` drew from the LoCoMo development conversations, each read against its
turn and marked correct or not; they hold the triple and the turn's ``dia_id``, never the
turn's text (the data is CC BY-NC and is not shipped). `precision_report` re-runs the
extractor on the data, so a label whose fact the rules no longer produce is reported apart
rather than counted.

Example
-------
>>> report = ChatPrecisionReport(facts=10, turns=4, labelled=3, correct=2, precision=2 / 3,
...     per_relation={"likes": (2, 1)}, dropped=())
>>> print(render_markdown(report).splitlines()[-1])
| likes | 2 | 1 | 0.500 |
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mags.eval.locomo import load_locomo
from mags.extract.base import ExtractionContext
from mags.extract.chat_rules import ChatRuleExtractor

FactKey = tuple[str, str, str, str, str]
"""(source, subject, relation, object, qualifiers as JSON): how a label names its fact."""


@dataclass(frozen=True)
class ChatPrecisionReport:
    """The extractor's output on a LoCoMo file and its precision on the labelled facts.

    ``per_relation`` maps a relation to (labelled facts still produced, of which correct);
    ``dropped`` lists the ``label_id`` (``conversation#n``) of labels whose fact the
    extractor no longer makes.
    """

    facts: int
    turns: int
    labelled: int
    correct: int
    precision: float
    per_relation: Mapping[str, tuple[int, int]]
    dropped: tuple[str, ...]


def _key(source: str, subject: str, relation: str, obj: str, qualifiers: Any) -> FactKey:
    return (source, subject, relation, obj, json.dumps(qualifiers or {}, sort_keys=True))


def extracted_facts(data_path: str | Path) -> tuple[list[dict[str, Any]], int]:
    """Every fact the extractor draws from every turn of a LoCoMo file (as label-shaped
    dicts with the conversation's ``sample_id`` as ``conversation``), and the turn count."""
    extractor = ChatRuleExtractor()
    rows: list[dict[str, Any]] = []
    turns = 0
    for conv in load_locomo(data_path):
        for turn in conv.turns:
            turns += 1
            ctx = ExtractionContext(
                t=0.0, source=turn.source, speaker=turn.speaker, when=turn.when, role="user"
            )
            for fact in extractor.extract(turn.text, ctx).facts:
                if isinstance(fact, tuple):  # the protocol allows plain triples
                    subject, relation, obj, qualifiers = (*fact, None)
                else:
                    subject, relation, obj = fact.subject, fact.relation, fact.object
                    qualifiers = dict(fact.qualifiers or {})
                rows.append(
                    {
                        "conversation": conv.sample_id,
                        "source": turn.source,
                        "subject": subject,
                        "relation": relation,
                        "object": obj,
                        "qualifiers": qualifiers or {},
                    }
                )
    return rows, turns


def load_labels(labels_path: str | Path) -> list[dict[str, Any]]:
    """The labels of a JSONL file, one object a line (blank lines skipped)."""
    lines = Path(labels_path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def precision_report(data_path: str | Path, labels_path: str | Path) -> ChatPrecisionReport:
    """Re-run the extractor on ``data_path`` and score it against ``labels_path``."""
    rows, turns = extracted_facts(data_path)
    produced = {
        _key(r["source"], r["subject"], r["relation"], r["object"], r["qualifiers"]) for r in rows
    }
    per_relation: dict[str, tuple[int, int]] = {}
    dropped: list[str] = []
    for label in load_labels(labels_path):
        key = _key(
            label["source"],
            label["subject"],
            label["relation"],
            label["object"],
            label.get("qualifiers"),
        )
        if key not in produced:
            dropped.append(str(label["label_id"]))
            continue
        seen, right = per_relation.get(label["relation"], (0, 0))
        per_relation[label["relation"]] = (seen + 1, right + bool(label["correct"]))
    labelled = sum(n for n, _ in per_relation.values())
    correct = sum(c for _, c in per_relation.values())
    return ChatPrecisionReport(
        facts=len(rows),
        turns=turns,
        labelled=labelled,
        correct=correct,
        precision=correct / labelled if labelled else 0.0,
        per_relation=dict(sorted(per_relation.items())),
        dropped=tuple(dropped),
    )


def render_markdown(report: ChatPrecisionReport) -> str:
    """The report as a Markdown summary line and a per-relation table."""
    lines = [
        f"{report.facts} facts from {report.turns} turns; {report.labelled} labelled facts "
        f"still produced, {report.correct} correct: precision {report.precision:.3f}"
        + (f" ({len(report.dropped)} labelled facts no longer produced)" if report.dropped else ""),
        "",
        "| relation | labelled | correct | precision |",
        "|---|---:|---:|---:|",
    ]
    for relation, (seen, right) in report.per_relation.items():
        lines.append(f"| {relation} | {seen} | {right} | {right / seen:.3f} |")
    return "\n".join(lines)
