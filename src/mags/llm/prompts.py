"""Versioned prompts: every message MAGS sends a model is built by a function here.

A prompt's wording changes what a model answers, so each family carries a version string
that traces and bench results can record; change the wording, bump the version.

- ``action``: the LLM policy's choice of one command (`action_messages`).
- ``summary``: the summary memory's rewrite of its running summary (`summary_messages`).
- ``extract``: the LLM extractor's facts from one observation (`extraction_messages`).
- ``judge``: the conflict judge's verdict on facts the schema cannot decide (`judge_messages`).
- ``extract-chat``: the chat extractor's facts from one conversation turn
  (`chat_extraction_messages`).
- ``answer``: a benchmark question answered from a memory context (`answer_messages`).
- ``answer-judge``: whether an answer means the gold answer (`answer_judge_messages`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

ACTION_PROMPT_VERSION = "action-v1"
SUMMARY_PROMPT_VERSION = "summary-v1"
EXTRACT_PROMPT_VERSION = "extract-v1"
JUDGE_PROMPT_VERSION = "judge-v1"
CHAT_EXTRACT_PROMPT_VERSION = "extract-chat-v2"
ANSWER_PROMPT_VERSION = "answer-v1"
ANSWER_JUDGE_PROMPT_VERSION = "answer-judge-v1"

#: At most this many known entity names go into an extraction prompt.
EXTRACT_KNOWN_ENTITIES = 100

_ACTION_SYSTEM = (
    "You are an agent playing a text adventure game. Each turn you get the goal, what your "
    "memory holds, the latest observations and the commands the game accepts now. Pick the "
    "one command that best advances the goal. Answer with a JSON object of the form "
    '{"action": "<command>"}, where <command> is copied exactly from the admissible commands.'
)

_SUMMARY_SYSTEM = (
    "You keep the running memory of an agent playing a text adventure game. Rewrite the "
    "summary so that it includes what the new step shows: rooms and how they connect, where "
    "objects are, what the agent carries, what is open or closed, and progress toward the "
    "goal. Newer information replaces older information that it contradicts. Answer with "
    "the new summary only, as plain text."
)


def action_messages(prompt: str, admissible: list[str]) -> list[dict[str, str]]:
    """The chat messages asking for one action (version `ACTION_PROMPT_VERSION`).

    ``prompt`` is the policy's text (goal, memory, recent observations, admissible
    commands: `mags.agents.policies.build_prompt`); the admissible commands are repeated
    one per line so a model can copy one exactly.

    Example
    -------
    >>> messages = action_messages("Goal: Find the coin.", ["go east", "look"])
    >>> [m["role"] for m in messages]
    ['system', 'user']
    >>> print(messages[1]["content"])
    Goal: Find the coin.
    <BLANKLINE>
    Choose one of:
    - go east
    - look
    <BLANKLINE>
    Reply as JSON: {"action": "<one of the commands above>"}
    """
    choices = "\n".join(f"- {command}" for command in admissible)
    user = (
        f"{prompt}\n\nChoose one of:\n{choices}\n\n"
        'Reply as JSON: {"action": "<one of the commands above>"}'
    )
    return [{"role": "system", "content": _ACTION_SYSTEM}, {"role": "user", "content": user}]


def summary_messages(summary: str, step_text: str, budget_tokens: int) -> list[dict[str, str]]:
    """The chat messages folding one step into the summary (version `SUMMARY_PROMPT_VERSION`).

    The length limit is given in words (about three quarters of ``budget_tokens``), which
    models follow far better than a count of tokens.

    Example
    -------
    >>> messages = summary_messages("", "-= Kitchen =- You see a knife.", 400)
    >>> [m["role"] for m in messages]
    ['system', 'user']
    >>> print(messages[1]["content"])
    Summary so far:
    (empty: this is the first step)
    <BLANKLINE>
    New step:
    -= Kitchen =- You see a knife.
    <BLANKLINE>
    Write the updated summary in at most 300 words.
    """
    words = max(1, budget_tokens * 3 // 4)
    user = (
        f"Summary so far:\n{summary.strip() or '(empty: this is the first step)'}\n\n"
        f"New step:\n{step_text.strip()}\n\n"
        f"Write the updated summary in at most {words} words."
    )
    return [{"role": "system", "content": _SUMMARY_SYSTEM}, {"role": "user", "content": user}]


_EXTRACT_SYSTEM = (
    "You turn one observation from a text adventure game into facts for a knowledge graph. "
    "A fact is a subject, a relation and an object. Use only the relations listed; for the "
    'relation "is", the object is a state value. Name things with short lower-case noun '
    "phrases, and reuse the exact name of an entity already known when the observation "
    "means the same thing. Report negations for what the observation says is no longer "
    'true (e.g. an empty fridge: relation "in", object "fridge"). Answer with a JSON '
    'object of the form {"facts": [{"subject": ..., "relation": ..., "object": ...}], '
    '"negations": [{"relation": ..., "subject": ..., "object": ...}]}.'
)


def extraction_messages(
    text: str,
    relations: Mapping[str, str],
    states: Mapping[str, Sequence[str]],
    known_entities: Sequence[str] = (),
) -> list[dict[str, str]]:
    """The chat messages asking for the facts in one observation (`EXTRACT_PROMPT_VERSION`).

    ``relations`` maps relation names to descriptions, ``states`` names the exclusive sets
    of state values; at most `EXTRACT_KNOWN_ENTITIES` of ``known_entities`` (the first
    ones, the most recent first) are listed for the model to reuse.

    Example
    -------
    >>> messages = extraction_messages(
    ...     "The apple is in the fridge.", {"in": "inside a container"},
    ...     {"openness": ("open", "closed")}, ["fridge"])
    >>> [m["role"] for m in messages]
    ['system', 'user']
    >>> print(messages[1]["content"])
    Relations:
    - in: inside a container
    <BLANKLINE>
    State values (one of each set at a time):
    - openness: open, closed
    <BLANKLINE>
    Entities already known (reuse these names):
    fridge
    <BLANKLINE>
    Observation:
    The apple is in the fridge.
    """
    lines = ["Relations:"]
    lines += [f"- {name}: {about}" if about else f"- {name}" for name, about in relations.items()]
    if states:
        lines += ["", "State values (one of each set at a time):"]
        lines += [f"- {group}: {', '.join(values)}" for group, values in states.items()]
    names = list(known_entities)[:EXTRACT_KNOWN_ENTITIES]
    if names:
        lines += ["", "Entities already known (reuse these names):", ", ".join(names)]
    lines += ["", "Observation:", text.strip()]
    return [
        {"role": "system", "content": _EXTRACT_SYSTEM},
        {"role": "user", "content": "\n".join(lines)},
    ]


_JUDGE_SYSTEM = (
    "You maintain an agent's memory, a graph of facts (subject, relation, object). A new "
    "observation brought new facts. Some facts already in memory may no longer be true "
    "because of them: a fact is contradicted only when it cannot be true together with the "
    "new facts or the observation (someone who now dislikes tea no longer likes it; someone "
    "who likes coffee may still like tea). Answer with a JSON object "
    '{"contradicted": [<numbers>]} listing the numbers of the memory facts that are no longer '
    "true; an empty list when none is."
)


def judge_messages(
    observation: str,
    new_facts: Sequence[tuple[str, str, str]],
    candidates: Sequence[tuple[str, str, str]],
) -> list[dict[str, str]]:
    """The chat messages asking which ``candidates`` the new facts contradict (version
    `JUDGE_PROMPT_VERSION`). Candidates are numbered from 1; the reply names numbers.

    Example
    -------
    >>> messages = judge_messages(
    ...     "Alice: I can't stand tea.", [("alice", "dislikes", "tea")],
    ...     [("alice", "likes", "tea")])
    >>> print(messages[1]["content"])
    Observation:
    Alice: I can't stand tea.
    <BLANKLINE>
    New facts:
    - alice dislikes tea
    <BLANKLINE>
    Facts in memory:
    1. alice likes tea
    <BLANKLINE>
    Reply as JSON: {"contradicted": [<numbers of the memory facts no longer true>]}
    """
    new = "\n".join(f"- {s} {r} {o}" for s, r, o in new_facts)
    old = "\n".join(f"{i}. {s} {r} {o}" for i, (s, r, o) in enumerate(candidates, start=1))
    user = (
        f"Observation:\n{observation}\n\nNew facts:\n{new}\n\nFacts in memory:\n{old}\n\n"
        'Reply as JSON: {"contradicted": [<numbers of the memory facts no longer true>]}'
    )
    return [{"role": "system", "content": _JUDGE_SYSTEM}, {"role": "user", "content": user}]


_CHAT_EXTRACT_SYSTEM = (
    "You turn one turn of a conversation into facts for a long-term memory of the people in "
    "it. A fact is a subject, a relation and an object. Rules:\n"
    "1. Speaker: what the speaker says in the first person (I, my, we) is about the speaker; "
    'name the speaker by name, never as "I" or "user". Record a fact about someone else '
    'only when the speaker asserts it as true ("my sister lives in Oslo").\n'
    '2. Assertions only: a question, a hypothetical or wish ("if I moved..."), a negation '
    '("I don\'t like tea" is not "likes tea"), a retelling of what someone else said, or a '
    "mere mention of a topic is not a fact. When the turn asserts nothing, return no facts.\n"
    '3. Dates: resolve a relative date ("yesterday", "last Saturday", "next month") '
    'against the date of the turn, and put it in the qualifier "when" as an ISO date '
    "(YYYY-MM-DD, or YYYY-MM for a month, YYYY for a year). An event with no date gets no "
    '"when".\n'
    "4. Names: short lower-case noun phrases for things, people by their names; reuse the "
    "exact name of an entity already known when the turn means the same thing.\n"
    '5. Report as negations what the speaker says is no longer true ("I moved out of '
    'Boston": relation "lives_in", object "boston"; "I don\'t eat meat anymore").\n'
    '6. Changes: when the speaker tells of a change ("I moved to Lisbon", "I just started at '
    'Acme", "I live in Lisbon now", "sorry, I meant Lisbon"), give the new fact '
    '"change": true; it replaces the old value however often that was said.\n'
    'Answer with a JSON object of the form {"facts": [{"subject": ..., "relation": ..., '
    '"object": ..., "qualifiers": {"when": ...}, "change": true}], "negations": '
    '[{"relation": ..., "subject": ..., "object": ...}]}; leave out "qualifiers" when there '
    'are none and "change" when nothing changed.'
)
_CHAT_CLOSED = "Use only the relations listed."
_CHAT_OPEN = (
    "Prefer the relations listed; when none of them fits a fact, you may use a short "
    'snake_case relation of your own (e.g. "adopted", "is_allergic_to").'
)


def _turn_date(when: str | None) -> str:
    """The turn's date for a prompt: ISO date and weekday (needed for "last Saturday")."""
    if not when:
        return 'unknown (leave relative dates out of "when")'
    try:
        moment = datetime.fromisoformat(when.strip())
    except ValueError:
        return when.strip()  # not ISO: the model may still read it
    return f"{moment.date().isoformat()} ({moment.strftime('%A')})"


def chat_extraction_messages(
    text: str,
    relations: Mapping[str, str],
    speaker: str | None,
    when: str | None,
    known_entities: Sequence[str] = (),
    open_relations: bool = False,
) -> list[dict[str, str]]:
    """The chat messages asking for the facts one conversation turn asserts
    (version `CHAT_EXTRACT_PROMPT_VERSION`).

    ``speaker`` is who said ``text`` and ``when`` the turn's wall-clock time (ISO 8601); the
    prompt gives the date with its weekday so that relative dates can be resolved. With
    ``open_relations`` the model may use a relation outside ``relations`` when none fits.
    At most `EXTRACT_KNOWN_ENTITIES` of ``known_entities`` are listed.

    Example
    -------
    >>> messages = chat_extraction_messages(
    ...     "I ran a charity race last Saturday!", {"did": "something the subject did"},
    ...     "Caroline", "2023-05-08T13:56:00", ["melanie"])
    >>> [m["role"] for m in messages]
    ['system', 'user']
    >>> print(messages[1]["content"])
    Relations:
    - did: something the subject did
    Use only the relations listed.
    <BLANKLINE>
    Entities already known (reuse these names):
    melanie
    <BLANKLINE>
    Speaker: Caroline
    Date of the turn: 2023-05-08 (Monday)
    <BLANKLINE>
    Turn:
    Caroline: I ran a charity race last Saturday!
    """
    lines = ["Relations:"]
    lines += [f"- {name}: {about}" if about else f"- {name}" for name, about in relations.items()]
    lines.append(_CHAT_OPEN if open_relations else _CHAT_CLOSED)
    names = list(known_entities)[:EXTRACT_KNOWN_ENTITIES]
    if names:
        lines += ["", "Entities already known (reuse these names):", ", ".join(names)]
    who = (speaker or "").strip()
    lines += ["", f"Speaker: {who or 'unknown'}", f"Date of the turn: {_turn_date(when)}"]
    lines += ["", "Turn:", f"{who}: {text.strip()}" if who else text.strip()]
    return [
        {"role": "system", "content": _CHAT_EXTRACT_SYSTEM},
        {"role": "user", "content": "\n".join(lines)},
    ]


#: What `answer_messages` tells a model to say when the context does not hold the answer.
NOT_MENTIONED = "not mentioned"

_ANSWER_SYSTEM = (
    "You answer questions about past conversations using only the memory context you are "
    "given: facts and excerpts remembered from those conversations. Do not use outside "
    "knowledge or guess. Answer as briefly as possible (a few words, a name, a date or a "
    "short phrase, not a sentence); give dates as the context gives them. If the context "
    f'does not say, answer exactly "{NOT_MENTIONED}".'
)


def answer_messages(question: str, context: str) -> list[dict[str, str]]:
    """The chat messages asking for a short answer to ``question`` from ``context`` only
    (version `ANSWER_PROMPT_VERSION`); the reply is plain text.

    Example
    -------
    >>> messages = answer_messages("Where does Ann live?", "- ann lives_in oslo")
    >>> [m["role"] for m in messages]
    ['system', 'user']
    >>> print(messages[1]["content"])
    Memory context:
    - ann lives_in oslo
    <BLANKLINE>
    Question: Where does Ann live?
    Short answer:
    """
    memory = context.strip() or "(empty: nothing is remembered)"
    user = f"Memory context:\n{memory}\n\nQuestion: {question.strip()}\nShort answer:"
    return [{"role": "system", "content": _ANSWER_SYSTEM}, {"role": "user", "content": user}]


_ANSWER_JUDGE_SYSTEM = (
    "You grade answers to questions about past conversations. An answer is correct if it "
    "means the same as the gold answer: other wording, a shorter or longer phrasing of the "
    "same thing, or extra detail that does not contradict it is fine. For dates, the same "
    "date in any format is correct (7 May 2023 = 2023-05-07 = May 7th, 2023); a different "
    'date is not. Answer with a JSON object {"correct": true} or {"correct": false}.'
)


def answer_judge_messages(question: str, gold: str, answer: str) -> list[dict[str, str]]:
    """The chat messages asking whether ``answer`` means ``gold`` (version
    `ANSWER_JUDGE_PROMPT_VERSION`); the reply is ``{"correct": true|false}``.

    Example
    -------
    >>> messages = answer_judge_messages("When did Ann move?", "7 May 2023", "2023-05-07")
    >>> print(messages[1]["content"])
    Question: When did Ann move?
    Gold answer: 7 May 2023
    Answer to grade: 2023-05-07
    <BLANKLINE>
    Reply as JSON: {"correct": true} or {"correct": false}
    """
    user = (
        f"Question: {question.strip()}\nGold answer: {gold.strip()}\n"
        f"Answer to grade: {answer.strip()}\n\n"
        'Reply as JSON: {"correct": true} or {"correct": false}'
    )
    return [
        {"role": "system", "content": _ANSWER_JUDGE_SYSTEM},
        {"role": "user", "content": user},
    ]
