"""`mags eval extraction`: a candidate extractor against the rule extractor on walkthroughs."""

from __future__ import annotations

import json

import pytest

from mags.cli import main
from mags.eval.extraction import compare, walkthrough_steps
from mags.extract.textworld import TextWorldExtractor
from mags.llm.testserver import ChatServer, Reply
from mags.worlds.cache import WorldCache


def test_the_reference_against_itself_is_perfect(world_cache: WorldCache) -> None:
    steps = list(walkthrough_steps("tiny", 1, world_cache))
    score = compare(TextWorldExtractor(), TextWorldExtractor(), steps)
    assert score.steps == len(steps) > 2 and score.reference > 0
    assert score.precision == score.recall == 1.0 and score.failures == 0


def test_the_command_scores_an_llm_and_counts_its_failures(
    world_cache: WorldCache, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = len(list(walkthrough_steps("tiny", 1, world_cache)))
    with ChatServer() as server:
        # The first step: a reply that never parses (and its repair); then no facts at all.
        server.script(Reply.text("no idea"), Reply.text("still no idea"))
        server.script(*[Reply.json({"facts": [], "negations": []})] * (steps - 1))
        args = ["eval", "extraction", "--tracks", "tiny", "--seeds", "1", "--json"]
        args += ["--cache", str(world_cache.root), "--llm-base-url", server.url]
        assert main([*args, "--llm-model", "m", "--llm-max-tokens", "300"]) == 0
        assert all(r.body.get("max_tokens") == 300 for r in server.requests)
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["steps"] == steps and row["failures"] == 1
    assert row["candidate_facts"] == 0 and row["reference_facts"] > 0
    assert row["precision"] == 1.0 and row["recall"] == 0.0
