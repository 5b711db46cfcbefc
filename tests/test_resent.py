"""A chat's history sent again is stored once (issue 27 item 5): `Memory.observe_messages`."""

from __future__ import annotations

from mags import Memory, MemoryConfig
from mags.core.resent import unseen
from mags.core.schema import chat_schema
from mags.extract.chat_rules import ChatRuleExtractor


def chat_memory() -> Memory:
    return Memory.open(
        schema=chat_schema(), extractor=ChatRuleExtractor(), config=MemoryConfig.for_chat()
    )


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def bot(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def test_a_resent_history_is_stored_once_and_is_not_new_evidence() -> None:
    memory = chat_memory()
    history = [user("I moved to Lisbon."), bot("Nice!")]
    memory.observe_messages(history, t=0)
    before = [(f.object, f.strength) for f in memory.facts_about("user", t=1)]
    assert ("Lisbon", before[0][1]) in before
    history += [user("What should I see first?")]
    stored = memory.observe_messages(history, t=1)
    assert [e.text for e in stored] == ["What should I see first?"]
    assert [(f.object, f.strength) for f in memory.facts_about("user", t=1)] == before
    texts = [e.text for e in memory.episodes()]
    assert texts.count("I moved to Lisbon.") == 1


def test_trimmed_rewritten_and_first_seen_histories() -> None:
    memory = Memory.open()
    memory.observe_messages([user("A"), bot("B"), user("C"), bot("D")], t=0)
    # The app keeps the latest part only, and one reply comes back with other spacing.
    stored = memory.observe_messages([user("C"), bot("D  "), user("E")], t=1)
    assert [e.text for e in stored] == ["E"]
    # A rewritten reply is a new turn, stored once; the rest stays held.
    assert [e.text for e in memory.observe_messages([bot("D, edited"), user("E")], t=2)] == [
        "D, edited"
    ]
    # Another source is another chat: the same words are new there.
    assert len(memory.observe_messages([user("A")], t=3, source="other-chat")) == 1


def test_a_forgotten_turn_does_not_come_back_with_the_history() -> None:
    memory = chat_memory()
    memory.observe_messages([user("My diagnosis is asthma.")], t=0)
    memory.observe_messages([user("My diagnosis is asthma."), user("Please forget that.")], t=1)
    assert "asthma" not in memory.recall("diagnosis", t=2).text
    resent = [user("My diagnosis is asthma."), user("Please forget that."), user("Thanks.")]
    assert [e.text for e in memory.observe_messages(resent, t=2)] == ["Thanks."]
    assert "asthma" not in memory.recall("diagnosis", t=3).text


def test_unseen_walks_in_order() -> None:
    assert unseen(["a", "b", "c"], ["b", "c", "d"]) == [2]
    assert unseen(["a", "b"], ["b", "a"]) == [1]  # "a" after "b" is not the held "a"
    assert unseen([], []) == []
