"""Knowledge updates in chat: after a person says their news, is it what the memory tells?

The set (`DEFAULT_SET`, hand-written; see its ``about``) has dialogues in which a person
states a value several times, then changes it once (a move, a new job, an ending, a
correction) or asks the memory to forget something, then talks of other things
(``distractors``) and asks. Each dialogue is played through `Memory` (chat schema, the rule
extractor, `MemoryConfig.for_chat`) or through `mags proxy` over HTTP (the official
``openai`` client, a scripted upstream that records what it was sent) and scored:

- **current**: the new value is what ``facts_about`` holds (an ending: nothing holds);
- **stale**: the old value is still held, or asserted as a fact in the recalled context;
- **packed**: the turn that said the news is in the context at ``budget`` tokens;
- **forgotten**: the forgotten text appears nowhere in the context.

Example
-------
>>> cases = load_cases()
>>> result = score_library(cases[0])
>>> result.current, result.stale, result.packed
(True, False, True)
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.core.retrieve import FACTS_HEADER
from mags.core.schema import chat_schema
from mags.extract.chat_rules import ChatRuleExtractor
from mags.memory import Memory

if TYPE_CHECKING:
    from mags.proxy.users import UserMemories

USER_SOURCE = "user"
"""The source the proxy gives a user's turn (`mags.proxy.extraction.USER_SOURCE`)."""
DEFAULT_SET = Path(__file__).parent / "data" / "knowledge_updates.json"
SMALL_BUDGET = 150
"""The budget at which the news must be packed (a small one: the target says "even at
small budgets")."""


@dataclass(frozen=True)
class UpdateCase:
    """One dialogue: who speaks, what they say (distractors already in), what to check."""

    id: str
    speaker: str
    turns: tuple[str, ...]
    query: str
    news: str
    """The turn that changed the value (or asked to forget)."""
    relation: str | None = None
    current: str | None = None
    stale: str | None = None
    forget: str | None = None


@dataclass(frozen=True)
class UpdateResult:
    """How one dialogue fared through one surface."""

    case: str
    surface: str
    current: bool
    stale: bool
    packed: bool
    forgotten: bool
    context: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def load_cases(path: str | Path = DEFAULT_SET) -> list[UpdateCase]:
    """The dialogues of a set file, each followed by the set's distractor turns."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        distractors = tuple(data["distractors"])
        cases = []
        for d in data["dialogues"]:
            said = tuple(d["turns"])
            cases.append(
                UpdateCase(
                    d["id"],
                    d["speaker"],
                    said + distractors,
                    d["query"],
                    said[-1],
                    d.get("relation"),
                    d.get("current"),
                    d.get("stale"),
                    d.get("forget"),
                )
            )
    except FileNotFoundError:
        raise InvalidInputError(f"--data: no file {path}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"--data: {path} is not a knowledge-update set ({exc})") from None
    return cases


def _holds(memory: Memory, case: UpdateCase, value: str | None) -> bool:
    if value is None or case.relation is None:
        return False
    facts = memory.facts_about(case.speaker, t=memory.now)
    wanted = value.lower()
    return any(f.relation == case.relation and f.object.lower() == wanted for f in facts)


def _asserted(context: str, case: UpdateCase, value: str | None) -> bool:
    """Whether the context's facts section states ``value`` for the case's relation."""
    if value is None or case.relation is None or FACTS_HEADER not in context:
        return False
    facts = context.split(FACTS_HEADER, 1)[1].split("\n")
    line = f"{case.speaker} {case.relation} {value}".lower()
    return any(row.lower().startswith(f"- {line}") for row in facts)


def _judge(
    case: UpdateCase, surface: str, context: str, held: bool, stale_held: bool
) -> UpdateResult:
    current = held if case.current is not None else not stale_held
    if case.forget is not None:
        current = True  # nothing to hold
    return UpdateResult(
        case.id,
        surface,
        current=current,
        stale=stale_held or _asserted(context, case, case.stale),
        packed=case.forget is not None or " ".join(case.news.split()) in context,
        forgotten=case.forget is None or case.forget.lower() not in context.lower(),
        context=context,
    )


def score_library(case: UpdateCase, budget: int = SMALL_BUDGET) -> UpdateResult:
    """Play a dialogue through `Memory` and score it."""
    memory = Memory.open(
        schema=chat_schema(), extractor=ChatRuleExtractor(), config=MemoryConfig.for_chat()
    )
    try:
        for t, said in enumerate(case.turns):
            memory.observe_turn(said, t=t, speaker=case.speaker, role="user")
        t = len(case.turns)
        context = memory.recall(case.query, t=t, budget_tokens=budget, about=[case.speaker]).text
        return _judge(
            case,
            "library",
            context,
            _holds(memory, case, case.current),
            _holds(memory, case, case.stale),
        )
    finally:
        memory.close()


def score_proxy(cases: Sequence[UpdateCase], budget: int = SMALL_BUDGET) -> list[UpdateResult]:
    """Play every dialogue through a real `mags proxy` (one user each) and score what the
    upstream was sent: the memory block in place of the history."""
    import tempfile

    from openai import OpenAI

    from mags.llm.testserver import ChatServer, Reply
    from mags.proxy.app import ProxySettings, create_app
    from mags.proxy.context import MEMORY_OPEN
    from mags.proxy.serving import serving
    from mags.proxy.users import UserMemories

    results = []
    with tempfile.TemporaryDirectory() as data, ChatServer(default=Reply.text("Okay.")) as up:
        settings = ProxySettings(upstream=up.url, data=Path(data), budget=budget)
        users = UserMemories(data)  # a reader beside the proxy: what each user's memory holds
        with serving(create_app(settings)) as root:
            client = OpenAI(base_url=f"{root}/v1", api_key="none", max_retries=0)
            for case in cases:
                history: list[dict[str, str]] = []
                for said in (*case.turns, case.query):
                    history.append({"role": "user", "content": said})
                    reply = client.chat.completions.create(
                        model="any",
                        messages=history,  # type: ignore[arg-type]
                        user=case.speaker,
                    )
                    history.append(
                        {"role": "assistant", "content": reply.choices[0].message.content or ""}
                    )
                    wait_until_extracted(users, case.speaker)  # as a person types slower
                sent = up.requests[-1].body["messages"]
                block = next((m["content"] for m in sent if MEMORY_OPEN in m["content"]), "")
                everything = "\n".join(str(m["content"]) for m in sent)
                memory = users.open(case.speaker)
                assert memory is not None  # the proxy has just written it
                result = _judge(
                    case,
                    "proxy",
                    block,
                    _holds(memory, case, case.current),
                    _holds(memory, case, case.stale),
                )
                # The news may come in the kept turns rather than the block: packed either way.
                packed = result.packed or " ".join(case.news.split()) in everything
                results.append(replace(result, packed=packed))
        users.close()
    return results


def wait_until_extracted(users: UserMemories, user: str, timeout_s: float = 30.0) -> None:
    """Wait until the proxy's background extraction has read ``user``'s latest turn, seen
    through a reader's `UserMemories` over the proxy's data folder."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        memory = users.open(user)
        if memory is not None:
            memory.refresh()
            # A turn that asked to forget leaves the episodes once it is extracted.
            said = [e.id for e in memory.episodes() if e.source == USER_SOURCE]
            if not said or users.mark(user) >= said[-1]:
                return
        time.sleep(0.01)
    raise TimeoutError(f"the proxy did not extract {user!r}'s latest turn in {timeout_s} s")
