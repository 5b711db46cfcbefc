"""LoCoMo conversations: the file format of ``data/locomo10.json`` read into plain records.

The data (CC BY-NC 4.0) is never shipped with MAGS: the caller names the file
(``mags eval locomo --data FILE``). Each conversation has two speakers and numbered sessions
of turns; each session has a date (``"1:56 pm on 8 May, 2023"``). Questions carry the
``dia_id`` of the turns that hold their answer (``evidence``) and a category.

Example
-------
>>> conv = parse_conversation({
...     "sample_id": "demo",
...     "conversation": {"speaker_a": "Ann", "speaker_b": "Bob",
...         "session_1_date_time": "1:56 pm on 8 May, 2023",
...         "session_1": [{"speaker": "Ann", "dia_id": "D1:1", "text": "I moved to Oslo."}]},
...     "qa": [{"question": "Where does Ann live?", "answer": "Oslo",
...             "evidence": ["D1:1"], "category": 4}]})
>>> conv.turns[0].when, conv.turns[0].source
('2023-05-08T13:56:00', 'D1:1')
>>> conv.questions[0].evidence
('D1:1',)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mags.core.errors import InvalidInputError

CATEGORIES = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}
_SESSION = re.compile(r"^session_(\d+)$")
_DIA_ID = re.compile(r"D\d+:\d+")


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn: its ``dia_id`` (``source``), speaker, text and session date (ISO 8601)."""

    source: str
    speaker: str
    text: str
    when: str | None
    session: int


@dataclass(frozen=True, slots=True)
class Question:
    """One question with its evidence turns; ``answer`` is the adversarial answer for
    category 5 (where the question asks about something never said)."""

    question: str
    answer: str
    evidence: tuple[str, ...]
    category: int
    raw_evidence: tuple[str, ...]
    """The evidence field as the file has it, before splitting "D1:3; D1:5" into ids."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation: its id, the two speakers, every turn in order and its questions."""

    sample_id: str
    speakers: tuple[str, str]
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]


def parse_session_date(text: str) -> str | None:
    """LoCoMo's ``"1:56 pm on 8 May, 2023"`` as ISO 8601; None if it is not in that form.

    Example
    -------
    >>> parse_session_date("10:37 am on 27 June, 2023")
    '2023-06-27T10:37:00'
    """
    try:
        return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").isoformat()
    except ValueError:
        return None


def turn_text(turn: dict[str, Any]) -> str:
    """A turn's text; a shared photo is kept as its caption, since that is all a text
    memory can see of it."""
    text = str(turn.get("text", "")).strip()
    caption = turn.get("blip_caption")
    if caption:
        text = f"{text} [shares a photo of {str(caption).strip()}]".strip()
    return text


def parse_conversation(raw: dict[str, Any]) -> Conversation:
    """One conversation record of the LoCoMo file."""
    try:
        conv = raw["conversation"]
        sessions = sorted(
            int(m.group(1)) for key in conv if (m := _SESSION.match(key)) and conv[key]
        )
        turns = [
            Turn(
                source=str(turn["dia_id"]),
                speaker=str(turn["speaker"]),
                text=turn_text(turn),
                when=parse_session_date(str(conv.get(f"session_{n}_date_time", ""))),
                session=n,
            )
            for n in sessions
            for turn in conv[f"session_{n}"]
            if turn_text(turn)
        ]
        questions = [_question(q) for q in raw.get("qa", [])]
        speakers = (str(conv["speaker_a"]), str(conv["speaker_b"]))
        return Conversation(str(raw["sample_id"]), speakers, tuple(turns), tuple(questions))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"not a LoCoMo conversation record ({type(exc).__name__}: {exc}); expected the "
            "format of LoCoMo's data/locomo10.json"
        ) from None


def _question(q: dict[str, Any]) -> Question:
    raw = tuple(str(e) for e in q.get("evidence") or ())
    # Some ids are glued together ("D8:6; D9:17"); split them, keep what looks like an id.
    ids = tuple(dict.fromkeys(m for e in raw for m in _DIA_ID.findall(e)))
    answer = q.get("answer", q.get("adversarial_answer", ""))
    return Question(str(q["question"]), str(answer), ids, int(q["category"]), raw)


def load_locomo(path: str | Path) -> list[Conversation]:
    """Every conversation of a LoCoMo JSON file; a clear error if it is missing or not one."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(
            f"{file} does not exist; pass the LoCoMo JSON file with --data "
            "(e.g. locomo10.json from github.com/snap-research/locomo)"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{file} is not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InvalidInputError(f"{file} holds no conversations (expected a JSON list)")
    return [parse_conversation(item) for item in data]


def pick_conversations(
    conversations: list[Conversation], wanted: str | None, data: str | Path
) -> list[Conversation]:
    """The conversations ``--conversations`` names (comma-separated sample ids; None: all),
    in the file's order; an id the file ``data`` lacks is an error that names it.

    Example
    -------
    >>> c = [Conversation(name, ("a", "b"), (), ()) for name in ("conv-26", "conv-30")]
    >>> [x.sample_id for x in pick_conversations(c, "conv-30", "locomo10.json")]
    ['conv-30']
    """
    if not wanted:
        return conversations
    names = {w.strip() for w in wanted.split(",") if w.strip()}
    missing = names - {c.sample_id for c in conversations}
    if missing:
        raise InvalidInputError(f"--conversations: {sorted(missing)} not in {data}")
    return [c for c in conversations if c.sample_id in names]
