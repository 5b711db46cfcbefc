"""The LLM policy and the summary memory on the adapter, over real HTTP, through `mags play`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mags.cli import main
from mags.llm import LLMClient, LLMError
from mags.llm.agents import LLMChatModel, LLMSummarizer
from mags.llm.testserver import ChatServer, Reply
from mags.worlds.cache import WorldCache

ENV_NAMES = (
    "MAGS_LLM_BASE_URL",
    "MAGS_LLM_API_KEY",
    "MAGS_LLM_MODEL",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
)


@pytest.fixture(autouse=True)
def no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint comes from the flags alone, whatever the developer's shell sets."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def play(
    server: ChatServer, cache: WorldCache, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, Any]:
    args = ["play", "tiny", "--seed", "1", "--json", "--cache", str(cache.root)]
    args += ["--llm-base-url", server.url, "--llm-model", "test", *extra]
    assert main(args) == 0, capsys.readouterr().err
    row: dict[str, Any] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return row


def test_play_with_the_llm_policy_end_to_end(
    server: ChatServer, world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(*[Reply.json({"action": a}) for a in ["look", "inventory"] * 3])
    row = play(server, world_cache, capsys, "--policy", "llm", "--max-steps", "5")
    assert row["policy"] == "llm" and row["steps"] == 5
    assert row["llm_calls"] == row["steps"] == len(server.requests)
    assert row["prompt_tokens"] > 100 * row["steps"]  # the server's reported counts
    assert row["completion_tokens"] == 7 * row["steps"]
    first = server.requests[0].body
    assert first["model"] == "test"
    assert "Admissible commands" in first["messages"][-1]["content"]


def test_the_summary_memory_calls_once_per_observation(
    server: ChatServer, world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(*[Reply.text(f"summary {i}") for i in range(10)])
    row = play(server, world_cache, capsys, "--memory", "summary", "--max-steps", "3")
    assert row["memory"] == "summary" and row["policy"] == "planner"
    # One call per observation: the first one and one after each step.
    assert row["llm_calls"] == row["steps"] + 1 == len(server.requests)
    assert row["prompt_tokens"] > 0 and row["completion_tokens"] == 7 * row["llm_calls"]
    second = server.requests[1].body["messages"][-1]["content"]
    assert "summary 0" in second  # the running summary is fed back


def test_llm_policy_with_summary_memory_counts_both(
    server: ChatServer, world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    # Calls alternate: the memory reads the observation, then the policy acts on it.
    replies = []
    for i in range(3):
        replies += [Reply.text(f"summary {i}"), Reply.json({"action": "look"})]
    server.script(*replies, Reply.text("summary 3"))
    row = play(
        server, world_cache, capsys, "--policy", "llm", "--memory", "summary", "--max-steps", "3"
    )
    assert row["steps"] == 3
    assert row["llm_calls"] == 2 * row["steps"] + 1 == len(server.requests)
    assert server.pending == 0
    assert "summary 2" in server.requests[-2].body["messages"][-1]["content"]  # the memory


def test_play_without_an_endpoint_says_how_to_give_one(
    world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ["--cache", str(world_cache.root)]
    assert main(["play", "tiny", "--seed", "1", "--policy", "llm", "--quiet", *cache]) == 2
    err = capsys.readouterr().err
    assert "--llm-base-url" in err and "MAGS_LLM_BASE_URL" in err
    model_only = ["--llm-model", "m", "--memory", "summary", "--quiet", *cache]
    assert main(["play", "tiny", "--seed", "1", *model_only]) == 2
    assert "no LLM endpoint configured" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("answer", "command"),
    [
        ("go east", "go east"),
        ("  Go  EAST. ", "go east"),
        ("> take the red knife", "take red knife"),
        ("open the fridge please", "open fridge"),
    ],
)
def test_an_answer_maps_to_the_closest_admissible_command(
    make_client: Callable[..., LLMClient], server: ChatServer, answer: str, command: str
) -> None:
    server.script(Reply.json({"action": answer}))
    model = LLMChatModel(make_client())
    admissible = ["go east", "take red knife", "open fridge", "look"]
    chosen, prompt_tokens, completion_tokens = model.complete_action("Goal: eat.", admissible)
    assert chosen == command
    assert prompt_tokens > 0 and completion_tokens == 7
    assert model.usage.calls == 1
    assert model.usage.corrections == (answer != command)


def test_a_reply_without_json_still_names_a_command(
    make_client: Callable[..., LLMClient], server: ChatServer
) -> None:
    # No JSON in the reply, nor in the repair: the text itself is matched.
    server.script(Reply.text("I will go east."), Reply.text("<think>hm</think>go east"))
    model = LLMChatModel(make_client())
    chosen, _, _ = model.complete_action("Goal: eat.", ["go east", "look"])
    assert chosen == "go east"
    assert model.usage.failures == 1 and model.usage.calls == 0


def test_failures_fall_back_until_the_endpoint_plainly_fails(
    make_client: Callable[..., LLMClient], server: ChatServer
) -> None:
    server.script(*[Reply.error(500)] * 3)
    model = LLMChatModel(make_client(max_retries=0))
    assert model.complete_action("Goal.", ["go east", "inventory"])[0] == "inventory"
    assert model.complete_action("Goal.", ["go east"])[0] == "go east"
    with pytest.raises(LLMError, match="500"):
        model.complete_action("Goal.", ["go east", "look"])


def test_the_summarizer_keeps_the_summary_when_a_call_fails(
    make_client: Callable[..., LLMClient], server: ChatServer
) -> None:
    server.script(Reply.text("<think>short</think>In the kitchen."), Reply.error(500))
    summarizer = LLMSummarizer(make_client(max_retries=0))
    summary = summarizer.summarize("", "-= Kitchen =-", 100)
    assert summary == "In the kitchen."
    assert summarizer.summarize(summary, "You go east.", 100) == summary
    assert (summarizer.usage.calls, summarizer.usage.failures) == (1, 1)
    assert summarizer.usage.completion_tokens == 7
    assert "at most 75 words" in server.requests[0].body["messages"][-1]["content"]


def test_the_summarizer_keeps_the_summary_when_the_answer_is_empty(
    make_client: Callable[..., LLMClient], server: ChatServer
) -> None:
    server.script(Reply.text("In the kitchen."), Reply.text("<think>hmm</think>  "))
    summarizer = LLMSummarizer(make_client())
    summary = summarizer.summarize("", "-= Kitchen =-", 100)
    assert summarizer.summarize(summary, "You wait.", 100) == "In the kitchen."
