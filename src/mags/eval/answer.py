"""The LoCoMo answer path: a question answered from a memory context, scored two ways.

* `answer_question`: one plain-text call with the frozen prompt ``answer-v1``
  (`mags.llm.prompts.answer_messages`): the context only, a short answer, "not mentioned"
  when the context does not say.
* `token_f1`: LoCoMo's (SQuAD-style) token F1 of the answer against the gold answer.
* `judge_answer`: one JSON call with the frozen prompt ``answer-judge-v1``
  (`mags.llm.prompts.answer_judge_messages`): does the answer mean the gold answer?
* `AnswerScores`: mean F1 and judge accuracy per question category.

Every prompt is built in `mags.llm.prompts`, so its version is recorded with the results.

Example
-------
>>> scores = AnswerScores()
>>> scores.add(4, token_f1("Oslo", "oslo"), correct=True)
>>> scores.add(2, token_f1("in May 2023", "7 May 2023"), correct=False)  # F1 2/3
>>> scores.summary()["all"]
{'n': 2, 'f1': 0.8333, 'judged': 2, 'accuracy': 0.5, 'unanswered': 0}
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass, field

import pydantic

from mags.llm.client import LLMClient, Usage
from mags.llm.parse import strip_think
from mags.llm.prompts import (
    ANSWER_JUDGE_PROMPT_VERSION,
    ANSWER_PROMPT_VERSION,
    NOT_MENTIONED,
    answer_judge_messages,
    answer_messages,
)

__all__ = [
    "ANSWER_JUDGE_PROMPT_VERSION",
    "ANSWER_PROMPT_VERSION",
    "NOT_MENTIONED",
    "AnswerResult",
    "AnswerScores",
    "JudgeReply",
    "answer_question",
    "clean_answer",
    "judge_answer",
    "normalize_answer",
    "token_f1",
]

_PUNCTUATION = str.maketrans("", "", string.punctuation)
# LoCoMo's evaluation drops "and" along with SQuAD's articles.
_STOPWORDS = re.compile(r"\b(a|an|the|and)\b")
# Some models echo the prompt's last line ("Short answer: Oslo") or a label of their own.
_ANSWER_LABEL = re.compile(r"^\s*(short answer|answer)\s*:\s*", re.IGNORECASE)


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles or "and", single spaces.

    Example
    -------
    >>> normalize_answer("The Eiffel Tower, and Paris!")
    'eiffel tower paris'
    """
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_STOPWORDS.sub(" ", text).split())


def token_f1(prediction: str, gold: str) -> float:
    """The F1 of the token multisets of ``prediction`` and ``gold`` after `normalize_answer`.

    As LoCoMo's and SQuAD's evaluation, except that tokens are *not* stemmed (LoCoMo applies
    a Porter stemmer): no stemmer dependency, and a score that is the same on every machine;
    "running" and "run" therefore do not match. Both empty (after normalizing): 1.0; only
    one empty: 0.0.

    Example
    -------
    >>> token_f1("Oslo", "oslo")
    1.0
    >>> round(token_f1("she moved to Oslo", "Oslo, Norway"), 4)  # P 1/4, R 1/2
    0.3333
    >>> token_f1("the", "a"), token_f1("", "Oslo")
    (1.0, 0.0)
    """
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """A model's answer (cleaned: no ``<think>`` block, label or quotes) and its cost."""

    text: str
    usage: Usage


def clean_answer(text: str) -> str:
    """The answer in a model's reply: without reasoning, an ``Answer:`` label or quotes.

    Example
    -------
    >>> clean_answer('<think>Ann said Oslo.</think>\\nShort answer: "Oslo"')
    'Oslo'
    """
    text = _ANSWER_LABEL.sub("", strip_think(text).strip()).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def answer_question(client: LLMClient, question: str, context: str) -> AnswerResult:
    """``question`` answered from ``context`` only (prompt ``answer-v1``), in one call.

    Raises `mags.llm.LLMError` when the endpoint fails for good.
    """
    text, usage = client.complete_text(answer_messages(question, context))
    return AnswerResult(clean_answer(text), usage)


class JudgeReply(pydantic.BaseModel):
    """What the answer judge is asked for."""

    correct: bool


def judge_answer(client: LLMClient, question: str, gold: str, answer: str) -> bool:
    """Whether ``answer`` means the same as ``gold`` (prompt ``answer-judge-v1``).

    Raises `mags.llm.LLMError` when the endpoint fails for good or the reply is not
    ``{"correct": true|false}`` even after the client's repair attempt.
    """
    reply, _ = client.complete_json(answer_judge_messages(question, gold, answer), JudgeReply)
    return reply.correct


@dataclass
class _Tally:
    n: int = 0
    f1: float = 0.0
    judged: int = 0
    correct: int = 0
    unanswered: int = 0


@dataclass
class AnswerScores:
    """Mean token F1 and judge accuracy, per category and over all questions.

    A question added with ``correct=None`` (not judged) counts for F1 only; one added
    with ``unanswered=True`` (its context did not fit the model) is counted apart too.
    """

    _tallies: dict[str, _Tally] = field(default_factory=dict)

    def add(
        self,
        category: int | str,
        f1: float,
        correct: bool | None = None,
        *,
        unanswered: bool = False,
    ) -> None:
        """Count one question of ``category``."""
        for key in (str(category), "all"):
            tally = self._tallies.setdefault(key, _Tally())
            tally.n += 1
            tally.f1 += f1
            tally.unanswered += int(unanswered)
            if correct is not None:
                tally.judged += 1
                tally.correct += int(correct)

    def summary(self) -> dict[str, dict[str, float | int | None]]:
        """``{category: {"n", "f1", "judged", "accuracy", "unanswered"}}`` with ``"all"``
        last; a mean over no questions is None."""
        keys = sorted(k for k in self._tallies if k != "all") + ["all"] * ("all" in self._tallies)
        return {
            key: {
                "n": (t := self._tallies[key]).n,
                "f1": round(t.f1 / t.n, 4) if t.n else None,
                "judged": t.judged,
                "accuracy": round(t.correct / t.judged, 4) if t.judged else None,
                "unanswered": t.unanswered,
            }
            for key in keys
        }
