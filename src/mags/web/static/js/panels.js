// The two dialogs' contents: what `recall` returned, and the self-check's rows.

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

/** Show a RecallResult: the exact text, its token count and the facts it packed. */
export function showRecall(box, result, budget) {
  const head = el("p", "recall-head");
  head.append(
    el("b", "tokens", `${result.tokens} tokens`),
    ` of a ${budget}-token budget · ${result.facts.length} fact${result.facts.length === 1 ? "" : "s"}`,
  );
  const text = el("pre", "recall-text", result.text || `(nothing: ${result.empty_because ?? "nothing matched"})`);
  const facts = el("ul", "history");
  for (const f of result.facts) {
    facts.append(el("li", null, `${f.subject} ${f.relation} ${f.object}  ·  s=${f.strength.toFixed(2)}`));
  }
  box.replaceChildren(head, text, facts);
}

/** Show the self-check: one green or red line per check, with advice where it failed. */
export function showSelfcheck(box, report) {
  const summary = el(
    "p",
    `summary ${report.ok ? "ok" : "bad"}`,
    report.ok ? "All checks passed." : "Some checks failed: see the advice on the red lines.",
  );
  const list = el("ul", "checks");
  for (const row of report.rows) {
    const li = el("li", row.ok ? "ok" : "bad");
    li.dataset.ok = row.ok ? "1" : "0";
    li.append(el("span", "mark", row.ok ? "✓" : "✗"), el("b", null, row.name), el("span", "detail", row.detail));
    if (row.advice && !row.ok) li.append(el("div", "advice", row.advice));
    list.append(li);
  }
  box.replaceChildren(summary, list);
}

/** A waiting line with a spinner. */
export function showWaiting(box, text) {
  const p = el("p", "waiting");
  p.append(el("span", "spinner"), text);
  box.replaceChildren(p);
}
