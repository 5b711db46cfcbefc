"""The web demo offers the llm policy while a `mags local-llm` server runs, and plays with it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from mags.llm.local import LocalServer, announced
from mags.web import create_app
from mags.worlds.cache import WorldCache


def _llm_option(client: TestClient) -> dict[str, object]:
    options = client.get("/api/options").json()
    llm: dict[str, object] = next(p for p in options["policies"] if p["name"] == "llm")
    return {**llm, "model": options["llm_model"]}


def test_a_local_server_is_offered_while_it_runs(
    smollm2: LocalServer, world_cache: WorldCache, tmp_path: Path
) -> None:
    app = create_app(cache=world_cache, generate=False, local_llm=tmp_path / "announced")
    with TestClient(app) as client:
        before = _llm_option(client)
        assert not before["available"] and "mags local-llm" in str(before["why"])
        with announced(smollm2, tmp_path / "announced"):
            now = _llm_option(client)
            assert now["available"] and now["model"] == "smollm2-135m"
            body = {"track": "tiny", "seed": 1, "policy": "llm", "memory": "liquid"}
            created = client.post("/api/sessions", json=body)
            assert created.status_code == 201, created.text
            sid = created.json()["id"]
            stepped = client.post(f"/api/sessions/{sid}/step", json={"n": 2})
            assert stepped.status_code == 200, stepped.text
            assert [s["step"] for s in stepped.json()["steps"]] == [1, 2]
        after = _llm_option(client)
        assert not after["available"]  # the announcement is gone with the server
