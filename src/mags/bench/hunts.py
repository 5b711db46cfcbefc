"""`mags bench-hunts`: the planner on hand-made treasure hunts it has never seen.

Each seed builds one house with TextWorld's `GameMaker` (`mags.worlds.hunts`: no
objective, keys with any name, notes, locked doors and lockers), plays it with the
planner from each memory and the hunt's task in free words (what ``mags play FILE --task``
does), and reports steps against the game's walkthrough. The games stay in
``OUT/games`` to be replayed; ``OUT/results.jsonl`` and ``OUT/summary.md`` hold the rows.

Example
-------
>>> parser = argparse.ArgumentParser()
>>> add_hunts_command(parser.add_subparsers())
>>> parser.parse_args(["bench-hunts", "--seeds", "1-3", "--out", "o"]).max_steps
150
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mags.core.errors import InvalidInputError

HUNT_STEPS = 150
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class HuntRow:
    """One hunt played: the game, the memory, and how it went."""

    seed: int
    memory: str
    rooms: int
    locks: int
    walkthrough: int
    steps: int
    won: bool
    game: str
    task: str

    @property
    def ratio(self) -> float:
        """Steps over walkthrough steps."""
        return self.steps / self.walkthrough if self.walkthrough else float("inf")


def add_hunts_command(commands: Any) -> None:
    """Register ``mags bench-hunts``."""
    hunts = commands.add_parser(
        "bench-hunts",
        help="build hand-made treasure hunts (GameMaker) and play them with the planner",
        description="Build one treasure hunt per seed with TextWorld's GameMaker (about a "
        "dozen rooms, locked doors and lockers, keys with any name, notes; no objective), "
        "play each with the planner and the hunt's task in free words, and report steps "
        "against the walkthrough. Games stay in OUT/games (replay one with mags play FILE "
        "--task TEXT).",
    )
    hunts.add_argument("--seeds", required=True, help="hunt seeds, e.g. 1-10")
    hunts.add_argument("--out", required=True, help="folder for games, results.jsonl, summary.md")
    hunts.add_argument("--memories", default="liquid", help="comma-separated memory variants")
    hunts.add_argument("--rooms", type=int, default=12, help="rooms per house (default 12)")
    hunts.add_argument(
        "--max-steps", type=int, default=HUNT_STEPS, help="step budget (default %(default)s)"
    )
    hunts.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from mags.agents.memories import MEMORY_VARIANTS
    from mags.worlds.seeds import parse_seeds

    memories = [m.strip() for m in args.memories.split(",") if m.strip()]
    unknown = [m for m in memories if m not in MEMORY_VARIANTS]
    if unknown or not memories:
        raise InvalidInputError(
            f"--memories: unknown {', '.join(unknown) or '(none given)'}; choose from "
            f"{', '.join(MEMORY_VARIANTS)}"
        )
    if args.max_steps < 1:
        raise InvalidInputError(f"--max-steps must be at least 1, got {args.max_steps}")
    rows, skipped = bench_hunts(
        parse_seeds(args.seeds), memories, Path(args.out), args.rooms, args.max_steps
    )
    summary = summarize(rows, " ".join(["mags", *sys.argv[1:]]) if sys.argv else "")
    if skipped:
        summary += f"\n- not compiled by Inform 7 (skipped): hunts {', '.join(map(str, skipped))}"
    (Path(args.out) / "summary.md").write_text(summary, encoding="utf-8")
    print(summary)
    return 0


def bench_hunts(
    seeds: list[int], memories: list[str], out: Path, rooms: int, max_steps: int
) -> tuple[list[HuntRow], list[int]]:
    """Build and play every hunt (one log line per game, to stderr); the rows and the seeds
    whose games Inform 7 would not compile."""
    from mags.agents.play import PlaySpec, play_game
    from mags.worlds.errors import WorldError
    from mags.worlds.hunts import build_hunt, plan_hunt

    out.mkdir(parents=True, exist_ok=True)
    rows: list[HuntRow] = []
    skipped: list[int] = []
    with (out / "results.jsonl").open("w", encoding="utf-8") as results:
        for n, seed in enumerate(seeds, 1):
            plan = plan_hunt(seed, rooms)
            try:
                hunt = build_hunt(plan, out / "games" / f"hunt-{seed}.z8")
            except WorldError as exc:
                print(
                    f"[{n}/{len(seeds)}] hunt {seed} skipped: {exc}".splitlines()[0],
                    file=sys.stderr,
                )
                skipped.append(seed)
                continue
            for memory in memories:
                spec = PlaySpec(str(hunt.path), None, "planner", memory, max_steps, task=hunt.task)
                result = play_game(spec)
                row = HuntRow(
                    seed,
                    memory,
                    hunt.rooms,
                    sum(1 for lock in plan.locks if lock.name != "cabinet"),
                    result.walkthrough_steps,
                    result.steps,
                    result.won,
                    str(hunt.path),
                    hunt.task,
                )
                rows.append(row)
                results.write(json.dumps({**row.__dict__, "ratio": row.ratio}) + "\n")
                print(
                    f"[{n}/{len(seeds)}] hunt {seed} {memory}: "
                    f"{'won' if row.won else 'not won'} in {row.steps} steps "
                    f"(walkthrough {row.walkthrough})",
                    file=sys.stderr,
                    flush=True,
                )
    if skipped:
        print(f"hunts not compiled (skipped): {', '.join(map(str, skipped))}", file=sys.stderr)
    return rows, skipped


def summarize(rows: list[HuntRow], command: str = "") -> str:
    """A Markdown table per game and one line per memory.

    Example
    -------
    >>> row = HuntRow(1, "liquid", 12, 3, 20, 25, True, "h.z8", "Find the coin.")
    >>> print(summarize([row]).splitlines()[-1])
    - liquid: won 1/1; within 1.5x the walkthrough 1/1; steps / walkthrough mean 1.25, worst 1.25
    """
    lines = [
        f"# Hand-made treasure hunts\n\n`{command}`\n"
        if command
        else "# Hand-made treasure hunts\n"
    ]
    lines += [
        "| seed | memory | rooms | locks | walkthrough | steps | steps / walkthrough | won |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.seed} | {r.memory} | {r.rooms} | {r.locks} | {r.walkthrough} | {r.steps} "
            f"| {r.ratio:.2f} | {'yes' if r.won else 'no'} |"
        )
    lines.append("")
    for memory in dict.fromkeys(r.memory for r in rows):
        mine = [r for r in rows if r.memory == memory]
        won = [r for r in mine if r.won]
        within = [r for r in won if r.ratio <= TARGET_RATIO]
        ratios = [r.ratio for r in won]
        shape = (
            f"mean {sum(ratios) / len(ratios):.2f}, worst {max(ratios):.2f}"
            if ratios
            else "none won"
        )
        lines.append(
            f"- {memory}: won {len(won)}/{len(mine)}; within {TARGET_RATIO}x the walkthrough "
            f"{len(within)}/{len(mine)}; steps / walkthrough {shape}"
        )
    return "\n".join(lines)
