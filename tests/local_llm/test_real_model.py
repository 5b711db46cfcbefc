"""MAGS's LLM paths against a real model: llama.cpp's server with SmolLM2-135M.

A 135M model gets most things wrong; these tests check what must hold whatever it says:
the client's mode fallback and errors, that bad replies lose no episode and break no
invariant, and that the commands run to the end.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pydantic
import pytest

from mags import Extraction, Memory
from mags.cli import main
from mags.config import MemoryConfig
from mags.core.errors import ExtractionError
from mags.core.schema import chat_schema, default_schema
from mags.doctor import check_endpoint
from mags.eval.answer import answer_question, judge_answer
from mags.extract.judge import LLMJudge
from mags.extract.llm import LLMExtractor
from mags.llm import LLMClient, LLMError
from mags.llm.local import LocalServer
from mags.worlds.cache import WorldCache
from mags.worlds.env import open_game
from tests.eval.test_locomo_eval import write_conversation


class Verdict(pydantic.BaseModel):
    correct: bool


def _active(memory: Memory, t: float) -> set[tuple[str, str, str]]:
    """The active facts as (subject, relation, object) triples."""
    return {(f["subject"], f["relation"], f["object"]) for f in memory.snapshot(t)["facts"]}


def test_doctor_concludes_what_the_client_does(smollm2: LocalServer) -> None:
    answers, modes = check_endpoint(smollm2.config())
    assert answers.ok, answers.detail
    # llama-cpp-python refuses json_schema with a 500 that names the field.
    assert "json_schema: unsupported (refused: HTTP 500" in modes.detail
    assert modes.ok and "MAGS will use json_object_schema" in modes.detail
    with LLMClient(smollm2.config()) as client:
        client.complete_text([{"role": "user", "content": "Say hi."}])
        _, usage = client.complete_json(
            [{"role": "user", "content": "Is the sky blue? Answer as JSON."}], Verdict
        )
        assert client.mode == "json_object_schema"  # no retry of the refused mode
        assert not usage.estimated and usage.prompt_tokens > 0  # the server reports usage


def test_a_prompt_past_the_context_window_is_one_clear_error(real_client: LLMClient) -> None:
    words = "memory " * 12_000  # about 12k tokens, past the 8192 the server was started with
    with pytest.raises(LLMError, match="context window") as caught:
        real_client.complete_text([{"role": "user", "content": words}])
    assert caught.value.status == 400


def test_the_extractor_on_a_real_game_keeps_every_episode(
    real_client: LLMClient, world_cache: WorldCache
) -> None:
    extractor = LLMExtractor(real_client)
    memory = Memory.open(extractor=extractor)
    env, evaluator = open_game("tiny", 1, cache=world_cache)
    try:
        texts = [env.reset().text]
        for command in evaluator.walkthrough[:2]:
            texts.append(env.step(command).text)
    finally:
        evaluator.close()
    failures = 0
    for t, text in enumerate(texts):
        before = _active(memory, t)
        try:
            memory.observe(text, t=t)
        except ExtractionError:
            failures += 1
            assert _active(memory, t) == before  # a reply that fails changes nothing
    assert len(memory.episodes()) == len(texts)  # and loses no episode
    assert extractor.usage.calls + failures == len(texts)
    relations = set(default_schema().relations)
    assert all(relation in relations for _, relation, _ in _active(memory, len(texts)))


def test_the_chat_extractor_keeps_every_turn_and_skips_the_assistant(
    real_client: LLMClient,
) -> None:
    extractor = LLMExtractor(real_client, chat_schema(), chat=True, open_relations=True)
    memory = Memory.open(schema=chat_schema(), config=MemoryConfig.for_chat(), extractor=extractor)
    turns = [
        ("user", "I moved to Lisbon last month and I work as a nurse now."),
        ("assistant", "That sounds exciting! How do you like Lisbon?"),
        ("user", "I love it, and my sister Ana lives nearby."),
    ]
    for t, (role, text) in enumerate(turns):
        speaker = "sam" if role == "user" else "assistant"
        with contextlib.suppress(ExtractionError):  # a bad reply; the turn is kept anyway
            memory.observe_turn(text, t=t, speaker=speaker, role=role, when="2023-05-08")
    assert len(memory.episodes()) == len(turns)
    assert extractor.skipped == 1  # no call for the assistant's turn
    assert all(subject != "assistant" for subject, _, _ in _active(memory, len(turns)))


def test_the_conflict_judge_answers_in_its_schema(real_client: LLMClient) -> None:
    class Says:
        def extract(self, text: str, context: object) -> Extraction:
            return Extraction(facts=[tuple(text.split())])  # type: ignore[list-item]

    judge = LLMJudge(real_client)
    memory = Memory.open(extractor=Says(), judge=judge)
    memory.add([("alice", "likes", "tea")], t=0)
    memory.observe("alice dislikes tea", t=1)
    assert judge.usage.calls == 1
    assert ("alice", "dislikes", "tea") in _active(memory, 1)  # the old one may or may not


def test_answer_and_judge_on_a_question(real_client: LLMClient) -> None:
    answer = answer_question(real_client, "What breed is Rex?", "- Ann: Rex is a beagle.")
    assert answer.usage.prompt_tokens > 0 and not answer.usage.estimated
    verdict = judge_answer(real_client, "What breed is Rex?", "beagle", answer.text)
    assert isinstance(verdict, bool)


def test_mags_play_with_the_llm_policy_runs_its_steps(
    smollm2: LocalServer, world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--llm-base-url", smollm2.base_url, "--llm-model", "smollm2-135m"]
    flags += ["--llm-timeout", "120", "--llm-max-tokens", "64"]
    args = ["play", "tiny", "--seed", "1", "--policy", "llm", "--max-steps", "4", "--json"]
    assert main([*args, "--cache", str(world_cache.root), *flags]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["steps"] == 4 and 1 <= row["llm_calls"] <= 4
    assert row["prompt_tokens"] > 100 * row["llm_calls"]


def test_the_locomo_answer_path_on_a_few_questions(
    smollm2: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_conversation(tmp_path / "conv.json")
    args = ["eval", "locomo", "--data", str(data), "--systems", "liquid", "--json"]
    args += ["--budgets", "200", "--answer-budget", "200", "--answer-limit", "2"]
    args += ["--llm-base-url", smollm2.base_url, "--llm-model", "smollm2-135m"]
    assert main([*args, "--llm-timeout", "120", "--llm-max-tokens", "64"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    answers = {
        r["system"]: r for r in rows if r.get("kind") == "answers" and r["category"] == "all"
    }
    assert answers["liquid"]["n"] == 2 and 0.0 <= answers["liquid"]["f1"] <= 1.0
    assert answers["liquid"]["judged"] == 2  # the judge's replies were usable


def test_gemma_answers_with_its_chat_format(gemma3: LocalServer) -> None:
    # Served with --chat_format gemma; the fallback llama-2 format answers empty strings.
    with LLMClient(gemma3.config(max_tokens=16)) as client:
        text, usage = client.complete_text([{"role": "user", "content": "The sky is"}])
    assert text.strip() and usage.completion_tokens > 0
