// The hyperparameter panel: one slider + number box per field of GET /api/config/schema,
// grouped as in DESIGN §1. A slider reports on release; a number box on Enter or blur.

const GROUPS = [
  ["dynamics", ["eta", "eta_use", "tau0", "tau_max", "kappa", "s_floor"]],
  ["reconciliation", ["rho", "merge_threshold", "split_confidence"]],
  ["pruning", ["theta_prune", "capacity", "capacity_slack"]],
  ["recall", ["hops", "damping", "budget_tokens", "max_fanout", "max_seeds"]],
];
const STEPS = 1000; // slider resolution

/** Format a value for people: integers as is, the rest with 3 significant digits. */
export function formatValue(value) {
  if (value == null) return "∞";
  if (Number.isInteger(value)) return value >= 1e5 ? value.toExponential(0) : String(value);
  const abs = Math.abs(value);
  if (abs >= 1e5 || (abs > 0 && abs < 1e-3)) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

/** Slider position (0..STEPS) <-> value, on a linear or a log scale. */
export function toValue(p, spec) {
  const t = p / STEPS;
  let v = spec.log ? spec.low * Math.pow(spec.high / spec.low, t) : spec.low + (spec.high - spec.low) * t;
  if (spec.integer) return Math.round(v);
  v = Number(v.toPrecision(3)); // a slider is not precise; keep the number readable
  return Math.min(spec.high, Math.max(spec.low, v));
}

export function toPosition(value, spec) {
  if (value == null) return STEPS;
  const t = spec.log
    ? Math.log(value / spec.low) / Math.log(spec.high / spec.low)
    : (value - spec.low) / (spec.high - spec.low);
  return Math.round(Math.max(0, Math.min(1, t)) * STEPS);
}

/** The panel: `onChange({name: value})` on every change a person makes, `onError(text)` on a bad one. */
export class ParamsPanel {
  constructor(container, schema, { onChange, onError }) {
    this.schema = new Map(schema.map((s) => [s.name, s]));
    this.onChange = onChange;
    this.onError = onError;
    this.rows = new Map();
    this.current = Object.fromEntries(schema.map((s) => [s.name, s.default]));
    container.replaceChildren();
    const grouped = new Set(GROUPS.flatMap(([, names]) => names));
    const others = schema.map((s) => s.name).filter((n) => !grouped.has(n));
    for (const [title, names] of [...GROUPS, ["other", others]]) {
      const present = names.filter((n) => this.schema.has(n));
      if (!present.length) continue;
      const group = document.createElement("details");
      group.open = true;
      group.className = "group";
      group.innerHTML = `<summary>${title}</summary>`;
      for (const name of present) group.append(this.row(this.schema.get(name)));
      container.append(group);
    }
    this.set(this.current);
  }

  row(spec) {
    const row = document.createElement("div");
    row.className = "param";
    row.dataset.param = spec.name;
    row.title = `${spec.help}\nrange ${formatValue(spec.low)} – ${formatValue(spec.high)}` +
      `${spec.log ? " (log scale)" : ""}; default ${formatValue(spec.default)}`;
    row.innerHTML = `
      <label class="name" for="p-${spec.name}">${spec.name}<i class="dot" title="changed from the default"></i></label>
      <input id="p-${spec.name}" class="range" type="range" min="0" max="${STEPS}" aria-label="${spec.name}">
      <input class="number" type="number" min="${spec.low}" max="${spec.high}"
             step="${spec.integer ? 1 : "any"}" aria-label="${spec.name} value">
      ${spec.optional ? `<label class="unlimited" title="no limit"><input type="checkbox"> ∞</label>` : ""}
      <div class="help">${spec.help}</div>`;
    const range = row.querySelector(".range");
    const number = row.querySelector(".number");
    const unlimited = row.querySelector(".unlimited input");
    range.addEventListener("input", () => {
      number.value = toValue(Number(range.value), spec);
      if (unlimited) unlimited.checked = false;
    });
    range.addEventListener("change", () => this.emit(spec, toValue(Number(range.value), spec)));
    number.addEventListener("change", () => {
      const value = Number(number.value);
      if (number.value === "" || !Number.isFinite(value) || value < spec.low || value > spec.high) {
        this.set(this.current);
        this.onError(`${spec.name} must be a number from ${spec.low} to ${spec.high}.`);
        return;
      }
      this.emit(spec, spec.integer ? Math.round(value) : value);
    });
    unlimited?.addEventListener("change", () => {
      this.emit(spec, unlimited.checked ? null : toValue(Number(range.value), spec));
    });
    this.rows.set(spec.name, { row, range, number, unlimited });
    return row;
  }

  emit(spec, value) {
    this.show(spec.name, value);
    this.onChange({ [spec.name]: value });
  }

  /** Show `config` (a full or partial {param: value}) and remember it as current. */
  set(config) {
    for (const [name, value] of Object.entries(config || {})) {
      if (!this.rows.has(name)) continue;
      this.current[name] = value;
      this.show(name, value);
    }
  }

  show(name, value) {
    const spec = this.schema.get(name);
    const { row, range, number, unlimited } = this.rows.get(name);
    range.value = toPosition(value, spec);
    number.value = value ?? "";
    number.disabled = value == null;
    if (unlimited) unlimited.checked = value == null;
    row.classList.toggle("changed", value !== spec.default);
  }

  /** The values that differ from the defaults (what a new session should start with). */
  changes() {
    const out = {};
    for (const [name, value] of Object.entries(this.current)) {
      if (value !== this.schema.get(name).default) out[name] = value;
    }
    return out;
  }
}
