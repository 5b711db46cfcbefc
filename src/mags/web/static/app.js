// The MAGS web demo: wires the page's parts to one session of the server.
// Plain ES modules, no build step. The graph is updated in place by element id; steps that
// arrive on the event stream while running are drawn once per animation frame.

import { api } from "./js/api.js";
import { TimelineChart } from "./js/charts.js";
import { showFact, showNode, showNothing, tooltipText } from "./js/details.js";
import { GraphView, KINDS } from "./js/graph.js";
import { showRecall, showSelfcheck, showWaiting } from "./js/panels.js";
import { ParamsPanel, formatValue, toPosition, toValue } from "./js/params.js";
import { Transcript } from "./js/transcript.js";

const $ = (id) => document.getElementById(id);
const SPEED = { low: 0.5, high: 50, log: true, integer: false };
const NO_SELECTION = "Hover or click a fact (an edge) or an entity (a node).";

const state = {
  session: null, // the SessionState the page was opened with (id, track, policy, ...)
  config: {}, // the hyperparameters in force on the server
  lastStep: -1, // the newest step received
  liveGraph: null, // the graph after it (or after the latest edit)
  viewStep: null, // null: live; else the past step on screen
  running: false,
  done: false,
  score: 0,
  maxScore: 0,
  activeFacts: 0,
  selectedFact: null,
  stream: null,
  queue: [], // steps from the stream waiting for the next frame
  scrubWanted: null, // the step the timeline asks for while a request is out
  scrubbing: false,
};
// Measurements, for people (devtools) and tests: ms from click to painted graph.
const perf = { firstPaintMs: null, roundTrips: [] };
window.mags = { state, perf };

let graph;
let chart;
let transcript;
let params;

// ----------------------------------------------------------------------------- start up
async function start() {
  graph = new GraphView($("graph"), {
    onFact: selectFact,
    onNode: selectNode,
    onBackground: () => {
      state.selectedFact = null;
      showNothing($("details"), $("details-title"), NO_SELECTION);
    },
    onHover: hover,
    onFocus: focused,
  });
  window.mags.view = graph;
  chart = new TimelineChart($("charts"), goTo);
  transcript = new Transcript($("transcript"), goTo);
  legend();
  wire();
  try {
    const [tracks, options, schema, health] = await Promise.all([
      api.tracks(),
      api.options(),
      api.schema(),
      api.health(),
    ]);
    pickers(tracks, options);
    params = new ParamsPanel($("params"), schema, { onChange: changeConfig, onError: toast });
    document.querySelector(".brand").title = `MAGS ${health.version}`;
    document.body.dataset.ready = "1";
  } catch (error) {
    toast(`Could not read the server's catalogue: ${error.message}`);
  }
}

function pickers(tracks, options) {
  const track = $("track");
  for (const t of tracks) {
    const option = new Option(t.name, t.name);
    option.title = t.description;
    option.dataset.seeds = JSON.stringify(t.seeds);
    option.dataset.cached = JSON.stringify(t.cached);
    track.append(option);
  }
  track.value = tracks.some((t) => t.name === "tiny") ? "tiny" : tracks[0]?.name;
  track.addEventListener("change", seedHints);
  seedHints();
  for (const p of options.policies) {
    const label = p.name === "llm" && options.llm_model ? `llm (${options.llm_model})` : p.name;
    const option = new Option(p.available ? label : `${p.name} (unavailable)`, p.name);
    option.disabled = !p.available;
    option.title = p.why || "";
    $("policy").append(option);
  }
  for (const m of options.memories) $("memory").append(new Option(m, m));
  $("memory").value = options.memories.includes("liquid") ? "liquid" : options.memories[0];
}

// Suggested seeds of the chosen track; the cached ones load at once.
function seedHints() {
  const option = $("track").selectedOptions[0];
  if (!option) return;
  const cached = new Set(JSON.parse(option.dataset.cached));
  const list = $("seed-list");
  list.replaceChildren(
    ...JSON.parse(option.dataset.seeds).map((s) => new Option(cached.has(s) ? "cached" : "", s)),
  );
  $("seed").title = cached.size
    ? `cached seeds (load at once): ${[...cached].join(", ")}; others are generated first`
    : "any seed; a new one is generated first (a few seconds)";
}

function legend() {
  const box = $("legend-nodes");
  // On a smaller screen the legend starts folded: the graph needs the room.
  $("legend").open = window.innerWidth >= 1500;
  for (const [kind, k] of Object.entries(KINDS)) {
    if (kind === "direction") continue; // drawn as exit stubs on their rooms
    const item = document.createElement("span");
    item.innerHTML = `<i class="node ${k.shape}" style="--fill:${k.fill};--stroke:${k.line}"></i>${kind}`;
    box.append(item);
  }
}

function wire() {
  $("world-form").addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  $("upload").addEventListener("change", upload);
  $("reset").addEventListener("click", reset);
  $("step").addEventListener("click", step);
  $("run").addEventListener("click", runOrPause);
  $("speed").value = toPosition(2, SPEED);
  $("speed").addEventListener("input", () => ($("speed-out").textContent = `${formatValue(speed())} steps/s`));
  $("speed").addEventListener("change", () => state.running && api.run(state.session.id, speed()).then(status, toast));
  $("speed-out").textContent = `${formatValue(speed())} steps/s`;
  $("scrub").addEventListener("input", () => goTo(Number($("scrub").value)));
  $("back-live").addEventListener("click", goLive);
  $("config-reset").addEventListener("click", resetConfig);
  $("config-file").addEventListener("change", loadConfigFile);
  $("add-fact").addEventListener("submit", addFact);
  $("find").addEventListener("submit", (e) => {
    e.preventDefault();
    find();
  });
  $("focus").addEventListener("click", () => {
    const name = find();
    if (name) graph.focus(name);
  });
  $("unfocus").addEventListener("click", () => graph.focus(null));
  $("open-recall").addEventListener("click", () => {
    $("recall-budget").value = state.config.budget_tokens ?? 600;
    $("recall-dialog").showModal();
    $("recall-query").focus();
  });
  $("recall-form").addEventListener("submit", recall);
  $("recall-dialog").addEventListener("close", () => graph.highlight([]));
  $("open-selfcheck").addEventListener("click", () => {
    $("selfcheck-dialog").showModal();
    selfcheck();
  });
  $("selfcheck-run").addEventListener("click", selfcheck);
  document.addEventListener("keydown", shortcut);
  window.addEventListener("pagehide", () => state.session && api.forget(state.session.id));
}

function shortcut(e) {
  if (e.target.closest("input, select, textarea, dialog") || e.metaKey || e.ctrlKey || !state.session) return;
  if (e.key === "s") step();
  else if (e.key === " ") {
    e.preventDefault();
    runOrPause();
  } else if (e.key === "ArrowLeft") goTo((state.viewStep ?? state.lastStep) - 1);
  else if (e.key === "ArrowRight") goTo((state.viewStep ?? state.lastStep) + 1);
}

const speed = () => toValue(Number($("speed").value), SPEED);

// ------------------------------------------------------------------------------ a session
async function load() {
  const seedText = $("seed").value.trim();
  if (seedText !== "" && !/^\d+$/.test(seedText)) {
    toast(`The seed must be a whole number (1-999 to explore; 1001-1020 are the reported ones), not "${seedText}".`);
    return;
  }
  const spec = {
    track: $("track").value,
    seed: seedText === "" ? null : Number(seedText),
    policy: $("policy").value,
    memory: $("memory").value,
    config: params && Object.keys(params.changes()).length ? params.changes() : null,
  };
  const started = performance.now();
  const option = $("track").selectedOptions[0];
  const cached = option ? JSON.parse(option.dataset.cached || "[]") : [];
  const generate = spec.seed != null && !cached.includes(spec.seed);
  if (generate) generating(spec, started);
  await open(() => api.create(spec), `Loading ${spec.track} seed ${spec.seed ?? "–"}…`, started);
  if (generate && option) {
    // Generated once: the next load of this seed is instant.
    option.dataset.cached = JSON.stringify([...cached, spec.seed]);
    seedHints();
  }
}

// A seed that is not in the world cache is generated first (TextWorld's compiler: seconds on
// small tracks, up to a minute or two on maze-hard): say so, and count the seconds.
function generating(spec, started) {
  const box = $("generating");
  const tick = () => {
    const s = Math.round((performance.now() - started) / 1000);
    box.innerHTML =
      `<b>Generating ${spec.track} seed ${spec.seed}… ${s} s</b>` +
      "<small>A seed not in the world cache is made first with TextWorld: a few seconds on small " +
      "worlds, up to a minute or two on maze-hard. Later loads of it are instant.</small>";
  };
  tick();
  box.hidden = false;
  clearInterval(generating.timer);
  generating.timer = setInterval(tick, 1000);
  const badge = $("status-state");
  badge.textContent = "generating";
  badge.dataset.state = "generating";
}

async function upload() {
  // A TextWorld game is a .z8 and the .json tw-make writes beside it: both are needed.
  const files = [...$("upload").files];
  $("upload").value = "";
  const game = files.find((f) => /\.(z8|ulx)$/i.test(f.name));
  const meta = files.find((f) => /\.json$/i.test(f.name));
  if (!game || !meta) {
    const missing = game ? `${game.name} needs its .json` : "No .z8 game file was chosen";
    toast(`${missing}: choose the .z8 and its .json together in the file picker (tw-make writes both; hold Ctrl or Shift to pick two files).`);
    return;
  }
  const form = new FormData();
  form.append("file", game);
  if (meta) form.append("json", meta);
  form.append("policy", $("policy").value);
  form.append("memory", $("memory").value);
  await open(() => api.upload(form), `Loading ${game.name}…`, performance.now());
}

async function open(create, waiting, started) {
  busy(true, waiting);
  try {
    const session = await create();
    if (state.session) api.remove(state.session.id).catch(() => {});
    show(session);
    clearToast(); // an error from before is no longer true
    await painted();
    perf.firstPaintMs = performance.now() - started;
    $("status-ms").textContent = `first paint ${Math.round(perf.firstPaintMs)} ms`;
  } catch (error) {
    toast(error.message);
  } finally {
    busy(false);
  }
}

/** Draw a whole SessionState: a new session, or the same one after a reset. */
function show(session) {
  const same = state.session && state.session.id === session.id;
  state.session = session;
  state.config = session.config;
  state.lastStep = session.step;
  state.liveGraph = session.graph;
  state.viewStep = null;
  state.queue = [];
  state.selectedFact = null;
  status(session);
  document.body.dataset.session = session.id;
  document.body.dataset.editable = session.editable ? "1" : "0";
  $("graph-empty").hidden = true;
  $("viewing").hidden = true;
  $("add-fact-box").hidden = !session.editable;
  $("find").hidden = !session.editable;
  graph.focus(null);
  $("objective-card").hidden = !session.objective;
  $("objective").textContent = session.objective;
  params?.set(session.config);
  graph.clear();
  graph.show(session.graph, [], 0);
  transcript.clear();
  session.steps.forEach((s) => transcript.add(s));
  chart.setRows(session.steps.map(row), session.max_score);
  const last = session.steps.at(-1);
  state.activeFacts = last ? last.stats.active_facts : session.graph.edges.length;
  timelineRange();
  relations();
  entities();
  showNothing($("details"), $("details-title"), NO_SELECTION);
  if (!session.editable) {
    $("details").textContent = `The ${session.memory} memory keeps no graph: the transcript and the recall box still work.`;
  }
  if (!same) listen(session.id);
  statusLine();
}

// One EventSource per session: steps while running, and state changes (run, pause, done).
function listen(id) {
  state.stream?.close();
  const stream = new EventSource(api.streamUrl(id));
  stream.addEventListener("step", (e) => enqueue(JSON.parse(e.data)));
  stream.addEventListener("state", (e) => status(JSON.parse(e.data)));
  // A named "error" message is the run loop's; the EventSource's own errors reconnect by themselves.
  stream.addEventListener("error", (e) => e.data && toast(`The run stopped: ${JSON.parse(e.data).detail}`));
  state.stream = stream;
}

function enqueue(view) {
  state.queue.push(view);
  if (state.queue.length === 1) requestAnimationFrame(drain);
}

function drain() {
  const views = state.queue;
  state.queue = [];
  apply(views, pace());
}

// Animations fit in the time between two steps.
function pace() {
  return state.running ? Math.min(700, 600 / speed()) : 700;
}

/** Take new StepViews (from a step request or the stream) into every view of the page. */
function apply(views, ms) {
  const fresh = views.filter((v) => v.step > state.lastStep);
  if (!fresh.length) return;
  const events = fresh.flatMap((v) => v.events);
  for (const view of fresh) {
    transcript.add(view, state.viewStep == null); // a reader of the past keeps their place
    chart.put(row(view));
  }
  const last = fresh.at(-1);
  state.lastStep = last.step;
  state.liveGraph = last.graph;
  state.activeFacts = last.stats.active_facts;
  state.score = last.score;
  state.maxScore = last.max_score;
  state.done = last.done;
  if (state.done) state.running = false;
  if (state.viewStep == null) graph.show(last.graph, events, ms < 60 ? 0 : ms);
  entities();
  $("status-ms").textContent =
    `memory ${last.memory_ms.toFixed(1)} ms · policy ${last.policy_ms.toFixed(1)} ms`;
  timelineRange();
  relations();
  statusLine();
}

const row = (v) => ({ step: v.step, score: v.score, ...v.stats });

function status(s) {
  state.running = s.running;
  state.done = s.done;
  state.score = s.score;
  state.maxScore = s.max_score;
  state.won = s.won;
  statusLine();
}

function statusLine() {
  const s = state.session;
  const badge = $("status-state");
  let text = "ready";
  if (!s) text = "no world";
  else if (state.running) text = "running";
  else if (state.done) text = state.won ? "won" : "game over";
  badge.textContent = text;
  badge.dataset.state = text.replace(" ", "-");
  $("status-step").textContent = s ? state.lastStep : "–";
  $("status-score").textContent = s ? `${state.score}/${state.maxScore}` : "–";
  $("status-facts").textContent = s ? state.activeFacts : "–";
  $("run").textContent = state.running ? "Pause" : "Run";
  $("run").classList.toggle("running", state.running);
  for (const id of ["reset", "step", "run", "open-recall"]) $(id).disabled = !s;
  $("step").disabled = !s || state.running || state.done;
  $("run").disabled = !s || (state.done && !state.running);
  document.body.dataset.running = state.running ? "1" : "0";
}

// ------------------------------------------------------------------------------ play
async function step() {
  if (!state.session || state.running || document.body.dataset.stepping === "1") return;
  document.body.dataset.stepping = "1";
  const started = performance.now();
  try {
    const answer = await api.step(state.session.id, 1);
    clearToast();
    if (state.viewStep != null) leavePast();
    apply(answer.steps, 700);
    await painted();
    const ms = performance.now() - started;
    perf.roundTrips.push(ms);
    $("status-ms").textContent += ` · round trip ${Math.round(ms)} ms`;
    if (state.selectedFact != null) selectFact(state.selectedFact);
  } catch (error) {
    toast(error.message);
  } finally {
    document.body.dataset.stepping = "0";
  }
}

async function runOrPause() {
  if (!state.session) return;
  try {
    if (state.running) status(await api.pause(state.session.id));
    else {
      if (state.viewStep != null) goLive();
      status(await api.run(state.session.id, speed()));
    }
  } catch (error) {
    toast(error.message);
  }
}

async function reset() {
  if (!state.session) return;
  try {
    if (state.running) await api.pause(state.session.id);
    show(await api.reset(state.session.id));
  } catch (error) {
    toast(error.message);
  }
}

// ------------------------------------------------------------------------------ time travel
function timelineRange() {
  const scrub = $("scrub");
  scrub.max = String(Math.max(0, state.lastStep));
  scrub.disabled = state.lastStep < 1;
  const shown = state.viewStep ?? state.lastStep;
  scrub.value = String(shown);
  $("scrub-out").textContent = state.viewStep == null ? `step ${shown} (live)` : `step ${shown}`;
  chart.setCursor(shown);
}

/** Show the graph as it was after `step` (the newest step: live again). */
async function goTo(step) {
  if (!state.session || step < 0) return;
  if (step >= state.lastStep) {
    goLive();
    return;
  }
  state.viewStep = step;
  $("viewing").hidden = false;
  $("add-fact").hidden = true; // edits change the present, not the past
  $("viewing-step").textContent = step;
  timelineRange();
  transcript.mark(step);
  // One request at a time; a fast drag asks only for where it ended.
  state.scrubWanted = step;
  if (state.scrubbing) return;
  state.scrubbing = true;
  try {
    while (state.scrubWanted != null) {
      const wanted = state.scrubWanted;
      state.scrubWanted = null;
      const past = await api.graphAt(state.session.id, wanted);
      if (state.viewStep === wanted) graph.show(past, [], 150);
    }
  } catch (error) {
    toast(error.message);
  } finally {
    state.scrubbing = false;
  }
}

function goLive() {
  if (state.viewStep == null) return;
  state.scrubWanted = null;
  leavePast();
  graph.show(state.liveGraph, [], 150);
}

function leavePast() {
  state.viewStep = null;
  $("viewing").hidden = true;
  $("add-fact").hidden = !state.session.editable;
  transcript.mark(null);
  timelineRange();
}

// ------------------------------------------------------------------------------ config
async function changeConfig(values) {
  if (!state.session) {
    params.set(values); // kept for the next world loaded
    return;
  }
  try {
    const answer = await api.setConfig(state.session.id, values);
    state.config = answer.config;
    params.set(answer.config);
    const [name, value] = Object.entries(values)[0];
    note(`${name} = ${formatValue(value)} from step ${state.lastStep + 1}`);
  } catch (error) {
    params.set(state.config);
    toast(error.message);
  }
}

async function resetConfig() {
  try {
    if (state.session) {
      const answer = await api.resetConfig(state.session.id);
      state.config = answer.config;
      params.set(answer.config);
    } else {
      params.set(Object.fromEntries([...params.schema.values()].map((s) => [s.name, s.default])));
    }
    note("defaults restored");
  } catch (error) {
    toast(error.message);
  }
}

async function loadConfigFile() {
  const file = $("config-file").files[0];
  $("config-file").value = "";
  if (!file) return;
  try {
    const values = await api.parseConfig(await file.text());
    if (state.session) {
      const answer = await api.setConfig(state.session.id, values);
      state.config = answer.config;
      params.set(answer.config);
    } else {
      params.set(values);
    }
    note(`${file.name}: ${Object.keys(values).length} values loaded`);
  } catch (error) {
    toast(`${file.name}: ${error.message}`);
  }
}

function note(text) {
  const n = $("config-note");
  n.textContent = text;
  n.classList.add("flash");
  clearTimeout(note.timer);
  note.timer = setTimeout(() => {
    n.classList.remove("flash");
    n.textContent = "applied from the next step";
  }, 4000);
}

// ------------------------------------------------------------------------------ details, edits
async function selectFact(id) {
  state.selectedFact = id;
  graph.select(id);
  try {
    const detail = await api.fact(state.session.id, id);
    if (state.selectedFact !== id) return;
    showFact($("details"), $("details-title"), detail, {
      editable: state.session.editable,
      onStrength: (value) => edit(() => api.setStrength(state.session.id, id, value), [{ kind: "edit", facts: [id] }], id),
      onRemove: () => edit(() => api.removeFact(state.session.id, id), [{ kind: "reconcile", facts: [id] }], id),
      onPick: selectFact,
    });
  } catch (error) {
    toast(error.message);
  }
}

function selectNode(name) {
  state.selectedFact = null;
  const node = graph.cy.getElementById(name);
  showNode($("details"), $("details-title"), name, node.data("kind"), graph.factsOf(name), selectFact);
}

// An edit changes the live graph: leave the past, apply, show the fact again.
async function edit(request, events, factId) {
  try {
    const answer = await request();
    clearToast();
    if (state.viewStep != null) leavePast();
    state.liveGraph = answer.graph;
    state.activeFacts = answer.graph.edges.length;
    graph.show(answer.graph, events, 700);
    statusLine();
    relations();
    if (factId != null) selectFact(factId);
    return answer;
  } catch (error) {
    toast(error.message);
    return null;
  }
}

async function addFact(e) {
  e.preventDefault();
  const form = e.target;
  const fact = Object.fromEntries(new FormData(form).entries());
  const answer = await edit(() => api.addFact(state.session.id, fact), [], null);
  if (answer) {
    form.reset();
    selectFact(answer.fact.id);
  }
}

// The find box offers every entity on screen (exit stubs are not entities).
function entities() {
  const names = graph.cy.nodes().filter((n) => n.data("kind") !== "exit").map((n) => n.id()).sort();
  $("entity-list").replaceChildren(...names.slice(0, 1000).map((n) => new Option(n, n)));
}

/** Centre the graph on what the find box names; returns the entity, or null. */
function find() {
  const text = $("find-text").value;
  const note = $("find-note");
  const found = graph.find(text);
  note.classList.toggle("bad", !found.length);
  if (!text.trim()) {
    note.textContent = "type a name first";
    return null;
  }
  if (!found.length) {
    note.textContent = `nothing named "${text.trim()}" on the graph`;
    return null;
  }
  graph.centre(found[0]);
  note.textContent = found.length > 1 ? `${found[0]} (1 of ${found.length})` : "";
  return found[0];
}

function focused(name) {
  $("unfocus").hidden = name == null;
  $("focus").hidden = name != null;
}

function relations() {
  const known = new Set([...graph.relations(), "in", "on", "at", "held_by", "is", "north_of", "south_of", "east_of", "west_of"]);
  $("relations").replaceChildren(...[...known].sort().map((r) => new Option(r, r)));
}

function hover(ele, at) {
  const tip = $("tooltip");
  if (!ele) {
    tip.hidden = true;
    return;
  }
  tip.textContent = tooltipText(ele);
  tip.style.left = `${at.x + 14}px`;
  tip.style.top = `${at.y + 14}px`;
  tip.hidden = false;
}

// ------------------------------------------------------------------------------ dialogs
async function recall(e) {
  e.preventDefault();
  const query = $("recall-query").value.trim();
  const budget = Number($("recall-budget").value) || null;
  showWaiting($("recall-result"), "recalling…");
  try {
    const result = await api.recall(state.session.id, query, budget);
    showRecall($("recall-result"), result, budget ?? state.config.budget_tokens);
    graph.highlight(result.facts.map((f) => f.id));
  } catch (error) {
    $("recall-result").textContent = error.message;
  }
}

async function selfcheck() {
  const box = $("selfcheck-result");
  $("selfcheck-run").disabled = true;
  showWaiting(box, "running the doctor's checks and a 10-step game on tiny…");
  try {
    showSelfcheck(box, await api.selfcheck());
  } catch (error) {
    box.textContent = error.message;
  } finally {
    $("selfcheck-run").disabled = false;
  }
}

// ------------------------------------------------------------------------------ small things
function busy(on, text) {
  $("load").disabled = on;
  $("load").textContent = on ? "Loading…" : "Load world";
  if (!on) {
    clearInterval(generating.timer);
    $("generating").hidden = true;
    statusLine();
  }
  if (on && text && !state.session) {
    $("graph-empty").querySelector(".big").textContent = text;
  }
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 6000);
}

function clearToast() {
  clearTimeout(toast.timer);
  $("toast").hidden = true;
}

// Resolves once the browser has drawn what was just changed.
const painted = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));

start();
