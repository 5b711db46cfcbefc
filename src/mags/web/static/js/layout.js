// Where new nodes go. The layout is incremental and deterministic: nodes that are already on
// screen never move, so the picture does not jump between steps. A room reached through a map
// relation (north_of, ...) is placed in that direction from the room it is known from; anything
// else is placed beside its first placed neighbour and relaxed away from crowding.

import { EXITS, STUB } from "./exits.js";

const ROOM_GAP = 210; // distance between adjacent rooms
const STUB_GAP = 9; // how far an exit stub stands off its room's border
const NEAR = 80; // distance of a thing from its anchor
const DIRECTIONS = {
  north_of: [0, -1],
  south_of: [0, 1],
  east_of: [1, 0],
  west_of: [-1, 0],
};

/**
 * Give every node in `added` a position, leaving the others where they are.
 *
 * @param {cytoscape.Core} cy the graph, with the new nodes already added
 * @param {cytoscape.NodeCollection} added the nodes to place
 * @param {Map<string, {x:number, y:number}>} remembered positions of nodes seen before
 */
export function placeNodes(cy, added, remembered) {
  const placed = new Set(cy.nodes().not(added).map((n) => n.id()));
  const rooms = [];
  const rest = [];
  added.forEach((node) => {
    const known = remembered.get(node.id());
    if (known) {
      node.position({ ...known });
      placed.add(node.id());
    } else {
      (node.data("kind") === "room" ? rooms : rest).push(node);
    }
  });
  // The map first: rooms laid out by their map links before the things in them take room
  // (things placed first pushed a neighbouring room off its spot, and the grid broke up).
  placeAll(cy, rooms, placed, true);
  placeAll(cy, rest, placed, false);
  relax(cy, cy.collection(rest).filter((n) => n.data("kind") !== "exit"));
  added.forEach((node) => remembered.set(node.id(), { ...node.position() }));
}

// Breadth first from what is placed, so each node has an anchor when its turn comes.
function placeAll(cy, todo, placed, roomsOnly) {
  let pending = todo;
  while (pending.length) {
    const next = [];
    let progress = false;
    for (const node of pending) {
      const anchorEdge = anchorOf(node, placed, roomsOnly);
      if (!anchorEdge && placed.size > 0) {
        next.push(node);
        continue;
      }
      node.position(anchorEdge ? spotNear(cy, node, anchorEdge, placed) : spotAlone(cy, placed));
      placed.add(node.id());
      progress = true;
    }
    if (!progress) {
      // An island with no placed neighbour: start it beside the drawing.
      const node = next.shift();
      node.position(spotAlone(cy, placed));
      placed.add(node.id());
    }
    pending = next;
  }
}

// A room hangs on a placed room it has a map link with; anything else on its first placed
// neighbour.
function anchorOf(node, placed, roomsOnly) {
  const edges = node.connectedEdges().filter((e) => placed.has(other(e, node).id()));
  if (!roomsOnly) return edges[0];
  const rooms = edges.filter((e) => other(e, node).data("kind") === "room");
  return rooms.filter((e) => DIRECTIONS[e.data("label")])[0] || rooms[0];
}

function other(edge, node) {
  return edge.source().same(node) ? edge.target() : edge.source();
}

function spotNear(cy, node, edge, placed) {
  const anchor = other(edge, node);
  const a = anchor.position();
  if (node.data("kind") === "exit") {
    // A stub sits on the side of its room that the exit leaves by.
    const [, dx, dy] = EXITS[node.id().split(STUB).pop()] || ["", 0, -1];
    const half = { x: anchor.width() / 2 + STUB_GAP, y: anchor.height() / 2 + STUB_GAP };
    return { x: a.x + dx * half.x, y: a.y + dy * half.y };
  }
  const direction = DIRECTIONS[edge.data("label")];
  const bothRooms = node.data("kind") === "room" && anchor.data("kind") === "room";
  if (direction && bothRooms) {
    // relation(subject, object): the subject lies in that direction from the object.
    const sign = edge.source().same(node) ? 1 : -1;
    const want = { x: a.x + sign * direction[0] * ROOM_GAP, y: a.y + sign * direction[1] * ROOM_GAP };
    if (clearance(cy, want, placed, "room") > ROOM_GAP / 2) return want;
  }
  const radius = node.data("kind") === "room" ? ROOM_GAP : NEAR;
  return bestOnRing(cy, a, radius, placed, hash(node.id()));
}

function spotAlone(cy, placed) {
  if (placed.size === 0) return { x: 0, y: 0 };
  const box = cy.nodes().filter((n) => placed.has(n.id())).boundingBox();
  return bestOnRing(cy, { x: box.x2 + NEAR, y: (box.y1 + box.y2) / 2 }, NEAR, placed, 0);
}

// The point on a ring around `centre` farthest from every placed node (ties: the seeded angle).
function bestOnRing(cy, centre, radius, placed, seed) {
  let best = null;
  let bestRoom = -1;
  for (let ring = 1; ring <= 3; ring++) {
    for (let k = 0; k < 12; k++) {
      const angle = ((seed % 12) + k) * (Math.PI / 6) + ring * 0.26;
      const p = { x: centre.x + ring * radius * Math.cos(angle), y: centre.y + ring * radius * Math.sin(angle) };
      const room = clearance(cy, p, placed);
      if (room > bestRoom) {
        best = p;
        bestRoom = room;
      }
    }
    if (bestRoom > radius * 0.7) break;
  }
  return best;
}

function clearance(cy, p, placed, kind = null) {
  let nearest = Infinity;
  cy.nodes().forEach((n) => {
    if (!placed.has(n.id()) || (kind && n.data("kind") !== kind)) return;
    const q = n.position();
    nearest = Math.min(nearest, Math.hypot(p.x - q.x, p.y - q.y));
  });
  return nearest;
}

function hash(text) {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

// A few rounds of a spring model that moves only `movers`: pushed from every node nearby,
// pulled towards their neighbours. Cost: movers x nodes per round.
function relax(cy, movers, rounds = 40) {
  if (movers.length === 0) return;
  const all = cy.nodes().map((n) => ({ id: n.id(), p: n.position() }));
  for (let r = 0; r < rounds; r++) {
    const cool = 1 - r / rounds;
    movers.forEach((node) => {
      const p = node.position();
      let fx = 0;
      let fy = 0;
      for (const o of all) {
        if (o.id === node.id()) continue;
        const dx = p.x - o.p.x;
        const dy = p.y - o.p.y;
        const d = Math.max(8, Math.hypot(dx, dy));
        if (d < 2 * NEAR) {
          const push = (2 * NEAR - d) / d;
          fx += dx * push * 0.5;
          fy += dy * push * 0.5;
        }
      }
      node.neighborhood("node").forEach((n) => {
        const q = n.position();
        const dx = q.x - p.x;
        const dy = q.y - p.y;
        const d = Math.max(1, Math.hypot(dx, dy));
        const pull = (d - NEAR) / d;
        fx += dx * pull * 0.3;
        fy += dy * pull * 0.3;
      });
      const len = Math.hypot(fx, fy);
      const cap = 25 * cool;
      if (len > cap) {
        fx *= cap / len;
        fy *= cap / len;
      }
      node.position({ x: p.x + fx, y: p.y + fy });
    });
  }
}
