"""Configuration: frozen dataclasses with help text and ranges.

Files are read only here and only when asked (`MemoryConfig.from_toml`); nothing reads the
environment behind a caller's back.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mags.core.errors import InvalidInputError


def _param(default: Any, low: float, high: float, help: str, *, optional: bool = False) -> Any:
    return field(
        default=default, metadata={"low": low, "high": high, "help": help, "optional": optional}
    )


@dataclass(frozen=True)
class MemoryConfig:
    """Hyperparameters of the liquid knowledge graph (DESIGN §1); defaults are starting points.

    Example
    -------
    >>> MemoryConfig(eta=0.6, capacity=1000).tau0
    50.0
    >>> MemoryConfig(eta=2.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.core.errors.InvalidInputError: MemoryConfig.eta = 2.0 is out of range ...
    """

    eta: float = _param(0.5, 0.05, 1.0, "evidence gain")
    eta_use: float = _param(0.1, 0.0, 0.5, "use gain (a recalled fact that led to an action)")
    tau0: float = _param(50.0, 1.0, 1e4, "initial time constant, in steps")
    tau_max: float = _param(5000.0, 10.0, 1e6, "longest time constant, in steps")
    kappa: float = _param(0.5, 0.0, 5.0, "time-constant growth per evidence")
    rho: float = _param(0.2, 0.0, 1.0, "strength kept by a superseded fact")
    theta_prune: float = _param(0.05, 0.0, 0.5, "archive threshold on current strength")
    capacity: int | None = _param(
        None, 10, 1e7, "max active facts (None: unlimited)", optional=True
    )
    capacity_slack: float = _param(0.1, 0.0, 0.5, "fraction freed below capacity when pruning")
    s_floor: float = _param(0.3, 0.0, 1.0, "strength floor of stable relations (map links)")
    hops: int = _param(2, 0, 4, "activation spreading steps in recall")
    damping: float = _param(0.5, 0.0, 1.0, "activation kept per hop")
    budget_tokens: int = _param(600, 50, 8000, "default recall budget in tokens")
    fact_share: float = _param(
        0.3, 0.0, 1.0, "share of a recall's budget facts take first when episodes compete"
    )
    fact_weight: float = _param(
        0.3, 0.0, 5.0, "recall: score an episode gets from the best chosen fact it stated"
    )
    next_weight: float = _param(
        0.25, 0.0, 2.0, "recall: share of a turn's score passed to the turn after it"
    )
    next_after_question_weight: float = _param(
        0.6, 0.0, 2.0, "recall: share passed to the turn after a question (its answer)"
    )
    previous_weight: float = _param(
        0.15, 0.0, 2.0, "recall: share of a turn's score passed to the turn before it"
    )
    time_boost: float = _param(
        1.5, 1.0, 5.0, "recall: multiplier of what falls in the query's time window"
    )
    speaker_boost: float = _param(
        1.15, 1.0, 5.0, "recall: multiplier of a turn by a speaker the query names"
    )
    dense_scale: float = _param(
        1.0, 0.0, 5.0, "recall: multiplier of the embedder's weight against lexical hits"
    )
    max_fanout: int = _param(64, 4, 10000, "strongest facts an entity spreads activation over")
    max_seeds: int = _param(8, 1, 64, "entities seeded from a query")
    recency: float = _param(
        0.0, 0.0, 20.0, "recall boost of facts seen or used in the last steps (0: none)"
    )
    merge_threshold: float = _param(0.9, 0.5, 1.0, "name similarity for merging entities")
    split_confidence: float = _param(
        0.95, 0.0, 1.0, "confidence above which conflicts within one observation split"
    )
    contest: float = _param(
        0.1,
        0.0,
        1.0,
        "strength an uncertain contradiction takes from a current fact (1: it supersedes)",
    )

    belief: int = _param(
        0,
        0,
        1,
        "1: strength is the probability a fact holds now, filtered per slot with hazards "
        "and learned reliabilities (issue 35, mags.core.belief); 0: the contest",
    )
    error_values: float = _param(
        4.0, 1.0, 100.0, "belief: how many other values a wrong reading may name"
    )
    reliability_weight: float = _param(
        10.0, 0.0, 1000.0, "belief: pseudo-observations behind a reading's stated confidence"
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            meta = f.metadata
            if value is None and meta["optional"]:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInputError(
                    f"MemoryConfig.{f.name} must be a number, got {value!r}: {meta['help']}"
                )
            if (isinstance(f.default, int) and not isinstance(value, int)) or (
                meta["optional"] and not isinstance(value, int)
            ):
                raise InvalidInputError(
                    f"MemoryConfig.{f.name} must be an integer, got {value!r}: {meta['help']}"
                )
            if not math.isfinite(value) or not meta["low"] <= value <= meta["high"]:
                raise InvalidInputError(
                    f"MemoryConfig.{f.name} = {value!r} is out of range "
                    f"[{meta['low']}, {meta['high']}]: {meta['help']}"
                )
        if self.tau_max < self.tau0:
            raise InvalidInputError(
                f"MemoryConfig.tau_max ({self.tau_max}) must be >= tau0 ({self.tau0})"
            )

    @classmethod
    def for_chat(cls, **changes: Any) -> MemoryConfig:
        """Defaults for conversations, where ``t`` counts turns (DESIGN §5).

        A chat runs for thousands of turns and a person mentions where they live once: a fact
        must outlive a long conversation on one piece of evidence. ``tau0 = 1000`` turns
        (with `chat_schema`'s per-relation scales: a preference or a job lasts 4x that, a plan
        half) keeps a fact seen once above ``theta_prune = 0.02`` for about 3,200 turns;
        each further mention doubles its time constant (``kappa = 1``), up to a million
        turns. Family and identity relations are stable and never fall under ``s_floor``.
        The recall weights are the cross-validated choice of ``mags tune-chat`` on the five
        LoCoMo development conversations (64 candidates drawn at random, the same one
        chosen in all five leave-one-out folds; docs/benchmarks.md): facts take almost no
        budget before the turns (``fact_share = 0.01``; on LoCoMo a turn recalled whole
        beats a fact line about it), the fact channel, the neighbouring turns, the time
        window and a named speaker weigh more than the hand-set weights did, and the
        dense channel 2.34 times its embedder's own weight.

        Example
        -------
        >>> config = MemoryConfig.for_chat()
        >>> config.tau0, config.theta_prune
        (1000.0, 0.02)
        """
        base = {
            "tau0": 1000.0,
            "tau_max": 1e6,
            "kappa": 1.0,
            "theta_prune": 0.02,
            # Chosen by leave-one-conversation-out cross-validation (mags tune-chat).
            "fact_share": 0.01,
            "fact_weight": 0.83,
            "next_weight": 0.47,
            "next_after_question_weight": 1.04,
            "previous_weight": 0.49,
            "time_boost": 2.6,
            "speaker_boost": 1.46,
            "dense_scale": 2.34,
        }
        return cls(**{**base, **changes})

    def with_changes(self, **changes: Any) -> MemoryConfig:
        """A copy with some values changed (validated)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of every value."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MemoryConfig:
        """Build from a dict; unknown keys are an error that lists the known ones."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidInputError(
                f"unknown MemoryConfig keys {unknown}; known keys: {sorted(known)}"
            )
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> MemoryConfig:
        """Read the ``[memory]`` table of a TOML file (or the whole file if it has none)."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInputError(f"config file {path} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"config file {path} is not valid TOML: {exc}") from None
        table = data.get("memory", data)
        if not isinstance(table, dict):
            raise InvalidInputError(f"config file {path}: [memory] must be a table")
        return cls.from_dict(table)

    def to_toml(self) -> str:
        """The ``[memory]`` table as TOML text (``capacity = None`` is left out)."""
        lines = ["[memory]"]
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                lines.append(f"{f.name} = {value!r}  # {f.metadata['help']}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def describe() -> list[dict[str, Any]]:
        """Name, default, range and help of every hyperparameter (for CLIs and the web demo)."""
        return [
            {
                "name": f.name,
                "default": f.default,
                "low": f.metadata["low"],
                "high": f.metadata["high"],
                "help": f.metadata["help"],
            }
            for f in fields(MemoryConfig)
        ]
