// The transcript: what the game said and what the agent did, one entry per step.

import { EVENT_COLOURS } from "./charts.js";

/** The transcript list; a click on an entry calls `onPick(step)`. */
export class Transcript {
  constructor(list, onPick) {
    this.list = list;
    this.entries = new Map();
    list.addEventListener("click", (e) => {
      const entry = e.target.closest("li[data-step]");
      if (entry) onPick(Number(entry.dataset.step));
    });
  }

  clear() {
    this.list.replaceChildren();
    this.entries.clear();
  }

  /** Add (or replace) the entry of one step (a StepView or a step summary); `follow`: scroll to it. */
  add(view, follow = true) {
    const li = document.createElement("li");
    li.dataset.step = view.step;
    const head = document.createElement("div");
    head.className = "head";
    head.innerHTML = `<span class="num">${view.step}</span>`;
    const command = document.createElement("span");
    command.className = "command";
    command.textContent = view.command ? `> ${view.command}` : "start";
    head.append(command);
    head.append(...badges(view));
    const text = document.createElement("div");
    text.className = "observation";
    text.textContent = view.observation.trim();
    li.append(head, text);
    if (view.action) {
      const next = document.createElement("div");
      next.className = "next";
      next.textContent = `next: ${view.action}`;
      li.append(next);
    } else if (view.done) {
      const end = document.createElement("div");
      end.className = `end ${view.won ? "won" : "lost"}`;
      end.textContent = view.won ? "won" : view.lost ? "lost" : "game over";
      li.append(end);
    }
    const old = this.entries.get(view.step);
    if (old) old.replaceWith(li);
    else this.list.append(li);
    this.entries.set(view.step, li);
    if (follow) this.list.scrollTop = this.list.scrollHeight;
  }

  /** Mark the entry of the step on screen (null: the live one, none marked). */
  mark(step) {
    this.list.querySelector("li.current")?.classList.remove("current");
    const li = step == null ? null : this.entries.get(step);
    if (li) {
      li.classList.add("current");
      li.scrollIntoView({ block: "nearest" });
    }
  }

  get length() {
    return this.entries.size;
  }
}

function badges(view) {
  const out = [];
  const add = (text, colour, title) => {
    const b = document.createElement("span");
    b.className = "tag";
    b.textContent = text;
    b.title = title;
    if (colour) b.style.setProperty("--tag", colour);
    out.push(b);
  };
  const s = view.stats || {};
  if (s.reconcile) add(`${s.reconcile} reconciled`, EVENT_COLOURS.reconcile, "facts superseded by newer ones");
  if (s.archive) add(`${s.archive} archived`, EVENT_COLOURS.archive, "facts that left the active graph");
  if (s.merge) add(`${s.merge} merged`, EVENT_COLOURS.merge, "entities merged");
  add(`score ${view.score}/${view.max_score}`, null, "game score after this step");
  return out;
}
