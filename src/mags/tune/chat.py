"""Recall weights for conversations chosen by cross-validation (issue 26 item 1).

A weight fitted on the conversations it is measured on looks better than it is: on five
LoCoMo conversations the project had never seen, MAGS lost 3-6 points against its figures
on the five it was tuned on, while BM25 (nothing tuned) lost one. So the recall weights
(`RECALL_WEIGHTS`: the fact share, the fact channel's weight, the shares passed to
neighbouring turns, the time and speaker boosts, the dense channel's scale) are chosen
by k-fold cross-validation over the development conversations, leaving one out per fold:

1. **Candidates that do not look at the data.** Optuna's random sampler (seeded; it never
   reads a score, unlike TPE) proposes ``trials`` settings of the weights over `SEARCH`'s
   ranges; trial 0 is today's default. Each is scored on every conversation once
   (mean evidence recall over the budgets) and the scores are kept per conversation in the
   study (``user_attrs``), so a study resumes and the folds share the work: a candidate set
   chosen without looking at scores can be scored once and selected from per fold.
2. **Folds.** For each conversation ``c``, the candidate with the best mean on the others
   is chosen (*in-fold* score) and scored on ``c`` (*out-of-fold*). Their means, and the
   spread of the out-of-fold scores, say how much the choice is worth on a conversation it
   was not chosen on.
3. **The choice.** The candidate with the best mean on all conversations is the
   cross-validated default (``best.toml``); its out-of-fold estimate is step 2's.

Every conversation is ingested once (the weights act at recall, not at ingest) into a
memory in RAM, and each candidate is applied with `Memory.configure`.

Example
-------
>>> scores = {0: {"a": 0.5, "b": 0.7, "c": 0.6}, 1: {"a": 0.6, "b": 0.6, "c": 0.9}}
>>> [(f.held_out, f.chosen, f.in_fold, f.out_of_fold) for f in folds(scores)]
[('a', 1, 0.75, 0.6), ('b', 1, 0.75, 0.6), ('c', 0, 0.6, 0.6)]
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.samplers import RandomSampler

from mags.config import MemoryConfig
from mags.eval.locomo import Conversation
from mags.eval.locomo_eval import Evidence, evidence_recall, ingest
from mags.eval.turns import turn_lines
from mags.search.dense import Embedder

SEARCH: dict[str, tuple[float, float]] = {
    "fact_share": (0.0, 0.5),
    "fact_weight": (0.0, 1.0),
    "next_weight": (0.0, 0.6),
    "next_after_question_weight": (0.0, 1.2),
    "previous_weight": (0.0, 0.5),
    "time_boost": (1.0, 3.0),
    "speaker_boost": (1.0, 2.0),
    "dense_scale": (0.0, 3.0),
}
"""The recall weights searched and their ranges (inside `MemoryConfig`'s bounds)."""
RECALL_WEIGHTS = tuple(SEARCH)


@dataclass(frozen=True)
class Fold:
    """One fold: the conversation held out, the candidate chosen on the others, its mean
    there (in-fold) and its score on the held-out one (out-of-fold)."""

    held_out: str
    chosen: int
    in_fold: float
    out_of_fold: float


def folds(scores: Mapping[int, Mapping[str, float]]) -> list[Fold]:
    """Leave-one-conversation-out folds over candidates' per-conversation scores (only
    candidates scored on every conversation take part; ties go to the lower number)."""
    samples = sorted({s for per in scores.values() for s in per})
    complete = {n: per for n, per in scores.items() if all(s in per for s in samples)}
    out: list[Fold] = []
    for held in samples:
        train = {
            n: statistics.fmean(per[s] for s in samples if s != held) for n, per in complete.items()
        }
        best = max(sorted(train), key=train.__getitem__)
        out.append(Fold(held, best, round(train[best], 4), complete[best][held]))
    return out


def chosen_overall(scores: Mapping[int, Mapping[str, float]]) -> int:
    """The candidate with the best mean on every conversation (the default to ship)."""
    samples = sorted({s for per in scores.values() for s in per})
    complete = {n: per for n, per in scores.items() if all(s in per for s in samples)}
    return max(sorted(complete), key=lambda n: statistics.fmean(complete[n].values()))


class ConversationScorer:
    """A conversation ingested once, scored under any recall weights."""

    def __init__(
        self, conversation: Conversation, budgets: Sequence[int], embedder: Embedder | None
    ) -> None:
        self.conversation = conversation
        self.budgets = tuple(budgets)
        self.evidence = Evidence.of(conversation)
        self.lines = turn_lines(conversation.turns)
        self.memory = ingest(conversation, None, MemoryConfig.for_chat(), embedder)
        self.t = float(len(conversation.turns))

    def score(self, config: MemoryConfig) -> float:
        """Mean evidence recall over the usable questions and the budgets under ``config``."""
        self.memory.configure(config)
        values = [
            evidence_recall(self.memory.recall(q.question, self.t, budget).text, valid, self.lines)
            for q, valid in self.evidence.usable
            for budget in self.budgets
        ]
        return round(statistics.fmean(values), 4) if values else 0.0

    def close(self) -> None:
        """Free the memory."""
        self.memory.close()


def candidate_config(params: Mapping[str, float]) -> MemoryConfig:
    """The chat defaults with ``params`` (recall weights) changed."""
    return MemoryConfig.for_chat(**params)


def run_candidates(
    study: optuna.Study,
    scorers: Sequence[ConversationScorer],
    trials: int,
    on_trial: Callable[[int, dict[str, float], float], None] | None = None,
) -> dict[int, dict[str, float]]:
    """Score candidates until the study holds ``trials`` complete ones; returns every
    complete candidate's per-conversation scores (resumed ones included)."""
    distributions: dict[str, BaseDistribution] = {
        name: FloatDistribution(low, high) for name, (low, high) in SEARCH.items()
    }
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done and not study.trials:
        defaults = MemoryConfig.for_chat()
        study.enqueue_trial({name: getattr(defaults, name) for name in SEARCH})
    for _ in range(max(0, trials - len(done))):
        trial = study.ask(distributions)
        config = candidate_config(trial.params)
        per = {s.conversation.sample_id: s.score(config) for s in scorers}
        for sample, value in per.items():
            trial.set_user_attr(f"score:{sample}", value)
        mean = statistics.fmean(per.values())
        study.tell(trial, mean)
        if on_trial is not None:
            on_trial(trial.number, dict(trial.params), mean)
    return {
        t.number: {k.removeprefix("score:"): v for k, v in t.user_attrs.items()}
        for t in study.trials
        if t.state == optuna.trial.TrialState.COMPLETE
    }


def make_study(storage: str, name: str, seed: int) -> optuna.Study:
    """A study of candidates drawn at random with ``seed`` (created or resumed)."""
    return optuna.create_study(
        storage=storage,
        study_name=name,
        direction="maximize",
        sampler=RandomSampler(seed=seed),
        load_if_exists=True,
    )
