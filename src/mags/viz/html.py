"""One self-contained HTML replay of a run: a step slider, a play button and the transcript.

Every step's active edges (id, strength, what happened) and departures are embedded as JSON
in the page, with the run's one layout; a small inline script draws the graph as SVG. The
page loads nothing from anywhere: it works offline, attached to a mail, in a sandbox.

Example
-------
>>> from mags.viz.layout import replay_layout
>>> from mags.viz.trace import parse_trace
>>> replay = parse_trace(['{"step": 0, "command": null, "observation": "Hi.", "score": 0,'
...     ' "done": true, "action": null, "events": [], "graph": {"nodes": [{"id": "a",'
...     ' "kind": "room"}], "edges": []}}'])
>>> page = replay_html(replay, replay_layout(replay))
>>> page.startswith("<!DOCTYPE html>") and "http" not in page
True
>>> [s["step"] for s in replay_data(replay, replay_layout(replay))["steps"]]
[0]
"""

from __future__ import annotations

import html
import json
from typing import Any

from mags.viz.frames import FADED, KIND_STYLES, LINGER, OTHER_KIND, STATUS_COLOURS
from mags.viz.layout import Layout
from mags.viz.trace import Replay


def replay_data(replay: Replay, layout: Layout) -> dict[str, Any]:
    """What the page embeds: the layout, every edge once, and each step's changes."""
    edges = {}
    for frame in replay.frames:
        for edge in frame.edges:
            edges[edge.id] = [edge.subject, edge.relation, edge.object]
        for departure in frame.departures:
            e = departure.edge
            edges.setdefault(e.id, [e.subject, e.relation, e.object])
    kinds = replay.node_kinds()
    return {
        "source": replay.source,
        "width": layout.width,
        "height": layout.height,
        "nodes": [[n, kinds[n], *map(_round, p)] for n, p in layout.positions.items()],
        "satellites": [[s, v, *map(_round, p)] for (s, v), p in layout.satellites.items()],
        "edges": edges,
        "steps": [
            {
                "step": f.step,
                "command": f.command,
                "action": f.action,
                "observation": f.observation,
                "score": f.score,
                "done": f.done,
                "nodes": sorted(f.nodes),
                "active": [[e.id, e.strength, f.states[e.id]] for e in f.edges],
                "gone": [[d.edge.id, d.reason] for d in f.departures],
                "counts": dict(f.event_counts),
            }
            for f in replay.frames
        ],
        "style": {
            "status": STATUS_COLOURS,
            "faded": FADED,
            "linger": LINGER,
            "kinds": {k: c for k, (_, c, _) in KIND_STYLES.items()},
            "other": OTHER_KIND[1],
        },
    }


def _round(value: float) -> float:
    return round(value, 4)


def replay_html(replay: Replay, layout: Layout) -> str:
    """The page (see the module docstring)."""
    # "</" cannot end the script element early once escaped; JSON reads "<\/" as "</".
    data = json.dumps(replay_data(replay, layout), separators=(",", ":")).replace("</", "<\\/")
    title = html.escape(f"MAGS replay: {replay.source}")
    return _PAGE.replace("{{TITLE}}", title).replace("{{DATA}}", data)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
 body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
 header { padding: 10px 16px; background: #fff; border-bottom: 1px solid #ddd; }
 h1 { font-size: 18px; margin: 0 0 6px; }
 #controls { display: flex; gap: 10px; align-items: center; }
 #slider { flex: 1; }
 button { font: inherit; padding: 3px 12px; }
 main { display: flex; gap: 12px; padding: 12px 16px; }
 #graph { flex: 3; max-height: calc(100vh - 110px); background: #fff; border: 1px solid #ddd;
   border-radius: 6px; }
 aside { flex: 1.3; min-width: 280px; display: flex; flex-direction: column; gap: 10px; }
 .box { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; }
 #observation { white-space: pre-wrap; font-style: italic; max-height: 9em; overflow: auto; }
 #transcript { max-height: 40vh; overflow: auto; font-family: ui-monospace, monospace;
   font-size: 12px; }
 #transcript div { cursor: pointer; padding: 1px 4px; border-radius: 3px; }
 #transcript div.now { background: #ffe9a8; }
 .legend span { display: inline-block; margin: 0 10px 2px 0; }
 .sw { display: inline-block; width: 18px; height: 4px; vertical-align: middle;
   margin-right: 4px; }
 svg text { font-family: system-ui, sans-serif; pointer-events: none; }
</style></head>
<body>
<header><h1>{{TITLE}}</h1>
<div id="controls"><button id="play">&#9654; play</button><button id="prev">&#8592;</button>
<input id="slider" type="range" min="0" value="0"><button id="next">&#8594;</button>
<span id="where"></span></div></header>
<main><svg id="graph" preserveAspectRatio="xMidYMid meet"></svg>
<aside><div class="box"><b id="stepline"></b><div id="counts"></div></div>
<div class="box" id="observation"></div>
<div class="box legend" id="legend"></div>
<div class="box" id="transcript"></div></aside></main>
<script id="replay-data" type="application/json">{{DATA}}</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("replay-data").textContent);
const S = D.style, W = 1000, K = W / Math.max(D.width, 0.05), M = 40;
const H = Math.max(300, Math.round(K * D.height));
const svg = document.getElementById("graph"), slider = document.getElementById("slider");
svg.setAttribute("viewBox", `${-M} ${-M} ${W + 2 * M} ${H + 2 * M}`);
const esc = s => String(s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
  '"': "&quot;"}[c]));
const X = x => x * K, Y = y => H - y * K;
const pos = {}, sat = {}, kind = {};
D.nodes.forEach(([n, k, x, y]) => { pos[n] = [X(x), Y(y)]; kind[n] = k; });
D.satellites.forEach(([s, v, x, y]) => { sat[s + "\\u0000" + v] = [X(x), Y(y)]; });
function ends(id) {
  const [s, , o] = D.edges[id];
  return [pos[s], sat[s + "\\u0000" + o] || pos[o], sat[s + "\\u0000" + o] ? o : null];
}
function draw(i) {
  const step = D.steps[i], out = [], labels = [];
  const alive = new Set(step.active.map(a => a[0])), seen = new Set();
  for (let age = Math.min(S.linger, i + 1) - 1; age >= 0; age--) {
    for (const [id, why] of D.steps[i - age].gone) {
      if (alive.has(id) || seen.has(id)) continue;
      seen.add(id);
      const [a, b, value] = ends(id), fade = 1 - age / S.linger;
      const colour = why === "superseded" && age > 0 ? S.faded : S.status[why];
      out.push(`<line x1="${a[0]}" y1="${a[1]}" x2="${b[0]}" y2="${b[1]}" stroke="${colour}"
        stroke-width="${age ? 2 : 4}" stroke-dasharray="7 5" opacity="${fade}">
        <title>${esc(D.edges[id].join(" "))}: ${why}</title></line>`);
      if (value) labels.push([b, value, fade]);
    }
  }
  const order = {steady: 0, reinforced: 1, merged: 2, "new": 3};
  for (const [id, strength, state] of [...step.active].sort((p, q) => order[p[2]] - order[q[2]])) {
    const [a, b, value] = ends(id);
    out.push(`<line x1="${a[0]}" y1="${a[1]}" x2="${b[0]}" y2="${b[1]}"
      stroke="${S.status[state]}" stroke-width="${1 + 4.5 * strength}" stroke-linecap="round"
      opacity="0.9"><title>${esc(D.edges[id].join(" "))} (strength ${strength.toFixed(2)},
      ${state})</title></line>`);
    if (value) labels.push([b, value, 1]);
  }
  const present = new Set(step.nodes);
  for (const [n, k] of D.nodes) {
    const [x, y] = pos[n], on = present.has(n), c = S.kinds[k] || S.other;
    const room = k === "room", r = room ? 9 : 6;
    out.push(room
      ? `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${c}"
          opacity="${on ? 1 : 0.15}" stroke="#fff"><title>${esc(n)} (${k})</title></rect>`
      : `<circle cx="${x}" cy="${y}" r="${r}" fill="${c}" opacity="${on ? 1 : 0.15}"
          stroke="#fff"><title>${esc(n)} (${k})</title></circle>`);
    out.push(`<text x="${x + (room ? 11 : 0)}" y="${y + (room ? -11 : 17)}"
      text-anchor="${room ? "start" : "middle"}" font-size="${room ? 15 : 12}"
      font-weight="${room ? 700 : 400}" fill="${on ? "#222" : "#aaa"}">${esc(n)}</text>`);
  }
  for (const [[x, y], value, fade] of labels) {
    out.push(`<text x="${x}" y="${y + 4}" text-anchor="middle" font-size="10" fill="#666"
      opacity="${fade}">${esc(value)}</text>`);
  }
  svg.innerHTML = out.join("");
  const last = D.steps[D.steps.length - 1].step;
  document.getElementById("where").textContent = `step ${step.step} of ${last}`;
  document.getElementById("stepline").textContent =
    `Step ${step.step}: ${step.command ? "> " + step.command : "start"} · score ${step.score}` +
    (step.done ? " · game over" : "");
  const c = k => step.counts[k] || 0, states = step.active.map(a => a[2]);
  document.getElementById("counts").textContent =
    `${step.active.length} active facts · ${states.filter(s => s === "new").length} new · ` +
    `${states.filter(s => s === "reinforced").length} reinforced · ${c("reconcile")} ` +
    `superseded · ${c("decay_archive") + c("capacity_archive")} archived · ${c("merge")} merged`;
  document.getElementById("observation").textContent = step.observation;
  document.querySelectorAll("#transcript div").forEach((row, j) => {
    row.className = j === i ? "now" : "";
    if (j === i) row.scrollIntoView({block: "nearest"});
  });
  slider.value = i;
}
document.getElementById("transcript").innerHTML = D.steps.map((s, j) =>
  `<div data-i="${j}">${s.step}. ${esc(s.command ? "> " + s.command : "start")}` +
  ` <span style="color:#888">${esc(s.observation.replace(/\\s+/g, " ").slice(0, 70))}</span>` +
  `</div>`).join("");
document.getElementById("transcript").addEventListener("click", e => {
  const row = e.target.closest("div[data-i]"); if (row) draw(+row.dataset.i);
});
document.getElementById("legend").innerHTML =
  Object.entries(S.status).map(([k, c]) => `<span><i class="sw" style="background:${c}"></i>` +
  `${k}</span>`).join("") + "<br>" + Object.entries(S.kinds).map(([k, c]) =>
  `<span><i class="sw" style="background:${c};height:10px"></i>${k}</span>`).join("") +
  "<br><small>width = strength; dashed = left the graph this step, then fading</small>";
slider.max = D.steps.length - 1;
slider.addEventListener("input", () => draw(+slider.value));
let timer = null;
const playButton = document.getElementById("play");
function stop() { clearInterval(timer); timer = null; playButton.innerHTML = "&#9654; play"; }
playButton.addEventListener("click", () => {
  if (timer) return stop();
  if (+slider.value >= D.steps.length - 1) draw(0);
  playButton.innerHTML = "&#10074;&#10074; pause";
  timer = setInterval(() => +slider.value >= D.steps.length - 1 ? stop()
    : draw(+slider.value + 1), 700);
});
const nudge = d => draw(Math.max(0, Math.min(D.steps.length - 1, +slider.value + d)));
document.getElementById("prev").addEventListener("click", () => nudge(-1));
document.getElementById("next").addEventListener("click", () => nudge(1));
document.addEventListener("keydown", e => {
  if (e.key === "ArrowLeft") nudge(-1);
  if (e.key === "ArrowRight") nudge(1);
  if (e.key === " ") { e.preventDefault(); playButton.click(); }
});
draw(0);
</script></body></html>
"""
