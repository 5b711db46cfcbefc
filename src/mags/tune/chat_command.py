"""``mags tune-chat``: recall weights for conversations by leave-one-out cross-validation.

Example
-------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="mags")
>>> add_tune_chat_command(parser.add_subparsers())
>>> parser.parse_args(["tune-chat", "--data", "dev.json", "--trials", "8"]).trials
8
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mags.core.errors import InvalidInputError

if TYPE_CHECKING:
    from mags.tune.chat import Fold

HELP = (
    "Choose the chat recall weights (fact share, fact channel, neighbouring turns, time and "
    "speaker boosts, dense scale) on the LoCoMo conversations of --data by leave-one-"
    "conversation-out cross-validation: --trials candidates drawn at random (seeded) "
    "(the first is today's default) are scored on every conversation once; each fold "
    "chooses on the others and scores the one left out. Writes OUT/summary.md (in-fold and "
    "out-of-fold figures and their spread), OUT/folds.jsonl and OUT/best.toml (the choice "
    "on all conversations; mags ... --config reads it). Resumes from OUT/study.db."
)
MIN_CONVERSATIONS = 3


def add_tune_chat_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``mags tune-chat``."""
    tune = commands.add_parser(
        "tune-chat", help="cross-validate the chat recall weights on LoCoMo", description=HELP
    )
    tune.add_argument("--data", required=True, help="a LoCoMo JSON file (locomo10.json format)")
    tune.add_argument(
        "--conversations", help="comma-separated sample ids to use (default: every one)"
    )
    tune.add_argument("--trials", type=int, default=24, help="candidates (default %(default)s)")
    tune.add_argument(
        "--budgets", default="150,300,750,1500", help="token budgets (default %(default)s)"
    )
    tune.add_argument(
        "--embedder",
        default="auto",
        choices=("auto", "minilm", "wordllama", "none"),
        help="dense search (default: the best installed)",
    )
    tune.add_argument("--seed", type=int, default=0, help="sampler seed (default 0)")
    tune.add_argument("--out", default="tune-chat-out", help="output folder (default %(default)s)")
    tune.set_defaults(run=run_tune_chat)


def _budgets(text: str) -> list[int]:
    try:
        budgets = [int(b) for b in text.split(",") if b.strip()]
    except ValueError:
        raise InvalidInputError(f"--budgets {text!r}: comma-separated token counts") from None
    if not budgets or min(budgets) <= 0:
        raise InvalidInputError(f"--budgets {text!r}: comma-separated positive token counts")
    return budgets


def run_tune_chat(args: argparse.Namespace) -> int:
    """The ``mags tune-chat`` command."""
    import optuna

    from mags.eval.locomo import load_locomo, pick_conversations
    from mags.search.dense import load_embedder
    from mags.tune.chat import (
        RECALL_WEIGHTS,
        ConversationScorer,
        candidate_config,
        chosen_overall,
        folds,
        make_study,
        run_candidates,
    )

    if args.trials < 1:
        raise InvalidInputError(f"--trials must be at least 1, got {args.trials}")
    budgets = _budgets(args.budgets)
    conversations = load_locomo(args.data)
    conversations = pick_conversations(conversations, args.conversations, args.data)
    if len(conversations) < MIN_CONVERSATIONS:
        raise InvalidInputError(
            f"cross-validation needs at least {MIN_CONVERSATIONS} conversations, "
            f"{args.data} gives {len(conversations)}"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    embedder = load_embedder(args.embedder)
    started = time.perf_counter()
    scorers = []
    for conversation in conversations:
        print(f"ingest {conversation.sample_id} ({len(conversation.turns)} turns)", file=sys.stderr)
        scorers.append(ConversationScorer(conversation, budgets, embedder))
    study = make_study(f"sqlite:///{out / 'study.db'}", "chat-recall", args.seed)

    def progress(number: int, params: dict[str, float], mean: float) -> None:
        elapsed = time.perf_counter() - started
        print(
            f"candidate {number + 1}/{args.trials}: {mean:.4f} ({elapsed:.0f} s)", file=sys.stderr
        )

    try:
        scores = run_candidates(study, scorers, args.trials, progress)
    finally:
        for scorer in scorers:
            scorer.close()
    split = folds(scores)
    best = chosen_overall(scores)
    params = {t.number: t.params for t in study.trials if t.number in scores}
    (out / "best.toml").write_text(candidate_config(params[best]).to_toml(), encoding="utf-8")
    with (out / "folds.jsonl").open("w", encoding="utf-8") as file:
        for fold in split:
            file.write(json.dumps({**fold.__dict__, "params": params[fold.chosen]}) + "\n")
    summary = _summary(split, scores, params, best, RECALL_WEIGHTS, args, budgets)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    print(summary)
    return 0


def _summary(
    split: list[Fold],
    scores: dict[int, dict[str, float]],
    params: dict[int, dict[str, float]],
    best: int,
    names: tuple[str, ...],
    args: argparse.Namespace,
    budgets: list[int],
) -> str:
    from mags.tune.chat import folds

    default = scores.get(0, {})
    lines = [
        "# Chat recall weights, cross-validated",
        "",
        f"- data: {Path(args.data).name}, {len(split)} conversations, {len(scores)} candidates "
        f"(random, seed {args.seed}), budgets {','.join(map(str, budgets))}",
        "- score: mean evidence recall over the usable questions and the budgets",
        f"- default (candidate 0) mean "
        f"{statistics.fmean(default.values()) if default else float('nan'):.4f}",
        f"- chosen on all: candidate {best}, mean {statistics.fmean(scores[best].values()):.4f}",
    ]
    drawn = {n: per for n, per in scores.items() if n != 0}
    tables = [("every candidate", split)]
    if len(drawn) > 1:
        # Candidate 0 was itself chosen by hand on development conversations: folds that
        # may pick it are not clean. Among the drawn candidates alone they are.
        clean = "drawn candidates only (clean: none was chosen on this data)"
        tables.append((clean, folds(drawn)))
    for title, rows in tables:
        oof = [f.out_of_fold for f in rows]
        inf = [f.in_fold for f in rows]
        spread = statistics.pstdev(oof) if len(oof) > 1 else 0.0
        lines += ["", f"## Folds, {title}", ""]
        lines += ["| held out | chosen | in-fold | out-of-fold | default on it |"]
        lines += ["|---|---:|---:|---:|---:|"]
        lines += [
            f"| {f.held_out} | {f.chosen} | {f.in_fold:.4f} | {f.out_of_fold:.4f} | "
            f"{default.get(f.held_out, float('nan')):.4f} |"
            for f in rows
        ]
        lines += [
            "",
            f"- in-fold mean {statistics.fmean(inf):.4f}; out-of-fold mean "
            f"{statistics.fmean(oof):.4f} (sd {spread:.4f}, {min(oof):.4f}-{max(oof):.4f})",
        ]
    lines += [
        "",
        "| weight | default | chosen |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {name} | {params.get(0, {}).get(name, float('nan')):.3f} | {params[best][name]:.3f} |"
        for name in names
    ]
    return "\n".join(lines) + "\n"
