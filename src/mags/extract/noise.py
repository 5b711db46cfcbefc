"""Noisy extraction, as an LLM extractor produces it: a seeded wrapper around any extractor.

`NoisyExtractor` passes each observation to the extractor it wraps and then, with a
`random.Random` of its own seed, per fact:

- **drop** it with probability ``drop`` (a fact the reader missed);
- **add a false fact** with probability ``false``: the same real subject at a wrong but
  plausible object, an object this extractor has seen with the same relation (another room
  for ``at``, another container for ``in``) or another value of the same exclusive state set
  (``closed`` for ``open``), at the confidence the extractor reported;
- **swap** objects with another fact of the same relation in the observation with
  probability ``swap`` (two things put in each other's place).

The facts come out shuffled. Negations pass through unchanged.

**Outcomes are certain by default.** A fact the extractor reports at confidence 1.0 is
its reading of the game's answer to the agent's *own* command ("You fried the red tuna.",
the room header after a move): the agent knows what it did and whether the game accepted
it, so that reading is not a misreadable view. Such facts pass untouched and come last
(``outcomes="certain"``); ``outcomes="noisy"`` gives them the same errors as every other
fact (the regime before issue 25, and what its results without the tag mean).

`parse_noise` reads the command line's ``--noise drop=P,false=Q,swap=R[,outcomes=noisy]``;
``--noise L`` is short for ``drop=L,false=L,swap=L/2``.

Example
-------
>>> parse_noise("0.2")
NoiseSpec(drop=0.2, false=0.2, swap=0.1, outcomes='certain')
>>> parse_noise("drop=0.1,swap=0.3,outcomes=noisy")
NoiseSpec(drop=0.1, false=0.0, swap=0.3, outcomes='noisy')
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from mags.core.errors import InvalidInputError, MagsError
from mags.core.model import Fact
from mags.core.schema import RelationSchema, default_schema
from mags.extract.base import Extraction, ExtractionContext, Extractor

OUTCOMES = ("certain", "noisy")


@dataclass(frozen=True, slots=True)
class NoiseSpec:
    """Probabilities of each kind of error, per fact."""

    drop: float = 0.0
    false: float = 0.0
    swap: float = 0.0
    outcomes: str = "certain"
    """``certain``: facts at confidence 1.0 (the agent's own outcomes) pass untouched;
    ``noisy``: they get the same errors as the rest."""

    def __post_init__(self) -> None:
        for name in ("drop", "false", "swap"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidInputError(f"--noise {name}={value}: a probability in [0, 1]")
        if self.outcomes not in OUTCOMES:
            raise InvalidInputError(
                f"--noise outcomes={self.outcomes}: write outcomes=certain or outcomes=noisy"
            )

    @property
    def silent(self) -> bool:
        """No noise at all."""
        return self.drop == self.false == self.swap == 0.0

    def label(self) -> str:
        """``drop=0.2,false=0.2,swap=0.1,outcomes=certain``: how results name the regime
        (without the ``outcomes`` part when they are noisy, as results before it was named)."""
        base = f"drop={self.drop:g},false={self.false:g},swap={self.swap:g}"
        return base if self.outcomes == "noisy" else f"{base},outcomes={self.outcomes}"


def parse_noise(text: str) -> NoiseSpec:
    """``L``, ``drop=P,false=Q,swap=R`` (any subset) and ``outcomes=certain|noisy`` as a
    `NoiseSpec`; errors name the flag.

    Example
    -------
    >>> parse_noise("0.2,outcomes=noisy")
    NoiseSpec(drop=0.2, false=0.2, swap=0.1, outcomes='noisy')
    """
    values: dict[str, float] = {}
    outcomes = "certain"
    for part in filter(None, (p.strip() for p in text.strip().split(","))):
        name, equals, number = (x.strip() for x in part.partition("="))
        if not equals:
            try:
                level = float(name)
            except ValueError:
                level = math.nan
            if not math.isnan(level):
                values.update(drop=level, false=level, swap=level / 2)
                continue
        if name == "outcomes":
            outcomes = number
            continue
        if name not in ("drop", "false", "swap") or not number:
            raise InvalidInputError(
                f"--noise {text!r}: write a level (0.2) or drop=P,false=Q,swap=R"
                " (and outcomes=noisy to misread the agent's own outcomes too)"
            )
        try:
            values[name] = float(number)
        except ValueError:
            raise InvalidInputError(f"--noise {part!r}: {number!r} is not a number") from None
    return NoiseSpec(**values, outcomes=outcomes)


class NoisyExtractor:
    """``inner``'s extraction with seeded drops, false facts and swaps (see the module doc)."""

    def __init__(
        self,
        inner: Extractor,
        noise: NoiseSpec,
        seed: int = 0,
        schema: RelationSchema | None = None,
    ) -> None:
        self.inner = inner
        self.noise = noise
        self.seed = seed
        self.schema = schema or default_schema()
        self._rng = random.Random(seed)
        self._seen: dict[str, list[str]] = {}  # relation -> objects seen with it, in order
        self.dropped = self.added = self.swapped = 0

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        clean = self.inner.extract(text, context)
        # In a canonical order first: an extractor may list facts in set order, which
        # changes between processes, and the noise must not.
        facts = sorted((_as_fact(f) for f in clean.facts), key=_order)
        certain = []
        if self.noise.outcomes == "certain":
            certain = [f for f in facts if f.confidence >= 1.0]
            facts = [f for f in facts if f.confidence < 1.0]
        for fact in (*facts, *certain):
            seen = self._seen.setdefault(fact.relation, [])
            if fact.object not in seen:
                seen.append(fact.object)
        out: list[Fact] = []
        for index, fact in enumerate(facts):
            rng = self._rng
            if rng.random() < self.noise.swap:
                partners = [
                    other
                    for other in facts[index + 1 :]
                    if other.relation == fact.relation and other.object != fact.object
                ]
                if partners:
                    other = rng.choice(partners)
                    facts[facts.index(other)] = replace(other, object=fact.object)
                    fact = replace(fact, object=other.object)
                    self.swapped += 1
            if rng.random() < self.noise.false:
                wrong = self._wrong_object(fact)
                if wrong is not None:
                    out.append(replace(fact, object=wrong))
                    self.added += 1
            if rng.random() < self.noise.drop:
                self.dropped += 1
                continue
            out.append(fact)
        # In no particular order, as a model gives them: a false fact neither always comes
        # before its true one (where a last-write-wins baseline would always undo it) nor after.
        self._rng.shuffle(out)
        # The agent's own outcomes last: what it just did outweighs a misreading of the view.
        return Extraction(facts=out + certain, negations=clean.negations)

    def _wrong_object(self, fact: Fact) -> str | None:
        """Another plausible object for ``fact``'s relation, or None when there is none."""
        try:
            spec = self.schema.resolve(fact.relation)
        except MagsError:
            return None
        if spec.state_values:
            group = self.schema.state_group(fact.object.lower())
            values = self.schema.exclusive_states.get(group or "", ())
            choices = [v for v in values if v != fact.object]
        else:
            choices = [o for o in self._seen.get(fact.relation, []) if o != fact.object]
        return self._rng.choice(choices) if choices else None


def noisy(
    extractor: Extractor, noise: NoiseSpec | None, noise_seed: int, game_seed: int | None
) -> Extractor | None:
    """``extractor`` wrapped in the noise of a game's regime (None: no noise, leave it).

    One noise stream per (noise seed, game seed): every memory of a game sees the same errors.
    """
    if noise is None or noise.silent:
        return None
    return NoisyExtractor(extractor, noise, seed=noise_seed * 100_003 + (game_seed or 0))


def regime(noise: NoiseSpec | None, noise_seed: int) -> str:
    """How a result names its noise: ``drop=0.2,false=0.2,swap=0.1,seed=0``; '' for none.

    Example
    -------
    >>> regime(parse_noise("0.2"), 3), regime(None, 3)
    ('drop=0.2,false=0.2,swap=0.1,outcomes=certain,seed=3', '')
    """
    return f"{noise.label()},seed={noise_seed}" if noise is not None and not noise.silent else ""


def _order(fact: Fact) -> tuple[str, str, str, str]:
    return (fact.subject, fact.relation, fact.object, repr(fact.qualifiers))


def _as_fact(fact: Fact | tuple[str, str, str]) -> Fact:
    return fact if isinstance(fact, Fact) else Fact(fact[0], fact[1], fact[2])
