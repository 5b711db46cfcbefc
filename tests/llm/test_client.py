"""`LLMClient` through the real `openai` client against the scripted test server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest
from pydantic import BaseModel

from mags.core.errors import MagsError
from mags.llm import LLMClient, LLMConfig, LLMError, LLMTimeoutError, Usage
from mags.llm.testserver import ChatServer, Reply
from tests.llm.conftest import MODEL

MakeClient = Callable[..., LLMClient]
ASK = [{"role": "system", "content": "You read text games."}, {"role": "user", "content": "Go?"}]
GOOD = {"command": "open fridge", "reason": "food"}


class Action(BaseModel):
    command: str
    reason: str = ""


def test_good_json_is_parsed_and_usage_counted(server: ChatServer, make_client: MakeClient):
    server.script(Reply.json(GOOD))
    answer, usage = make_client().complete_json(ASK, Action)
    assert answer == Action(command="open fridge", reason="food")
    assert usage.completion_tokens == 7 and usage.prompt_tokens > 100 and not usage.estimated
    (request,) = server.requests
    assert request.body["model"] == MODEL
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.response_format == "json_schema"
    sent = request.body["response_format"]["json_schema"]
    assert sent["name"] == "Action" and "command" in sent["schema"]["properties"]
    assert request.body["messages"] == ASK  # json_schema mode leaves the prompt as it is


@pytest.mark.parametrize(
    "content",
    [
        '<think>The player is hungry, so...</think>\n{"command": "open fridge"}',
        '```json\n{"command": "open fridge"}\n```',
        '<think>plan</think>\nHere you go:\n```\n{"command": "open fridge"}\n```\nGood luck!',
        'Sure. {"command": "open fridge"} is my move.',
        'reasoning the server left untagged</think>{"command": "open fridge"}',
    ],
    ids=["think", "fence", "think-fence-prose", "prose", "lone-close-think"],
)
def test_wrapped_json_is_tolerated(server: ChatServer, make_client: MakeClient, content: str):
    server.script(Reply.text(content))
    answer, _ = make_client().complete_json(ASK, Action)
    assert answer.command == "open fridge"
    assert len(server.requests) == 1  # no repair needed


def test_malformed_json_is_repaired(server: ChatServer, make_client: MakeClient):
    bad = '{"command": "open fridge",'
    server.script(Reply.text(bad), Reply.json(GOOD))
    answer, usage = make_client().complete_json(ASK, Action)
    assert answer.command == "open fridge"
    assert usage.completion_tokens == 14  # both calls counted
    _, repair = server.requests
    assert repair.body["messages"][: len(ASK)] == ASK
    assert repair.body["messages"][-2] == {"role": "assistant", "content": bad}
    assert "could not be used" in repair.body["messages"][-1]["content"]


def test_wrong_shape_is_repaired_with_the_validation_error(
    server: ChatServer, make_client: MakeClient
):
    server.script(Reply.json({"action": "open fridge"}), Reply.json(GOOD))
    answer, _ = make_client().complete_json(ASK, Action)
    assert answer.command == "open fridge"
    assert "command: Field required" in server.requests[1].body["messages"][-1]["content"]


def test_malformed_twice_raises_an_error_naming_endpoint_model_and_reply(
    server: ChatServer, make_client: MakeClient
):
    server.script(Reply.text("I think you should open the fridge."), Reply.text("open it!!"))
    with pytest.raises(LLMError) as caught:
        make_client().complete_json(ASK, Action)
    message = str(caught.value)
    assert server.url in message and MODEL in message and "'open it!!'" in message
    assert "Action" in message and "repair" in message
    assert isinstance(caught.value, MagsError)
    assert caught.value.reply == "open it!!" and caught.value.endpoint == server.url
    assert len(server.requests) == 2  # one repair attempt, no more


def test_a_long_bad_reply_is_quoted_truncated(server: ChatServer, make_client: MakeClient):
    server.script(Reply.text("x" * 5000), Reply.text("y" * 5000))
    with pytest.raises(LLMError, match=r"more characters") as caught:
        make_client().complete_json(ASK, Action)
    assert len(str(caught.value)) < 1000


def test_429_is_retried_honouring_retry_after(
    server: ChatServer, make_client: MakeClient, sleeps: list[float]
):
    server.script(Reply.error(429, "slow down", retry_after="0"), Reply.json(GOOD))
    answer, _ = make_client().complete_json(ASK, Action)
    assert answer.command == "open fridge"
    assert len(server.requests) == 2
    assert sleeps == [0.0]  # Retry-After, not the backoff


def test_500_is_retried_with_backoff_then_succeeds(
    server: ChatServer, make_client: MakeClient, sleeps: list[float]
):
    server.script(Reply.error(500), Reply.error(503), Reply.json(GOOD))
    answer, _ = make_client(max_retries=3).complete_json(ASK, Action)
    assert answer.command == "open fridge"
    assert len(server.requests) == 3
    assert sleeps == [0.5, 1.0]  # exponential


def test_500_every_time_gives_up_after_max_retries(
    server: ChatServer, make_client: MakeClient, sleeps: list[float]
):
    server.script(*[Reply.error(500, "overloaded")] * 5)
    with pytest.raises(LLMError, match=r"HTTP 500: 'overloaded' on all 3 attempts"):
        make_client(max_retries=2).complete_text(ASK)
    assert len(server.requests) == 3 and server.pending == 2
    assert len(sleeps) == 2


def test_a_refusal_is_not_retried_and_says_what_to_check(
    server: ChatServer, make_client: MakeClient
):
    server.script(Reply.error(401, "bad key"), Reply.json(GOOD))
    with pytest.raises(LLMError, match=r"HTTP 401.*MAGS_LLM_API_KEY"):
        make_client().complete_text(ASK)
    assert len(server.requests) == 1


def test_a_hang_times_out_after_the_configured_timeout(server: ChatServer, make_client: MakeClient):
    server.script(Reply.hang(10))
    client = make_client(timeout_s=1.0, max_retries=0)
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError) as caught:
        client.complete_json(ASK, Action)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0
    message = str(caught.value)
    assert "no answer within the 1 s timeout" in message
    assert server.url in message and MODEL in message


def test_a_hang_is_retried(server: ChatServer, make_client: MakeClient, sleeps: list[float]):
    server.script(Reply.hang(10), Reply.json(GOOD))
    answer, _ = make_client(timeout_s=1.0, max_retries=1).complete_json(ASK, Action)
    assert answer.command == "open fridge"
    assert len(server.requests) == 2 and sleeps == [0.5]


def test_missing_usage_is_estimated(server: ChatServer, make_client: MakeClient):
    server.script(Reply.json(GOOD, usage=False))
    _, usage = make_client().complete_json(ASK, Action)
    assert usage.estimated
    assert (
        usage.prompt_tokens > 0
        and usage.completion_tokens
        == (len('{"command": "open fridge", "reason": "food"}') + 3) // 4
    )


def test_rejected_json_schema_falls_back_to_json_mode_and_is_remembered(
    make_client: MakeClient, server: ChatServer
):
    server.reject_modes = {"json_schema"}
    server.script(Reply.json(GOOD), Reply.json(GOOD))
    client = make_client()
    client.complete_json(ASK, Action)
    assert [r.response_format for r in server.requests] == ["json_schema", "json_object_schema"]
    assert client.mode == "json_object_schema"
    fallback = server.requests[1].body
    assert fallback["response_format"]["schema"] == Action.model_json_schema()  # the grammar
    messages = fallback["messages"]
    assert messages[0]["role"] == "system" and "JSON schema" in messages[0]["content"]
    assert messages[0]["content"].startswith("You read text games.")  # joined, not added
    client.complete_json(ASK, Action)
    assert [r.response_format for r in server.requests][2:] == ["json_object_schema"]


def test_json_mode_without_the_schema_when_the_schema_is_refused_too(
    make_client: MakeClient, server: ChatServer
):
    server.reject_modes = {"json_schema", "json_object_schema"}
    server.script(Reply.json(GOOD))
    client = make_client()
    client.complete_json(ASK, Action)
    assert client.mode == "json_object"
    assert "schema" not in server.requests[-1].body["response_format"]


def test_a_remembered_mode_refused_later_falls_back_again(
    make_client: MakeClient, server: ChatServer
):
    # A server that took json_schema once may refuse it for another (e.g. nested) schema.
    server.script(Reply.json(GOOD), Reply.error(400, "schema too complex"), Reply.json(GOOD))
    client = make_client()
    client.complete_json(ASK, Action)
    assert client.mode == "json_schema"
    answer, _ = client.complete_json(ASK, Action)
    assert answer.command == "open fridge" and client.mode == "json_object_schema"
    assert [r.response_format for r in server.requests] == [
        "json_schema",
        "json_schema",
        "json_object_schema",
    ]


def test_no_structured_output_at_all_falls_back_to_plain_text(
    make_client: MakeClient, server: ChatServer
):
    server.reject_modes = {"json_schema", "json_object_schema", "json_object"}
    server.script(Reply.text('```json\n{"command": "look"}\n```'))
    client = make_client()
    answer, _ = client.complete_json([{"role": "user", "content": "Go?"}], Action)
    assert answer.command == "look" and client.mode == "text"
    formats = [r.response_format for r in server.requests]
    assert formats == ["json_schema", "json_object_schema", "json_object", None]
    assert "response_format" not in server.requests[-1].body
    assert server.requests[-1].body["messages"][0]["role"] == "system"  # schema instruction


def test_a_500_that_names_the_mode_falls_back_at_once(
    make_client: MakeClient, server: ChatServer, sleeps: list[float]
):
    # What llama-cpp-python's server answers a json_schema response_format with.
    refusal = (
        "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n"
        "  Input should be 'text' or 'json_object'"
    )
    server.script(Reply.error(500, refusal), Reply.json(GOOD))
    client = make_client(max_retries=3)
    answer, _ = client.complete_json(ASK, Action)
    assert answer.command == "open fridge" and client.mode == "json_object_schema"
    assert [r.response_format for r in server.requests] == ["json_schema", "json_object_schema"]
    assert sleeps == []  # no retry of a refused mode


def test_a_prompt_past_the_context_window_fails_at_once_and_says_so(
    make_client: MakeClient, server: ChatServer, sleeps: list[float]
):
    overflow = (
        "This model's maximum context length is 2048 tokens. However, you requested 3100 "
        "tokens (3000 in the messages, 100 in the completion)."
    )
    server.script(Reply.error(400, overflow), Reply.json(GOOD))
    with pytest.raises(LLMError, match=r"HTTP 400.*context window.*budget") as caught:
        make_client().complete_json(ASK, Action)
    assert caught.value.status == 400
    assert len(server.requests) == 1 and sleeps == []  # neither retried nor a weaker mode


def test_retries_apply_only_to_the_failures_named(
    make_client: MakeClient, server: ChatServer, sleeps: list[float]
):
    server.script(Reply.hang(10), Reply.json(GOOD))
    client = make_client(timeout_s=0.5, max_retries=2, retry_on=frozenset({"rate_limited"}))
    with pytest.raises(LLMTimeoutError, match=r"on 1 attempt\)"):
        client.complete_text(ASK)
    assert sleeps == []


@pytest.mark.parametrize(
    ("mode", "reply", "verdict"),
    [
        ("json_schema", Reply.json({"ok": True}), None),
        ("json_schema", Reply.error(500, "Input should be 'text' or 'json_object'"), "refused"),
        ("json_object", Reply.text("certainly"), "not JSON"),
        ("text", Reply.text(""), "empty reply"),
    ],
)
def test_supports_judges_a_mode_as_the_fallback_does(
    make_client: MakeClient, server: ChatServer, mode: str, reply: Reply, verdict: str | None
):
    server.script(reply)
    found = make_client(max_retries=0).supports(mode)  # type: ignore[arg-type]
    assert found is None if verdict is None else (found is not None and verdict in found)
    assert [r.response_format for r in server.requests] == [None if mode == "text" else mode]


def test_complete_text(server: ChatServer, make_client: MakeClient):
    server.script(Reply.text("<think>x</think>open fridge"))
    text, usage = make_client().complete_text(ASK)
    assert text == "<think>x</think>open fridge"  # plain text is returned as it came
    assert usage == Usage(100 + len("You read text games.Go?"), 7, False)
    assert "response_format" not in server.requests[0].body


def test_the_concurrency_limit_is_respected(server: ChatServer, make_client: MakeClient):
    server.script(*[Reply.json(GOOD, delay_s=0.2)] * 8)
    client = make_client(max_concurrency=2)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.complete_json(ASK, Action)
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(server.requests) == 8
    assert server.max_in_flight == 2


def test_an_unreachable_endpoint_gives_a_clear_error(sleeps: list[float]):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = LLMConfig(f"http://127.0.0.1:{port}/v1", "k", MODEL, timeout_s=2, max_retries=1)
    with (
        LLMClient(config, sleep=sleeps.append) as client,
        pytest.raises(LLMError, match=r"could not reach the endpoint.*2 attempts.*server running"),
    ):
        client.complete_text(ASK)
    assert sleeps == [0.5]
