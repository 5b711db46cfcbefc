"""The LoCoMo answer path against the scripted OpenAI-compatible server, and token F1."""

from __future__ import annotations

import pytest

from mags.eval.answer import (
    AnswerScores,
    answer_question,
    clean_answer,
    judge_answer,
    normalize_answer,
    token_f1,
)
from mags.llm import LLMClient, LLMError
from mags.llm.prompts import answer_judge_messages, answer_messages
from mags.llm.testserver import ChatServer, Reply

CONTEXT = "- caroline attended lgbtq support group (when 2023-05-07)\n- caroline is_from sweden"


def test_the_answer_call_sends_the_frozen_prompt_and_parses_the_reply(
    server: ChatServer, client: LLMClient
) -> None:
    server.script(Reply.text("<think>The context dates it.</think>\nAnswer: 7 May 2023\n"))
    question = "When did Caroline go to the LGBTQ support group?"
    result = answer_question(client, question, CONTEXT)
    assert result.text == "7 May 2023"
    assert result.usage.completion_tokens == 7 and not result.usage.estimated
    [request] = server.requests
    messages = request.body["messages"]
    assert messages == answer_messages(question, CONTEXT)  # exactly the frozen prompt
    assert question in messages[-1]["content"] and CONTEXT in messages[-1]["content"]
    assert request.response_format is None  # plain text, no structured output


def test_the_judge_parses_its_verdict(server: ChatServer, client: LLMClient) -> None:
    server.script(Reply.json({"correct": True}), Reply.text('```json\n{"correct": false}\n```'))
    assert judge_answer(client, "When?", "7 May 2023", "2023-05-07") is True
    assert judge_answer(client, "When?", "7 May 2023", "June") is False
    sent = server.requests[0].body["messages"]
    assert sent[-1] == answer_judge_messages("When?", "7 May 2023", "2023-05-07")[-1]


def test_a_broken_judge_reply_is_the_clients_error(server: ChatServer, client: LLMClient) -> None:
    server.script(Reply.text("Yes, that is right."), Reply.text('{"verdict": "yes"}'))
    with pytest.raises(LLMError) as caught:
        judge_answer(client, "When?", "7 May 2023", "2023-05-07")
    assert "JudgeReply" in str(caught.value) and server.url in str(caught.value)
    assert len(server.requests) == 2  # the call and the client's one repair attempt


def test_an_endpoint_failure_is_the_clients_error(server: ChatServer, client: LLMClient) -> None:
    server.script(Reply.error(500))
    with pytest.raises(LLMError):
        answer_question(client, "Where?", CONTEXT)


@pytest.mark.parametrize(
    ("prediction", "gold", "expected"),
    [
        ("Sweden", "sweden", 1.0),
        ("The pottery class.", "pottery class", 1.0),  # article and punctuation go
        ("cats and dogs", "dogs, cats", 1.0),  # "and" goes; order does not matter
        ("she is from Sweden", "Sweden", 2 * (1 / 4) * 1 / (1 / 4 + 1)),  # P 1/4, R 1
        ("7 May 2023", "May 2023", 2 * (2 / 3) * 1 / (2 / 3 + 1)),  # P 2/3, R 1
        ("running", "run", 0.0),  # no stemming
        ("x x y", "x y y", 2 * (2 / 3) * (2 / 3) / (4 / 3)),  # multisets: 2 in common
        ("", "", 1.0),
        ("the", "an", 1.0),  # both empty after normalizing
        ("", "Sweden", 0.0),
        ("Sweden", "", 0.0),
        ("Norway", "Sweden", 0.0),
    ],
)
def test_token_f1(prediction: str, gold: str, expected: float) -> None:
    assert token_f1(prediction, gold) == pytest.approx(expected)


def test_normalize_and_clean() -> None:
    assert normalize_answer("  The  U.S.A., and   Canada ") == "usa canada"
    assert clean_answer("'Sweden'") == "Sweden"
    assert clean_answer("short answer:   not mentioned") == "not mentioned"


def test_scores_per_category() -> None:
    scores = AnswerScores()
    scores.add(2, 1.0, correct=True)
    scores.add(2, 0.5, correct=False)
    scores.add(1, 0.0)  # not judged: F1 only
    scores.add(1, 0.0, unanswered=True)  # the context did not fit the model
    summary = scores.summary()
    assert list(summary) == ["1", "2", "all"]
    assert summary["2"] == {"n": 2, "f1": 0.75, "judged": 2, "accuracy": 0.5, "unanswered": 0}
    assert summary["1"] == {"n": 2, "f1": 0.0, "judged": 0, "accuracy": None, "unanswered": 1}
    assert summary["all"] == {"n": 4, "f1": 0.375, "judged": 2, "accuracy": 0.5, "unanswered": 1}
    assert AnswerScores().summary() == {}
