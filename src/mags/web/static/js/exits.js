// Exits drawn as stubs on their rooms: shared by the graph view and its layout.

/** Exits by direction: the stub's label and where it sits on its room (unit offsets). */
export const EXITS = {
  north: ["N", 0, -1],
  south: ["S", 0, 1],
  east: ["E", 1, 0],
  west: ["W", -1, 0],
  northeast: ["NE", 0.7, -0.7],
  northwest: ["NW", -0.7, -0.7],
  southeast: ["SE", 0.7, 0.7],
  southwest: ["SW", -0.7, 0.7],
  up: ["U", 0.45, -0.9],
  down: ["D", -0.45, 0.9],
};
/** Joins room and direction in a stub's id (no entity name contains it). */
export const STUB = "\u2192";
