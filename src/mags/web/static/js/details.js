// The details panel: one fact (strength or belief, salience, time constant or hazard, the
// sources' reliability, evidence, history, the text it came from) with its editor, or one
// entity with its facts.

import { formatValue } from "./params.js";

const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  el.append(...children.filter((c) => c != null));
  return el;
};

const triple = (f) =>
  h("span", { class: "triple" }, h("b", {}, f.subject), ` ${f.relation} `, h("b", {}, f.object));

const when = (f) => {
  const from = `step ${formatValue(f.valid_from)}`;
  if (f.valid_to != null) return `${from} – ${formatValue(f.valid_to)}`;
  if (f.archived_t != null) return `${from}, archived at ${formatValue(f.archived_t)}`;
  return `${from} – now`;
};

function strengthBar(s) {
  const bar = h("span", { class: "bar" }, h("i"));
  bar.firstChild.style.width = `${Math.round(100 * s)}%`;
  return h("span", { class: "strength" }, bar, ` ${s.toFixed(3)}`);
}

/**
 * Show a fact: `detail` is the answer of GET /facts/{id}; `edit` has `editable`,
 * `onStrength(value)`, `onRemove()` and `onPick(factId)`.
 */
export function showFact(panel, title, detail, edit) {
  const f = detail.fact;
  const active = f.valid_to == null && f.archived_t == null;
  title.textContent = `Fact #${f.id}`;
  const sources = Object.entries(detail.reliability || {});
  const rows = h(
    "dl",
    { class: "facts-table" },
    h("dt", { title: detail.belief ? "the probability that it holds now" : "" }, detail.belief ? "belief" : "strength"),
    h("dd", {}, strengthBar(f.strength)),
    f.salience != null ? h("dt", { title: "how much it deserves a place in a prompt now" }, "salience") : null,
    f.salience != null ? h("dd", {}, strengthBar(f.salience)) : null,
    detail.belief && detail.hazard != null ? h("dt", {}, "hazard of change") : null,
    detail.belief && detail.hazard != null ? h("dd", {}, `${formatValue(detail.hazard)} per step`) : null,
    h("dt", {}, "τ (time constant)"),
    h("dd", {}, `${formatValue(f.tau)} steps`),
    sources.length ? h("dt", {}, "source reliability") : null,
    sources.length
      ? h("dd", {}, sources.map(([name, r]) => `${name} ${r.toFixed(3)}`).join(", "))
      : null,
    h("dt", {}, "evidence"),
    h("dd", {}, `${f.evidence} observation${f.evidence === 1 ? "" : "s"}`),
    h("dt", {}, "valid"),
    h("dd", {}, when(f)),
    f.archive_reason ? h("dt", {}, "archived by") : null,
    f.archive_reason ? h("dd", {}, f.archive_reason) : null,
    h("dt", {}, "kinds"),
    h("dd", {}, `${f.subject_kind} → ${f.object_kind}`),
  );
  const parts = [h("p", { class: "lead" }, triple(f)), rows];
  if (edit.editable && active) parts.push(editor(f, edit));
  if (detail.history.length) {
    parts.push(h("h3", {}, `History of ${f.subject} ${f.relation}`));
    parts.push(
      h(
        "ul",
        { class: "history" },
        ...detail.history.map((old) =>
          h(
            "li",
            { title: "show this fact", onclick: () => edit.onPick(old.id) },
            h("b", {}, old.object),
            h("span", { class: "muted" }, ` ${when(old)}`),
            old.archive_reason ? h("span", { class: "tag" }, old.archive_reason) : null,
            h("span", { class: "muted" }, ` s=${old.strength.toFixed(2)}`),
          ),
        ),
      ),
    );
  }
  if (detail.episode_text) {
    parts.push(h("h3", {}, "Evidence (the text it came from)"));
    parts.push(h("blockquote", {}, detail.episode_text.trim()));
  }
  panel.classList.remove("muted");
  panel.replaceChildren(...parts);
}

function editor(f, edit) {
  const out = h("output", {}, f.strength.toFixed(2));
  const range = h("input", {
    type: "range",
    min: "0",
    max: "1",
    step: "0.01",
    value: String(f.strength),
    "aria-label": "fact strength",
  });
  range.addEventListener("input", () => (out.textContent = Number(range.value).toFixed(2)));
  return h(
    "div",
    { class: "editor" },
    h("label", { class: "slider" }, h("span", { class: "name" }, "strength"), range, out),
    h(
      "div",
      { class: "row buttons" },
      h("button", { type: "button", onclick: () => edit.onStrength(Number(range.value)) }, "Set strength"),
      h("button", { type: "button", class: "danger", onclick: () => edit.onRemove() }, "Remove fact"),
    ),
  );
}

/** Show an entity and its active facts (each one clickable). */
export function showNode(panel, title, name, kind, facts, onPick) {
  title.textContent = name;
  panel.classList.remove("muted");
  const list = h(
    "ul",
    { class: "history" },
    ...facts
      .sort((a, b) => b.strength - a.strength)
      .map((e) =>
        h(
          "li",
          { onclick: () => onPick(e.fact), title: "show this fact" },
          h("b", {}, e.source),
          ` ${e.label} `,
          h("b", {}, e.target),
          h("span", { class: "muted" }, ` s=${e.strength.toFixed(2)}`),
        ),
      ),
  );
  panel.replaceChildren(
    h("p", { class: "lead" }, h("span", { class: "tag" }, kind), ` ${facts.length} active fact${facts.length === 1 ? "" : "s"}`),
    list,
  );
}

export function showNothing(panel, title, text) {
  title.textContent = "Details";
  panel.classList.add("muted");
  panel.textContent = text;
}

/** A short text for the hover tooltip of an edge or a node. */
export function tooltipText(ele) {
  if (ele.isEdge()) {
    const d = ele.data();
    return (
      `${d.source} ${d.label} ${d.target}\n` +
      `strength ${d.strength.toFixed(3)} · τ ${formatValue(d.tau)} · evidence ${d.evidence}\n` +
      `since step ${formatValue(d.valid_from)}`
    );
  }
  return `${ele.id()} (${ele.data("kind")})\n${ele.connectedEdges().length} facts`;
}
