"""`mags demo`: a scripted tour of the liquid knowledge graph, printed as it happens."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from mags import Fact, InvalidInputError, Memory, MemoryConfig


def _facts_table(memory: Memory, name: str, t: float) -> Table:
    table = Table(title=f"history of {name!r} at t={t:g}", title_justify="left")
    for column in ("fact", "strength", "tau", "evidence", "valid", "status"):
        table.add_column(column)
    for f in memory.history(name):
        status = f.archive_reason or ("current" if f.valid_to is None else "superseded")
        valid = f"{f.valid_from:g} → {'' if f.valid_to is None else f'{f.valid_to:g}'}"
        style = "green" if status == "current" else "dim"
        table.add_row(
            f"{f.subject} {f.relation} {f.object}", f"{f.strength:.2f}", f"{f.tau:g}",
            str(f.evidence), valid, status, style=style,
        )  # fmt: skip
    return table


def _events_table(memory: Memory, since: int) -> Table:
    table = Table(title="events", title_justify="left")
    for column in ("seq", "t", "kind", "facts", "detail"):
        table.add_column(column)
    for e in memory.events(since):
        detail = ", ".join(f"{k}={v}" for k, v in e.data.items() if v not in (None, [], ""))
        ids = ", ".join(map(str, e.facts[:8])) + (" …" if len(e.facts) > 8 else "")
        table.add_row(str(e.seq), f"{e.t:g}", e.kind, ids, detail[:60])
    return table


def run_demo(db_path: str | None = None, console: Console | None = None) -> int:
    """Run the tour; returns an exit code. ``db_path`` keeps the SQLite file."""
    console = console or Console()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(db_path) if db_path else Path(tmp) / "demo.db"
        memory = Memory.open(path, MemoryConfig(tau0=20, theta_prune=0.05))
        if memory.stats()["events"]:
            memory.close()
            raise InvalidInputError(
                f"--db {path} already holds a memory (a previous tour?); the tour tells its "
                "story from an empty memory: remove the file or give another --db"
            )
        say = console.print
        say(Panel.fit("MAGS — a liquid knowledge graph in ten steps", style="bold cyan"))
        say(f"memory file: {path}")

        say("\n[bold]1. t=0 — the agent looks around the kitchen[/]")
        memory.add(
            [
                ("fridge", "at", "kitchen"), ("table", "at", "kitchen"),
                ("apple", "in", "fridge"), ("milk", "in", "fridge"), ("fridge", "is", "closed"),
                ("kitchen", "north_of", "hall"),
                Fact("cookbook", "needs", "apple", qualifiers={"prep": "sliced"}),
            ],
            t=0,
        )  # fmt: skip
        say(memory.stats())

        say("\n[bold]2. t=2 — the apple is taken, then put on the table: superseded[/]")
        memory.add([("apple", "held_by", "player")], t=1)
        memory.add([("apple", "on", "table")], t=2)
        say(_facts_table(memory, "apple", 2))

        say("\n[bold]3. t=3 — it opens the fridge and finds it empty: negative evidence[/]")
        memory.add([("fridge", "is", "open")], t=3)
        closed = memory.negate("in", object="fridge", t=3)
        say(f"closed {len(closed)} fact(s): the milk is no longer believed to be in the fridge")

        say("\n[bold]4. t=4..8 — the apple is seen on the table again and again: consolidation[/]")
        for t in range(4, 9):
            memory.add([("apple", "on", "table")], t=t)
        say(_facts_table(memory, "apple", 8))

        say("\n[bold]5. t=9 — a typo and a plural of 'kitchen cupboard' name one thing: merge[/]")
        memory.add([("kitchen cupboard", "at", "kitchen"), ("kitchen cupboard", "is", "open")], t=9)
        memory.add(
            [("kitchen cupbaord", "at", "kitchen"), ("The Kitchen Cupboards", "is", "open")], t=9
        )
        say([e for e in memory.snapshot(9)["entities"] if "cupboard" in e["name"]])

        say("\n[bold]6. t=10 — 'a key on the shelf… a key in the drawer' in one look: split[/]")
        memory.add([("key", "on", "shelf"), ("key", "in", "drawer")], t=10)
        where = {k: memory.where_is(k, 10) for k in ("key", "key #2")}
        say(", ".join(f"{k} → {v.object}" for k, v in where.items() if v is not None))

        say("\n[bold]7. t=100 — time passes: unreinforced facts decay and are archived[/]")
        memory.add([("player", "at", "hall")], t=100)
        say(f"active facts: {memory.stats()['active_facts']} of {memory.stats()['facts']} stored")
        say(_facts_table(memory, "apple", 100))

        say("\n[bold]8. t=101 — a capacity of 12 active facts: the weakest are archived first[/]")
        memory.configure(memory.config.with_changes(capacity=12))
        memory.add([(f"pebble {i}", "at", "hall") for i in range(10)], t=101)
        say(f"active facts: {memory.stats()['active_facts']} (capacity 12, slack 10%)")

        say("\n[bold]9. t=102 — recall for a prompt, within 60 tokens[/]")
        result = memory.recall("where is the apple?", t=102, budget_tokens=60)
        say(
            Panel(result.text or "(nothing)", title=f"recall: {result.tokens} tokens", expand=False)
        )

        say("\n[bold]10. close and reopen the SQLite file: the same state comes back[/]")
        before = memory.snapshot(102)
        memory.close()
        reopened = Memory.open(path)
        same = reopened.snapshot(102) == before
        say(f"reopened: {reopened.stats()} — identical: {same}")
        say(_events_table(reopened, since=0))
        reopened.close()
        return 0 if same else 1
