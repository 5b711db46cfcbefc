// The HTTP API of the demo server (see the contract): one function per route, errors as ApiError.

/** An HTTP error with the server's plain-sentence `detail`. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

let inFlight = 0;

function setBusy(delta) {
  inFlight += delta;
  document.body.dataset.busy = inFlight > 0 ? "1" : "0";
}

async function request(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body instanceof FormData || typeof body === "string") {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  setBusy(1);
  try {
    const response = await fetch(path, init);
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { detail: text };
    }
    if (!response.ok) {
      throw new ApiError(response.status, describe(data, response));
    }
    return data;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(0, `the server did not answer (${error.message}); is it still running?`);
  } finally {
    setBusy(-1);
  }
}

// FastAPI's own validation errors carry a list; turn it into one sentence.
function describe(data, response) {
  const detail = data && data.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  }
  return `${response.status} ${response.statusText}`;
}

const s = (id) => `/api/sessions/${encodeURIComponent(id)}`;

export const api = {
  health: () => request("GET", "/api/health"),
  tracks: () => request("GET", "/api/tracks"),
  options: () => request("GET", "/api/options"),
  schema: () => request("GET", "/api/config/schema"),
  parseConfig: (toml) => request("POST", "/api/config/parse", toml, { "content-type": "text/plain" }),
  create: (spec) => request("POST", "/api/sessions", spec),
  upload: (form) => request("POST", "/api/sessions/upload", form),
  session: (id) => request("GET", s(id)),
  remove: (id) => request("DELETE", s(id)),
  step: (id, n = 1) => request("POST", `${s(id)}/step`, { n }),
  reset: (id) => request("POST", `${s(id)}/reset`),
  run: (id, speed) => request("POST", `${s(id)}/run`, { speed }),
  pause: (id) => request("POST", `${s(id)}/pause`),
  setConfig: (id, values) => request("PUT", `${s(id)}/config`, values),
  resetConfig: (id) => request("POST", `${s(id)}/config/reset`),
  graphAt: (id, step) => request("GET", `${s(id)}/graph?step=${step}`),
  timeline: (id) => request("GET", `${s(id)}/timeline`),
  fact: (id, factId) => request("GET", `${s(id)}/facts/${factId}`),
  recall: (id, query, budget) => request("POST", `${s(id)}/recall`, { query, budget_tokens: budget }),
  addFact: (id, fact) => request("POST", `${s(id)}/facts`, fact),
  setStrength: (id, factId, strength) => request("PATCH", `${s(id)}/facts/${factId}`, { strength }),
  removeFact: (id, factId) => request("DELETE", `${s(id)}/facts/${factId}`),
  selfcheck: () => request("GET", "/api/selfcheck"),
  streamUrl: (id) => `${s(id)}/stream`,
  // Fire-and-forget on page close: a keepalive request outlives the page.
  forget: (id) => fetch(s(id), { method: "DELETE", keepalive: true }).catch(() => {}),
};
