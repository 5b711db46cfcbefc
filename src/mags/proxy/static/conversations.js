// The proxy's conversations page: pick a user, watch the graph, its history and the last
// recall change live. Reads the admin API with the token typed on the page (kept in this
// tab's sessionStorage only) and polls it once a second.
"use strict";

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);
const state = { user: "", seenClosed: new Set(), timer: null };

const cy = cytoscape({
  container: $("graph"),
  minZoom: 0.3,
  maxZoom: 3,
  style: [
    { selector: "node", style: { label: "data(label)", "font-size": 13, "text-valign": "center",
      "background-color": "#90caf9", "border-width": 1, "border-color": "#1565c0", width: 30, height: 30 } },
    { selector: "node.user", style: { "background-color": "#ffcc80", "border-color": "#e65100", width: 42, height: 42 } },
    { selector: "edge", style: { label: "data(label)", "font-size": 11, "curve-style": "bezier",
      "target-arrow-shape": "triangle", width: "mapData(strength, 0, 1, 1, 6)", "line-color": "#607d8b",
      "target-arrow-color": "#607d8b", "text-background-color": "#fff", "text-background-opacity": 0.8 } },
  ],
});
window.mags = { cy }; // for tests and the curious

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

async function admin(path) {
  const token = $("token").value.trim();
  if (!token) throw new Error("Type the proxy's admin token (its --admin-token) in the box above.");
  const answer = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  const body = await answer.json().catch(() => ({}));
  if (answer.status === 401) throw new Error("The admin token is wrong: type the proxy's --admin-token.");
  if (answer.status === 403) throw new Error("The proxy's admin API is off: restart it with --admin-token TOKEN.");
  if (!answer.ok) throw new Error((body.error && body.error.message) || `HTTP ${answer.status}`);
  return body;
}

async function loadUsers() {
  const { users } = await admin("/admin/users");
  const select = $("user");
  const current = select.value || state.user;
  select.replaceChildren(new Option(users.length ? "(pick a user)" : "(no user yet)", ""));
  for (const user of users) select.add(new Option(user, user));
  if (users.includes(current)) select.value = current;
  return users;
}

function nodeId(name) {
  return `n:${name}`;
}

function drawGraph(snapshot) {
  const wanted = new Set();
  const before = cy.elements().length;
  let added = 0;
  cy.batch(() => {
    for (const e of snapshot.entities) {
      const id = nodeId(e.name);
      wanted.add(id);
      if (cy.getElementById(id).empty()) {
        cy.add({ group: "nodes", data: { id, label: e.name } });
        added += 1;
      }
      cy.getElementById(id).toggleClass("user", e.name === state.user);
    }
    for (const f of snapshot.facts) {
      const id = `f${f.id}`;
      wanted.add(id);
      const [source, target] = [nodeId(f.subject), nodeId(f.object)];
      if (cy.getElementById(id).empty() && wanted.has(source) && wanted.has(target)) {
        cy.add({ group: "edges", data: { id, source, target, label: f.relation, strength: f.strength } });
        added += 1;
      }
    }
    cy.elements().filter((el) => !wanted.has(el.id())).remove();
  });
  if (added || cy.elements().length !== before) {  // lay out only when the graph changed
    cy.layout({ name: "cose", animate: false, nodeDimensionsIncludeLabels: true }).run();
  }
  $("counts").textContent = `${snapshot.facts.length} facts, ${snapshot.entities.length} entities`;
}

function drawHistory(facts) {
  const closed = facts.filter((f) => f.valid_to !== null || f.archived_t !== null);
  const list = $("history");
  list.replaceChildren();
  for (const f of closed.reverse()) {
    const item = document.createElement("li");
    const when = f.valid_to ?? f.archived_t;
    const why = f.archive_reason ? `${f.archive_reason.replace("_", " ")} at turn ${when}` : `superseded at turn ${when}`;
    const text = document.createElement("s");
    text.textContent = `${f.subject} ${f.relation} ${f.object}`;
    item.append(text, ` — ${why}`);
    if (!state.seenClosed.has(f.id)) item.classList.add("fresh");
    state.seenClosed.add(f.id);
    list.append(item);
  }
}

function drawTurns(episodes) {
  const list = $("turns");
  list.replaceChildren();
  for (const e of episodes.slice(-30)) {
    const item = document.createElement("li");
    item.textContent = `${e.speaker}: ${e.text}`;
    list.append(item);
  }
}

async function refresh() {
  try {
    await loadUsers();
    const user = $("user").value;
    if (user !== state.user) {
      state.user = user;
      state.seenClosed = new Set();
      cy.elements().remove();
    }
    if (!user) {
      $("status").textContent = "";
      showError("");
      return;
    }
    const enc = encodeURIComponent(user);
    const [facts, history, episodes, last] = await Promise.all([
      admin(`/admin/users/${enc}/facts`),
      admin(`/admin/users/${enc}/history`),
      admin(`/admin/users/${enc}/episodes?limit=100000`),
      admin(`/admin/users/${enc}/last-request`),
    ]);
    drawGraph(facts);
    drawHistory(history.facts);
    drawTurns(episodes.episodes);
    const recall = last.last && last.last.recall;
    $("recall").textContent = recall ? recall.text || "(recall found nothing)" : "(no request from this user since the proxy started)";
    $("recall-tokens").textContent = recall ? `${recall.tokens} tokens, query “${last.last.query}”` : "";
    $("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
    showError("");
  } catch (error) {
    showError(error.message);
  }
}

$("token").value = sessionStorage.getItem("mags-admin-token") || "";
$("token").addEventListener("change", () => {
  sessionStorage.setItem("mags-admin-token", $("token").value.trim());
  refresh();
});
$("user").addEventListener("change", refresh);
state.timer = setInterval(refresh, POLL_MS);
refresh();
