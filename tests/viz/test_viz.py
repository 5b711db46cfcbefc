"""`mags viz` on a real game's trace: the files it writes, what they show, bad traces."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from mags.agents.play import PlaySpec, play_game
from mags.cli import main
from mags.viz.command import viz_command
from mags.viz.frames import sample_indices
from mags.viz.html import replay_data
from mags.viz.layout import replay_layout
from mags.viz.trace import TraceError, read_trace
from mags.worlds import WorldCache


@pytest.fixture(scope="module")
def trace(world_cache: WorldCache, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JSONL trace of a real `tiny` game played by the planner with a liquid memory."""
    path = tmp_path_factory.mktemp("trace") / "tiny.jsonl"
    play_game(PlaySpec("tiny", 1), cache=world_cache, trace=path)
    return path


def _rows(trace: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in trace.read_text().splitlines()]


def test_viz_writes_a_replay_frames_a_gif_and_plots(trace: Path, tmp_path: Path) -> None:
    output = viz_command(trace, tmp_path / "viz", max_frames=5)
    steps = [row["step"] for row in _rows(trace)]
    assert 1 < len(output.frames) <= 5
    for png in [*output.frames, *output.plots]:
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), png
    assert output.gif is not None
    with Image.open(output.gif) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(output.frames)
    page = output.html.read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)
    embedded = re.search(r'<script id="replay-data" type="application/json">(.*?)</script>', page)
    assert embedded is not None
    data = json.loads(embedded.group(1))
    assert [s["step"] for s in data["steps"]] == steps
    assert [s["command"] for s in data["steps"]] == [row["command"] for row in _rows(trace)]


def test_a_reconcile_shows_as_a_superseded_edge(trace: Path) -> None:
    rows = _rows(trace)
    replay = read_trace(trace)
    data = replay_data(replay, replay_layout(replay))
    checked = 0
    for i in range(1, len(rows)):
        before = {e["id"] for e in rows[i - 1]["graph"]["edges"]}  # type: ignore[index]
        after = {e["id"] for e in rows[i]["graph"]["edges"]}  # type: ignore[index]
        for event in rows[i]["events"]:  # type: ignore[attr-defined]
            old = event["facts"][0]
            if event["kind"] == "reconcile" and old in before and old not in after:
                assert [old, "superseded"] in data["steps"][i]["gone"]
                departed = {d.edge.id: d.reason for d in replay.frames[i].departures}
                assert departed[old] == "superseded"
                checked += 1
    assert checked > 0, "the tiny game's player moves: its location must be reconciled"


def test_frames_keep_the_steps_where_facts_were_superseded(trace: Path) -> None:
    replay = read_trace(trace)
    eventful = {i for i, f in enumerate(replay.frames) if f.eventful}
    assert eventful
    chosen = sample_indices(len(replay.frames), len(eventful) + 2, eventful)
    assert eventful <= set(chosen)
    assert {0, len(replay.frames) - 1} <= set(chosen)


def test_the_layout_places_every_entity_once_inside_the_unit_box(trace: Path) -> None:
    replay = read_trace(trace)
    layout = replay_layout(replay)
    assert layout == replay_layout(replay)  # deterministic
    for frame in replay.frames:
        for edge in frame.edges:
            for x, y in layout.ends(edge.subject, edge.object):
                assert -1e-9 <= x <= 1 + 1e-9 and -1e-9 <= y <= 1 + 1e-9


def test_a_malformed_line_is_named_with_what_was_wrong(trace: Path, tmp_path: Path) -> None:
    lines = trace.read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], lines[1][:-5], *lines[2:]]) + "\n")
    with pytest.raises(TraceError, match=r"bad\.jsonl, line 2 is not JSON.*mags play"):
        read_trace(bad)
    row = json.loads(lines[0])
    row["score"] = "high"
    bad.write_text(json.dumps(row) + "\n")
    with pytest.raises(TraceError, match=r"line 1: 'score' should be a JSON integer"):
        read_trace(bad)


def test_a_trace_without_a_graph_says_how_to_make_one(
    trace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(trace)
    for row in rows:
        del row["graph"]
    flat = tmp_path / "window.jsonl"
    flat.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["viz", str(flat), "--out", str(tmp_path / "viz")]) == 2
    error = capsys.readouterr().err
    assert "line 1 has no 'graph'" in error
    assert "--trace FILE" in error
    assert not (tmp_path / "viz").exists()
