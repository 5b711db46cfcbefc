"""Versioned prompts: every message MAGS sends a model is built by a function here.

A prompt's wording changes what a model answers, so each family carries a version string
that traces and bench results can record; change the wording, bump the version.

- ``action``: the LLM policy's choice of one command (`action_messages`).
- ``summary``: the summary memory's rewrite of its running summary (`summary_messages`).
- ``extract``: the LLM extractor's facts from one observation (`extraction_messages`).
- ``judge``: the conflict judge's verdict on facts the schema cannot decide (`judge_messages`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ACTION_PROMPT_VERSION = "action-v1"
SUMMARY_PROMPT_VERSION = "summary-v1"
EXTRACT_PROMPT_VERSION = "extract-v1"
JUDGE_PROMPT_VERSION = "judge-v1"

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
