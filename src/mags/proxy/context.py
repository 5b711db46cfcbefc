"""What the proxy sends upstream in place of a long chat history, and what it remembers.

A request's messages split into the caller's instructions (system and developer
messages), the conversation's turns, and its *new* turns: the user messages after the
last assistant message (a client that resends the whole history each time has already
had everything before that remembered). Upstream goes the instructions, then one
delimited memory block, then the last ``keep_turns`` turns; older turns are left to the
memory. A memory block that comes back in a request (a client echoing what it was
sent, a proxy in front of a proxy) is dropped, never remembered.

Example
-------
>>> messages = [{"role": "system", "content": "Be brief."},
...             {"role": "user", "content": "I moved to Berlin."},
...             {"role": "assistant", "content": "Nice!"},
...             {"role": "user", "content": "Where do I live?"}]
>>> chat = split_messages(messages)
>>> [m["content"] for m in chat.new]
['Where do I live?']
>>> sent = upstream_messages(chat, "- Ana lives_in Berlin", keep_turns=1)
>>> [m["role"] for m in sent], sent[-1]["content"]
(['system', 'system', 'user'], 'Where do I live?')
>>> print(sent[1]["content"])
<mags-memory>
What you remember of this user from earlier turns (dated where known; it may be out of date):
- Ana lives_in Berlin
</mags-memory>
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mags.core.errors import InvalidInputError
from mags.memory import message_text

MEMORY_OPEN = "<mags-memory>"
MEMORY_CLOSE = "</mags-memory>"
MEMORY_PREAMBLE = (
    "What you remember of this user from earlier turns (dated where known; it may be out of date):"
)
INSTRUCTION_ROLES = frozenset({"system", "developer"})
KNOWN_ROLES = INSTRUCTION_ROLES | {"user", "assistant", "tool", "function"}

Message = Mapping[str, Any]


@dataclass(frozen=True)
class Chat:
    """A request's messages, sorted out: ``instructions`` (system/developer), ``turns``
    (everything else, in order) and ``new`` (the user turns after the last assistant one)."""

    instructions: tuple[Message, ...]
    turns: tuple[Message, ...]
    new: tuple[Message, ...]

    @property
    def query(self) -> str:
        """What recall searches for: the text of the newest user turn."""
        return message_text(self.new[-1].get("content")) if self.new else ""


def is_memory_block(message: Message) -> bool:
    """Whether ``message`` is (or carries) a memory block the proxy injected."""
    return MEMORY_OPEN in message_text(message.get("content"))


def split_messages(messages: Any) -> Chat:
    """Sort a request's ``messages`` (see `Chat`); `InvalidInputError` says what is wrong
    with a malformed list."""
    if not isinstance(messages, list) or not messages:
        raise InvalidInputError("'messages' must be a non-empty list of chat messages")
    instructions: list[Message] = []
    turns: list[Message] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") not in KNOWN_ROLES:
            raise InvalidInputError(
                f"messages[{i}] must be an object with a 'role' in {sorted(KNOWN_ROLES)}"
            )
        if is_memory_block(message):
            continue
        (instructions if message["role"] in INSTRUCTION_ROLES else turns).append(message)
    last_assistant = max((i for i, m in enumerate(turns) if m["role"] == "assistant"), default=-1)
    new = tuple(
        m
        for m in turns[last_assistant + 1 :]
        if m["role"] == "user" and message_text(m.get("content")).strip()
    )
    return Chat(tuple(instructions), tuple(turns), new)


def kept_turns(chat: Chat, keep_turns: int) -> list[Message]:
    """The last ``keep_turns`` turns, widened so that a tool result keeps the assistant
    message that called it (an upstream rejects a tool message without its call)."""
    if keep_turns < 1:
        raise InvalidInputError(f"keep_turns must be at least 1, got {keep_turns}")
    start = max(0, len(chat.turns) - keep_turns)
    while start > 0 and chat.turns[start]["role"] in ("tool", "function"):
        start -= 1
    return list(chat.turns[start:])


def memory_block(recalled: str) -> str:
    """The delimited text of one memory block."""
    return f"{MEMORY_OPEN}\n{MEMORY_PREAMBLE}\n{recalled}\n{MEMORY_CLOSE}"


def upstream_messages(chat: Chat, recalled: str, keep_turns: int) -> list[dict[str, Any]]:
    """The messages that go upstream: instructions, the memory block (when recall found
    anything), the last ``keep_turns`` turns."""
    block: list[dict[str, Any]] = (
        [{"role": "system", "content": memory_block(recalled)}] if recalled.strip() else []
    )
    return [
        *(dict(m) for m in chat.instructions),
        *block,
        *(dict(m) for m in kept_turns(chat, keep_turns)),
    ]


def reply_text(body: Mapping[str, Any]) -> str:
    """The assistant's text in a chat completion (first choice), '' when there is none."""
    choices = body.get("choices")
    if not isinstance(choices, Sequence) or not choices or not isinstance(choices[0], Mapping):
        return ""
    message = choices[0].get("message")
    return message_text(message.get("content")) if isinstance(message, Mapping) else ""
