"""The chat extraction and LoCoMo answer prompts: wording that the versions freeze."""

from __future__ import annotations

from mags.llm.prompts import (
    ANSWER_JUDGE_PROMPT_VERSION,
    ANSWER_PROMPT_VERSION,
    CHAT_EXTRACT_PROMPT_VERSION,
    EXTRACT_KNOWN_ENTITIES,
    EXTRACT_PROMPT_VERSION,
    NOT_MENTIONED,
    answer_judge_messages,
    answer_messages,
    chat_extraction_messages,
)

RELATIONS = {"lives_in": "lives in a place", "did": "something the subject did"}


def user(messages: list[dict[str, str]]) -> str:
    assert [m["role"] for m in messages] == ["system", "user"]
    return messages[1]["content"]


def test_versions_are_distinct_and_the_game_prompt_keeps_its_own() -> None:
    versions = {
        EXTRACT_PROMPT_VERSION,
        CHAT_EXTRACT_PROMPT_VERSION,
        ANSWER_PROMPT_VERSION,
        ANSWER_JUDGE_PROMPT_VERSION,
    }
    assert len(versions) == 4
    assert EXTRACT_PROMPT_VERSION == "extract-v1"
    assert CHAT_EXTRACT_PROMPT_VERSION == "extract-chat-v2"


def test_the_chat_prompt_names_speaker_date_and_weekday() -> None:
    messages = chat_extraction_messages(
        "We went camping last weekend.", RELATIONS, "Melanie", "2023-07-12T09:30:00"
    )
    content = user(messages)
    assert "Speaker: Melanie" in content
    assert "Date of the turn: 2023-07-12 (Wednesday)" in content
    assert "Melanie: We went camping last weekend." in content
    assert "- lives_in: lives in a place" in content
    system = messages[0]["content"]
    # The four rules the version freezes: attribution, assertions, dates, the reply shape.
    for phrase in ("first person", "question", "hypothetical", "last Saturday", '"when"'):
        assert phrase in system, phrase


def test_closed_and_open_modes_say_different_things() -> None:
    closed = user(chat_extraction_messages("x", RELATIONS, "A", None))
    opened = user(chat_extraction_messages("x", RELATIONS, "A", None, open_relations=True))
    assert "Use only the relations listed." in closed
    assert "Use only the relations listed." not in opened
    assert "relation of your own" in opened


def test_missing_or_odd_dates_and_speakers_are_said_plainly() -> None:
    content = user(chat_extraction_messages("Hi there", RELATIONS, None, None))
    assert "Speaker: unknown" in content and "Date of the turn: unknown" in content
    assert content.endswith("Turn:\nHi there")
    content = user(chat_extraction_messages("Hi", RELATIONS, "Bo", "sometime in spring"))
    assert "Date of the turn: sometime in spring" in content


def test_chat_known_entities_are_capped() -> None:
    names = [f"person {i}" for i in range(EXTRACT_KNOWN_ENTITIES + 5)]
    content = user(chat_extraction_messages("x", RELATIONS, "A", None, names))
    listed = content.split("reuse these names):\n")[1].split("\n")[0].split(", ")
    assert listed == names[:EXTRACT_KNOWN_ENTITIES]


def test_the_answer_prompt_carries_question_context_and_the_fallback() -> None:
    messages = answer_messages("  When did Ann move?  ", "- ann lives_in oslo (2023-05-07)\n")
    content = user(messages)
    assert "Question: When did Ann move?" in content
    assert "- ann lives_in oslo (2023-05-07)" in content
    assert f'"{NOT_MENTIONED}"' in messages[0]["content"]
    assert "only the memory context" in messages[0]["content"]
    assert "(empty: nothing is remembered)" in user(answer_messages("Q?", "  "))


def test_the_answer_judge_prompt_asks_for_json_and_allows_any_date_format() -> None:
    messages = answer_judge_messages("When?", "7 May 2023", "May 7th")
    content = user(messages)
    assert "Gold answer: 7 May 2023" in content and "Answer to grade: May 7th" in content
    assert '{"correct": true}' in messages[0]["content"]
    assert "any format" in messages[0]["content"]
