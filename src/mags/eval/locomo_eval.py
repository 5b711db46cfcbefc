"""LoCoMo without an LLM: turn-level evidence recall of a packed context at token budgets.

For each conversation, every system ingests the turns in order (``t`` = turn index) and, for
each question, packs a context under each budget. A question's *evidence recall* is the share
of its evidence turns whose rendered line (``- Speaker: text``) is inside the packed text
(a turn cut short does not count). Evidence ids that name no turn of the conversation are
dropped and counted; a question left with no evidence (empty or only broken ids) is counted
and left out of the means. Every system renders turns the same way
(`mags.core.episodes.render_episodes`: dated groups, time order) and counts tokens with the
same tokenizer, so the systems differ only in what they choose. Beside evidence recall, each
question's *answer containment* (`mags.eval.containment`: the normalized gold answer inside
the packed text) is scored, adversarial questions left out.

Systems: MAGS ``liquid`` (facts + episodes), ``episodes`` (episode search only), ``facts``
(graph facts and the turns behind them), ``no-decay`` (liquid with no decay, no pruning);
baselines ``bm25`` (FTS5 over turns), ``dense`` (WordLlama over turns, if installed),
``window`` (the latest turns that fit) and ``full`` (the whole conversation: its tokens per
question, recall 1 by construction).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mags.config import MemoryConfig
from mags.core.episodes import render_episodes
from mags.core.retrieve import EPISODES_HEADER
from mags.core.schema import chat_schema
from mags.eval.containment import contains_answer
from mags.eval.locomo import CATEGORIES, Conversation, Question
from mags.eval.peers import PEERS, PeerError, make_peer
from mags.eval.turns import pack_turns, turn_episode, turn_lines
from mags.extract.chat_rules import ChatRuleExtractor
from mags.memory import Memory
from mags.search.dense import DenseIndex, Embedder
from mags.search.episodes import indexed_text
from mags.search.lexical import LexicalIndex
from mags.search.tokens import TokenCounter

DEFAULT_BUDGETS = (150, 300, 750, 1500)
ADVERSARIAL = 5
"""The category whose answer is absent by design: no answer containment is scored."""
MAGS_SYSTEMS = ("liquid", "episodes", "facts", "no-decay")
BASELINES = ("bm25", "dense", "window", "full")
SYSTEMS = MAGS_SYSTEMS + BASELINES


class Retriever(Protocol):
    """One system after ingesting a conversation: a context for a question at a budget."""

    def context(self, question: str, budget: int) -> str:
        """The packed text."""
        ...

    def close(self) -> None:
        """Free what it holds."""
        ...


#: What each MAGS system lets fill its budget.
MAGS_SOURCES = {
    "liquid": ("facts", "episodes"),
    "no-decay": ("facts", "episodes"),
    "episodes": ("episodes",),
    "facts": ("facts",),
}


def mags_config(system: str) -> MemoryConfig:
    """The chat defaults; for ``no-decay``, time constants of 10,000 turns and no pruning."""
    config = MemoryConfig.for_chat()
    if system == "no-decay":
        return config.with_changes(theta_prune=0.0, tau0=1e4, tau_max=1e6)
    return config


def ingest(
    conversation: Conversation, path: Path | None, config: MemoryConfig, embedder: Embedder | None
) -> Memory:
    """A MAGS memory (a SQLite file, or RAM for None; chat schema, rule extractor) fed every
    turn in order."""
    memory = Memory.open(
        path, config, schema=chat_schema(), extractor=ChatRuleExtractor(), embedder=embedder
    )
    for i, turn in enumerate(conversation.turns):
        memory.observe_turn(
            turn.text, t=i, speaker=turn.speaker, when=turn.when, source=turn.source
        )
    return memory


class MagsRetriever:
    """A MAGS system: recall from a memory holding the conversation, with its sources.
    Systems with the same config share one memory (the caller owns and closes it)."""

    def __init__(self, memory: Memory, sources: tuple[str, ...], t: float) -> None:
        self.memory, self.sources, self.t = memory, sources, t

    def context(self, question: str, budget: int) -> str:
        return self.memory.recall(question, self.t, budget, sources=self.sources).text

    def close(self) -> None:
        """Nothing: the memory may serve another system."""


class RankedTurns:
    """A baseline that ranks turns (lexically, densely, or by recency) and packs them."""

    def __init__(
        self, system: str, conversation: Conversation, count: Callable[[str], int],
        embedder: Embedder | None,
    ) -> None:  # fmt: skip
        self.system = system
        self.count = count
        self.episodes = [turn_episode(turn, i) for i, turn in enumerate(conversation.turns)]
        self.lexical: LexicalIndex | None = None
        self.dense: DenseIndex | None = None
        if system == "bm25":
            self.lexical = LexicalIndex()
            for episode in self.episodes:
                self.lexical.add(episode.id, indexed_text(episode))
        elif system == "dense":
            if embedder is None:
                raise ValueError("the dense baseline needs an embedder")
            self.dense = DenseIndex(embedder)
            self.dense.add([(e.id, indexed_text(e)) for e in self.episodes])

    def context(self, question: str, budget: int) -> str:
        if self.system == "window":
            return pack_turns(self.episodes[::-1], budget, self.count)
        if self.system == "full":
            return "\n".join([EPISODES_HEADER, *render_episodes(self.episodes)])
        index = self.lexical or self.dense
        assert index is not None
        found = index.search(question, len(self.episodes))
        ranked = [self.episodes[eid - 1] for eid, _ in found]
        seen = {e.id for e in ranked}
        # Turns the index does not rank still fill what is left, in order.
        ranked += [e for e in self.episodes if e.id not in seen]
        return pack_turns(ranked, budget, self.count)

    def close(self) -> None:
        if self.lexical is not None:
            self.lexical.close()


@dataclass
class Evidence:
    """How a conversation's questions can be scored: usable ones with their valid ids."""

    usable: list[tuple[Question, tuple[str, ...]]]
    empty: int
    broken_ids: int
    unusable: int

    @classmethod
    def of(cls, conversation: Conversation) -> Evidence:
        """Split the conversation's questions by the state of their evidence."""
        known = {turn.source for turn in conversation.turns}
        usable: list[tuple[Question, tuple[str, ...]]] = []
        empty = broken = unusable = 0
        for q in conversation.questions:
            valid = tuple(e for e in q.evidence if e in known)
            broken += len(q.evidence) - len(valid)
            if not q.evidence:
                empty += 1
            if valid:
                usable.append((q, valid))
            else:
                unusable += 1
        return cls(usable, empty, broken, unusable)


def evidence_recall(context: str, evidence: Sequence[str], lines: dict[str, str]) -> float:
    """Share of the evidence turns whose whole rendered line is inside ``context``.

    Example
    -------
    >>> evidence_recall("x\\n- Ann: I moved.\\n", ["D1:1", "D1:2"],
    ...                 {"D1:1": "- Ann: I moved.", "D1:2": "- Bob: Nice."})
    0.5
    """
    return sum(lines[e] in context for e in evidence) / len(evidence)


@dataclass
class Tally:
    """Per-question recalls and answer containments by (system, budget, category), timings
    and sizes."""

    recalls: dict[tuple[str, int | None, int], list[float]] = field(default_factory=dict)
    contained: dict[tuple[str, int | None, int], list[float]] = field(default_factory=dict)
    recall_ms: dict[str, list[float]] = field(default_factory=dict)
    full_tokens: list[int] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    empty: int = 0
    broken_ids: int = 0
    unusable: int = 0
    questions: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    """Systems (peers) that could not run or failed, with their error: reported, skipped."""

    def add(
        self, system: str, budget: int | None, category: int, value: float,
        contained: bool | None = None,
    ) -> None:  # fmt: skip
        """One question's recall, and whether its answer was inside the context (None: not
        scored, as for adversarial questions)."""
        key = (system, budget, category)
        self.recalls.setdefault(key, []).append(value)
        if contained is not None:
            self.contained.setdefault(key, []).append(float(contained))

    def drop(self, system: str) -> None:
        """Forget every value of ``system`` (a peer that failed)."""
        for values in (self.recalls, self.contained):
            for key in [k for k in values if k[0] == system]:
                del values[key]

    def rows(self, budgets: Sequence[int]) -> Iterator[dict[str, Any]]:
        """``{"system", "budget", "category", "recall", "questions", "containment",
        "answers"}`` rows, per category (1-5) and ``"all"`` (containment None where no
        answer was scored)."""
        systems = dict.fromkeys(s for s, _, _ in self.recalls)
        for system in systems:
            for budget in [None] if system == "full" else budgets:
                every: list[float] = []
                answered: list[float] = []
                for category in sorted(CATEGORIES):
                    values = self.recalls.get((system, budget, category), [])
                    found = self.contained.get((system, budget, category), [])
                    every += values
                    answered += found
                    if values:
                        yield _row(system, budget, category, values, found)
                if every:
                    yield _row(system, budget, "all", every, answered)


def _row(
    system: str,
    budget: int | None,
    category: int | str,
    values: list[float],
    contained: list[float],
) -> dict[str, Any]:
    return {
        "system": system,
        "budget": budget,
        "category": category,
        "recall": round(statistics.fmean(values), 4),
        "questions": len(values),
        "containment": round(statistics.fmean(contained), 4) if contained else None,
        "answers": len(contained),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by nearest rank; 0 for no values.

    Example
    -------
    >>> percentile([1, 2, 3, 4], 0.5), percentile([1, 2, 3, 4], 0.95)
    (2, 4)
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


def evaluate(
    conversations: Sequence[Conversation],
    systems: Sequence[str],
    budgets: Sequence[int],
    *,
    embedder: Embedder | None = None,
    on_question: Callable[[str], None] | None = None,
    answer: Callable[[Conversation, Question, str, str], None] | None = None,
    answer_budget: int | None = None,
) -> Tally:
    """Ingest every conversation into every system and score every question.

    ``answer``, if given, is called with the liquid context at ``answer_budget`` and the
    full context (``system`` ``full``) for each usable question (the LLM answer path).
    """
    count = TokenCounter()
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="mags-locomo-") as tmp:
        folder = Path(tmp)
        for conversation in conversations:
            evidence = Evidence.of(conversation)
            tally.empty += evidence.empty
            tally.broken_ids += evidence.broken_ids
            tally.unusable += evidence.unusable
            tally.questions += len(conversation.questions)
            lines = turn_lines(conversation.turns)
            memories: dict[str, tuple[Memory, dict[str, Any]]] = {}
            for system in systems:
                retriever: Retriever
                record: dict[str, Any] = {
                    "conversation": conversation.sample_id,
                    "system": system,
                    "turns": len(conversation.turns),
                }
                if system in MAGS_SYSTEMS:
                    key = "no-decay" if system == "no-decay" else "chat"
                    if key not in memories:
                        started = time.perf_counter()
                        path = folder / f"{conversation.sample_id}-{key}.db"
                        memory = ingest(conversation, path, mags_config(system), embedder)
                        size = sum(p.stat().st_size for p in folder.glob(f"{path.name}*"))
                        memories[key] = (
                            memory,
                            {
                                "ingest_s": round(time.perf_counter() - started, 3),
                                **memory.stats(),
                                "db_bytes": size,
                            },
                        )
                    memory, measured = memories[key]
                    record.update(measured)
                    retriever = MagsRetriever(memory, MAGS_SOURCES[system], len(conversation.turns))
                elif system in PEERS:
                    if system in tally.failures:
                        continue
                    started = time.perf_counter()
                    try:
                        retriever = make_peer(system, conversation, count)
                    except PeerError as exc:
                        tally.failures[system] = str(exc)
                        continue
                    record["ingest_s"] = round(time.perf_counter() - started, 3)
                else:
                    started = time.perf_counter()
                    retriever = RankedTurns(system, conversation, count, embedder)
                    record["ingest_s"] = round(time.perf_counter() - started, 3)
                tally.conversations.append(record)
                try:
                    for question, valid in evidence.usable:
                        for budget in [None] if system == "full" else budgets:
                            began = time.perf_counter()
                            text = retriever.context(question.question, budget or 0)
                            tally.recall_ms.setdefault(system, []).append(
                                (time.perf_counter() - began) * 1000
                            )
                            if system == "full":
                                tally.full_tokens.append(count(text))
                            value = evidence_recall(text, valid, lines)
                            contained = (
                                None
                                if question.category == ADVERSARIAL or not question.answer.strip()
                                else contains_answer(text, question.answer)
                            )
                            tally.add(system, budget, question.category, value, contained)
                            if (
                                answer is not None
                                and system in ("liquid", "full")
                                and (system == "full" or budget == answer_budget)
                            ):
                                answer(conversation, question, system, text)
                        if on_question is not None:
                            on_question(f"{conversation.sample_id} {system}")
                except Exception as exc:
                    if system not in PEERS:
                        raise
                    # A peer that fails mid-run is reported, not half-scored.
                    tally.failures[system] = f"{system} failed: {type(exc).__name__}: {exc}"
                    tally.drop(system)
                finally:
                    retriever.close()
            for memory, _ in memories.values():
                memory.close()
    return tally
