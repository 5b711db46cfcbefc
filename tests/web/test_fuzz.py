"""The OpenAPI schema fuzzed with schemathesis: no 5xx, answers that match the schema.

Every operation gets a bounded number of generated requests (about a minute in all). A
request on a session's routes is sent to a real, open session (its id substituted for
the generated one) so that the fuzzed bodies reach the session code, not just the 404.
(The operations are listed from the app's schema at import; the app under test is built
in a fixture, on the test games, because schemathesis' lazy fixture loader does not work
with this pytest.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mags.web.app import create_app
from mags.worlds import WorldCache
from tests.web.conftest import make_app

EXAMPLES_PER_OPERATION = 25
# The event stream never ends by itself: it is tested over HTTP in test_api.py.
OPERATIONS = [
    (method.upper(), path)
    for path, item in create_app(cache=WorldCache(tempfile.gettempdir())).openapi()["paths"].items()
    for method in item
    if not path.endswith("/stream")
]


@pytest.fixture(scope="module")
def fuzzed_app(world_cache: WorldCache) -> Iterator[TestClient]:
    with TestClient(make_app(world_cache, max_sessions=8)) as client:
        yield client


@pytest.fixture(scope="module")
def web_schema(fuzzed_app: TestClient) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app.app)


@pytest.fixture(scope="module")
def live_session(fuzzed_app: TestClient) -> Callable[[], str]:
    """The id of an open session on tiny seed 1 (a new one after a fuzzed DELETE)."""
    current: list[str] = []

    def session_id() -> str:
        if current and fuzzed_app.get(f"/api/sessions/{current[0]}").status_code == 200:
            return current[0]
        for stale in list(fuzzed_app.app.state.registry.sessions):  # stay under the cap
            fuzzed_app.delete(f"/api/sessions/{stale}")
        answer = fuzzed_app.post("/api/sessions", json={"track": "tiny", "seed": 1})
        assert answer.status_code == 201, answer.text
        current[:] = [answer.json()["id"]]
        return current[0]

    return session_id


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors(
    method: str,
    path: str,
    web_schema: schemathesis.BaseSchema,
    live_session: Callable[[], str],
) -> None:
    operation = web_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def fuzz(case: schemathesis.Case) -> None:
        if case.path_parameters and "session_id" in case.path_parameters:
            case.path_parameters["session_id"] = live_session()
        # Schema-valid is not always valid: a TOML text, a relation's name, a game file's
        # content and tau_max >= tau0 are checked beyond the schema, with a plain 4xx.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    fuzz()
