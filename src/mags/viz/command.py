"""`mags viz TRACE --out DIR`: a run's HTML replay, PNG frames, GIF and plots.

Example
-------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="mags")
>>> add_viz_command(parser.add_subparsers())
>>> args = parser.parse_args(["viz", "run.jsonl", "--out", "viz", "--max-frames", "30"])
>>> (args.trace, args.out, args.max_frames, args.gif)
('run.jsonl', 'viz', 30, True)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mags.core.errors import InvalidInputError
from mags.viz.frames import sample_indices, write_frames
from mags.viz.html import replay_html
from mags.viz.layout import replay_layout
from mags.viz.plots import write_plots
from mags.viz.trace import read_trace

DEFAULT_MAX_FRAMES = 120
HTML_FILE = "replay.html"
GIF_FILE = "replay.gif"
FRAMES_DIR = "frames"


@dataclass
class VizOutput:
    """The files one `visualize` call wrote."""

    html: Path
    plots: list[Path]
    frames: list[Path] = field(default_factory=list)
    gif: Path | None = None

    def files(self) -> list[Path]:
        """Every file written, the replay first."""
        gif = [self.gif] if self.gif else []
        return [self.html, *gif, *self.plots, *self.frames]


def add_viz_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `mags viz` on the `mags` command's subcommands."""
    viz = commands.add_parser(
        "viz",
        help="draw a trace: HTML replay, PNG frames, animated GIF and plots",
        description="Read a JSONL trace written by `mags play GAME --seed N --trace FILE` "
        "(a liquid memory) and write into OUT: replay.html (self-contained, a step slider), "
        "frames/step-*.png and replay.gif (the active graph each step: new, reinforced, "
        "superseded and archived facts), strengths.png and activity.png.",
    )
    viz.add_argument("trace", help="the JSONL trace of one game")
    viz.add_argument("--out", required=True, help="folder to write into (created if missing)")
    viz.add_argument(
        "--max-frames",
        type=int,
        default=DEFAULT_MAX_FRAMES,
        help="most PNG/GIF frames; steps are sampled evenly, keeping those where facts were "
        "superseded or archived (default %(default)s)",
    )
    viz.add_argument("--no-gif", dest="gif", action="store_false", help="skip the GIF")
    viz.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    output = viz_command(args.trace, args.out, max_frames=args.max_frames, gif=args.gif)
    console = Console()
    for path in output.files():
        console.print(str(path), highlight=False)
    return 0


def viz_command(
    trace: str | Path,
    out: str | Path,
    *,
    max_frames: int = DEFAULT_MAX_FRAMES,
    gif: bool = True,
    console: Console | None = None,
) -> VizOutput:
    """Read ``trace`` and write everything into ``out``, with a progress bar on ``console``."""
    if max_frames < 1:
        raise InvalidInputError(f"--max-frames must be at least 1, got {max_frames}")
    replay = read_trace(trace)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    layout = replay_layout(replay)
    html_path = out / HTML_FILE
    html_path.write_text(replay_html(replay, layout), encoding="utf-8")
    plots = write_plots(replay, out)
    eventful = {i for i, frame in enumerate(replay.frames) if frame.eventful}
    indices = sample_indices(len(replay.frames), max_frames, eventful)
    with Progress(
        TextColumn("drawing frames"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("frames", total=len(indices))
        written = write_frames(
            replay,
            layout,
            out / FRAMES_DIR,
            indices,
            gif=out / GIF_FILE if gif else None,
            on_frame=lambda _: progress.advance(task),
        )
    return VizOutput(html_path, plots, written.pngs, written.gif)
