"""`LLMJudge`: the conflict judge on an OpenAI-compatible endpoint, one batched call.

`Memory.observe` asks it only when the schema leaves conflicts open (`MemoryCore.
undecided_conflicts`), with every candidate of the observation in one prompt (versioned:
`mags.llm.prompts.JUDGE_PROMPT_VERSION`). A reply that fails after the client's repair
attempt raises `LLMError`, so the observation is kept as an episode and the graph is left
unchanged; numbers in the reply that name no candidate are ignored and counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import pydantic

from mags.core.model import FactView
from mags.llm.agents import UsageTotals
from mags.llm.client import LLMClient
from mags.llm.prompts import JUDGE_PROMPT_VERSION, judge_messages


class JudgeReply(pydantic.BaseModel):
    """What the judge prompt asks for: the numbers of the contradicted memory facts."""

    contradicted: list[int]


class LLMJudge:
    """`mags.extract.ConflictJudge` over an `LLMClient`.

    Attributes
    ----------
    usage: calls, prompt and completion tokens of the answered calls.
    ignored: numbers in replies that named no candidate.
    prompt_version: the version of the prompt this judge sends.

    Example
    -------
    >>> from mags import Extraction, Memory
    >>> from mags.llm import LLMConfig
    >>> from mags.llm.testserver import ChatServer, Reply
    >>> class Says:  # a stand-in extractor: "alice dislikes tea" is that fact
    ...     def extract(self, text, context):
    ...         return Extraction(facts=[tuple(text.split())])
    >>> with ChatServer() as server:
    ...     server.script(Reply.json({"contradicted": [1]}))
    ...     judge = LLMJudge(LLMClient(LLMConfig(server.url, "none", "m")))
    ...     memory = Memory.open(extractor=Says(), judge=judge)
    ...     _ = memory.add([("alice", "likes", "tea")], t=0)
    ...     _ = memory.observe("alice dislikes tea", t=1)
    >>> [(f.relation, f.valid_to) for f in memory.history("alice")]
    [('likes', 1.0), ('dislikes', None)]
    >>> judge.usage.calls
    1
    """

    prompt_version = JUDGE_PROMPT_VERSION

    def __init__(self, client: LLMClient) -> None:
        self.client = client
        self.usage = UsageTotals()
        self.ignored = 0

    def judge(
        self,
        text: str,
        new_facts: Sequence[tuple[str, str, str]],
        candidates: Sequence[FactView],
    ) -> list[int]:
        """Ids of ``candidates`` the model finds contradicted; raises `LLMError` on failure."""
        if not candidates:
            return []
        triples = [(c.subject, c.relation, c.object) for c in candidates]
        reply, usage = self.client.complete_json(
            judge_messages(text, new_facts, triples), JudgeReply
        )
        self.usage.add(usage)
        ids = []
        for number in dict.fromkeys(reply.contradicted):
            if 1 <= number <= len(candidates):
                ids.append(candidates[number - 1].id)
            else:
                self.ignored += 1
        return ids
