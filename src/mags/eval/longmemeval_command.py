"""``mags eval longmemeval``: LongMemEval's JSON scored without an LLM (`mags.eval.longmemeval`).

Example
-------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="mags eval")
>>> add_longmemeval_command(parser.add_subparsers())
>>> parser.parse_args(["longmemeval", "--data", "s.json", "--limit", "5"]).limit
5
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mags.core.errors import InvalidInputError


def add_longmemeval_command(benchmarks: Any) -> None:
    """Register ``mags eval longmemeval`` under ``mags eval``."""
    parser = benchmarks.add_parser(
        "longmemeval",
        help="LongMemEval: evidence and session recall, answer containment, update order",
        description="Ingest each LongMemEval instance's haystack (S, M or oracle file, as "
        "published) into each --systems and score its question: turn-level evidence recall "
        "and answer containment at --budgets tokens, session recall@5 and @10, and for "
        "knowledge-update questions how often the latest evidence ranks above the stale; "
        "by question type, abstention questions counted apart. The data is not shipped: "
        "pass the file.",
    )
    parser.add_argument("--data", required=True, help="longmemeval_s.json, _m or _oracle")
    parser.add_argument("--budgets", default="150,300,750,1500", help="default %(default)s")
    parser.add_argument(
        "--systems", default="liquid,episodes,bm25", help="liquid, episodes, bm25 (default all)"
    )
    parser.add_argument("--limit", type=int, help="score only the first N instances")
    parser.add_argument(
        "--embedder",
        default="auto",
        choices=("auto", "minilm", "wordllama", "none"),
        help="dense search for MAGS (default: the best installed)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per row")
    parser.add_argument("--out", help="also write summary.md and rows.jsonl here")
    parser.set_defaults(run=run_longmemeval)


def run_longmemeval(args: argparse.Namespace) -> int:
    """The ``mags eval longmemeval`` command."""
    from mags.eval.longmemeval import SYSTEMS, evaluate, load_longmemeval
    from mags.search.dense import load_embedder

    try:
        budgets = [int(b) for b in args.budgets.split(",") if b.strip()]
    except ValueError:
        raise InvalidInputError(
            f"--budgets {args.budgets!r}: comma-separated token counts"
        ) from None
    if not budgets or min(budgets) <= 0:
        raise InvalidInputError(f"--budgets {args.budgets!r}: positive token counts")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown or not systems:
        raise InvalidInputError(f"--systems: unknown {unknown}; choose from {', '.join(SYSTEMS)}")
    if args.limit is not None and args.limit < 1:
        raise InvalidInputError(f"--limit must be at least 1, got {args.limit}")
    instances = load_longmemeval(args.data)[: args.limit]
    embedder = load_embedder(args.embedder)
    done = [0]

    def progress(qid: str) -> None:
        done[0] += 1
        print(f"\r{done[0]}/{len(instances)} {qid}", end="", file=sys.stderr, flush=True)

    scores = evaluate(instances, systems, budgets, embedder=embedder, on_instance=progress)
    print(file=sys.stderr)
    rows = list(scores.rows())
    facts = {
        "instances": scores.instances,
        "abstention questions (not scored)": scores.abstentions,
        "questions without has_answer turns (no evidence recall)": scores.no_evidence,
    }
    text = render(rows, budgets, facts)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.md").write_text(text, encoding="utf-8")
        with (out / "rows.jsonl").open("w", encoding="utf-8") as file:
            file.writelines(json.dumps(row) + "\n" for row in rows)
    return 0


def render(rows: list[dict[str, Any]], budgets: list[int], facts: dict[str, int]) -> str:
    """Markdown: the run's counts, then one table per metric (overall), then per type."""
    lines = ["# LongMemEval without an LLM", ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    metrics = dict.fromkeys(r["metric"] for r in rows)
    for metric in metrics:
        chosen = [r for r in rows if r["metric"] == metric]
        size_key = "k" if metric == "session_recall" else "budget"
        sizes = sorted({r[size_key] for r in chosen})
        types = sorted({r["type"] for r in chosen}, key=lambda t: (t != "all", t))
        by = {(r["system"], r[size_key], r["type"]): r for r in chosen}
        lines += ["", f"## {metric.replace('_', ' ')}", ""]
        head = [f"{'@' if size_key == 'k' else ''}{s}" for s in sizes]
        lines += ["| system | type | " + " | ".join(head) + " | questions |"]
        lines += ["|---|---|" + "---:|" * (len(sizes) + 1)]
        for system in dict.fromkeys(r["system"] for r in chosen):
            for qtype in types:
                cells = [by.get((system, s, qtype)) for s in sizes]
                if not any(cells):
                    continue
                values = [f"{c['value']:.3f}" if c else "" for c in cells]
                count = next(c["questions"] for c in cells if c)
                lines.append(f"| {system} | {qtype} | " + " | ".join(values) + f" | {count} |")
    return "\n".join(lines) + "\n"
