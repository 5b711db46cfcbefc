"""A memory's capacity as a user gives it: a number of facts, or a share of the world.

A fixed number binds differently on a small kitchen and a maze of eighty rooms; a share
of the facts the game's true state holds at the start (``25%``) binds alike on both,
which is what a capacity study compares memories at.

Example
-------
>>> Capacity.parse("25%").resolve(true_facts=200), Capacity.parse("40").resolve(200)
(50, 40)
>>> Capacity.parse("25%").label()
'25%'
"""

from __future__ import annotations

from dataclasses import dataclass

from mags.core.errors import InvalidInputError

MIN_CAPACITY = 10
"""The smallest capacity `MemoryConfig` accepts."""


@dataclass(frozen=True)
class Capacity:
    """``facts`` active facts, or ``share`` of the game's true state (one of the two)."""

    facts: int | None = None
    share: float | None = None

    @classmethod
    def parse(cls, text: str) -> Capacity:
        """``"40"`` (facts) or ``"25%"`` (of the true state); a clear error otherwise."""
        raw = text.strip()
        try:
            if raw.endswith("%"):
                share = float(raw[:-1]) / 100.0
                if not 0.0 < share <= 1.0:
                    raise ValueError
                return cls(share=share)
            facts = int(raw)
        except ValueError:
            raise InvalidInputError(
                f"--capacity {text!r}: give a number of facts (e.g. 40) or a share of the "
                "game's true state between 1% and 100% (e.g. 25%)"
            ) from None
        if facts < MIN_CAPACITY:
            raise InvalidInputError(
                f"--capacity must be at least {MIN_CAPACITY} facts, got {facts}"
            )
        return cls(facts=facts)

    def resolve(self, true_facts: int) -> int:
        """The number of facts for a game whose true state holds ``true_facts``."""
        if self.facts is not None:
            return self.facts
        return max(MIN_CAPACITY, round((self.share or 0.0) * true_facts))

    def label(self) -> str:
        """How the command line wrote it."""
        return f"{self.facts}" if self.facts is not None else f"{(self.share or 0) * 100:g}%"
