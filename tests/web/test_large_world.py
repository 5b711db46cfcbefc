"""The demo page at real sizes: a 100-room map stays legible (labels, exits, find, focus,
zoom), the page fits a 1280x720 and a 1440 screen, a seed that must be generated says so."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from mags.web import create_app
from mags.worlds import WorldCache
from tests.web.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    WAIT_MS,
    browser,  # noqa: F401 (a fixture)
    load_tiny,
    page,  # noqa: F401 (a fixture)
)

from playwright.sync_api import Browser, Page  # isort: skip

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
SIDE = 10  # a SIDE x SIDE grid of rooms
DIRECTIONS = (("north", -1, 0), ("south", 1, 0), ("east", 0, 1), ("west", 0, -1))


def grid_world(side: int = SIDE, name: str = "room") -> dict[str, Any]:
    """A Graph payload of a side x side maze of rooms: map links, an exit per open side,
    a thing and a container in every room (what a big TextWorld map gives the memory)."""
    nodes: list[dict[str, str]] = [{"id": d, "kind": "direction"} for d, _, _ in DIRECTIONS]
    edges: list[dict[str, Any]] = []

    def fact(subject: str, relation: str, obj: str, kinds: tuple[str, str]) -> None:
        edges.append({
            "id": len(edges) + 1, "subject": subject, "relation": relation, "object": obj,
            "strength": 0.6, "tau": 50.0, "evidence": 1, "valid_from": 0.0,
            "subject_kind": kinds[0], "object_kind": kinds[1],
        })  # fmt: skip

    for r in range(side):
        for c in range(side):
            room = f"{name} {r}-{c}"
            nodes.append({"id": room, "kind": "room"})
            for direction, dr, dc in DIRECTIONS:
                if 0 <= r + dr < side and 0 <= c + dc < side:
                    fact(room, "exit", direction, ("room", "direction"))
            if c + 1 < side:
                fact(f"{name} {r}-{c + 1}", "east_of", room, ("room", "room"))
            if r + 1 < side:
                fact(f"{name} {r + 1}-{c}", "south_of", room, ("room", "room"))
            nodes += [
                {"id": f"box {r}-{c}", "kind": "container"},
                {"id": f"coin {r}-{c}", "kind": "thing"},
            ]
            fact(f"box {r}-{c}", "in", room, ("container", "room"))
            fact(f"coin {r}-{c}", "in", f"box {r}-{c}", ("thing", "container"))
    return {"step": 1, "nodes": nodes, "edges": edges}


def show_world(tab: Page, world: dict[str, Any]) -> None:
    tab.evaluate("world => { mags.view.clear(); mags.view.show(world, [], 0); }", world)
    tab.wait_for_timeout(300)


def rooms_seen(tab: Page) -> dict[str, Any]:
    """What the view shows of the rooms: how many lie inside the graph's box, and the
    smallest label a room has on screen (font size times zoom, in CSS pixels)."""
    return tab.evaluate(
        """() => {
          const cy = magsGraph, w = cy.width(), h = cy.height();
          const rooms = cy.nodes("[kind = 'room']");
          const inside = rooms.filter(n => {
            const p = n.renderedPosition();
            return p.x >= 0 && p.y >= 0 && p.x <= w && p.y <= h;
          });
          const px = Math.min(...rooms.map(n => parseFloat(n.style('font-size')) * cy.zoom()));
          return {rooms: rooms.length, inside: inside.length, minLabelPx: px, zoom: cy.zoom(),
                  hubs: cy.nodes("[kind = 'direction']").length,
                  exits: cy.nodes("[kind = 'exit']").length};
        }"""
    )


def test_a_hundred_room_map_stays_legible(page: Page, live_url: str) -> None:  # noqa: F811
    load_tiny(page)
    world = grid_world()
    show_world(page, world)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "large-world.png")
    seen = rooms_seen(page)
    exits = sum(1 for e in world["edges"] if e["relation"] == "exit")
    assert seen["rooms"] == 100 and seen["inside"] == 100  # the whole map fits the view
    assert seen["hubs"] == 0 and seen["exits"] == exits  # stubs, not four shared hub nodes
    assert seen["minLabelPx"] >= 11.5, seen  # every room's name readable at the fitted zoom
    page.locator(".stage").screenshot(path=DOCS_IMG / "web-large-world.png")

    assert page.get_attribute("#graph", "data-room-labels") == "100"  # room for every name

    # Long names zoomed out would overlap: they give way to the rooms with the most facts.
    show_world(page, grid_world(name="long gallery of mirrors"))
    page.evaluate("magsGraph.zoom({level: 0.15, renderedPosition: {x: 300, y: 300}})")
    page.wait_for_timeout(200)
    labels = page.evaluate(
        """() => {
          const rooms = magsGraph.nodes("[kind = 'room']").not('.quiet');
          const boxes = rooms.map(n => n.renderedBoundingBox(
            {includeNodes: false, includeEdges: false, includeLabels: true}));
          let overlaps = 0;
          boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
            if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlaps++;
          }));
          return {shown: rooms.length, overlaps};
        }"""
    )
    assert 0 < labels["shown"] < 100 and labels["overlaps"] == 0, labels
    show_world(page, world)

    # The wheel covers a useful range: eight notches zoom in more than twofold.
    box = page.locator("#graph").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = seen["zoom"]
    for _ in range(8):
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(60)
    assert page.evaluate("magsGraph.zoom()") > 2 * before

    # Find centres an entity; focus fades everything but its neighbourhood.
    page.fill("#find-text", "coin 7-3")
    page.click("#find button[type=submit]")
    page.wait_for_timeout(500)
    centred = page.evaluate(
        """() => { const cy = magsGraph, p = cy.getElementById('coin 7-3').renderedPosition();
                   return [p.x - cy.width() / 2, p.y - cy.height() / 2, cy.zoom()]; }"""
    )
    assert abs(centred[0]) < 30 and abs(centred[1]) < 30 and centred[2] >= 1
    page.click("#focus")
    faded = page.evaluate("magsGraph.elements('.faded').length")
    near = page.evaluate(
        "magsGraph.getElementById('coin 7-3').closedNeighborhood().filter('.faded').length"
    )
    assert faded > 300 and near == 0
    assert page.is_visible("#unfocus") and page.get_attribute("#graph", "data-focus") == "coin 7-3"
    page.locator(".stage").screenshot(path=ARTIFACTS / "large-world-focus.png")
    page.click("#unfocus")
    assert page.evaluate("magsGraph.elements('.faded').length") == 0
    page.fill("#find-text", "no such thing")
    page.click("#find button[type=submit]")
    assert "nothing named" in (page.text_content("#find-note") or "")


def test_the_page_fits_small_and_wide_screens(browser: Browser, live_url: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    tab.goto(live_url)
    tab.wait_for_function("document.body.dataset.ready === '1'", timeout=WAIT_MS)
    header = tab.locator(".topbar").bounding_box()
    assert header is not None and header["height"] < 64  # one line at 1440 px
    tab.fill("#seed", "1001")
    assert tab.evaluate("(s => s.scrollWidth <= s.clientWidth)(document.getElementById('seed'))")
    for name in ("merge_threshold", "split_confidence"):  # labels beside their sliders, whole
        label = tab.locator(".param .name", has_text=name).first
        assert tab.evaluate("e => e.scrollWidth <= e.clientWidth + 1", label.element_handle())
    tab.set_viewport_size({"width": 1280, "height": 720})
    tab.reload()
    tab.wait_for_function("document.body.dataset.ready === '1'", timeout=WAIT_MS)
    load_tiny(tab)
    header = tab.locator(".topbar").bounding_box()
    assert header is not None and header["height"] < 64  # one line at 1280 px too
    stage = tab.locator(".stage").bounding_box()
    legend = tab.locator("#legend").bounding_box()
    adder = tab.locator("#add-fact-box").bounding_box()
    assert stage and legend and adder
    covered = (legend["width"] * legend["height"] + adder["width"] * adder["height"]) / (
        stage["width"] * stage["height"]
    )
    assert covered < 0.05, covered  # folded at this size: the graph keeps the room
    # An error leaves the screen once a later action succeeds.
    tab.fill("#seed", "")
    tab.evaluate("document.getElementById('seed').value = '1e3'")
    tab.click("#load")
    assert tab.is_visible("#toast") and "whole number" in (tab.text_content("#toast") or "")
    tab.fill("#seed", "1")
    tab.click("#load")
    tab.wait_for_function("document.getElementById('toast').hidden", timeout=WAIT_MS)
    tab.screenshot(path=ARTIFACTS / "page-1280x720.png")
    context.close()


@pytest.fixture
def generating_url(tmp_path: Path) -> Iterator[str]:
    """The app on an empty cache that generates what it lacks (as `mags web` does)."""
    app = create_app(cache=WorldCache(tmp_path / "worlds"), generate=True, keepalive_s=0.5)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_seed_to_generate_says_so_while_it_is_made(browser: Browser, generating_url: str) -> None:  # noqa: F811
    assert CHROMIUM.exists()
    context = browser.new_context(viewport={"width": 1600, "height": 950})
    tab = context.new_page()
    tab.goto(generating_url)
    tab.wait_for_function("document.body.dataset.ready === '1'", timeout=WAIT_MS)
    tab.select_option("#track", "tiny")
    tab.fill("#seed", "7")
    tab.click("#load")
    tab.wait_for_selector("#generating:not([hidden])", timeout=2000)
    assert "Generating tiny seed 7" in (tab.text_content("#generating") or "")
    assert tab.text_content("#status-state") == "generating"
    tab.wait_for_function("document.body.dataset.session", timeout=120_000)
    tab.wait_for_selector("#generating", state="hidden", timeout=WAIT_MS)
    assert tab.text_content("#status-state") == "ready"
    context.close()


def test_the_things_the_plan_names_keep_their_labels(page: Page, live_url: str) -> None:  # noqa: F811
    """Issue 28: at the fitted zoom of a kitchen-sized map (9 rooms, about 100 facts), what
    the agent carries, what its recipe names and what lies in its room stay labelled; other
    things give way."""
    load_tiny(page)
    world = grid_world(side=3)
    world["nodes"] += [
        {"id": "player", "kind": "person"},
        {"id": "knife", "kind": "thing"},
        {"id": "meal", "kind": "thing"},
    ]
    extra = [
        ("player", "at", "room 1-1", ("person", "room")),
        ("knife", "held_by", "player", ("thing", "person")),
        ("meal", "needs", "coin 2-2", ("thing", "thing")),
    ]
    for i, (s, r, o, kinds) in enumerate(extra):
        world["edges"].append({
            "id": 10_000 + i, "subject": s, "relation": r, "object": o, "strength": 0.9,
            "tau": 50.0, "evidence": 1, "valid_from": 0.0,
            "subject_kind": kinds[0], "object_kind": kinds[1],
        })  # fmt: skip
    show_world(page, world)
    seen = page.evaluate(
        """() => {
          const cy = magsGraph;
          const px = id => parseFloat(cy.getElementById(id).style('font-size')) * cy.zoom();
          const shown = id => !cy.getElementById(id).hasClass('quiet');
          const salient = ['knife', 'coin 2-2', 'box 1-1', 'coin 1-1'];
          return {salient: salient.map(id => [id, px(id), shown(id)]),
                  other: px('coin 0-1'), things: cy.container().dataset.thingLabels};
        }"""
    )
    shown = [(name, size) for name, size, visible in seen["salient"] if visible]
    assert len(shown) >= 3 and all(size >= 10.5 for _, size in shown), seen
    assert seen["other"] < min(size for _, size in shown), seen  # only the plan's grow
    assert int(seen["things"]) == len(shown)
