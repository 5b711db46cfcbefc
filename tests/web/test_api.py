"""The web API over real tiny games: sessions, steps, config, graph edits, streams, uploads."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from mags.web.sessions import SessionRegistry, SessionSpec
from mags.worlds import WorldCache
from tests.web.conftest import make_app


def new_session(client: TestClient, **body: Any) -> dict[str, Any]:
    answer = client.post("/api/sessions", json={"track": "tiny", "seed": 1, **body})
    assert answer.status_code == 201, answer.text
    return answer.json()


def step(client: TestClient, sid: str, n: int = 1) -> list[dict[str, Any]]:
    answer = client.post(f"/api/sessions/{sid}/step", json={"n": n})
    assert answer.status_code == 200, answer.text
    return answer.json()["steps"]


def plain_error(answer: httpx.Response, status: int) -> str:
    """The answer's status is ``status`` and its detail one plain sentence."""
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


# ------------------------------------------------------------------------ catalogue
def test_catalogue_lists_tracks_options_and_sliders(client: TestClient) -> None:
    assert client.get("/api/health").json()["ok"] is True
    tracks = {t["name"]: t for t in client.get("/api/tracks").json()}
    assert {1, 2} <= set(tracks["tiny"]["cached"])
    options = client.get("/api/options").json()
    llm = next(p for p in options["policies"] if p["name"] == "llm")
    assert not options["llm_configured"] and not llm["available"] and "mags local-llm" in llm["why"]
    assert "liquid" in options["memories"] and "summary" not in options["memories"]
    sliders = {p["name"]: p for p in client.get("/api/config/schema").json()}
    assert sliders["tau0"]["log"] and not sliders["eta"]["log"]
    assert sliders["capacity"]["optional"] and sliders["capacity"]["integer"]
    assert sliders["eta"]["low"] < sliders["eta"]["default"] < sliders["eta"]["high"]


def test_config_parse_reads_toml_as_text_or_json(client: TestClient) -> None:
    text = "[memory]\neta = 0.3\nhops = 3\n"
    as_text = client.post("/api/config/parse", content=text, headers={"content-type": "text/plain"})
    assert as_text.json() == {"eta": 0.3, "hops": 3}
    assert client.post("/api/config/parse", json={"toml": "eta = 0.4"}).json() == {"eta": 0.4}
    assert "out of range" in plain_error(
        client.post("/api/config/parse", json={"toml": "eta = 4"}), 422
    )
    assert "unknown" in plain_error(client.post("/api/config/parse", json={"toml": "et = 1"}), 422)
    assert "TOML" in plain_error(client.post("/api/config/parse", content="eta = = 1"), 422)


# ------------------------------------------------------------------------- sessions
def test_steps_grow_the_transcript_and_the_graph(client: TestClient) -> None:
    state = new_session(client)
    sid = state["id"]
    assert state["step"] == 0 and state["track"] == "tiny" and state["editable"]
    assert state["steps"][0]["command"] is None and state["steps"][0]["action"]
    first_nodes = {n["id"] for n in state["graph"]["nodes"]}
    assert first_nodes
    steps = step(client, sid, 4)
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    # Each step played the command chosen at the step before.
    chosen = [state["steps"][0]["action"]] + [s["action"] for s in steps[:-1]]
    assert [s["command"] for s in steps] == chosen
    assert all(s["graph"]["step"] == s["step"] for s in steps)
    assert any(e["kind"] == "observe" for e in steps[-1]["events"])
    after = client.get(f"/api/sessions/{sid}").json()
    assert len(after["steps"]) == 5 and after["step"] == 4
    assert "graph" not in after["steps"][0]
    assert len({n["id"] for n in after["graph"]["nodes"]} - first_nodes) > 0
    assert after["graph"]["edges"] and all(0 < e["strength"] <= 1 for e in after["graph"]["edges"])


def test_timeline_and_past_graphs(client: TestClient) -> None:
    state = new_session(client)
    sid = state["id"]
    steps = step(client, sid, 3)
    timeline = client.get(f"/api/sessions/{sid}/timeline").json()
    assert [row["step"] for row in timeline] == [0, 1, 2, 3]
    assert [row["active_facts"] for row in timeline[1:]] == [
        len(s["graph"]["edges"]) for s in steps
    ]
    assert client.get(f"/api/sessions/{sid}/graph", params={"step": 0}).json() == state["graph"]
    assert client.get(f"/api/sessions/{sid}/graph").json() == steps[-1]["graph"]
    assert "steps 0 to 3" in plain_error(
        client.get(f"/api/sessions/{sid}/graph", params={"step": 9}), 404
    )


def test_config_changes_apply_live_and_are_validated(client: TestClient) -> None:
    sid = new_session(client)["id"]
    assert "[0.05, 1.0]" in plain_error(
        client.put(f"/api/sessions/{sid}/config", json={"eta": 7}), 422
    )
    assert "unknown" in plain_error(
        client.put(f"/api/sessions/{sid}/config", json={"bogus": 1}), 422
    )
    changed = client.put(f"/api/sessions/{sid}/config", json={"eta": 0.9}).json()["config"]
    assert changed["eta"] == 0.9 and changed["tau0"] == 50.0
    # A fact's first evidence gives it strength eta: the new value is in force at once.
    added = client.post(
        f"/api/sessions/{sid}/facts",
        json={"subject": "gold coin", "relation": "in", "object": "chest"},
    ).json()
    assert added["fact"]["strength"] == pytest.approx(0.9)
    assert client.get(f"/api/sessions/{sid}").json()["config"]["eta"] == 0.9
    reset = client.post(f"/api/sessions/{sid}/config/reset").json()["config"]
    assert reset["eta"] == 0.5


def test_graph_edits_add_patch_and_delete_facts(client: TestClient) -> None:
    sid = new_session(client)["id"]
    step(client, sid, 2)
    added = client.post(
        f"/api/sessions/{sid}/facts",
        json={"subject": "gold coin", "relation": "in", "object": "chest"},
    )
    assert added.status_code == 200, added.text
    fact = added.json()["fact"]
    assert fact["id"] in {e["id"] for e in added.json()["graph"]["edges"]}
    assert {"gold coin", "chest"} <= {n["id"] for n in added.json()["graph"]["nodes"]}
    patched = client.patch(f"/api/sessions/{sid}/facts/{fact['id']}", json={"strength": 0.3}).json()
    [edge] = [e for e in patched["graph"]["edges"] if e["id"] == fact["id"]]
    assert edge["strength"] == pytest.approx(0.3)
    deleted = client.delete(f"/api/sessions/{sid}/facts/{fact['id']}").json()
    assert fact["id"] not in {e["id"] for e in deleted["graph"]["edges"]}
    detail = client.get(f"/api/sessions/{sid}/facts/{fact['id']}").json()
    assert detail["fact"]["valid_to"] == 2.0  # closed now, kept in history
    assert detail["episode_text"] is None  # added by hand, not read from the game
    assert "only active facts" in plain_error(
        client.patch(f"/api/sessions/{sid}/facts/{fact['id']}", json={"strength": 0.5}), 404
    )
    kinds = [e["kind"] for e in client.get(f"/api/sessions/{sid}").json()["steps"][-1]["events"]]
    assert "edit" in kinds and "reconcile" in kinds and "add" in kinds
    assert "relation" in plain_error(
        client.post(
            f"/api/sessions/{sid}/facts", json={"subject": "a", "relation": "loves", "object": "b"}
        ),
        422,
    )


def test_fact_detail_has_history_and_episode(client: TestClient) -> None:
    sid = new_session(client)["id"]
    steps = step(client, sid, 6)
    player_at = [
        e
        for s in steps
        for e in s["graph"]["edges"]
        if e["subject"] == "player" and e["relation"] == "at"
    ]
    latest = player_at[-1]
    detail = client.get(f"/api/sessions/{sid}/facts/{latest['id']}").json()
    assert detail["fact"]["id"] == latest["id"] and detail["episode_text"]
    moved = {e["id"] for e in player_at} - {latest["id"]}
    if moved:  # the player changed rooms: the older locations are its history
        assert moved <= {f["id"] for f in detail["history"]}
        assert all(f["valid_to"] is not None for f in detail["history"] if f["id"] in moved)
    assert "no fact" in plain_error(client.get(f"/api/sessions/{sid}/facts/99999"), 404)


def test_fact_detail_in_belief_mode_shows_belief_salience_and_hazard(client: TestClient) -> None:
    sid = new_session(client, memory="belief")["id"]
    edges = step(client, sid, 4)[-1]["graph"]["edges"]
    assert all(e["salience"] is not None and 0 < e["salience"] < 1 for e in edges)
    at = next(e for e in edges if e["subject"] == "player" and e["relation"] == "at")
    detail = client.get(f"/api/sessions/{sid}/facts/{at['id']}").json()
    assert detail["belief"] is True and detail["hazard"] is not None
    assert all(0 <= r <= 1 for r in detail["reliability"].values())
    plain = new_session(client)["id"]
    edge = step(client, plain, 1)[-1]["graph"]["edges"][0]
    assert client.get(f"/api/sessions/{plain}/facts/{edge['id']}").json()["belief"] is False


def test_recall_answers_from_the_graph(client: TestClient) -> None:
    sid = new_session(client)["id"]
    step(client, sid, 3)
    recalled = client.post(f"/api/sessions/{sid}/recall", json={"query": "where is the player?"})
    assert recalled.status_code == 200, recalled.text
    body = recalled.json()
    assert body["tokens"] > 0 and "player" in body["text"] and body["facts"]
    assert any(
        e["kind"] == "recall"
        for e in client.get(f"/api/sessions/{sid}").json()["steps"][-1]["events"]
    )


def test_an_empty_recall_and_a_bad_relation_say_what_to_do_on_the_page(
    client: TestClient,
) -> None:
    sid = new_session(client)["id"]
    step(client, sid, 2)
    url = f"/api/sessions/{sid}/recall"
    tiny = client.post(url, json={"query": "where is the player?", "budget_tokens": 3}).json()
    assert tiny["text"] == "" and "raise the budget" in tiny["empty_because"]
    unknown = client.post(url, json={"query": "zebra crossing"}).json()
    assert "knows no entity" in unknown["empty_because"]
    found = client.post(url, json={"query": "where is the player?"}).json()
    assert found["text"] and found["empty_because"] is None
    added = client.post(
        f"/api/sessions/{sid}/facts", json={"subject": "a", "relation": "lives_in", "object": "b"}
    )
    message = plain_error(added, 422)
    assert "relation field's list" in message and "Memory.open" not in message


def test_text_memory_has_a_belief_graph_but_no_edits(client: TestClient) -> None:
    state = new_session(client, memory="window")
    sid = state["id"]
    assert not state["editable"]
    steps = step(client, sid, 2)
    assert steps[-1]["graph"]["edges"] and all(
        e["strength"] == 1.0 for e in steps[-1]["graph"]["edges"]
    )
    assert "no graph to edit" in plain_error(
        client.post(
            f"/api/sessions/{sid}/facts", json={"subject": "a", "relation": "in", "object": "b"}
        ),
        409,
    )
    recalled = client.post(f"/api/sessions/{sid}/recall", json={"query": "kitchen"}).json()
    assert recalled["facts"] == [] and recalled["text"]


def test_reset_starts_over_with_a_fresh_memory_and_the_current_config(client: TestClient) -> None:
    sid = new_session(client)["id"]
    client.put(f"/api/sessions/{sid}/config", json={"eta": 0.8})
    step(client, sid, 3)
    state = client.post(f"/api/sessions/{sid}/reset").json()
    assert state["step"] == 0 and len(state["steps"]) == 1 and state["config"]["eta"] == 0.8
    again = new_session(client)
    assert [e["relation"] for e in state["graph"]["edges"]] == [
        e["relation"] for e in again["graph"]["edges"]
    ]


def test_a_finished_game_refuses_steps_until_reset(client: TestClient) -> None:
    sid = new_session(client, max_steps=2)["id"]
    steps = step(client, sid, 10)
    assert len(steps) == 2 and steps[-1]["done"] and steps[-1]["action"] is None
    assert "reset" in plain_error(client.post(f"/api/sessions/{sid}/step", json={"n": 1}), 409)
    assert "reset" in plain_error(client.post(f"/api/sessions/{sid}/run", json={"speed": 5}), 409)
    client.post(f"/api/sessions/{sid}/reset")
    assert len(step(client, sid, 1)) == 1


def test_sessions_are_independent(client: TestClient) -> None:
    one, two = new_session(client)["id"], new_session(client, seed=2)["id"]
    step(client, one, 3)
    assert client.get(f"/api/sessions/{two}").json()["step"] == 0
    assert client.delete(f"/api/sessions/{one}").status_code == 204
    assert "no session" in plain_error(client.get(f"/api/sessions/{one}"), 404)
    assert client.get(f"/api/sessions/{two}").status_code == 200


# --------------------------------------------------------------------------- errors
def test_bad_requests_get_plain_4xx_answers(client: TestClient) -> None:
    assert "unknown track" in plain_error(client.post("/api/sessions", json={"track": "nope"}), 422)
    assert "unknown policy" in plain_error(client.post("/api/sessions", json={"policy": "x"}), 422)
    assert "unknown memory" in plain_error(client.post("/api/sessions", json={"memory": "x"}), 422)
    assert "MAGS_LLM_BASE_URL" in plain_error(
        client.post("/api/sessions", json={"policy": "llm"}), 409
    )
    assert "mags worlds make" in plain_error(
        client.post("/api/sessions", json={"track": "tiny", "seed": 77}), 409
    )
    assert "body.n" in plain_error(client.post("/api/sessions/x/step", json={"n": 0}), 422)
    assert "extra" in plain_error(client.post("/api/sessions", json={"trak": "tiny"}), 422).lower()
    assert "no session" in plain_error(client.post("/api/sessions/x/step", json={"n": 1}), 404)


def test_the_session_cap_answers_429(world_cache: WorldCache) -> None:
    with TestClient(make_app(world_cache, max_sessions=1)) as client:
        new_session(client)
        answer = client.post("/api/sessions", json={"track": "tiny", "seed": 1})
        assert "limit" in plain_error(answer, 429) and answer.headers["retry-after"]


def test_idle_sessions_expire(world_cache: WorldCache) -> None:
    async def scenario() -> tuple[list[str], int]:
        registry = SessionRegistry(world_cache, idle_s=0.05)
        session, _ = await registry.create(SessionSpec("tiny", 1))
        folder = session.folder
        await asyncio.sleep(0.1)
        expired = await registry.expire()
        return expired == [session.id], folder.exists()

    expired, folder_left = asyncio.run(scenario())
    assert expired and not folder_left


# -------------------------------------------------------------------------- uploads
def test_upload_plays_a_game_file_and_refuses_bad_ones(
    client: TestClient, world_cache: WorldCache, tmp_path: Path
) -> None:
    game = world_cache.game_path("tiny", 1)
    files = {
        "file": ("mine.z8", game.read_bytes(), "application/octet-stream"),
        "json": ("mine.json", game.with_suffix(".json").read_bytes(), "application/json"),
    }
    answer = client.post("/api/sessions/upload", files=files, data={"memory": "liquid"})
    assert answer.status_code == 201, answer.text
    state = answer.json()
    assert state["track"] == "upload:mine.z8" and state["graph"]["nodes"]
    assert len(step(client, state["id"], 2)) == 2

    glulx = {"file": ("game.ulx", b"Glul" + bytes(200), "application/octet-stream")}
    assert "Glulx" in plain_error(client.post("/api/sessions/upload", files=glulx), 422)
    alone = {"file": files["file"]}
    assert "'json' field" in plain_error(client.post("/api/sessions/upload", files=alone), 422)
    corrupt = {
        "file": ("bad.z8", bytes(range(256)) * 4, "application/octet-stream"),
        "json": files["json"],
    }
    assert "not a valid Z-machine game" in plain_error(
        client.post("/api/sessions/upload", files=corrupt), 422
    )
    text = {"file": ("notes.txt", b"hello", "text/plain")}
    assert ".z8" in plain_error(client.post("/api/sessions/upload", files=text), 422)


# ------------------------------------------------------------------ run and stream
def test_run_streams_steps_until_paused(live_url: str) -> None:
    with httpx.Client(base_url=live_url, timeout=30) as http:
        sid = http.post("/api/sessions", json={"track": "tiny", "seed": 1}).json()["id"]
        received: list[tuple[str, dict[str, Any]]] = []
        with http.stream("GET", f"/api/sessions/{sid}/stream") as stream:
            event = ""
            lines = stream.iter_lines()
            for line in lines:
                if line.startswith("event: "):
                    event = line[len("event: ") :]
                elif line.startswith("data: "):
                    received.append((event, json.loads(line[len("data: ") :])))
                    if event == "state" and len(received) == 1:
                        running = http.post(f"/api/sessions/{sid}/run", json={"speed": 50})
                        assert running.json()["running"] is True
                    steps = [d for e, d in received if e == "step"]
                    if len(steps) == 5:
                        paused = http.post(f"/api/sessions/{sid}/pause").json()
                        assert paused["running"] is False
                    if event == "state" and not data_running(received[-1][1]) and len(steps) >= 5:
                        break
        steps = [d for e, d in received if e == "step"]
        assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
        assert all(s["graph"]["edges"] for s in steps)
        state = http.get(f"/api/sessions/{sid}").json()
        assert state["running"] is False and state["step"] == steps[-1]["step"]
        http.delete(f"/api/sessions/{sid}")


def data_running(data: dict[str, Any]) -> bool:
    return bool(data["running"])


def test_stream_sends_keep_alives(live_url: str) -> None:
    with httpx.Client(base_url=live_url, timeout=30) as http:
        sid = http.post("/api/sessions", json={"track": "tiny", "seed": 1}).json()["id"]
        with http.stream("GET", f"/api/sessions/{sid}/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if line.startswith(": keep-alive"):
                    break
        http.delete(f"/api/sessions/{sid}")


# ------------------------------------------------------------------------ selfcheck
def test_selfcheck_is_all_green(client: TestClient) -> None:
    check = client.get("/api/selfcheck").json()
    assert check["ok"], [row for row in check["rows"] if not row["ok"]]
    names = [row["name"] for row in check["rows"]]
    assert "smoke game" in names and "SQLite" in names
    smoke = next(row for row in check["rows"] if row["name"] == "smoke game")
    assert smoke["detail"].startswith("10 steps on tiny")


def test_static_page_is_served_when_present(client: TestClient) -> None:
    index = Path(__file__).parents[2] / "src" / "mags" / "web" / "static" / "index.html"
    answer = client.get("/")
    assert answer.status_code == (200 if index.is_file() else 404)
