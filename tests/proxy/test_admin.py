"""The proxy's admin API: a token to read anyone's memory, forget, export, delete; and
its OpenAPI schema fuzzed with schemathesis (no 5xx, answers that match the schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mags.llm.testserver import ChatServer, Reply
from mags.proxy.app import ProxySettings, create_app
from mags.proxy.serving import wait_for_extraction
from tests.proxy.conftest import ADMIN, Proxied


def test_the_admin_api_needs_the_token(proxy: Proxied) -> None:
    url = f"{proxy.root}/admin/users"
    assert httpx.get(url).status_code == 401
    denied = httpx.get(url, headers={"Authorization": "Bearer wrong"})
    assert denied.status_code == 401 and "admin token" in denied.json()["error"]["message"]
    assert httpx.get(url, headers=proxy.admin).status_code == 200


def test_facts_history_forget_export_delete(proxy: Proxied) -> None:
    ai = openai.OpenAI(base_url=proxy.url, api_key="none", max_retries=0)
    for text in ["I live in Berlin.", "I moved to Munich."]:
        ai.chat.completions.create(
            model="m", user="ana", messages=[{"role": "user", "content": text}]
        )
    root, admin = f"{proxy.root}/admin/users/ana", proxy.admin
    assert wait_for_extraction(proxy.root, ADMIN)
    facts = httpx.get(f"{root}/facts", headers=admin).json()["facts"]
    (home,) = [f for f in facts if f["relation"] == "lives_in"]
    assert home["object"] == "Munich"
    history = httpx.get(f"{root}/history", params={"name": "ana"}, headers=admin).json()["facts"]
    assert [
        (f["object"], f["valid_to"] is None) for f in history if f["relation"] == "lives_in"
    ] == [
        ("Berlin", False),
        ("Munich", True),
    ]
    last = httpx.get(f"{root}/last-request", headers=admin).json()["last"]
    assert last["query"] == "I moved to Munich." and last["recall"]["tokens"] >= 0

    assert httpx.delete(f"{root}/facts/{home['id']}", headers=admin).status_code == 200
    assert httpx.delete(f"{root}/facts/{home['id']}", headers=admin).status_code == 404
    assert all(
        f["id"] != home["id"] for f in httpx.get(f"{root}/facts", headers=admin).json()["facts"]
    )

    exported = httpx.get(f"{root}/export", headers=admin).json()
    assert exported["user"] == "ana" and len(exported["episodes"]) == 4
    assert any(f["id"] == home["id"] for f in exported["facts"])  # history keeps it
    assert {e["kind"] for e in exported["events"]} >= {"observe", "extract", "forget"}

    assert httpx.delete(root, headers=admin).json() == {"user": "ana", "deleted": True}
    assert httpx.get(f"{root}/facts", headers=admin).status_code == 404
    assert not any((proxy.data / "users").iterdir())


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with ChatServer(default=Reply.text("Okay.")) as upstream:
        data = tmp_path_factory.mktemp("fuzz")
        app = create_app(ProxySettings(upstream=upstream.url, data=data, admin_token=ADMIN))
        with TestClient(app) as client:
            for user in ("ana", "bob"):
                client.post(
                    "/v1/chat/completions",
                    json={
                        "model": "m",
                        "user": user,
                        "messages": [{"role": "user", "content": "I live in Rome."}],
                    },
                )
            yield client


ADMIN_OPERATIONS = [
    (method.upper(), path)
    for path, item in create_app(
        ProxySettings(upstream="http://127.0.0.1:9/v1", data=Path("/tmp/mags-schema"))
    )
    .openapi()["paths"]
    .items()
    for method in item
    if path.startswith("/admin")
]


@pytest.mark.parametrize(
    ("method", "path"), ADMIN_OPERATIONS, ids=[f"{m} {p}" for m, p in ADMIN_OPERATIONS]
)
def test_admin_api_fuzzed(method: str, path: str, fuzzed: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.app)
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def fuzz(case: schemathesis.Case) -> None:
        if (
            case.path_parameters
            and "user" in case.path_parameters
            and case.path_parameters["user"][:1] == "a"
        ):
            case.path_parameters["user"] = "ana"  # reach a real memory too, not only 404s
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {ADMIN}"}
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    fuzz()
