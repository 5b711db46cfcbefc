"""Context sufficiency: does a memory's recall hold what the next command needs?

An LLM agent acts on the context its memory gives it, so the question, asked without an
LLM, is whether that context holds the facts the next good command depends on. Along each
game's walkthrough, before each command, the facts it needs are read from the game's true
state (the evaluator's side, never the agent's):

- ``go D``: the room we are in and its exit D;
- ``take X``: where X is (its room, or its container or supporter) and, for a container,
  that it is open;
- ``open X`` / ``unlock X with K``: that X is closed / locked;
- a recipe step (``slice X with knife``, ``cook X with stove``): the recipe's line for X
  with that preparation.

A needed fact counts only if the agent could know it: some observation so far names both
its parts (the walkthrough never reads the cookbook, so a recipe step's line is unknowable
and left out; `Tally.unknowable` counts them). Each memory reads every observation of the
walkthrough; before each command it is asked
``context(objective + last observation, budget)`` at each budget. A needed fact is inside
the context when one block of it (a fact line, an episode, a step of a transcript) names
both its parts (all of a name's words, in any case). The share of needed facts inside the
context is the figure, per memory and budget.

Example
-------
>>> from mags.worlds.truth import TrueFact
>>> truth = [TrueFact("at", ("P", "kitchen"), ("P", "r")),
...          TrueFact("in", ("apple", "fridge"), ("f", "c")),
...          TrueFact("open", ("fridge",), ("c",))]
>>> needed("take apple from fridge", truth)
[(('apple',), ('fridge',)), (('fridge',), ('open',))]
>>> inside(needed("go east", truth)[0], blocks("- kitchen exit east [0.9]"))
True
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mags.agents.memories import make_memory
from mags.agents.steps import step_extra, step_text
from mags.config import MemoryConfig
from mags.extract.textworld_text import parse_command
from mags.worlds.cache import WorldCache
from mags.worlds.env import open_game
from mags.worlds.truth import TrueFact

Part = tuple[str, ...]
"""One side of a needed fact: alternative words or names, any one of which will do."""
Need = tuple[Part, Part]

BUDGETS = (100, 200, 400)
MEMORIES = ("liquid", "no-decay", "latest-slot", "window", "rag")
PREPARATIONS = {
    "slice": ("sliced", "slice"),
    "dice": ("diced", "dice"),
    "chop": ("chopped", "chop"),
    "stove": ("fried", "fry"),
    "oven": ("roasted", "roast"),
    "bbq": ("grilled", "grill"),
}
"""A recipe step's verb (or appliance) and the words a recipe line may use for it."""
_WORD = re.compile(r"[a-z0-9]+")


def needed(command: str, truth: Sequence[TrueFact]) -> list[Need]:
    """The facts ``command`` depends on, from the true state before it (see the module doc)."""
    room = next((f.args[1] for f in truth if f.predicate == "at" and f.args[0] == "P"), "")
    cmd = parse_command(command)
    obj = cmd.obj or ""
    if cmd.verb == "go":
        return [((room,), (obj,))]
    if cmd.verb == "take" and obj:
        where = next(
            (f.args[1] for f in truth if f.predicate in ("at", "in", "on") and f.args[0] == obj),
            None,
        )
        if where is None:
            return []
        needs: list[Need] = [((obj,), (where,))]
        if any(f.predicate == "open" and f.args == (where,) for f in truth):
            needs.append(((where,), ("open",)))
        return needs
    if cmd.verb == "open" and obj:
        return [((obj,), ("closed",))]
    if cmd.verb == "unlock" and obj:
        return [((obj,), ("locked",))]
    if cmd.verb in ("slice", "dice", "chop") and obj:
        return [((obj,), PREPARATIONS[cmd.verb])]
    if cmd.verb == "cook" and obj and (cmd.other or "").lower() in PREPARATIONS:
        return [((obj,), PREPARATIONS[(cmd.other or "").lower()])]
    return []


def blocks(context: str) -> list[set[str]]:
    """The context cut into blocks, each as its set of words: a line that starts a fact
    (``- ``) or a step (``> ``) starts a block, and lines after it belong to it."""
    out: list[set[str]] = []
    for line in context.splitlines():
        words = set(_WORD.findall(line.lower()))
        starts = line.startswith(("- ", "> ")) or not out
        if starts:
            out.append(words)
        else:
            out[-1] |= words
    return out


def inside(need: Need, context_blocks: Iterable[set[str]]) -> bool:
    """Whether one block names both parts of ``need``."""

    def names(part: Part, words: set[str]) -> bool:
        return any(set(_WORD.findall(name.lower())) <= words for name in part)

    first, second = need
    return any(names(first, b) and names(second, b) for b in context_blocks)


@dataclass
class Tally:
    """Needed facts and how many were inside the context, per (memory, budget)."""

    hits: dict[tuple[str, int], int] = field(default_factory=dict)
    needs: int = 0
    unknowable: int = 0
    """Needed facts no observation so far had stated (left out of ``needs``)."""

    def share(self, memory: str, budget: int) -> float:
        """The share inside the context (1.0 when nothing was needed)."""
        return self.hits.get((memory, budget), 0) / self.needs if self.needs else 1.0

    def merge(self, other: Tally) -> None:
        """Add another game's counts."""
        self.needs += other.needs
        self.unknowable += other.unknowable
        for key, value in other.hits.items():
            self.hits[key] = self.hits.get(key, 0) + value


def game_sufficiency(
    track: str,
    seed: int,
    memories: Sequence[str] = MEMORIES,
    budgets: Sequence[int] = BUDGETS,
    cache: WorldCache | None = None,
    config: MemoryConfig | None = None,
) -> Tally:
    """One game's walkthrough, every memory reading it, every budget asked before each
    command. The context is then acted on (`AgentMemory.use`), as the llm policy does."""
    env, evaluator = open_game(track, seed, cache=cache)
    agents = {name: make_memory(name, config) for name in memories}
    tally = Tally()
    seen: list[set[str]] = []  # the words of each observation so far
    try:
        observation = env.reset()
        objective = observation.objective
        for t, command in enumerate([*evaluator.walkthrough, None]):
            for memory in agents.values():
                memory.update(step_text(observation), t, step_extra(observation))
            seen.append(set(_WORD.findall(observation.text.lower())))
            if command is None or observation.done:
                break
            needs = [need for need in needed(command, evaluator.facts()) if inside(need, seen)]
            tally.unknowable += len(needed(command, evaluator.facts())) - len(needs)
            tally.needs += len(needs)
            query = f"{objective}\n{observation.text}"
            for name, memory in agents.items():
                for budget in budgets:
                    context = blocks(memory.context(query, t, budget))
                    got = sum(inside(need, context) for need in needs)
                    tally.hits[(name, budget)] = tally.hits.get((name, budget), 0) + got
                memory.use((), t, command)  # the context is acted on, as by the llm policy
            observation = env.step(command)
    finally:
        for memory in agents.values():
            memory.close()
        evaluator.close()
    return tally


def run_sufficiency(
    tracks: Sequence[str],
    seeds: Sequence[int],
    memories: Sequence[str] = MEMORIES,
    budgets: Sequence[int] = BUDGETS,
    cache: WorldCache | None = None,
    config: MemoryConfig | None = None,
) -> dict[str, Tally]:
    """Every game of every track; a log line per game (to stderr)."""
    from mags.worlds.generate import make_games
    from mags.worlds.tracks import get_track

    totals: dict[str, Tally] = {}
    for track in tracks:
        total = totals.setdefault(track, Tally())
        made = make_games(get_track(track), list(seeds), cache=cache or WorldCache.default())
        for result in made:
            if result.status == "skipped":
                print(
                    f"sufficiency: {track} seed {result.seed} is skipped: {result.reason}",
                    file=sys.stderr,
                )
        for seed in [r.seed for r in made if r.status != "skipped"]:
            tally = game_sufficiency(track, seed, memories, budgets, cache, config)
            total.merge(tally)
            shares = ", ".join(
                f"{m} {tally.share(m, budgets[len(budgets) // 2]):.2f}" for m in memories
            )
            print(
                f"sufficiency: {track} seed {seed}: {tally.needs} needed facts "
                f"({tally.unknowable} unknowable left out); at "
                f"{budgets[len(budgets) // 2]} tokens {shares}",
                file=sys.stderr,
                flush=True,
            )
    return totals


def markdown(totals: dict[str, Tally], memories: Sequence[str], budgets: Sequence[int]) -> str:
    """One row per track and budget, one column per memory.

    Example
    -------
    >>> tally = Tally({("liquid", 200): 9}, 10)
    >>> print(markdown({"tiny": tally}, ["liquid"], [200]))
    | track | budget | needed | liquid |
    |---|---:|---:|---:|
    | tiny | 200 | 10 | 0.90 |
    <BLANKLINE>
    """
    lines = [
        "| track | budget | needed | " + " | ".join(memories) + " |",
        "|---|---:|---:|" + "---:|" * len(memories),
    ]
    for track, tally in totals.items():
        for budget in budgets:
            shares = " | ".join(f"{tally.share(m, budget):.2f}" for m in memories)
            lines.append(f"| {track} | {budget} | {tally.needs} | {shares} |")
    return "\n".join(lines) + "\n"
