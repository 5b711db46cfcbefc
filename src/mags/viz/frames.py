"""PNG frames and an animated GIF of a run's active graph, drawn with matplotlib.

Each frame shows the graph after one step on the run's one `Layout`: an edge's width is its
strength and its colour what happened to it (new green, reinforced blue, merged purple; a
superseded fact flashes red, then lingers grey and fades; an archived one fades in amber
(decay) or brown (capacity)). Entities are marked by kind. One figure is built once and
only its data change from frame to frame, which keeps rendering fast.

Example
-------
>>> replay_steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
>>> eventful = {7}
>>> sample_indices(len(replay_steps), 4, eventful)
[0, 4, 7, 9]
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from PIL import Image

from mags.viz.layout import Layout
from mags.viz.trace import Departure, Frame, Replay

STATUS_COLOURS = {
    "steady": "#9aa7b4",
    "new": "#2ca02c",
    "reinforced": "#3a78c2",
    "merged": "#9467bd",
    "superseded": "#d62728",
    "decay": "#f0a020",
    "capacity": "#8c564b",
    "removed": "#7f7f7f",
}
"""Edge colour by what happened to the edge this step (a departure's reason for ghosts)."""

FADED = "#b5b5b5"
"""A superseded edge's colour once its flash is over."""

KIND_STYLES = {
    "room": ("s", "#4c72b0", 230.0),
    "door": ("D", "#8172b3", 80.0),
    "container": ("h", "#c44e52", 120.0),
    "supporter": ("^", "#dd8452", 120.0),
    "person": ("P", "#55a868", 150.0),
    "thing": ("o", "#a17c5b", 60.0),
    "state": ("d", "#8c8c8c", 40.0),
    "direction": ("d", "#8c8c8c", 40.0),
}
"""Entity kind -> (matplotlib marker, colour, marker area)."""

OTHER_KIND = ("o", "#6f6f6f", 60.0)
LINGER = 4
"""Frames a departed edge stays visible: its step (a flash), then fading."""

SIZE = (12.8, 7.2)
DPI = 100
GIF_WIDTH = 960
GIF_MS = 700


@dataclass(frozen=True)
class FramesWritten:
    """What `write_frames` wrote."""

    pngs: list[Path]
    gif: Path | None


def sample_indices(count: int, max_frames: int, keep: Collection[int] = ()) -> list[int]:
    """Up to ``max_frames`` of ``count`` frame indices, evenly spread, first and last kept.

    Indices in ``keep`` (steps where something was reconciled or archived) are kept first;
    when they alone are more than ``max_frames``, they are themselves sampled evenly.
    """
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, got {max_frames}")
    if count <= max_frames:
        return list(range(count))
    chosen = {0, count - 1} | set(keep)
    if len(chosen) > max_frames:
        return _evenly(sorted(chosen), max_frames)
    others = [i for i in range(count) if i not in chosen]
    return sorted(chosen | set(_evenly(others, max_frames - len(chosen))))


def _evenly(items: Sequence[int], n: int) -> list[int]:
    if n <= 0:
        return []
    if n == 1:
        return [items[len(items) // 2]]
    positions = np.linspace(0, len(items) - 1, n).round().astype(int)
    return [items[i] for i in sorted(set(positions.tolist()))]


class FrameRenderer:
    """One matplotlib figure for a replay; `draw` updates it to a frame."""

    def __init__(self, replay: Replay, layout: Layout) -> None:
        self.replay = replay
        self.layout = layout
        self.figure = Figure(figsize=SIZE, dpi=DPI, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.graph_axes = self.figure.add_axes((0.0, 0.0, 0.71, 0.89))
        self.graph_axes.set_axis_off()
        margin = 0.06
        self.graph_axes.set_xlim(-margin, layout.width + margin)
        self.graph_axes.set_ylim(-margin, layout.height + margin)
        self.graph_axes.set_aspect("equal", adjustable="box")
        self.ghost_lines = LineCollection([], linestyles="--", zorder=1, capstyle="round")
        self.edge_lines = LineCollection([], zorder=2, capstyle="round")
        self.graph_axes.add_collection(self.ghost_lines)
        self.graph_axes.add_collection(self.edge_lines)
        self.kinds = replay.node_kinds()
        # Values drawn as satellites (see `mags.viz.layout`) have no node of their own.
        self.names = [name for name in self.kinds if name in layout.positions]
        self.markers = self._markers()
        self.labels = self._labels()
        self.values: dict[tuple[str, str], Text] = {}
        self.relation_labels: list[Text] = []
        self.title = self.figure.text(0.01, 0.955, "", fontsize=15, weight="bold", va="center")
        self.subtitle = self.figure.text(0.01, 0.915, "", fontsize=10.5, color="#444", va="center")
        self._side_panel()

    # -- built once ------------------------------------------------------------------------

    def _markers(self) -> dict[str, tuple[PathCollection, list[str]]]:
        by_kind: dict[str, list[str]] = {}
        for name in self.names:
            by_kind.setdefault(self.kinds[name], []).append(name)
        markers = {}
        for kind, names in by_kind.items():
            marker, _, area = KIND_STYLES.get(kind, OTHER_KIND)
            xy = np.array([self.layout.position(n) for n in names])
            dots = self.graph_axes.scatter(
                xy[:, 0], xy[:, 1], s=area, marker=marker, zorder=3, linewidths=0.8
            )
            markers[kind] = (dots, names)
        return markers

    def _labels(self) -> dict[str, Text]:
        labels = {}
        for name in self.names:
            x, y = self.layout.position(name)
            room = self.kinds[name] == "room"
            # A room's exits sit on its sides, so its name goes on the diagonal between them.
            labels[name] = self.graph_axes.text(
                x + (0.012 if room else 0.0),
                y + 0.012 if room else y - 0.016,
                name,
                fontsize=9.5 if room else 7.5,
                weight="bold" if room else "normal",
                ha="left" if room else "center",
                va="bottom" if room else "top",
                zorder=7 if room else 4,
                clip_on=True,
            )
        return labels

    def _side_panel(self) -> None:
        fig = self.figure
        legend = fig.add_axes((0.715, 0.66, 0.28, 0.32))
        legend.set_axis_off()
        edge_handles = [
            Line2D([], [], color=STATUS_COLOURS[s], lw=2.5, ls=ls, label=label)
            for s, ls, label in (
                ("new", "-", "new fact"),
                ("reinforced", "-", "reinforced"),
                ("steady", "-", "unchanged"),
                ("merged", "-", "merged"),
                ("superseded", "--", "superseded"),
                ("decay", "--", "archived: decay"),
                ("capacity", "--", "archived: capacity"),
            )
        ]
        present = list(dict.fromkeys(self.kinds.values()))
        kind_handles = [
            Line2D(
                [],
                [],
                ls="",
                marker=KIND_STYLES.get(kind, OTHER_KIND)[0],
                color=KIND_STYLES.get(kind, OTHER_KIND)[1],
                markersize=8,
                label=kind,
            )
            for kind in sorted(present, key=lambda k: (k not in KIND_STYLES, k))
            if not self.layout.satellites or kind not in ("state", "direction")
        ]
        if self.layout.satellites:
            kind_handles.append(
                Line2D(
                    [], [], ls="", marker="s", color="#e6e6e6", markersize=9, label="state / exit"
                )
            )
        first = legend.legend(
            handles=edge_handles,
            loc="upper left",
            bbox_to_anchor=(0.0, 1.0),
            fontsize=8.5,
            title="facts (width = strength)",
            title_fontsize=9,
            frameon=False,
            alignment="left",
        )
        legend.add_artist(first)
        legend.legend(
            handles=kind_handles,
            loc="upper left",
            bbox_to_anchor=(0.58, 1.0),
            fontsize=8.5,
            title="entities",
            title_fontsize=9,
            frameon=False,
            alignment="left",
        )
        self.counts = fig.text(0.725, 0.64, "", fontsize=9.5, va="top", family="monospace")
        self.observation = fig.text(
            0.725, 0.49, "", fontsize=8.5, va="top", color="#333", style="italic", wrap=False
        )
        spark = fig.add_axes((0.745, 0.05, 0.215, 0.16))
        steps = [f.step for f in self.replay.frames]
        active = [len(f.edges) for f in self.replay.frames]
        changed = [f.count("reconcile") + f.archived for f in self.replay.frames]
        bars = spark.twinx()  # changes are a few per step, active facts a hundred
        bars.bar(steps, changed, color=STATUS_COLOURS["superseded"], alpha=0.45, width=0.8)
        bars.tick_params(labelsize=7, colors=STATUS_COLOURS["superseded"])
        spark.plot(steps, active, color="#333", lw=1.4, zorder=3)
        spark.set_zorder(bars.get_zorder() + 1)
        spark.patch.set_visible(False)
        spark.set_title("active facts (line) · superseded + archived (bars)", fontsize=8)
        spark.tick_params(labelsize=7)
        spark.set_xlabel("step", fontsize=7)
        for axes in (spark, bars):
            axes.spines["top"].set_visible(False)
        self.cursor = spark.axvline(steps[0], color="#d62728", lw=1.2)

    # -- per frame ---------------------------------------------------------------------------

    def draw(self, index: int) -> None:
        """Update the figure to frame ``index`` of the replay."""
        frame = self.replay.frames[index]
        segments, colours, widths = [], [], []
        order = {"steady": 0, "reinforced": 1, "merged": 2, "new": 3}
        for edge in sorted(frame.edges, key=lambda e: order[frame.states[e.id]]):
            segments.append(self.layout.ends(edge.subject, edge.object))
            colours.append(STATUS_COLOURS[frame.states[edge.id]])
            widths.append(0.6 + 3.2 * edge.strength)
        self.edge_lines.set_segments(segments)
        self.edge_lines.set_color(colours)
        self.edge_lines.set_linewidth(widths)
        self.edge_lines.set_alpha(0.9)
        ghosts = self.replay.ghosts(index, LINGER)
        ghost_segments, ghost_colours, ghost_widths = [], [], []
        for departure, age in sorted(ghosts, key=lambda g: -g[1]):
            edge = departure.edge
            ghost_segments.append(self.layout.ends(edge.subject, edge.object))
            fade = 1.0 - age / LINGER
            colour = STATUS_COLOURS[departure.reason]
            if departure.reason == "superseded" and age > 0:
                colour = FADED
            ghost_colours.append(_rgba(colour, 0.95 * fade if age == 0 else 0.7 * fade))
            ghost_widths.append(3.0 if age == 0 else 1.6)
        self.ghost_lines.set_segments(ghost_segments)
        self.ghost_lines.set_color(ghost_colours)
        self.ghost_lines.set_linewidth(ghost_widths)
        self._draw_nodes(frame, ghosts)
        self._draw_value_labels(frame, ghosts)
        self._draw_relation_labels(frame, ghosts)
        self._draw_text(frame)
        self.cursor.set_xdata([frame.step, frame.step])

    def _draw_nodes(self, frame: Frame, ghosts: list[tuple[Departure, int]]) -> None:
        for kind, (dots, names) in self.markers.items():
            colour = KIND_STYLES.get(kind, OTHER_KIND)[1]
            faces = [_rgba(colour, 1.0 if n in frame.nodes else 0.12) for n in names]
            edges = [_rgba("#ffffff" if n in frame.nodes else colour, 0.9) for n in names]
            dots.set_facecolor(faces)
            dots.set_edgecolor(edges)
        for name, label in self.labels.items():
            label.set_alpha(1.0 if name in frame.nodes else 0.25)
            label.set_color("#222" if name in frame.nodes else "#888")

    def _draw_value_labels(self, frame: Frame, ghosts: list[tuple[Departure, int]]) -> None:
        """Name each satellite (a state, a direction) that an active or departing edge ends on."""
        shown: dict[tuple[str, str], float] = {}
        for departure, age in ghosts:
            edge = departure.edge
            shown[(edge.subject, edge.object)] = 0.8 * (1.0 - age / LINGER)
        for edge in frame.edges:
            shown[(edge.subject, edge.object)] = 1.0
        for pair, text in self.values.items():
            text.set_visible(pair in shown)
        for pair, alpha in shown.items():
            if not self.layout.is_satellite(*pair):
                continue
            if pair not in self.values:
                x, y = self.layout.satellites[pair]
                self.values[pair] = self.graph_axes.text(
                    x,
                    y,
                    pair[1],
                    fontsize=6.5,
                    color="#555",
                    ha="center",
                    va="center",
                    zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "#f4f4f4", "ec": "none"},
                )
            self.values[pair].set_visible(True)
            self.values[pair].set_alpha(alpha)

    def _draw_relation_labels(self, frame: Frame, ghosts: list[tuple[Departure, int]]) -> None:
        """Name the relation on edges that just appeared or just left (the news of the step)."""
        for text in self.relation_labels:
            text.remove()
        self.relation_labels = []
        news = [(e, STATUS_COLOURS["new"]) for e in frame.edges if frame.states[e.id] == "new"]
        news += [(d.edge, STATUS_COLOURS[d.reason]) for d, age in ghosts if age == 0]
        if len(news) > 14:  # the first observation of a room: too many to name
            return
        for edge, colour in news:
            (x0, y0), (x1, y1) = self.layout.ends(edge.subject, edge.object)
            self.relation_labels.append(
                self.graph_axes.text(
                    (x0 + x1) / 2,
                    (y0 + y1) / 2,
                    edge.relation,
                    fontsize=7,
                    color=colour,
                    ha="center",
                    va="center",
                    zorder=6,
                    weight="bold",
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
                )
            )

    def _draw_text(self, frame: Frame) -> None:
        last = self.replay.frames[-1].step
        command = f"> {frame.command}" if frame.command else "start"
        self.title.set_text(f"Step {frame.step}/{last}   {command}")
        done = "   game over" if frame.done else ""
        self.subtitle.set_text(
            f"score {frame.score}   ·   {len(frame.edges)} active facts, "
            f"{len(frame.nodes)} entities{done}"
        )
        states = list(frame.states.values())
        self.counts.set_text(
            "\n".join(
                (
                    f"new         {states.count('new'):>4}",
                    f"reinforced  {states.count('reinforced'):>4}",
                    f"superseded  {frame.count('reconcile'):>4}",
                    f"archived    {frame.archived:>4}"
                    f"  (decay {frame.count('decay_archive')},"
                    f" capacity {frame.count('capacity_archive')})",
                    f"merged      {frame.count('merge'):>4}",
                )
            )
        )
        text = " ".join(frame.observation.split())
        lines = textwrap.wrap(text, 52)[:9]
        if len(textwrap.wrap(text, 52)) > 9:
            lines[-1] += " …"
        self.observation.set_text("\n".join(lines))

    def image(self) -> Image.Image:
        """The current frame as a Pillow image (RGB)."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="rgba", dpi=DPI)
        width, height = (round(side * DPI) for side in self.figure.get_size_inches())
        pixels = np.frombuffer(buffer.getvalue(), dtype=np.uint8).reshape(height, width, 4)
        return Image.fromarray(pixels[..., :3].copy())


def _rgba(colour: str, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r, g, b, max(0.0, min(1.0, alpha)))


def write_frames(
    replay: Replay,
    layout: Layout,
    out: Path,
    indices: Sequence[int],
    *,
    gif: Path | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> FramesWritten:
    """Draw frames ``indices`` of ``replay`` as PNGs in ``out`` and, given ``gif``, a GIF.

    ``on_frame(i)`` is called after each frame (for a progress bar).
    """
    out.mkdir(parents=True, exist_ok=True)
    renderer = FrameRenderer(replay, layout)
    width = len(str(replay.frames[-1].step))
    pngs: list[Path] = []
    images: list[Image.Image] = []
    for i, index in enumerate(indices):
        renderer.draw(index)
        image = renderer.image()
        path = out / f"step-{replay.frames[index].step:0{max(3, width)}d}.png"
        image.save(path, optimize=False, compress_level=3)
        pngs.append(path)
        if gif is not None:
            small = image.resize(
                (GIF_WIDTH, round(image.height * GIF_WIDTH / image.width)), Image.Resampling.LANCZOS
            )
            images.append(small.quantize(colors=255, method=Image.Quantize.FASTOCTREE))
        if on_frame is not None:
            on_frame(i)
    if gif is not None and images:
        durations = [GIF_MS] * len(images)
        durations[-1] = GIF_MS * 4  # linger on the end before looping
        images[0].save(
            gif,
            save_all=True,
            append_images=images[1:],
            duration=durations,
            loop=0,
            optimize=True,
        )
    return FramesWritten(pngs, gif if images else None)
