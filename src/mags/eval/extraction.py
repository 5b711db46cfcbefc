"""How well an extractor reads the games: its facts against the rule extractor's, step by step.

`mags eval extraction` walks each game's walkthrough (the evaluator's commands, so every
extractor sees the same observations) and, at every step, compares the candidate's facts
(an LLM, usually) with the reference's (`TextWorldExtractor`, precise on these games by
construction). Triples are compared by name key (case, articles and plurals ignored) and
canonical relation. Precision: the share of the candidate's facts the reference also has;
recall: the share of the reference's facts the candidate found. A call that fails for good
counts as a step with no facts, and is counted.

Example
-------
>>> score = ExtractionScore()
>>> hall = ("kitchen", "north_of", "hall")
>>> score.add({hall}, {hall, ("apple", "in", "fridge")})
>>> score.add({("fridge", "is", "open")}, set())
>>> round(score.precision, 2), round(score.recall, 2), score.steps
(0.5, 0.5, 2)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mags.agents.steps import step_extra, step_text
from mags.core.errors import MagsError
from mags.core.names import name_key
from mags.core.schema import RelationSchema, default_schema
from mags.extract import Extraction, ExtractionContext, Extractor
from mags.worlds.cache import WorldCache
from mags.worlds.env import open_game

Triple = tuple[str, str, str]


@dataclass
class ExtractionScore:
    """Micro-averaged agreement of a candidate extractor with a reference, over steps."""

    steps: int = 0
    matched: int = 0
    candidate: int = 0
    reference: int = 0
    failures: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, candidate: set[Triple], reference: set[Triple]) -> None:
        """Count one step's facts."""
        self.steps += 1
        self.matched += len(candidate & reference)
        self.candidate += len(candidate)
        self.reference += len(reference)

    def merge(self, other: ExtractionScore) -> None:
        """Add ``other``'s counts (a track's total over its games)."""
        self.steps += other.steps
        self.matched += other.matched
        self.candidate += other.candidate
        self.reference += other.reference
        self.failures += other.failures
        self.seconds.extend(other.seconds)

    @property
    def precision(self) -> float:
        """Share of the candidate's facts the reference has (1.0 when it gave none)."""
        return self.matched / self.candidate if self.candidate else 1.0

    @property
    def recall(self) -> float:
        """Share of the reference's facts the candidate found (1.0 when there were none)."""
        return self.matched / self.reference if self.reference else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        """The row `mags eval extraction --json` prints."""
        calls = sorted(self.seconds)
        return {
            "steps": self.steps,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "candidate_facts": self.candidate,
            "reference_facts": self.reference,
            "matched": self.matched,
            "failures": self.failures,
            "s_per_call_p50": round(calls[len(calls) // 2], 2) if calls else None,
            "s_per_call_mean": round(sum(calls) / len(calls), 2) if calls else None,
        }


def triples(extraction: Extraction, schema: RelationSchema) -> set[Triple]:
    """The facts of ``extraction`` as comparable triples (unknown relations left out)."""
    out = set()
    for fact in extraction.facts:
        subject, relation, obj = (
            (fact[0], fact[1], fact[2])
            if isinstance(fact, tuple)
            else (fact.subject, fact.relation, fact.object)
        )
        try:
            canonical = schema.resolve(str(relation)).name
        except MagsError:
            continue
        out.add((name_key(str(subject)), canonical, name_key(str(obj))))
    return out


def walkthrough_steps(
    track: str, seed: int, cache: WorldCache
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each observation of the game's walkthrough as (text, extra), the first one included."""
    env, evaluator = open_game(track, seed, cache=cache)
    try:
        observation = env.reset()
        yield step_text(observation), step_extra(observation)
        for command in evaluator.walkthrough:
            observation = env.step(command)
            yield step_text(observation), step_extra(observation)
            if observation.done:
                break
    finally:
        evaluator.close()


def compare(
    candidate: Extractor,
    reference: Extractor,
    steps: Iterable[tuple[str, dict[str, Any]]],
    *,
    schema: RelationSchema | None = None,
    on_step: Callable[[], None] | None = None,
) -> ExtractionScore:
    """``candidate`` scored against ``reference`` on ``steps`` (see the module's doc)."""
    schema = schema or default_schema()
    score = ExtractionScore()
    for t, (text, extra) in enumerate(steps):
        context = ExtractionContext(float(t), None, (), extra)
        wanted = triples(reference.extract(text, context), schema)
        started = time.perf_counter()
        try:
            found = triples(candidate.extract(text, context), schema)
        except MagsError:
            score.failures += 1
            found = set()
        score.seconds.append(time.perf_counter() - started)
        score.add(found, wanted)
        if on_step is not None:
            on_step()
    return score
