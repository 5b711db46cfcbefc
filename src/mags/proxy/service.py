"""The proxy's memory work for one request, without HTTP: remember the new turns, recall,
rewrite the messages; afterwards remember the reply.

Example
-------
>>> import tempfile
>>> service = ChatMemoryService(UserMemories(tempfile.mkdtemp()), budget=200, keep_turns=2)
>>> body = {"model": "m", "messages": [{"role": "user", "content": "I work as a nurse."}]}
>>> turn = service.prepare("Ana", body)
>>> service.remember_reply(turn, "Noted!")
>>> later = service.prepare("Ana", {"model": "m", "temperature": 0, "messages": [
...     {"role": "user", "content": "What work do I do?"}]})
>>> print(later.body["messages"][0]["content"])  # doctest: +ELLIPSIS
<mags-memory>
What you remember of this user from earlier turns (dated where known; it may be out of date):
Observations:
[...]
- Ana: I work as a nurse.
- assistant: Noted!
</mags-memory>
>>> later.body["temperature"], later.body["messages"][-1]["content"]
(0, 'What work do I do?')
>>> service.users.close()
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mags.core.resent import turn_key, unseen_latest
from mags.core.retrieve import Recall
from mags.core.validate import check_when
from mags.memory import Memory, message_text
from mags.proxy.context import Chat, split_messages, upstream_messages
from mags.proxy.extraction import ASSISTANT_SOURCE, USER_SOURCE, ExtractionQueue
from mags.proxy.users import UserMemories

DEFAULT_BUDGET = 600
DEFAULT_KEEP_TURNS = 6
#: How far back (in stored turns per kept turn) the kept turns are looked for, to keep
#: them out of the memory block.
KEPT_LOOKBACK = 4


@dataclass
class PreparedTurn:
    """One request after the memory's work: the ``body`` to send upstream, the turn ``t``
    it was remembered at, the recall that filled the block."""

    user: str
    t: float
    body: dict[str, Any]
    recall: Recall | None
    remembered: list[int] = field(default_factory=list)
    """Ids of the episodes this request's new turns were stored as."""
    remember: bool = True
    """Whether the reply is to be stored (False: a recall-only request)."""
    when: str | None = None
    """The turn's wall-clock time (ISO 8601)."""

    @property
    def header(self) -> str:
        """The ``X-Mags-Memory`` response header."""
        tokens = self.recall.tokens if self.recall is not None else 0
        return f"on; user={self.user}; recalled {tokens} tokens"


class ChatMemoryService:
    """Remember and recall for the proxy (and anything else that speaks OpenAI messages)."""

    def __init__(
        self,
        users: UserMemories,
        *,
        budget: int = DEFAULT_BUDGET,
        keep_turns: int = DEFAULT_KEEP_TURNS,
        queue: ExtractionQueue | None = None,
    ) -> None:
        self.users = users
        self.budget = budget
        self.keep_turns = keep_turns
        self.queue = queue
        self._last: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def prepare(
        self,
        user: str,
        body: dict[str, Any],
        *,
        when: str | None = None,
        remember: bool = True,
    ) -> PreparedTurn:
        """Store the request's new user turns (as the user's episodes, before anything is
        sent upstream), recall for the newest one and rewrite ``messages``; every other
        field of ``body`` is kept as it is.

        ``when`` is the turn's wall-clock time (ISO 8601; default now: an import of past
        chats gives their own); ``remember=False`` recalls without storing anything (the
        reply is not stored either)."""
        chat = split_messages(body.get("messages"))
        stamp = check_when(when) if when else None
        now = stamp or datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat()
        with self.users.turn(user) as (memory, t):
            remembered = self._store_unseen(memory, chat, user, t, now) if remember else []
            speakers = {str(m["name"]) for m in chat.new if m.get("name")}
            kept = {message_text(m.get("content")) for m in chat.turns[-self.keep_turns :]}
            last_id = remembered[-1] if remembered else 0
            since = max(0, last_id - KEPT_LOOKBACK * self.keep_turns - len(remembered))
            shown = [e.id for e in memory.episodes(since=since) if e.text in kept]
            recall = (
                memory.recall(
                    chat.query,
                    t,
                    self.budget,
                    exclude_episodes=shown,
                    now=now,
                    # A personal memory is about this person whatever the turn says: the
                    # user's own facts (home, job) are a starting point of every recall.
                    about=(user, *speakers),
                )
                if chat.query
                else None
            )
        messages = upstream_messages(chat, recall.text if recall else "", self.keep_turns)
        turn = PreparedTurn(
            user, t, {**body, "messages": messages}, recall, remembered, remember, now
        )
        with self._lock:
            self._last[user] = {
                "t": t,
                "query": chat.query,
                "recall": recall.to_dict() if recall else None,
                "messages_in": len(chat.instructions) + len(chat.turns),
                "messages_out": len(messages),
            }
        if self.queue is not None and remembered:
            self.queue.submit(user)
        return turn

    @staticmethod
    def _store_unseen(memory: Memory, chat: Chat, user: str, t: float, when: str) -> list[int]:
        """Store the request's turns the memory does not hold yet, in order (a client
        resends the whole history; a chat may be first seen mid-way: `mags.core.resent`);
        returns the ids of the user turns stored. A turn asked to be forgotten stays out.

        Its latest turns are matched first (`unseen_latest`), so a resent history of any
        length costs the same."""

        turns = [
            (m["role"], str(m.get("name") or user) if m["role"] == "user" else "assistant", text)
            for m in chat.turns
            if m["role"] in ("user", "assistant")
            and (text := message_text(m.get("content"))).strip()
        ]
        fresh = unseen_latest(
            len(turns),
            lambda begin: [turn_key(role, text) for role, _, text in turns[begin:]],
            lambda count: [
                turn_key("assistant" if e.source == ASSISTANT_SOURCE else "user", e.text)
                for e in memory.latest_episodes(count, USER_SOURCE, ASSISTANT_SOURCE)
            ],
        )
        stored: list[int] = []
        for index in fresh:
            role, speaker, text = turns[index]
            source = USER_SOURCE if role == "user" else ASSISTANT_SOURCE
            if memory.was_forgotten(source, speaker, text):
                continue
            episode = memory.observe_turn(
                text, t, speaker, role=role, when=when, source=source, extract=False
            )
            if role == "user":
                stored.append(episode.id)
        return stored

    def remember_reply(self, turn: PreparedTurn, text: str) -> None:
        """Store the assistant's reply to ``turn`` as the assistant's episode."""
        if not text.strip() or not turn.remember:
            return
        with self.users.turn(turn.user) as (memory, _):
            memory.observe_turn(
                text,
                max(turn.t, memory.now),
                "assistant",
                role="assistant",
                when=turn.when,
                source=ASSISTANT_SOURCE,
                extract=False,
            )

    def last_request(self, user: str) -> dict[str, Any] | None:
        """What the memory did for ``user``'s latest request served by this process."""
        with self._lock:
            return self._last.get(user)
