"""`mags proxy-bench` end to end on a small made-up conversation (a real proxy process)."""

from __future__ import annotations

from mags.bench.proxy_bench import render, run_proxy_bench
from mags.eval.locomo import Conversation, Question, Turn


def test_a_conversation_through_the_proxy() -> None:
    said = [
        ("Ann", "I adopted a cat called Miso last week."),
        ("Bob", "Lovely! I started learning the cello."),
        ("Ann", "My sister lives in Porto now."),
        ("Bob", "Porto is beautiful in spring."),
        ("Ann", "Miso sleeps on my keyboard all day."),
    ]
    turns = tuple(
        Turn(f"D1:{i + 1}", who, text, "2023-05-08T13:56:00", 1)
        for i, (who, text) in enumerate(said)
    )
    questions = (
        Question("What is the name of Ann's cat?", "Miso", ("D1:1",), 4, ("D1:1",)),
        Question("Which instrument is Bob learning, the cello?", "cello", ("D1:2",), 4, ("D1:2",)),
    )
    result = run_proxy_bench(
        [Conversation("tiny", ("Ann", "Bob"), turns, questions)], users=2, log=lambda _: None
    )
    assert result["errors"] == 0 and result["requests"] == 5  # 3 of Ann's turns, 2 of Bob's
    assert result["added_ms"]["p50"] > -1000  # measured, whatever this machine's speed
    assert result["evidence"] == {"questions": 2, "proxy_block": 1.0, "memory_recall": 1.0}
    assert "evidence in the proxy's block" in render(result)
