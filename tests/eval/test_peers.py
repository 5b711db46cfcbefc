"""Peers in `mags eval locomo`: one that cannot run, or fails mid-run, is reported and the
run goes on (the real peers need `mags[peers]`; their factories are the seam here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mags.eval import peers
from mags.eval.locomo import Conversation, load_locomo
from mags.eval.locomo_eval import evaluate
from mags.eval.peers import PeerError, make_peer
from tests.eval.test_locomo_eval import write_conversation


class Broken:
    """A peer whose search fails after ingesting."""

    def __init__(self, conversation: Conversation, count: Callable[[str], int]) -> None:
        self.conversation = conversation

    def context(self, question: str, budget: int) -> str:
        raise RuntimeError("index corrupted")

    def close(self) -> None:
        pass


def test_a_peer_that_cannot_run_or_fails_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(conversation: Conversation, count: Callable[[str], int]) -> None:
        raise PeerError("mem0 is not installed (No module named 'mem0'): pip install ...")

    monkeypatch.setitem(peers.FACTORIES, "mem0", missing)
    monkeypatch.setitem(peers.FACTORIES, "engram", Broken)
    conversations = load_locomo(write_conversation(tmp_path / "conv.json"))
    tally = evaluate(conversations, ["mem0", "engram", "bm25"], [300])
    assert "not installed" in tally.failures["mem0"]
    assert "index corrupted" in tally.failures["engram"]
    systems = {row["system"] for row in tally.rows([300])}
    assert systems == {"bm25"}  # the failed peers are not half-scored


def test_a_third_party_error_at_ingest_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def explodes(conversation: Conversation, count: Callable[[str], int]) -> None:
        raise ValueError("dimension mismatch")

    monkeypatch.setitem(peers.FACTORIES, "dory", explodes)
    with pytest.raises(PeerError, match="dory failed to ingest: ValueError: dimension mismatch"):
        make_peer("dory", Conversation("c", ("a", "b"), (), ()), len)
