"""``mags eval locomo``: evidence recall at token budgets, and with ``--llm-*`` answers.

Thin: parse the flags, call `mags.eval.locomo_eval.evaluate`, render the rows.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mags.core.errors import InvalidInputError
from mags.eval.extraction_command import add_extraction_command
from mags.eval.longmemeval_command import add_longmemeval_command
from mags.eval.sufficiency_command import add_sufficiency_command
from mags.eval.updates_command import add_updates_command
from mags.llm.flags import add_llm_flags, llm_settings

LOCOMO_HELP = (
    "Ingest each LoCoMo conversation of --data turn by turn into every --systems and measure "
    "turn-level evidence recall of the packed context at each of --budgets tokens "
    "(cl100k_base), per question category and overall. With --llm-base-url/--llm-model, "
    "also answer each question from the liquid context at --answer-budget and from the full "
    "conversation through the model, scored by token F1 and an LLM judge. The data is never "
    "copied: pass the file (e.g. locomo10.json from github.com/snap-research/locomo)."
)


def add_eval_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register ``mags eval locomo``."""
    from mags.eval.locomo_eval import DEFAULT_BUDGETS, SYSTEMS

    evaluate = commands.add_parser("eval", help="evaluate the memory on a conversation benchmark")
    benchmarks = evaluate.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    locomo = benchmarks.add_parser(
        "locomo", help="LoCoMo: evidence recall at token budgets", description=LOCOMO_HELP
    )
    locomo.add_argument("--data", required=True, help="a LoCoMo JSON file (locomo10.json format)")
    locomo.add_argument(
        "--budgets",
        default=",".join(str(b) for b in DEFAULT_BUDGETS),
        help="comma-separated token budgets (default %(default)s)",
    )
    locomo.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help="comma-separated systems (default: MAGS's and the baselines; dense only with an "
        "embedder installed); peer memories mem0, engram, dory with mags[peers]",
    )
    locomo.add_argument(
        "--conversations", help="comma-separated sample ids to evaluate (default: every one)"
    )
    locomo.add_argument(
        "--embedder",
        default="auto",
        choices=("auto", "minilm", "wordllama", "none"),
        help="dense search for MAGS and the dense baseline (default: the best installed: "
        "minilm from mags[minilm], else wordllama from mags[dense])",
    )
    locomo.add_argument("--json", action="store_true", help="print one JSON object per line")
    locomo.add_argument("--out", help="write summary.md, results.jsonl and the plot here")
    locomo.add_argument(
        "--answer-budget",
        type=int,
        default=750,
        help="budget of the liquid context the model answers from (default %(default)s)",
    )
    locomo.add_argument(
        "--answer-limit", type=int, help="answer at most this many questions per conversation"
    )
    add_llm_flags(locomo)
    locomo.set_defaults(run=run_locomo)
    rules = benchmarks.add_parser(
        "chat-rules",
        help="precision of the chat rule extractor against hand labels",
        description="Run ChatRuleExtractor over every turn of --data and score the facts it "
        "still produces against the hand labels of --labels (docs/eval/chat-rules-labels.jsonl).",
    )
    rules.add_argument("--data", required=True, help="a LoCoMo JSON file")
    rules.add_argument(
        "--labels", default="docs/eval/chat-rules-labels.jsonl", help="default %(default)s"
    )
    rules.set_defaults(run=run_chat_rules)
    add_extraction_command(benchmarks)
    add_sufficiency_command(benchmarks)
    add_updates_command(benchmarks)
    add_longmemeval_command(benchmarks)


def run_chat_rules(args: argparse.Namespace) -> int:
    """The ``mags eval chat-rules`` command."""
    from mags.eval.chat_precision import precision_report, render_markdown

    print(render_markdown(precision_report(args.data, args.labels)))
    return 0


def _ints(text: str, flag: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidInputError(f"{flag} takes comma-separated integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise InvalidInputError(f"{flag} takes positive integers, got {text!r}")
    return sorted(set(values))


def _systems(text: str, dense_available: bool, err: Console) -> list[str]:
    from mags.eval.locomo_eval import SYSTEMS
    from mags.eval.peers import PEERS

    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in SYSTEMS + PEERS]
    if unknown or not names:
        raise InvalidInputError(
            f"--systems: unknown {unknown or text!r}; choose from {', '.join(SYSTEMS)} "
            f"or the peers {', '.join(PEERS)} (pip install 'mags[peers]')"
        )
    if "dense" in names and not dense_available:
        err.print(
            "dense baseline skipped: no embedder (pip install 'mags[dense]' or 'mags[minilm]')"
        )
        names.remove("dense")
    return names


def run_locomo(args: argparse.Namespace) -> int:
    """The ``mags eval locomo`` command."""
    from mags.agents.command import llm_config
    from mags.eval.locomo import load_locomo, pick_conversations
    from mags.eval.locomo_eval import Evidence, evaluate
    from mags.eval.locomo_report import markdown, rich_table, write_plot
    from mags.search.dense import load_embedder

    err = Console(stderr=True)
    show = Console(width=None if sys.stdout.isatty() else 160)
    budgets = _ints(args.budgets, "--budgets")
    conversations = load_locomo(args.data)
    conversations = pick_conversations(conversations, args.conversations, args.data)
    embedder = load_embedder(args.embedder)
    systems = _systems(args.systems, embedder is not None, err)
    answering = args.llm_base_url is not None or args.llm_model is not None
    answer = scores = client = None
    if answering:
        from mags.eval.answer import AnswerScores
        from mags.llm.client import LLMClient

        config = llm_config(
            "--llm-* answers", args.llm_base_url, args.llm_model, args.llm_api_key, {},
            llm_settings(args),
        )  # fmt: skip
        client = LLMClient(config)
        scores = {"liquid": AnswerScores(), "full": AnswerScores()}
        answer = _answerer(client, scores, args.answer_limit)
        if args.answer_budget not in budgets:
            budgets = sorted({*budgets, args.answer_budget})
        for needed in ("liquid", "full"):
            if needed not in systems:
                systems.append(needed)
    usable = sum(len(Evidence.of(c).usable) for c in conversations)
    total = len(systems) * usable
    started = time.perf_counter()
    with ProgressLog(err, total) as tick:
        tally = evaluate(
            conversations,
            systems,
            budgets,
            embedder=embedder,
            on_question=tick,
            answer=answer,
            answer_budget=args.answer_budget,
        )
    if client is not None:
        client.close()
    rows = list(tally.rows(budgets))
    embedder_name = type(embedder).__name__ if embedder is not None else "none"
    facts = _run_facts(args, tally, systems, budgets, time.perf_counter() - started, embedder_name)
    extra = _extra_rows(tally, systems, scores)
    if args.json:
        for row in [*rows, *extra]:
            print(json.dumps(row))
    else:
        show.print(rich_table(rows, budgets))
        for key, value in facts.items():
            show.print(f"{key}: {value}")
        for row in extra:
            if row["kind"] == "answers":
                show.print(row)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in [*rows, *extra]), encoding="utf-8"
        )
        (out / "summary.md").write_text(markdown(rows, budgets, facts), encoding="utf-8")
        write_plot(rows, out)
        err.print(f"wrote {out}/summary.md, results.jsonl, recall_vs_budget.png")
    return 0


def _answerer(
    client: Any, scores: Mapping[str, Any], limit: int | None
) -> Callable[[Any, Any, str, str], None]:
    from mags.eval.answer import answer_question, judge_answer, token_f1
    from mags.llm import LLMError
    from mags.llm.refusals import classify

    answered: dict[tuple[str, str], int] = {}

    def answer(conversation: Any, question: Any, system: str, context: str) -> None:
        key = (conversation.sample_id, system)
        if limit is not None and answered.get(key, 0) >= limit:
            return
        answered[key] = answered.get(key, 0) + 1
        try:
            reply = answer_question(client, question.question, context)
        except LLMError as error:
            if error.status is None or classify(error.status, str(error)).kind != "context":
                raise
            # The context does not fit the model (the full conversation in a small model's
            # window): no answer, which scores 0, counted apart.
            scores[system].add(question.category, 0.0, None, unanswered=True)
            return
        try:
            correct: bool | None = judge_answer(
                client, question.question, question.answer, reply.text
            )
        except LLMError:
            correct = None  # a judge reply that never fits its schema: F1 only
        scores[system].add(question.category, token_f1(reply.text, question.answer), correct)

    return answer


class ProgressLog:
    """A bar on a terminal, a log line every 10% otherwise."""

    def __init__(self, err: Console, total: int) -> None:
        self.err, self.total, self.done = err, total, 0
        self.bar: Progress | None = None
        if err.is_terminal:
            self.bar = Progress(
                TextColumn("[bold]locomo[/]"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[last]}"), console=err,
                transient=True,
            )  # fmt: skip
            self.task = self.bar.add_task("locomo", total=total, last="")

    def __enter__(self) -> Callable[[str], None]:
        if self.bar is not None:
            self.bar.start()
        return self.tick

    def tick(self, label: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, last=label)
        elif self.done * 10 // max(1, self.total) != (self.done - 1) * 10 // max(1, self.total):
            self.err.print(f"locomo: {self.done}/{self.total} questions scored ({label})")

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _run_facts(
    args: argparse.Namespace,
    tally: Any,
    systems: Sequence[str],
    budgets: Sequence[int],
    elapsed_s: float,
    embedder_name: str,
) -> dict[str, Any]:
    from mags.eval.locomo_eval import percentile

    facts: dict[str, Any] = {
        "data": args.data,
        "conversations": len({c["conversation"] for c in tally.conversations}),
        "questions": tally.questions,
        "questions left out (no usable evidence)": tally.unusable,
        "of which with empty evidence": tally.empty,
        "evidence ids naming no turn (dropped)": tally.broken_ids,
        "budgets": ",".join(str(b) for b in budgets),
        "tokenizer": "cl100k_base (bpe-openai)",
        "embedder (dense search)": embedder_name,
        "python": platform.python_version(),
        "elapsed_s": round(elapsed_s, 1),
    }
    if tally.full_tokens:
        facts["full context tokens per question (mean)"] = round(
            sum(tally.full_tokens) / len(tally.full_tokens)
        )
    for system in systems:
        if system in tally.failures:
            facts[f"{system}: could not run"] = tally.failures[system]
            continue
        ms = tally.recall_ms.get(system, [])
        ingest = [c["ingest_s"] for c in tally.conversations if c["system"] == system]
        facts[f"{system}: ingest s/conversation (max), recall p50/p95 ms"] = (
            f"{max(ingest):.2f}, {percentile(ms, 0.5):.2f}/{percentile(ms, 0.95):.2f}"
        )
    return facts


def _extra_rows(
    tally: Any, systems: Sequence[str], scores: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    from mags.eval.locomo_eval import percentile

    rows: list[dict[str, Any]] = []
    for record in tally.conversations:
        rows.append({"kind": "ingest", **record})
    for system in systems:
        ms = tally.recall_ms.get(system, [])
        rows.append(
            {
                "kind": "latency",
                "system": system,
                "recall_p50_ms": round(percentile(ms, 0.5), 3),
                "recall_p95_ms": round(percentile(ms, 0.95), 3),
            }
        )
    if tally.full_tokens:
        rows.append(
            {
                "kind": "full_context",
                "tokens_mean": round(sum(tally.full_tokens) / len(tally.full_tokens), 1),
                "tokens_max": max(tally.full_tokens),
            }
        )
    for system, tallied in (scores or {}).items():
        for category, values in tallied.summary().items():
            rows.append({"kind": "answers", "system": system, "category": category, **values})
    return rows
