// The live graph: a Cytoscape view updated in place, element by element, from Graph payloads.
// Nodes are entities (id: the name), edges are active facts (id: "f" + fact id). What left the
// active graph in a step is animated by its cause, read from the step's events: a superseded
// fact flashes red then fades to history, an archived one greys and fades out, merged nodes
// slide into the one they merged with, a split node pulses.

import { EXITS, STUB } from "./exits.js";
import { placeNodes } from "./layout.js";

export const KINDS = {
  room: { shape: "round-rectangle", fill: "#dbeafe", line: "#2563eb", label: "room" },
  container: { shape: "barrel", fill: "#fef3c7", line: "#d97706", label: "container" },
  supporter: { shape: "round-hexagon", fill: "#ecfccb", line: "#65a30d", label: "supporter" },
  person: { shape: "round-pentagon", fill: "#ede9fe", line: "#7c3aed", label: "person" },
  door: { shape: "rectangle", fill: "#ffedd5", line: "#ea580c", label: "door" },
  state: { shape: "round-diamond", fill: "#fce7f3", line: "#db2777", label: "state" },
  direction: { shape: "round-triangle", fill: "#f1f5f9", line: "#94a3b8", label: "direction" },
  thing: { shape: "ellipse", fill: "#f8fafc", line: "#475569", label: "thing" },
};
const OTHER = { shape: "ellipse", fill: "#f5f5f4", line: "#78716c" };
const AGE_SPAN = 25; // steps over which an edge's colour goes from new to old
const FRESH = "#0d9488";
const OLD = "#94a3b8";
const ROOM_FONT = 14; // a room's label at zoom 1 and closer
const ROOM_FONT_MAX = 60; // model units: beyond this, labels would cover their neighbours
const ROOM_LABEL_PX = 12; // what a room's label keeps on screen when zoomed out
const THING_FONT = 13; // a thing's label at zoom 1 and closer
const THING_FONT_MAX = 60; // model units: the cap of a salient thing's label
const THING_LABEL_PX = 11; // what a salient thing's label keeps on screen when zoomed out
const CARRIED = new Set(["held_by", "in"]); // thing -> player: what the agent carries
const PLACED = new Set(["in", "on", "at"]); // thing -> room or container
const PLANNED = new Set(["needs", "goal"]); // recipe or task -> what it names


function style() {
  const rules = [
    {
      selector: "node",
      style: {
        shape: OTHER.shape,
        "background-color": OTHER.fill,
        "border-color": OTHER.line,
        "border-width": 1.5,
        width: 22,
        height: 22,
        label: "data(id)",
        "font-family": "Inter, system-ui, sans-serif",
        "font-size": 13,
        color: "#1e293b",
        "text-valign": "bottom",
        "text-margin-y": 4,
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.75,
        "text-background-padding": 1,
        // Level of detail: small labels go first when zooming out; rooms keep theirs (see
        // GraphView.legible).
        "min-zoomed-font-size": 7,
      },
    },
    {
      selector: "node[kind = 'room']",
      style: {
        // Wide enough for the name (Cytoscape's width "label" is deprecated and unreliable).
        width: (node) => Math.max(48, node.id().length * 8.5 + 22),
        height: 30,
        "text-valign": "center",
        "text-margin-y": 0,
        "font-size": 14,
        "font-weight": 600,
        // Zoomed out, names grow (see legible) and wrap within the gap between two rooms.
        "text-wrap": "wrap",
        "text-max-width": 180,
        "text-background-opacity": 0,
        color: "#1e3a8a",
        "border-width": 2,
      },
    },
    { selector: "node[kind = 'state']", style: { width: 16, height: 16, "font-size": 12, color: "#9d174d" } },
    { selector: "node[kind = 'direction']", style: { width: 14, height: 14, "font-size": 11, color: "#64748b" } },
    {
      // An exit drawn as a short stub on its room, not as an edge to a shared "north" node
      // (which turned a map into a mesh of long crossing lines).
      selector: "node[kind = 'exit']",
      style: {
        shape: "ellipse",
        width: 7,
        height: 7,
        "background-color": "#94a3b8",
        "border-width": 0,
        label: "data(label)",
        "font-size": 9,
        color: "#64748b",
        "text-valign": "center",
        "text-halign": "center",
        "text-margin-y": 0,
        "text-background-opacity": 0,
        "min-zoomed-font-size": 7,
      },
    },
    { selector: "edge[?stub]", style: { "target-arrow-shape": "none", label: "", width: 1.5, "curve-style": "straight" } },

    {
      selector: "edge",
      style: {
        width: `mapData(strength, 0, 1, 0.8, 6)`,
        "line-color": `mapData(age, 0, ${AGE_SPAN}, ${FRESH}, ${OLD})`,
        "target-arrow-color": `mapData(age, 0, ${AGE_SPAN}, ${FRESH}, ${OLD})`,
        "target-arrow-shape": "triangle",
        "arrow-scale": 0.7,
        opacity: "mapData(strength, 0, 1, 0.35, 1)",
        "curve-style": "bezier",
        label: "data(label)",
        "font-size": 9,
        color: "#475569",
        "text-rotation": "autorotate",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.8,
        "text-background-padding": 1,
        "min-zoomed-font-size": 8,
      },
    },
    { selector: "edge.fresh", style: { "overlay-color": "#22c55e", "overlay-opacity": 0.25, "overlay-padding": 4 } },
    {
      selector: "edge.superseded",
      style: {
        "line-color": "#dc2626",
        "target-arrow-color": "#dc2626",
        "line-style": "dashed",
        "overlay-color": "#ef4444",
        "overlay-opacity": 0.3,
        "overlay-padding": 5,
        color: "#b91c1c",
      },
    },
    {
      selector: "edge.archived",
      style: { "line-color": "#a8a29e", "target-arrow-color": "#a8a29e", "line-style": "dotted" },
    },
    { selector: "node.fresh", style: { "overlay-color": "#22c55e", "overlay-opacity": 0.22, "overlay-padding": 6 } },
    { selector: "node.split", style: { "overlay-color": "#a855f7", "overlay-opacity": 0.35, "overlay-padding": 8 } },
    { selector: "node.merging", style: { "overlay-color": "#a855f7", "overlay-opacity": 0.3, "overlay-padding": 6 } },
    { selector: ".recalled", style: { "underlay-color": "#facc15", "underlay-opacity": 0.55, "underlay-padding": 6 } },
    { selector: "edge:selected", style: { "line-color": "#0f172a", "target-arrow-color": "#0f172a", opacity: 1 } },
    { selector: "node:selected", style: { "border-width": 3, "border-color": "#0f172a" } },
    { selector: "node.found", style: { "overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 10 } },
    { selector: "node.quiet", style: { "text-opacity": 0 } },
    // Last, so that it wins over the strength-mapped opacity of edges.
    { selector: ".faded", style: { opacity: 0.08, "text-opacity": 0 } },
  ];
  for (const [kind, k] of Object.entries(KINDS)) {
    rules.splice(1, 0, {
      selector: `node[kind = '${kind}']`,
      style: { shape: k.shape, "background-color": k.fill, "border-color": k.line },
    });
  }
  return rules;
}

/** The Cytoscape view of the memory graph, updated in place. */
export class GraphView {
  constructor(container, { onFact, onNode, onBackground, onHover, onFocus = () => {} }) {
    this.container = container;
    this.positions = new Map(); // every node ever shown: where it was, so it comes back there
    this.cy = cytoscape({
      container,
      style: style(),
      elements: [],
      minZoom: 0.08,
      maxZoom: 3,
      // The default moved 12 wheel notches from zoom 0.19 to 0.29 only.
      wheelSensitivity: 3,
      boxSelectionEnabled: false,
      textureOnViewport: true,
      hideEdgesOnViewport: false,
    });
    window.magsGraph = this.cy;
    this.cy.on("tap", "edge", (e) => onFact(e.target.data("fact")));
    // An exit stub stands for its room's exit: its details are the room's.
    const entity = (node) => (node.data("kind") === "exit" ? node.id().split(STUB)[0] : node.id());
    this.cy.on("tap", "node", (e) => onNode(entity(e.target)));
    this.cy.on("tap", (e) => e.target === this.cy && onBackground());
    this.cy.on("mouseover", "edge, node", (e) => onHover(e.target, e.renderedPosition));
    this.cy.on("mouseout", "edge, node", () => onHover(null));
    this.cy.on("dragfree", "node", (e) => this.positions.set(e.target.id(), { ...e.target.position() }));
    this.cy.on("dbltap", "node", (e) => this.focus(e.target.id()));
    this.cy.on("tap", (e) => e.target === this.cy && this.focus(null));
    let pending = false;
    this.cy.on("zoom", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.legible();
      });
    });
    this.focused = null;
    this.onFocus = onFocus;
  }

  /**
   * Keep room names readable at any zoom: their font grows as the view zooms out, so that
   * the map's rooms stay labelled (at least ROOM_LABEL_PX on screen) while smaller labels
   * give way first.
   */
  legible() {
    const z = this.cy.zoom();
    const size = Math.min(ROOM_FONT_MAX, Math.max(ROOM_FONT, ROOM_LABEL_PX / z));
    const rooms = this.cy.nodes("[kind = 'room']").not(".leaving");
    const things = this.salientThings();
    const thingSize = Math.min(THING_FONT_MAX, Math.max(THING_FONT, THING_LABEL_PX / z));
    this.cy.batch(() => {
      rooms.style({ "font-size": size, "text-background-opacity": size > ROOM_FONT ? 0.75 : 0 });
      this.cy.nodes().not(rooms).not(things).removeStyle("font-size min-zoomed-font-size");
      things.style({ "font-size": thingSize, "min-zoomed-font-size": 0 });
    });
    this.declutter(rooms, things);
    this.container.dataset.zoom = z.toFixed(3);
  }

  /**
   * The things the agent's plan names or has at hand, whose names stay readable at every
   * zoom where they fit: what it carries, what the recipe or the task names, and what lies
   * in its room (one container deep).
   */
  salientThings() {
    const live = this.cy.edges().not(".leaving");
    const names = new Set();
    let here = null;
    live.forEach((e) => {
      const [relation, subject, object] = [e.data("label"), e.data("source"), e.data("target")];
      if (subject === "player" && relation === "at") here = object;
      if (object === "player" && CARRIED.has(relation)) names.add(subject);
      if (PLANNED.has(relation)) names.add(object);
    });
    if (here !== null) {
      const inRoom = new Set();
      live.forEach((e) => {
        if (e.data("target") === here && PLACED.has(e.data("label"))) inRoom.add(e.data("source"));
      });
      live.forEach((e) => {
        if (inRoom.has(e.data("target")) && PLACED.has(e.data("label"))) names.add(e.data("source"));
      });
      inRoom.forEach((name) => names.add(name));
    }
    names.delete("player");
    return this.cy
      .nodes()
      .not(".leaving")
      .filter((n) => names.has(n.id()) && !["room", "exit", "direction"].includes(n.data("kind")));
  }

  /**
   * Where room names would overlap (a dense map zoomed out), keep the names of the rooms
   * with the most facts and quiet the rest: a readable subset rather than a smear. The
   * quiet ones come back as the view zooms in.
   */
  declutter(rooms, things) {
    const shown = [];
    const overlaps = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
    const byFacts = (a, b) => b.degree() - a.degree() || (a.id() < b.id() ? -1 : 1);
    const counts = [];
    this.cy.batch(() => {
      this.cy.nodes().not(rooms).not(things).removeClass("quiet");
      for (const group of [rooms, things]) {
        let kept = 0;
        group.sort(byFacts).forEach((node) => {
          const box = node.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true });
          const free = !shown.some((other) => overlaps(box, other));
          node.toggleClass("quiet", !free);
          if (free) {
            shown.push(box);
            kept += 1;
          }
        });
        counts.push(kept);
      }
    });
    this.container.dataset.roomLabels = String(counts[0]);
    this.container.dataset.thingLabels = String(counts[1]);
  }

  /** Entities whose name matches `text` (case-insensitive): exact first, then prefixes,
   * then any part; exits excluded. */
  find(text) {
    const q = text.trim().toLowerCase();
    if (!q) return [];
    const names = this.cy.nodes().not(".leaving").filter((n) => n.data("kind") !== "exit");
    const rank = (id) => (id === q ? 0 : id.startsWith(q) ? 1 : id.includes(q) ? 2 : 3);
    return names
      .map((n) => n.id())
      .filter((id) => rank(id.toLowerCase()) < 3)
      .sort((a, b) => rank(a.toLowerCase()) - rank(b.toLowerCase()) || a.localeCompare(b));
  }

  /** Centre the view on an entity (zooming in to reading size if needed) and mark it. */
  centre(name) {
    const node = this.cy.getElementById(name);
    if (!node.length) return false;
    this.cy.stop(true);
    this.cy.animate({ center: { eles: node }, zoom: Math.max(this.cy.zoom(), 1) }, { duration: 300 });
    this.cy.nodes(".found").removeClass("found");
    node.addClass("found");
    return true;
  }

  /** Show only an entity and its neighbours (everything else faded); null shows all. */
  focus(name) {
    const cy = this.cy;
    cy.elements(".faded").removeClass("faded");
    this.focused = null;
    const node = name == null ? cy.collection() : cy.getElementById(name);
    if (node.length) {
      const near = node.closedNeighborhood();
      // A room's exits and a neighbour's own exit stubs belong to what is shown.
      const shown = near.union(near.nodes().neighborhood("node[kind = 'exit']")).union(
        near.nodes().connectedEdges().filter((e) => e.data("stub")),
      );
      cy.elements().not(shown).addClass("faded");
      this.focused = name;
    }
    this.container.dataset.focus = this.focused ?? "";
    this.onFocus(this.focused);
    return this.focused;
  }

  /** Forget everything (a new world). */
  clear() {
    this.cy.elements().stop(true, false);
    this.cy.elements().remove();
    this.positions.clear();
    this.count();
  }

  /**
   * Show `graph`, changing only what differs from what is on screen.
   *
   * @param {object} graph a Graph of the contract
   * @param {object[]} events the events that led here (explain removals); [] for a jump in time
   * @param {number} pace milliseconds available for animations; 0 for none
   */
  show(graph, events = [], pace = 900) {
    const cy = this.cy;
    const step = graph.step;
    const causes = removalCauses(events);
    graph = withExitStubs(graph);
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const f of graph.edges) {
      // An edge needs both ends even if the payload left an end out.
      if (!nodes.has(f.subject)) nodes.set(f.subject, { id: f.subject, kind: f.subject_kind || "thing" });
      if (!nodes.has(f.object)) nodes.set(f.object, { id: f.object, kind: f.object_kind || "thing" });
    }
    const edges = new Map(graph.edges.map((f) => [`f${f.id}`, f]));
    const firstPaint = cy.nodes().length === 0;

    cy.startBatch();
    // Edges that left: animate by cause, then remove.
    cy.edges().forEach((edge) => {
      if (edges.has(edge.id())) return;
      if (edge.hasClass("leaving")) return;
      this.leave(edge, causes.get(edge.data("fact")) || "archived", pace);
    });
    // Nodes that left: slide into a merge partner, or fade.
    const merges = mergeTargets(events, cy, edges);
    cy.nodes().forEach((node) => {
      if (nodes.has(node.id()) || node.hasClass("leaving")) return;
      this.leaveNode(node, merges.get(node.id()), pace);
    });
    // Nodes: new ones added (placed below), kinds kept current, returning ones revived.
    const added = [];
    for (const n of nodes.values()) {
      const node = cy.getElementById(n.id);
      if (node.length) {
        if (node.hasClass("leaving")) revive(node);
        if (node.data("kind") !== n.kind) node.data("kind", n.kind);
      } else {
        added.push({ group: "nodes", data: { id: n.id, kind: n.kind, label: n.label } });
      }
    }
    const newNodes = cy.add(added);
    // Edges: add new ones, re-point moved ones (merge, split), refresh the rest.
    const newEdges = [];
    for (const [id, f] of edges) {
      const data = edgeData(f, step);
      const edge = cy.getElementById(id);
      if (!edge.length) {
        newEdges.push({ group: "edges", data });
        continue;
      }
      if (edge.hasClass("leaving")) revive(edge);
      if (edge.data("source") !== f.subject || edge.data("target") !== f.object) {
        edge.move({ source: f.subject, target: f.object });
      }
      const { id: _id, source: _s, target: _t, ...changed } = data;
      edge.data(changed);
    }
    const freshEdges = cy.add(newEdges);
    placeNodes(cy, newNodes, this.positions);
    cy.endBatch();
    this.legible(); // the agent's room, what it carries and its plan change with every step
    if (this.focused) this.focus(this.focused);

    if (pace > 0 && !firstPaint) {
      flash(newNodes, "fresh", pace * 1.5);
      flash(freshEdges, "fresh", pace * 1.5);
      flash(splitNodes(events, cy, edges), "split", pace * 1.5);
    }
    if (firstPaint) {
      cy.fit(undefined, 60);
      // A handful of nodes would be blown up to the maximum zoom; keep them at reading size.
      if (cy.zoom() > 1.1) {
        cy.zoom(1.1);
        cy.center();
      }
    } else if (newNodes.length) {
      this.keepInView(newNodes, pace);
    }
    this.count(step);
  }

  leave(edge, cause, pace) {
    edge.addClass("leaving");
    if (pace <= 0) {
      edge.remove();
      return;
    }
    edge.addClass(cause);
    const hold = cause === "superseded" ? pace * 0.6 : pace * 0.2;
    edge
      .delay(hold)
      .animate({ style: { opacity: 0 } }, { duration: pace, complete: () => edge.removed() || edge.remove() });
  }

  leaveNode(node, target, pace) {
    node.addClass("leaving");
    if (pace <= 0) {
      node.remove();
      return;
    }
    const done = () => node.removed() || node.remove();
    if (target) {
      node.addClass("merging");
      node.animate({ position: { ...target.position() }, style: { opacity: 0 } }, { duration: pace, complete: done });
    } else {
      node.delay(pace * 0.4).animate({ style: { opacity: 0 } }, { duration: pace, complete: done });
    }
  }

  // Pan (never zoom in) so that new nodes are on screen; the layout itself never moves.
  keepInView(nodes, pace) {
    const ext = this.cy.extent();
    const box = nodes.boundingBox();
    const m = 60 / this.cy.zoom(); // the margin the overlays (legend, forms) cover
    const inside = box.x1 >= ext.x1 + m && box.x2 <= ext.x2 - m && box.y1 >= ext.y1 + m && box.y2 <= ext.y2 - m;
    if (inside) return;
    const all = this.cy.elements().boundingBox();
    const zoom = Math.min(this.cy.zoom(), fitZoom(this.cy, all));
    this.cy.stop(true);
    this.cy.animate(
      { zoom, center: { eles: this.cy.elements() } },
      { duration: Math.min(400, Math.max(0, pace / 2)) },
    );
  }

  /** Give recalled facts (and their ends) a glow; [] clears it. */
  highlight(factIds) {
    this.cy.elements(".recalled").removeClass("recalled");
    for (const id of factIds) {
      const edge = this.cy.getElementById(`f${id}`);
      edge.addClass("recalled");
      edge.connectedNodes().addClass("recalled");
    }
  }

  select(factId) {
    this.cy.elements(":selected").unselect();
    if (factId != null) this.cy.getElementById(`f${factId}`).select();
  }

  /** The facts touching an entity, for the details panel. */
  factsOf(name) {
    return this.cy
      .getElementById(name)
      .connectedEdges()
      .filter((e) => !e.hasClass("leaving"))
      .map((e) => e.data());
  }

  relations() {
    return [...new Set(this.cy.edges().map((e) => e.data("label")))].sort();
  }

  // The counts live on the container too, for people (devtools) and tests alike.
  count(step) {
    const c = this.container;
    c.dataset.nodes = this.cy.nodes().not(".leaving").length;
    c.dataset.edges = this.cy.edges().not(".leaving").length;
    c.dataset.step = step ?? "";
  }
}

/**
 * The graph with each exit fact (room `exit` direction) pointing at a stub of its own room
 * instead of the direction entity that every room shares. Direction entities left with no
 * other fact are not drawn.
 */
export function withExitStubs(graph) {
  const stubs = new Map();
  const edges = graph.edges.map((f) => {
    if (f.object_kind !== "direction" || !(f.object in EXITS)) return f;
    const id = `${f.subject}${STUB}${f.object}`;
    stubs.set(id, { id, kind: "exit", label: EXITS[f.object][0] });
    return { ...f, object: id, object_kind: "exit", stub: true };
  });
  const used = new Set(edges.flatMap((f) => [f.subject, f.object]));
  const nodes = graph.nodes.filter((n) => n.kind !== "direction" || used.has(n.id));
  return { ...graph, nodes: [...nodes, ...stubs.values()], edges };
}

function edgeData(f, step) {
  return {
    id: `f${f.id}`,
    stub: Boolean(f.stub),
    fact: f.id,
    source: f.subject,
    target: f.object,
    label: f.relation,
    strength: clamp01(f.strength),
    age: Math.max(0, Math.min(AGE_SPAN, step - f.valid_from)),
    tau: f.tau,
    evidence: f.evidence,
    valid_from: f.valid_from,
  };
}

const clamp01 = (x) => Math.max(0, Math.min(1, Number(x) || 0));

function fitZoom(cy, box) {
  const w = cy.width() - 80;
  const h = cy.height() - 80;
  return Math.max(cy.minZoom(), Math.min(w / Math.max(1, box.w), (h - 80) / Math.max(1, box.h), 1.1));
}

// Why each fact left the graph this step: superseded (reconcile: the old fact first) or archived.
function removalCauses(events) {
  const causes = new Map();
  for (const e of events) {
    if (e.kind === "reconcile" && e.facts.length) causes.set(e.facts[0], "superseded");
    if (e.kind === "decay_archive" || e.kind === "capacity_archive" || e.kind === "edit") {
      for (const id of e.facts) if (!causes.has(id)) causes.set(id, "archived");
    }
  }
  return causes;
}

// A node that disappears while facts it held now hang on another node merged into that node.
function mergeTargets(events, cy, edges) {
  const targets = new Map();
  for (const e of events) {
    if (e.kind !== "merge") continue;
    for (const id of e.facts) {
      const before = cy.getElementById(`f${id}`);
      const after = edges.get(`f${id}`);
      if (!before.length || !after) continue;
      pair(targets, cy, before.data("source"), after.subject);
      pair(targets, cy, before.data("target"), after.object);
    }
  }
  return targets;
}

function pair(targets, cy, from, to) {
  const node = cy.getElementById(to);
  if (from !== to && node.length) targets.set(from, node);
}

// A split moves facts onto a new entity: pulse both ends of those facts.
function splitNodes(events, cy, edges) {
  let nodes = cy.collection();
  for (const e of events) {
    if (e.kind !== "split") continue;
    for (const id of e.facts) {
      const f = edges.get(`f${id}`);
      if (f) nodes = nodes.union(cy.getElementById(f.subject)).union(cy.getElementById(f.object));
    }
  }
  return nodes;
}

function flash(eles, cls, ms) {
  if (!eles.length) return;
  eles.addClass(cls);
  setTimeout(() => eles.removeClass(cls), ms);
}

function revive(ele) {
  ele.stop(true, false);
  ele.removeClass("leaving superseded archived merging");
  ele.removeStyle("opacity");
}
