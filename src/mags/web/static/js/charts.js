// The timeline charts, drawn by hand on one canvas: three strips over a shared step axis —
// active facts, events per step (reconcile, archive, merge) and score. Click or drag to pick
// a step; a vertical line marks the step on screen.

const PAD_LEFT = 96;
const PAD_RIGHT = 14;
const PAD_TOP = 6;
const PAD_BOTTOM = 16;
const STRIPS = [
  { key: "facts", label: "active facts", share: 0.4 },
  { key: "events", label: "events", share: 0.34 },
  { key: "score", label: "score", share: 0.26 },
];
export const EVENT_COLOURS = { reconcile: "#dc2626", archive: "#a8a29e", merge: "#a855f7" };
const INK = "#334155";
const GRID = "#e2e8f0";

/** The timeline charts of one session. */
export class TimelineChart {
  constructor(canvas, onPick) {
    this.canvas = canvas;
    this.onPick = onPick;
    this.rows = [];
    this.cursor = null;
    this.hover = null;
    this.maxScore = 0;
    this.pending = false;
    new ResizeObserver(() => this.draw()).observe(canvas);
    let dragging = false;
    const pick = (e) => {
      const step = this.stepAt(e.offsetX);
      if (step != null) this.onPick(step);
    };
    canvas.addEventListener("pointerdown", (e) => {
      dragging = true;
      canvas.setPointerCapture(e.pointerId);
      pick(e);
    });
    canvas.addEventListener("pointermove", (e) => {
      this.hover = this.stepAt(e.offsetX);
      if (dragging) pick(e);
      this.draw();
    });
    canvas.addEventListener("pointerup", () => (dragging = false));
    canvas.addEventListener("pointerleave", () => {
      this.hover = null;
      this.draw();
    });
  }

  /** Replace every row (a new session, a reset). */
  setRows(rows, maxScore) {
    this.rows = [...rows].sort((a, b) => a.step - b.step);
    this.maxScore = maxScore || 0;
    this.draw();
  }

  /** Add or replace the row of one step. */
  put(row) {
    const i = this.rows.findIndex((r) => r.step === row.step);
    if (i >= 0) this.rows[i] = row;
    else this.rows.push(row);
    if (i < 0 && this.rows.length > 1 && this.rows.at(-2).step > row.step) {
      this.rows.sort((a, b) => a.step - b.step);
    }
    this.draw();
  }

  setCursor(step) {
    this.cursor = step;
    this.draw();
  }

  lastStep() {
    return this.rows.length ? this.rows.at(-1).step : 0;
  }

  stepAt(x) {
    if (!this.rows.length) return null;
    const width = this.canvas.clientWidth - PAD_LEFT - PAD_RIGHT;
    const t = (x - PAD_LEFT) / Math.max(1, width);
    return Math.max(0, Math.min(this.lastStep(), Math.round(t * this.lastStep())));
  }

  // Drawing is coalesced into one frame however many rows arrive.
  draw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.paint();
    });
  }

  paint() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = "11px Inter, system-ui, sans-serif";
    g.textBaseline = "middle";
    const plotW = w - PAD_LEFT - PAD_RIGHT;
    const last = Math.max(1, this.lastStep());
    const x = (step) => PAD_LEFT + (step / last) * plotW;
    let top = PAD_TOP;
    const usable = h - PAD_TOP - PAD_BOTTOM;
    for (const strip of STRIPS) {
      const sh = usable * strip.share;
      const box = { top: top + 3, bottom: top + sh - 3 };
      g.strokeStyle = GRID;
      g.beginPath();
      g.moveTo(PAD_LEFT, box.bottom + 0.5);
      g.lineTo(w - PAD_RIGHT, box.bottom + 0.5);
      g.stroke();
      this[strip.key](g, box, x, plotW / (last + 1));
      g.fillStyle = INK;
      g.textAlign = "left";
      g.fillText(strip.label, 8, (box.top + box.bottom) / 2);
      top += sh;
    }
    // Step axis.
    g.fillStyle = "#64748b";
    g.textAlign = "center";
    const every = Math.max(1, Math.ceil(last / Math.max(2, plotW / 60)));
    for (let s = 0; s <= last; s += every) g.fillText(String(s), x(s), h - PAD_BOTTOM / 2);
    this.mark(g, x, h, this.hover, "#94a3b8");
    this.mark(g, x, h, this.cursor, "#0f172a");
    this.readout(g, w);
  }

  facts(g, box, x) {
    const max = Math.max(1, ...this.rows.map((r) => r.active_facts));
    const y = (v) => box.bottom - (v / max) * (box.bottom - box.top);
    this.scale(g, box, max);
    if (!this.rows.length) return;
    g.beginPath();
    g.moveTo(x(this.rows[0].step), box.bottom);
    for (const r of this.rows) g.lineTo(x(r.step), y(r.active_facts));
    g.lineTo(x(this.rows.at(-1).step), box.bottom);
    g.closePath();
    g.fillStyle = "rgba(13, 148, 136, 0.15)";
    g.fill();
    g.beginPath();
    this.rows.forEach((r, i) => (i ? g.lineTo : g.moveTo).call(g, x(r.step), y(r.active_facts)));
    g.strokeStyle = "#0d9488";
    g.lineWidth = 1.5;
    g.stroke();
    g.lineWidth = 1;
  }

  events(g, box, x, slot) {
    const total = (r) => r.reconcile + r.archive + r.merge;
    const max = Math.max(1, ...this.rows.map(total));
    const unit = (box.bottom - box.top) / max;
    const bar = Math.max(1, Math.min(14, slot * 0.7));
    this.scale(g, box, max);
    for (const r of this.rows) {
      let base = box.bottom;
      for (const kind of ["reconcile", "archive", "merge"]) {
        const hgt = r[kind] * unit;
        if (!hgt) continue;
        g.fillStyle = EVENT_COLOURS[kind];
        g.fillRect(x(r.step) - bar / 2, base - hgt, bar, hgt);
        base -= hgt;
      }
    }
  }

  score(g, box, x) {
    const max = Math.max(1, this.maxScore, ...this.rows.map((r) => r.score));
    const y = (v) => box.bottom - (v / max) * (box.bottom - box.top);
    this.scale(g, box, max);
    if (!this.rows.length) return;
    g.beginPath();
    let prev = null;
    for (const r of this.rows) {
      if (prev == null) g.moveTo(x(r.step), y(r.score));
      else g.lineTo(x(r.step), y(prev)); // a score holds until the step that changes it
      g.lineTo(x(r.step), y(r.score));
      prev = r.score;
    }
    g.strokeStyle = "#2563eb";
    g.lineWidth = 1.75;
    g.stroke();
    g.lineWidth = 1;
  }

  scale(g, box, max) {
    g.fillStyle = "#94a3b8";
    g.textAlign = "right";
    g.fillText(String(max), PAD_LEFT - 6, box.top + 4);
  }

  mark(g, x, h, step, colour) {
    if (step == null || !this.rows.length) return;
    g.strokeStyle = colour;
    g.beginPath();
    g.moveTo(Math.round(x(step)) + 0.5, PAD_TOP);
    g.lineTo(Math.round(x(step)) + 0.5, h - PAD_BOTTOM);
    g.stroke();
  }

  // What the hovered (else the shown) step holds, in words, top right.
  readout(g, w) {
    const step = this.hover ?? this.cursor;
    const r = this.rows.find((row) => row.step === step);
    if (!r) return;
    const text =
      `step ${r.step} · ${r.active_facts} facts · ${r.reconcile} reconciled · ` +
      `${r.archive} archived · ${r.merge} merged · score ${r.score}`;
    g.textAlign = "right";
    const tw = g.measureText(text).width;
    g.fillStyle = "rgba(255, 255, 255, 0.9)";
    g.fillRect(w - PAD_RIGHT - tw - 8, PAD_TOP, tw + 8, 16);
    g.fillStyle = INK;
    g.fillText(text, w - PAD_RIGHT - 4, PAD_TOP + 8);
  }
}
