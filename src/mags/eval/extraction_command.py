"""`mags eval extraction`: an LLM extractor's facts against the rule extractor's, on games."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from mags.llm.flags import add_llm_flags, endpoint_from_flags

EXTRACTION_HELP = (
    "Walk each game's walkthrough and, at every step, compare the facts an LLM extractor "
    "(--llm-base-url/--llm-model) reads from the observation with those of the rule "
    "extractor, which is precise on these games: precision, recall and F1 of the LLM's "
    "facts, failed calls, and seconds per call. One line per game as it finishes."
)


def add_extraction_command(
    benchmarks: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register ``mags eval extraction``."""
    parser = benchmarks.add_parser(
        "extraction",
        help="an LLM extractor against the rule extractor on game walkthroughs",
        description=EXTRACTION_HELP,
    )
    parser.add_argument("--tracks", required=True, help="comma-separated tracks, e.g. tiny")
    parser.add_argument("--seeds", required=True, help="seeds and ranges, e.g. 1-3")
    parser.add_argument("--json", action="store_true", help="print one JSON object per game")
    parser.add_argument("--out", help="also write the table as Markdown to this file")
    parser.add_argument("--cache", help="world cache folder (default: $MAGS_CACHE/worlds)")
    add_llm_flags(parser)
    parser.set_defaults(run=run_extraction)


def run_extraction(args: argparse.Namespace) -> int:
    """The ``mags eval extraction`` command."""
    from mags.eval.extraction import ExtractionScore, compare, walkthrough_steps
    from mags.extract.llm import LLMExtractor
    from mags.extract.textworld import TextWorldExtractor
    from mags.llm import LLMClient
    from mags.worlds.cache import WorldCache
    from mags.worlds.seeds import parse_seeds

    err = Console(stderr=True)
    config = endpoint_from_flags(args, "mags eval extraction")
    cache = WorldCache(args.cache) if args.cache else WorldCache.default()
    tracks = [t.strip() for t in args.tracks.split(",") if t.strip()]
    seeds = parse_seeds(args.seeds)
    rows: list[dict[str, Any]] = []
    totals: dict[str, ExtractionScore] = {}
    with LLMClient(config) as client:
        for track in tracks:
            total = totals.setdefault(track, ExtractionScore())
            for seed in _available(track, seeds, cache, err):
                score = compare(
                    LLMExtractor(client),
                    TextWorldExtractor(),
                    walkthrough_steps(track, seed, cache),
                )
                total.merge(score)
                row = {"model": config.model, "track": track, "seed": seed, **score.to_json()}
                rows.append(row)
                if args.json:
                    print(json.dumps(row), flush=True)
                err.print(
                    f"extraction: {track} seed {seed}: precision {score.precision:.2f}, recall "
                    f"{score.recall:.2f} over {score.steps} steps ({score.failures} failed calls)"
                )
    summary = [{"model": config.model, "track": t, **s.to_json()} for t, s in totals.items()]
    if not args.json:
        Console(width=None if sys.stdout.isatty() else 160).print(_table(summary))
    if args.out:
        Path(args.out).write_text(markdown(summary), encoding="utf-8")
    return 0


COLUMNS = ("model", "track", "steps", "precision", "recall", "f1", "failures", "s_per_call_mean")


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="LLM extraction against the rule extractor")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in ("model", "track") else "right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in COLUMNS))
    return table


def _available(track: str, seeds: list[int], cache: Any, err: Console) -> list[int]:
    """The seeds of ``track`` that can be played: missing games generated, skipped ones said."""
    from mags.worlds.generate import make_games
    from mags.worlds.tracks import get_track

    results = make_games(get_track(track), seeds, cache=cache)
    for result in results:
        if result.status == "skipped":
            err.print(f"extraction: seed {result.seed} of {track} is skipped: {result.reason}")
    return [r.seed for r in results if r.status != "skipped"]


def markdown(rows: list[dict[str, Any]]) -> str:
    """The per-track summary as a Markdown table."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines) + "\n"
