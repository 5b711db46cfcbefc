"""Versioned prompts: every message MAGS sends a model is built by a function here.

A prompt's wording changes what a model answers, so each family carries a version string
that traces and bench results can record; change the wording, bump the version.

- ``action``: the LLM policy's choice of one command (`action_messages`).
- ``summary``: the summary memory's rewrite of its running summary (`summary_messages`).
"""

from __future__ import annotations

ACTION_PROMPT_VERSION = "action-v1"
SUMMARY_PROMPT_VERSION = "summary-v1"

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
