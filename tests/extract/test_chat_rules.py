"""The LLM-free chat rule extractor: each pattern, what it must not extract, and dates."""

from __future__ import annotations

from datetime import date

import pytest

from mags import Memory
from mags.core.model import Fact
from mags.core.schema import WHEN, chat_schema
from mags.extract.base import ExtractionContext, Extractor
from mags.extract.chat_rules import ChatRuleExtractor, resolve_when, sentences

MONDAY = "2023-05-08T13:56:00"  # 8 May 2023 was a Monday


def facts(text: str, speaker: str | None = "Caroline", **kw: str) -> list[Fact]:
    ctx = ExtractionContext(
        t=0.0, source="D1:1", speaker=speaker, when=kw.pop("when", MONDAY), **kw
    )
    out = ChatRuleExtractor().extract(text, ctx).facts
    assert all(isinstance(f, Fact) for f in out)
    return [f for f in out if isinstance(f, Fact)]


def triples(text: str, speaker: str | None = "Caroline", **kw: str) -> set[tuple[str, str, str]]:
    return {(f.subject, f.relation, f.object) for f in facts(text, speaker, **kw)}


def test_is_an_extractor() -> None:
    assert isinstance(ChatRuleExtractor(), Extractor)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I moved to Berlin last month.", ("Caroline", "lives_in", "Berlin")),
        ("I live in Oslo with my cat.", ("Caroline", "lives_in", "Oslo")),
        ("I work as a nurse at the clinic.", ("Caroline", "works_as", "nurse")),
        ("I'm a software engineer.", ("Caroline", "works_as", "software engineer")),
        ("I work at Google.", ("Caroline", "works_at", "Google")),
        ("I'm originally from Sweden.", ("Caroline", "is_from", "Sweden")),
        ("I'm studying biology.", ("Caroline", "studies", "biology")),
        ("I love hiking in the mountains.", ("Caroline", "likes", "hiking in the mountains")),
        ("I really enjoy pottery.", ("Caroline", "likes", "pottery")),
        ("I'm a big fan of jazz.", ("Caroline", "likes", "jazz")),
        ("I hate spiders.", ("Caroline", "dislikes", "spiders")),
        ("I can't stand traffic jams.", ("Caroline", "dislikes", "traffic jams")),
        ("I'm not a fan of horror movies.", ("Caroline", "dislikes", "horror movies")),
        ("I'm transgender.", ("Caroline", "identifies_as", "transgender")),
        ("I identify as nonbinary.", ("Caroline", "identifies_as", "nonbinary")),
        ("I'm going to Paris next month.", ("Caroline", "plans", "go to Paris")),
        ("I'm planning to adopt a child.", ("Caroline", "plans", "adopt a child")),
        ("I went to a pride parade last Friday.", ("Caroline", "attended", "pride parade")),
        ("I visited the Louvre yesterday.", ("Caroline", "visited", "Louvre")),
        ("I went hiking last week.", ("Caroline", "did", "hiking")),
        ("My husband John cooked.", ("Caroline", "married_to", "John")),
        ("My sister Ann called.", ("Caroline", "sibling_of", "Ann")),
        ("My kids loved it.", ("Caroline", "has", "kids")),
        ("I have a son.", ("Caroline", "has", "son")),
    ],
)
def test_patterns(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in triples(text)


def test_named_pet() -> None:
    assert triples("My dog Max loves the beach!") == {
        ("Caroline", "has", "Max"),
        ("Max", "is_a", "dog"),
    }
    assert ("Max", "is_a", "cat") in triples("I have a cat named Max.")


def test_a_list_of_likes_and_a_shared_head() -> None:
    assert triples("I enjoy reading, painting, and exploring nature.") == {
        ("Caroline", "likes", "reading"),
        ("Caroline", "likes", "painting"),
        ("Caroline", "likes", "exploring nature"),
    }
    assert triples("I love action and sci-fi movies.") == {
        ("Caroline", "likes", "action movies"),
        ("Caroline", "likes", "sci-fi movies"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "I'm a big fan.",  # not a job
        "I'm a huge fan of it.",
        "I love it!",
        "I love that you chose pottery.",
        "I love how you did that.",
        "Thanks for the things I love doing.",  # "I" does not start a clause
        "The show I went to was great.",
    ],
)
def test_vague_or_embedded_statements_give_nothing(text: str) -> None:
    assert triples(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Do you think I moved to Berlin?",  # a question
        "Did I tell you I love jazz?",
        "I don't like jazz.",  # negated
        "I never went to a concert last week.",
        "I'm not from Sweden.",
        "I would love to visit Paris.",  # hypothetical
        "If I moved to Berlin, I would love it.",
        "I wish I lived in Oslo.",
        "I hope I'm going to Paris next month.",
    ],
)
def test_questions_negations_and_hypotheticals_give_nothing(text: str) -> None:
    assert triples(text) == set()


def test_retelling_by_someone_else_says_nothing_about_them() -> None:
    found = triples("Caroline moved to Berlin and she loves jazz.", speaker="Melanie")
    assert found == set()
    assert not any(s == "Caroline" for s, _, _ in triples('Caroline said "I love jazz".', "Mel"))


def test_assistant_turns_and_missing_speaker_give_nothing() -> None:
    assert triples("I live in Oslo.", role="assistant") == set()
    assert triples("I live in Oslo.", speaker=None) == set()
    assert triples("I live in Oslo.", role="user") == {("Caroline", "lives_in", "Oslo")}


def test_photo_captions_are_not_speech() -> None:
    assert triples("Look! [shares a photo of I love dogs]") == set()


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("I went to a support group yesterday.", "2023-05-07"),
        ("I went to a concert last Saturday.", "2023-05-06"),
        ("Last week I went to a conference.", "2023-W18"),
        ("I went to a festival last month.", "2023-04"),
        ("I visited Rome last year.", "2022"),
        ("I went to a workshop three days ago.", "2023-05-05"),
        ("I went to a wedding two weeks ago.", "2023-04-24"),
    ],
)
def test_past_events_are_dated_against_the_turn(text: str, when: str) -> None:
    (event,) = [f for f in facts(text) if f.relation in ("attended", "visited")]
    assert event.qualifiers == {WHEN: when}


def test_plans_take_a_future_date_and_the_object_stops_before_it() -> None:
    (plan,) = facts("I'm going to a concert next month.")
    assert (plan.relation, plan.object, plan.qualifiers) == (
        "plans",
        "go to a concert",
        {WHEN: "2023-06"},
    )


def test_a_move_is_also_a_dated_event() -> None:
    found = {
        (f.relation, f.object, dict(f.qualifiers or {}).get(WHEN))
        for f in facts("I moved to Berlin last month.")
    }
    assert found == {("lives_in", "Berlin", None), ("did", "moved to Berlin", "2023-04")}


def test_no_date_without_the_turn_time() -> None:
    ctx = ExtractionContext(t=0.0, source=None, speaker="Ann")
    (event,) = ChatRuleExtractor().extract("I went to a concert yesterday.", ctx).facts
    assert isinstance(event, Fact) and event.qualifiers is None


def test_resolve_when() -> None:
    now = date(2023, 5, 8)
    assert resolve_when("last Monday", now) == "2023-05-01"
    assert resolve_when("next Friday", now) == "2023-05-12"
    assert resolve_when("tomorrow", now) == "2023-05-09"
    assert resolve_when("last month", date(2023, 1, 15)) == "2022-12"
    assert resolve_when("in two months", now) == "2023-07"
    assert resolve_when("last weekend", now) == "2023-05-06"
    assert resolve_when("someday", now) is None


def test_sentences_split_and_drop_captions_and_quotes() -> None:
    text = 'Hi! I said "no way". Really? [shares a photo of a dog]'
    assert list(sentences(text)) == ["Hi!", "I said  .", "Really?"]


def test_confidence() -> None:
    by_relation = {f.relation: f.confidence for f in facts("I work as a nurse. I love jazz.")}
    assert by_relation == {"works_as": 0.9, "likes": 0.8}


def test_every_fact_is_accepted_by_a_chat_memory() -> None:
    text = (
        "I moved to Berlin last month. I work as a nurse and I work at St Mary's. "
        "I'm from Sweden. I'm studying nursing. My husband John and my dog Max are great! "
        "I love hiking, I hate spiders, and I'm not a fan of horror movies. I'm transgender. "
        "I'm going to Paris next month. Yesterday I went to a pride parade. I visited Rome "
        "last year. I went camping last weekend. My kids and my sister Ann came along. "
        "I have a son named Leo. I ran a marathon two weeks ago. My best friend Jo helped."
    )
    found = facts(text)
    assert len({f.relation for f in found}) >= 14
    memory = Memory.open(schema=chat_schema())
    ids = memory.add(found, t=0.0, source="D1:1")
    assert len(ids) == len(found)
