"""LongMemEval as published (Wu et al., ICLR 2025): its JSON read, scored without an LLM.

Each instance of ``longmemeval_s.json``, ``_m`` or ``_oracle`` is one question with its own
haystack: ``haystack_sessions`` (lists of ``{"role", "content"}`` turns, the evidence turns
marked ``"has_answer": true``), ``haystack_dates`` (``"2023/05/20 (Sat) 02:21"``), their
``haystack_session_ids``, the ``question_date``, the ``question_type`` and the
``answer_session_ids``; an id ending in ``_abs`` is an abstention question (the answer was
never said). The data is not shipped: the caller names the file.

Every system ingests an instance's turns in order (a fresh memory per instance) and packs a
context for the question at each budget, as in `mags.eval.locomo_eval` (whose retrievers
and metrics this reuses: an instance is read into a LoCoMo `Conversation`, one per question).
Scores, by question type, abstention questions apart (counted, not scored):

- **evidence recall**: the share of ``has_answer`` turns whose rendered line is in the context;
- **answer containment**: the normalized answer inside the context (`mags.eval.containment`);
- **session recall@k**: the share of answer sessions among the first ``k`` sessions of the
  largest budget's context, sessions ranked by their best turn (MAGS: recall's own order;
  baselines: their ranking);
- **update order** (knowledge-update questions with evidence in two or more sessions): how
  often the latest evidence turn ranks above every earlier one (supersession should win).

Example
-------
>>> item = {"question_id": "q1", "question_type": "knowledge-update", "question": "Where?",
...         "answer": "Lisbon", "question_date": "2023/06/01 (Thu) 10:00",
...         "haystack_session_ids": ["s1", "s2"],
...         "haystack_dates": ["2023/05/01 (Mon) 09:00", "2023/05/20 (Sat) 02:21"],
...         "haystack_sessions": [[{"role": "user", "content": "I live in Porto.",
...                                 "has_answer": True}],
...                               [{"role": "user", "content": "I moved to Lisbon!",
...                                 "has_answer": True}]],
...         "answer_session_ids": ["s1", "s2"]}
>>> q = parse_instance(item, "demo.json", 0)
>>> q.conversation.turns[1].source, q.conversation.turns[1].when, q.evidence
('s2:1', '2023-05-20T02:21:00', ('s1:1', 's2:1'))
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mags.core.episodes import TokenCount, pack_episodes
from mags.core.errors import InvalidInputError
from mags.core.retrieve import EPISODES_HEADER, Recall
from mags.eval.containment import contains_answer
from mags.eval.locomo import Conversation, Question, Turn
from mags.eval.locomo_eval import MAGS_SOURCES, evidence_recall, ingest, mags_config
from mags.eval.turns import pack_turns, turn_episode, turn_lines
from mags.search.dense import Embedder
from mags.search.lexical import LexicalIndex
from mags.search.tokens import TokenCounter

SESSION_KS = (5, 10)
SYSTEMS = ("liquid", "episodes", "bm25")
KNOWLEDGE_UPDATE = "knowledge-update"
REQUIRED = (
    "question_id", "question_type", "question", "answer", "haystack_session_ids",
    "haystack_dates", "haystack_sessions",
)  # fmt: skip


@dataclass(frozen=True)
class Instance:
    """One question and its haystack, read into a conversation of its own."""

    question_id: str
    question_type: str
    question: str
    answer: str
    question_date: str | None
    conversation: Conversation
    evidence: tuple[str, ...]
    """Turn ids (``session_id:n``) marked ``has_answer``."""
    answer_sessions: tuple[str, ...]

    @property
    def abstention(self) -> bool:
        """An abstention question: its answer was never said."""
        return self.question_id.endswith("_abs")


def parse_date(text: str) -> str | None:
    """LongMemEval's ``"2023/05/20 (Sat) 02:21"`` as ISO 8601; None if not in that form.

    Example
    -------
    >>> parse_date("2023/05/20 (Sat) 02:21")
    '2023-05-20T02:21:00'
    """
    try:
        return datetime.strptime(text.strip(), "%Y/%m/%d (%a) %H:%M").isoformat()
    except ValueError:
        return None


def parse_instance(item: Any, file: str, index: int) -> Instance:
    """One instance of the file; a missing key or a wrong type is one line naming the file,
    the instance and the key."""
    where = f"{file}, instance {index}"
    if not isinstance(item, dict):
        raise InvalidInputError(f"{where}: not a JSON object")
    qid = item.get("question_id", f"#{index}")
    where = f"{file}, instance {index} ({qid})"
    for key in REQUIRED:
        if key not in item:
            raise InvalidInputError(f"{where}: missing key {key!r} (LongMemEval's format)")
    ids, dates, sessions = (
        item["haystack_session_ids"], item["haystack_dates"], item["haystack_sessions"]
    )  # fmt: skip
    for key, value in (("haystack_session_ids", ids), ("haystack_dates", dates)):
        if not isinstance(value, list):
            raise InvalidInputError(f"{where}: {key!r} must be a list")
    if not isinstance(sessions, list) or not all(isinstance(s, list) for s in sessions):
        raise InvalidInputError(f"{where}: 'haystack_sessions' must be a list of turn lists")
    if not len(ids) == len(dates) == len(sessions):
        raise InvalidInputError(
            f"{where}: haystack_session_ids, haystack_dates and haystack_sessions differ in "
            f"length ({len(ids)}, {len(dates)}, {len(sessions)})"
        )
    turns: list[Turn] = []
    evidence: list[str] = []
    for n, (sid, date, session) in enumerate(zip(ids, dates, sessions, strict=True)):
        when = parse_date(str(date))
        for i, turn in enumerate(session, 1):
            if not isinstance(turn, dict) or not isinstance(turn.get("content"), str):
                raise InvalidInputError(
                    f"{where}: turn {i} of session {sid!r} needs a string 'content'"
                )
            text = turn["content"].strip()
            if not text:
                continue
            source = f"{sid}:{i}"
            turns.append(Turn(source, str(turn.get("role", "user")), text, when, n + 1))
            if turn.get("has_answer"):
                evidence.append(source)
    if not turns:
        raise InvalidInputError(f"{where}: the haystack holds no turns")
    question = Question(str(item["question"]), str(item["answer"]), tuple(evidence), 0, ())
    conversation = Conversation(str(qid), ("user", "assistant"), tuple(turns), (question,))
    return Instance(
        str(qid),
        str(item["question_type"]),
        str(item["question"]),
        str(item["answer"]),
        parse_date(str(item.get("question_date", ""))),
        conversation,
        tuple(evidence),
        tuple(str(s) for s in item.get("answer_session_ids") or ()),
    )


def load_longmemeval(path: str | Path) -> list[Instance]:
    """Every instance of a LongMemEval JSON file (S, M or oracle)."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(
            f"{file} does not exist; pass LongMemEval's JSON (longmemeval_s.json, "
            "longmemeval_m.json or longmemeval_oracle.json) with --data"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{file} is not valid JSON: {exc}") from None
    if not isinstance(data, list) or not data:
        raise InvalidInputError(f"{file} holds no instances (expected a JSON list)")
    return [parse_instance(item, file.name, i) for i, item in enumerate(data)]


class _Bm25:
    """Turns ranked by BM25 (FTS5), the remaining ones after them in order."""

    def __init__(self, conversation: Conversation) -> None:
        self.episodes = [turn_episode(t, i) for i, t in enumerate(conversation.turns)]
        self.index = LexicalIndex()
        for episode in self.episodes:
            self.index.add(episode.id, f"{episode.speaker}: {episode.text}")

    def ranked(self, question: str) -> list[int]:
        """Turn indexes, best first."""
        found = [eid - 1 for eid, _ in self.index.search(question, len(self.episodes))]
        seen = set(found)
        return found + [i for i in range(len(self.episodes)) if i not in seen]

    def close(self) -> None:
        self.index.close()


@dataclass
class Scores:
    """Per-question values by (system, budget or k, question type, metric)."""

    values: dict[tuple[str, int, str, str], list[float]] = field(default_factory=dict)
    abstentions: int = 0
    no_evidence: int = 0
    instances: int = 0

    def add(self, system: str, size: int, qtype: str, metric: str, value: float) -> None:
        """One question's value."""
        self.values.setdefault((system, size, qtype, metric), []).append(value)

    def rows(self) -> Iterator[dict[str, Any]]:
        """``{"system", "metric", "budget"|"k", "type", "value", "questions"}`` rows, per
        question type and ``"all"``."""
        groups: dict[tuple[str, int, str], dict[str, list[float]]] = {}
        for (system, size, qtype, metric), values in self.values.items():
            groups.setdefault((system, size, metric), {})[qtype] = values
        for (system, size, metric), by_type in groups.items():
            every: list[float] = []
            size_key = "k" if metric == "session_recall" else "budget"
            for qtype in sorted(by_type):
                every += by_type[qtype]
                yield _row(system, metric, size_key, size, qtype, by_type[qtype])
            yield _row(system, metric, size_key, size, "all", every)


def _row(
    system: str, metric: str, size_key: str, size: int, qtype: str, values: list[float]
) -> dict[str, Any]:
    return {
        "system": system,
        "metric": metric,
        size_key: size,
        "type": qtype,
        "value": round(statistics.fmean(values), 4),
        "questions": len(values),
    }


def session_recall(ranked_turns: Sequence[str], answer_sessions: Sequence[str], k: int) -> float:
    """The share of answer sessions among the first ``k`` sessions of turns ranked best
    first (``session_id:n`` ids).

    Example
    -------
    >>> session_recall(["b:2", "b:1", "a:3", "c:1"], ["a", "c"], 2)
    0.5
    """
    order = list(dict.fromkeys(t.rsplit(":", 1)[0] for t in ranked_turns))[:k]
    return sum(s in order for s in answer_sessions) / len(answer_sessions)


def update_order(ranked_turns: Sequence[str], instance: Instance) -> float | None:
    """1.0 when the latest evidence turn ranks above every earlier evidence turn (an
    earlier one left out ranks below it), 0.0 otherwise; None when the question's evidence
    is not in two sessions or the latest is not ranked at all."""
    sessions = {e.rsplit(":", 1)[0] for e in instance.evidence}
    if len(sessions) < 2:
        return None
    order = [t.source for t in instance.conversation.turns]
    latest = max(instance.evidence, key=order.index)
    rank = {t: i for i, t in enumerate(ranked_turns)}
    if latest not in rank:
        return 0.0
    earlier = [rank.get(e, len(rank)) for e in instance.evidence if e != latest]
    return float(all(rank[latest] < r for r in earlier))


def evaluate(
    instances: Sequence[Instance],
    systems: Sequence[str],
    budgets: Sequence[int],
    *,
    embedder: Embedder | None = None,
    on_instance: Callable[[str], None] | None = None,
) -> Scores:
    """Ingest every instance's haystack into every system and score its question."""
    scores = Scores()
    largest = max(budgets)
    count = TokenCounter()
    for instance in instances:
        scores.instances += 1
        if instance.abstention:
            scores.abstentions += 1
            continue
        conversation, qtype = instance.conversation, instance.question_type
        lines = turn_lines(conversation.turns)
        if not instance.evidence:
            scores.no_evidence += 1
        ids = [t.source for t in conversation.turns]
        for system in systems:
            contexts, ranked = _contexts(system, instance, budgets, largest, embedder, count)
            for budget, text in contexts.items():
                if instance.evidence:
                    value = evidence_recall(text, instance.evidence, lines)
                    scores.add(system, budget, qtype, "evidence_recall", value)
                contained = float(contains_answer(text, instance.answer))
                scores.add(system, budget, qtype, "answer_containment", contained)
            ranked_ids = [ids[i] for i in ranked]
            if instance.answer_sessions:
                for k in SESSION_KS:
                    value = session_recall(ranked_ids, instance.answer_sessions, k)
                    scores.add(system, k, qtype, "session_recall", value)
            if qtype == KNOWLEDGE_UPDATE:
                order = update_order(ranked_ids, instance)
                if order is not None:
                    scores.add(system, largest, qtype, "update_order", order)
        if on_instance is not None:
            on_instance(instance.question_id)
    return scores


def _contexts(
    system: str,
    instance: Instance,
    budgets: Sequence[int],
    largest: int,
    embedder: Embedder | None,
    count: TokenCount,
) -> tuple[dict[int, str], list[int]]:
    """Each budget's context and the turns (indexes) of the largest one, best first."""
    conversation = instance.conversation
    now = instance.question_date
    t = float(len(conversation.turns))
    if system in MAGS_SOURCES:
        memory = ingest(conversation, None, mags_config(system), embedder)
        try:
            # The user asks ("where do I live?"): recall about them, as the proxy does.
            sources = MAGS_SOURCES[system]

            def ask(budget: int) -> Recall:
                return memory.recall(
                    instance.question, t, budget, sources=sources, now=now, about=("user",)
                )

            contexts = {b: ask(b).text for b in budgets}
            top = ask(largest)
            return contexts, [eid - 1 for eid in top.ranked]
        finally:
            memory.close()
    if system != "bm25":
        raise InvalidInputError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")
    index = _Bm25(conversation)
    try:
        episodes = [index.episodes[i] for i in index.ranked(instance.question)]
        contexts = {b: pack_turns(episodes, b, count) for b in budgets}
        packed, _ = pack_episodes(episodes, largest, count, EPISODES_HEADER)
        return contexts, [e.id - 1 for e in packed]  # as MAGS: what the largest context holds
    finally:
        index.close()
