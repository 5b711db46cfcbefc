"""The agents' LLM seams on the adapter: `LLMChatModel` (policy) and `LLMSummarizer` (memory).

Both count what they cost in a `UsageTotals` (calls, prompt and completion tokens), so a
game can report the summary memory's calls next to the policy's.

A failed call (after the client's retries and repair attempt) does not end the game: the
policy falls back to a harmless admissible command and the summary stays as it was; only
`MAX_CONSECUTIVE_FAILURES` failures in a row, an endpoint that is plainly not working,
raise the `LLMError`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pydantic

from mags.llm.client import LLMClient, Usage
from mags.llm.errors import LLMError
from mags.llm.parse import strip_think
from mags.llm.prompts import action_messages, summary_messages

MAX_CONSECUTIVE_FAILURES = 3
FALLBACK_COMMANDS = ("look", "inventory")


class ActionReply(pydantic.BaseModel):
    """What the action prompt asks the model for."""

    action: str


@dataclass
class UsageTotals:
    """Running totals of one model's calls.

    ``failures`` counts calls that failed for good; ``corrections`` answers that were not
    an admissible command and were mapped to the closest one.

    Example
    -------
    >>> totals = UsageTotals()
    >>> totals.add(Usage(120, 7))
    >>> totals.add(Usage(80, 5, estimated=True))
    >>> totals.calls, totals.prompt_tokens, totals.completion_tokens, totals.estimated
    (2, 200, 12, True)
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False
    failures: int = 0
    corrections: int = 0

    def add(self, usage: Usage) -> None:
        """Count one answered call."""
        self.calls += 1
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.estimated = self.estimated or usage.estimated


class _Counted:
    """A client, its usage totals, and the run of failures that ends in an error."""

    def __init__(self, client: LLMClient) -> None:
        self.client = client
        self.usage = UsageTotals()
        self._failures_in_a_row = 0

    def _succeeded(self, usage: Usage) -> None:
        self.usage.add(usage)
        self._failures_in_a_row = 0

    def _failed(self, error: LLMError) -> None:
        """Count a failure; raise it when the endpoint keeps failing."""
        self.usage.failures += 1
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= MAX_CONSECUTIVE_FAILURES:
            raise error


class LLMChatModel(_Counted):
    """`mags.agents.policies.ChatModel` over an `LLMClient`: one JSON call per action.

    The answer is mapped onto the admissible commands by `closest_command`; a call that
    fails for good falls back to ``look`` (or ``inventory``, or the first admissible
    command), which costs a turn but changes nothing in the game.
    """

    def complete_action(self, prompt: str, admissible: list[str]) -> tuple[str, int, int]:
        """The chosen command, prompt tokens and completion tokens."""
        try:
            reply, usage = self.client.complete_json(
                action_messages(prompt, admissible), ActionReply
            )
        except LLMError as error:
            self._failed(error)
            # A reply that fits no JSON may still name a command ("go east"): use it.
            answer = strip_think(error.reply) if error.reply else ""
            return self._choose(answer, admissible) if answer else _fallback(admissible), 0, 0
        self._succeeded(usage)
        return self._choose(reply.action, admissible), usage.prompt_tokens, usage.completion_tokens

    def _choose(self, answer: str, admissible: list[str]) -> str:
        command = closest_command(answer, admissible)
        if command != answer:
            self.usage.corrections += 1
        return command


class LLMSummarizer(_Counted):
    """`mags.agents.memories.Summarizer` over an `LLMClient`: one text call per step.

    A call that fails for good, or answers nothing, leaves the summary unchanged.
    """

    def summarize(self, summary: str, step_text: str, budget_tokens: int) -> str:
        """The new summary, at most about ``budget_tokens`` long (the memory clips it)."""
        try:
            text, usage = self.client.complete_text(
                summary_messages(summary, step_text, budget_tokens)
            )
        except LLMError as error:
            self._failed(error)
            return summary
        self._succeeded(usage)
        # An empty answer (a model that only "thought") must not wipe what was known.
        return strip_think(text).strip() or summary


def closest_command(answer: str, admissible: list[str]) -> str:
    """The admissible command ``answer`` means: itself, or the closest one.

    Models answer ``"Go East."`` or ``"> take the knife"`` or a command the game does not
    accept at all. Matching ignores case, surrounding punctuation and spacing; failing an
    exact match, the most similar command by `difflib` is taken, since any admissible
    command is a better turn than one the game rejects.

    Example
    -------
    >>> admissible = ["go east", "take knife", "look"]
    >>> closest_command("go east", admissible), closest_command("  Go  EAST. ", admissible)
    ('go east', 'go east')
    >>> closest_command("> take the knife", admissible)
    'take knife'
    >>> closest_command("anything", [])
    'anything'
    """
    if not admissible or answer in admissible:
        return answer
    wanted = _normal(answer)
    normals = [_normal(command) for command in admissible]
    if wanted in normals:
        return admissible[normals.index(wanted)]
    best = max(
        range(len(admissible)),
        key=lambda i: difflib.SequenceMatcher(None, wanted, normals[i]).ratio(),
    )
    return admissible[best]


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .!?\"'`>")


def _fallback(admissible: list[str]) -> str:
    for command in FALLBACK_COMMANDS:
        if command in admissible:
            return command
    return admissible[0] if admissible else FALLBACK_COMMANDS[0]
