"""The web demo's FastAPI app: thin routes over the library, one session per browser.

There is no global game state: `create_app` builds a `SessionRegistry` into ``app.state``
and every route finds its session there. Routes only translate HTTP to session calls and
errors to 4xx answers whose ``detail`` is one plain sentence (see `mags.web.errors`-style
mapping in `_install_error_handlers`). Live updates are server-sent events.

``POST /api/sessions`` waits while a game the cache lacks is generated (seconds to a
minute, on the session's thread: other sessions keep running).

Example
-------
>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app(cache=WorldCache("/tmp/mags-doc-worlds")))
>>> client.get("/api/health").json()["ok"]
True
>>> client.post("/api/sessions/none/step", json={"n": 0}).json()["detail"]
'body.n: Input should be greater than or equal to 1 (got 0)'
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

import mags
from mags.agents.memories import MEMORY_VARIANTS
from mags.agents.policies import POLICIES
from mags.agents.stepper import GameOverError
from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError, MagsError, NotFoundError
from mags.web.llm_source import NO_LLM, LLMSource
from mags.web.selfcheck import self_check
from mags.web.sessions import (
    DEFAULT_IDLE_S,
    DEFAULT_MAX_SESSIONS,
    ConflictError,
    Session,
    SessionLimitError,
    SessionRegistry,
    SessionSpec,
    merge_config,
)
from mags.web.views import (
    ConfigParam,
    ConfigResponse,
    ConfigValues,
    ErrorMessage,
    FactAdded,
    FactDetail,
    Graph,
    GraphResponse,
    Health,
    NewFact,
    NewSession,
    Options,
    PolicyOption,
    RecallRequest,
    RecallResult,
    RunRequest,
    SelfCheck,
    SessionState,
    StepRequest,
    StepsResponse,
    StrengthChange,
    TimelineRow,
    TomlText,
    TrackInfo,
)
from mags.worlds.cache import WorldCache
from mags.worlds.errors import WorldError
from mags.worlds.tracks import TRACKS

STATIC_DIR = Path(__file__).with_name("static")
LOG_SCALE = frozenset({"tau0", "tau_max", "capacity", "max_fanout"})
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
KEEPALIVE_S = 15.0
SUGGESTED_SEEDS = {"tiny": [1, 2, 3, 4, 5]}
EVALUATION_SEEDS = [1001, 1002, 1003, 1004, 1005]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorMessage} for code in (400, 404, 409, 422, 429)
}


def create_app(
    config: MemoryConfig | None = None,
    cache: WorldCache | None = None,
    *,
    llm: Any = None,
    local_llm: Path | None = None,
    inform_home: str | None = None,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    idle_s: float = DEFAULT_IDLE_S,
    generate: bool = True,
    keepalive_s: float = KEEPALIVE_S,
) -> FastAPI:
    """The demo's app.

    Parameters
    ----------
    config : default hyperparameters of new sessions (``mags web --config FILE``).
    cache : the world cache (default: `WorldCache.default()`).
    llm : an `mags.llm.LLMConfig` for the llm policy and the summary memory (None: a local
        server announced in ``local_llm`` if one runs, else they are offered as unavailable).
    local_llm : the folder where `mags local-llm` announces its servers (None: not looked
        for).
    inform_home : ``INFORM_HOME`` for the self-check (None: TextWorld's bundled Inform 7).
    max_sessions, idle_s : the session cap and the idle time after which a session closes.
    generate : generate a missing game on demand; False answers 409 instead (for tests).
    keepalive_s : seconds between keep-alive comments on an idle event stream.
    """
    cache = cache if cache is not None else WorldCache.default()
    source = LLMSource(llm, local_llm)
    registry = SessionRegistry(
        cache, config, max_sessions=max_sessions, idle_s=idle_s, llm=source.current()
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # TextWorld's first import takes about a second: pay it before the first session.
        await asyncio.to_thread(_warm_up)
        sweeper = asyncio.create_task(_expire_forever(registry))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await registry.close_all()
            source.close()

    app = FastAPI(
        title="MAGS web demo",
        version=mags.__version__,
        description="Watch an agent play a TextWorld game from a liquid knowledge graph.",
        lifespan=lifespan,
    )
    app.state.registry = registry
    _install_error_handlers(app)
    _add_catalogue_routes(app, registry, source, inform_home)
    _add_session_routes(app, registry, source, generate, keepalive_s)
    if STATIC_DIR.is_dir():
        app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="static")
    return app


def _warm_up() -> None:
    import textworld  # noqa: F401


async def _expire_forever(registry: SessionRegistry) -> None:
    while True:
        await asyncio.sleep(min(60.0, registry.idle_s / 4))
        await registry.expire()


# ---------------------------------------------------------------------------- errors
def _status_of(error: MagsError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, SessionLimitError):
        return 429
    if isinstance(error, ConflictError | GameOverError):
        return 409
    if isinstance(error, InvalidInputError | WorldError):
        return 422
    return 400


def _install_error_handlers(app: FastAPI) -> None:
    async def mags_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, MagsError)
        status = _status_of(error)
        headers = {"Retry-After": "60"} if status == 429 else None
        return JSONResponse({"detail": _plain(error)}, status, headers=headers)

    async def invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse({"detail": describe_validation(error.errors())}, 422)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        return JSONResponse({"detail": str(error.detail)}, error.status_code, error.headers)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": f"the server failed: {type(error).__name__}: {error}; please report it"},
            500,
        )

    app.add_exception_handler(MagsError, mags_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _plain(error: MagsError) -> str:
    # KeyError-based errors (NotFoundError) print with quotes; the message is the argument.
    return str(error.args[0]) if error.args else str(error)


def describe_validation(errors: Any) -> str:
    """FastAPI's validation errors as one sentence per problem.

    Example
    -------
    >>> describe_validation([{"loc": ("body", "n"), "msg": "Input should be an integer",
    ...                       "input": "x"}])
    "body.n: Input should be an integer (got 'x')"
    """
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()))
        got = e.get("input")
        text = f"{where}: {e.get('msg', 'invalid')}"
        if got is not None and not isinstance(got, dict | list):
            text += f" (got {got!r})"[:200]
        parts.append(text)
    return "; ".join(parts) or "the request is invalid"


# ------------------------------------------------------------------------- catalogue
def _add_catalogue_routes(
    app: FastAPI, registry: SessionRegistry, source: LLMSource, inform_home: str | None
) -> None:
    @app.get("/api/health", response_model=Health)
    async def health() -> Health:
        return Health(ok=True, version=mags.__version__)

    @app.get("/api/tracks", response_model=list[TrackInfo])
    async def tracks() -> list[TrackInfo]:
        cache = registry.cache
        return [
            TrackInfo(
                name=t.name,
                description=t.description,
                seeds=SUGGESTED_SEEDS.get(t.name, EVALUATION_SEEDS),
                cached=cache.seeds(t.name) if cache.track_dir(t.name).is_dir() else [],
            )
            for t in TRACKS.values()
        ]

    @app.get("/api/options", response_model=Options)
    async def options() -> Options:
        registry.llm = await asyncio.to_thread(source.current)
        llm = registry.llm
        why = "" if llm is not None else NO_LLM
        return Options(
            policies=[
                PolicyOption(
                    name=p, available=p != "llm" or llm is not None, why=why * (p == "llm")
                )
                for p in POLICIES
            ],
            memories=[m for m in MEMORY_VARIANTS if m != "summary" or llm is not None],
            llm_configured=llm is not None,
            llm_model=llm.model if llm is not None else None,
        )

    @app.get("/api/config/schema", response_model=list[ConfigParam])
    async def config_schema() -> list[ConfigParam]:
        return [
            ConfigParam(
                name=f.name,
                default=getattr(registry.config, f.name),
                low=f.metadata["low"],
                high=f.metadata["high"],
                log=f.name in LOG_SCALE,
                integer=isinstance(f.default, int) or f.metadata["optional"],
                optional=f.metadata["optional"],
                help=f.metadata["help"],
            )
            for f in fields(MemoryConfig)
        ]

    @app.post(
        "/api/config/parse",
        response_model=ConfigValues,
        responses=ERRORS,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "text/plain": {"schema": {"type": "string"}},
                    "application/json": {"schema": TomlText.model_json_schema()},
                },
            }
        },
    )
    async def config_parse(request: Request) -> ConfigValues:
        return parse_config_text(await _toml_text(request), registry.config)

    @app.get("/api/selfcheck", response_model=SelfCheck)
    async def selfcheck() -> SelfCheck:
        registry.llm = await asyncio.to_thread(source.current)
        return await asyncio.to_thread(self_check, registry.cache, inform_home, source.config)


async def _toml_text(request: Request) -> str:
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("the TOML text is not UTF-8; save the file as UTF-8") from None
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            return TomlText.model_validate_json(text).toml
        except ValueError:
            raise InvalidInputError(
                'send the TOML as text/plain, or as JSON {"toml": "..."}'
            ) from None
    return text


def parse_config_text(text: str, base: MemoryConfig) -> ConfigValues:
    """The hyperparameters a TOML text sets (its ``[memory]`` table, or the whole text),
    checked against ``base``; `InvalidInputError` says exactly what is wrong.

    Example
    -------
    >>> parse_config_text("[memory]\\neta = 0.7\\n", MemoryConfig())
    {'eta': 0.7}
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"the text is not valid TOML: {error}") from None
    table = data.get("memory", data)
    if not isinstance(table, dict):
        raise InvalidInputError("[memory] must be a table of hyperparameters")
    values: dict[str, Any] = dict(table)
    merge_config(base, values)  # validates names, types and ranges
    return values


# -------------------------------------------------------------------------- sessions
def _add_session_routes(
    app: FastAPI,
    registry: SessionRegistry,
    source: LLMSource,
    generate: bool,
    keepalive_s: float,
) -> None:
    def check_parts(policy: str, memory: str) -> None:
        if policy not in POLICIES:
            raise InvalidInputError(f"unknown policy {policy!r}; choose one of {list(POLICIES)}")
        if memory not in MEMORY_VARIANTS:
            raise InvalidInputError(
                f"unknown memory {memory!r}; choose one of {list(MEMORY_VARIANTS)}"
            )
        if registry.llm is None and (policy == "llm" or memory == "summary"):
            what = "the llm policy" if policy == "llm" else "the summary memory"
            raise ConflictError(f"{what} needs an LLM, but {NO_LLM}")

    @app.post("/api/sessions", response_model=SessionState, status_code=201, responses=ERRORS)
    async def create_session(body: NewSession) -> SessionState:
        if body.policy == "llm" or body.memory == "summary":
            registry.llm = await asyncio.to_thread(source.current)
        check_parts(body.policy, body.memory)
        if body.track not in TRACKS:
            raise InvalidInputError(
                f"unknown track {body.track!r}; choose one of {sorted(TRACKS)} "
                "(or upload a game file to POST /api/sessions/upload)"
            )
        if body.seed is None:
            raise InvalidInputError(f"track {body.track} needs a seed, e.g. 1")
        if not generate and not registry.cache.has_game(body.track, body.seed):
            raise ConflictError(
                f"{body.track} seed {body.seed} is not in the world cache; generate it with "
                f"`mags worlds make {body.track} --seeds {body.seed}` or pick a cached seed"
            )
        config = merge_config(registry.config, body.config or {})
        spec = SessionSpec(body.track, body.seed, body.policy, body.memory, config, body.max_steps)
        _, state = await registry.create(spec)
        return state

    @app.post(
        "/api/sessions/upload", response_model=SessionState, status_code=201, responses=ERRORS
    )
    async def upload_session(
        file: Annotated[UploadFile, File(description="a TextWorld .z8 game")],
        json_file: Annotated[
            UploadFile | None,
            File(alias="json", description="the game's .json (tw-make writes it beside it)"),
        ] = None,
        policy: Annotated[str, Form()] = "planner",
        memory: Annotated[str, Form()] = "liquid",
    ) -> SessionState:
        check_parts(policy, memory)
        name = Path(file.filename or "game.z8").name
        suffix = Path(name).suffix.lower()
        if suffix == ".ulx":
            raise InvalidInputError(
                f"{name} is a Glulx (.ulx) game, which TextWorld 1.7 cannot play; regenerate "
                "it as .z8 (tw-make ... --format z8, or `mags worlds make`)"
            )
        if suffix != ".z8":
            raise InvalidInputError(
                f"{name} is not a .z8 game file; upload a TextWorld game made by tw-make or "
                "`mags worlds make` (e.g. ~/.cache/mags/worlds/tiny/1.z8)"
            )
        if json_file is None:
            raise InvalidInputError(
                f"{name} needs its .json: tw-make writes it beside the .z8 "
                f"({Path(name).with_suffix('.json')}); upload it too, as the 'json' field"
            )
        game = await _read_upload(file)
        data = await _read_upload(json_file)
        spec = SessionSpec(f"upload:{name}", None, policy, memory, registry.config, None, game=name)
        files = {name: game, str(Path(name).with_suffix(".json")): data}
        _, state = await registry.create(spec, files=files)
        return state

    async def session_of(session_id: str) -> Session:
        return registry.get(session_id)

    @app.get("/api/sessions/{session_id}", response_model=SessionState, responses=ERRORS)
    async def get_session(session_id: str) -> SessionState:
        session = await session_of(session_id)
        return await session.call(session.state)

    @app.delete("/api/sessions/{session_id}", status_code=204, responses=ERRORS)
    async def delete_session(session_id: str) -> Response:
        await registry.delete(session_id)
        return Response(status_code=204)

    @app.post("/api/sessions/{session_id}/step", response_model=StepsResponse, responses=ERRORS)
    async def step(session_id: str, body: StepRequest | None = None) -> StepsResponse:
        session = await session_of(session_id)
        views = await session.call(session.advance, (body or StepRequest()).n)
        return StepsResponse(steps=views)

    @app.post("/api/sessions/{session_id}/reset", response_model=SessionState, responses=ERRORS)
    async def reset(session_id: str) -> SessionState:
        session = await session_of(session_id)
        await session.pause()
        state = await session.call(session.restart)
        session.publish_state()
        return state

    @app.post("/api/sessions/{session_id}/run", response_model=SessionState, responses=ERRORS)
    async def run(session_id: str, body: RunRequest | None = None) -> SessionState:
        session = await session_of(session_id)
        await session.run((body or RunRequest()).speed)
        return await session.call(session.state)

    @app.post("/api/sessions/{session_id}/pause", response_model=SessionState, responses=ERRORS)
    async def pause(session_id: str) -> SessionState:
        session = await session_of(session_id)
        was_running = session.run_task is not None
        await session.pause()
        if not was_running:
            session.publish_state()
        return await session.call(session.state)

    @app.get(
        "/api/sessions/{session_id}/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
    )
    async def stream(session_id: str) -> StreamingResponse:
        session = await session_of(session_id)
        return StreamingResponse(
            _events(session, keepalive_s),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.put("/api/sessions/{session_id}/config", response_model=ConfigResponse, responses=ERRORS)
    async def configure(session_id: str, body: ConfigValues) -> ConfigResponse:
        session = await session_of(session_id)
        return ConfigResponse(config=await session.call(session.configure, body))

    @app.post(
        "/api/sessions/{session_id}/config/reset",
        response_model=ConfigResponse,
        responses=ERRORS,
    )
    async def reset_config(session_id: str) -> ConfigResponse:
        session = await session_of(session_id)
        return ConfigResponse(config=await session.call(session.reset_config))

    @app.get("/api/sessions/{session_id}/graph", response_model=Graph, responses=ERRORS)
    async def graph(session_id: str, step: Annotated[int | None, Query(ge=0)] = None) -> Graph:
        session = await session_of(session_id)
        return await session.call(session.graph_at, step)

    @app.get(
        "/api/sessions/{session_id}/timeline",
        response_model=list[TimelineRow],
        responses=ERRORS,
    )
    async def timeline(session_id: str) -> list[TimelineRow]:
        session = await session_of(session_id)
        return await session.call(session.timeline)

    @app.get(
        "/api/sessions/{session_id}/facts/{fact_id}",
        response_model=FactDetail,
        responses=ERRORS,
    )
    async def fact_detail(session_id: str, fact_id: int) -> FactDetail:
        session = await session_of(session_id)
        return await session.call(session.fact_detail, fact_id)

    @app.post("/api/sessions/{session_id}/recall", response_model=RecallResult, responses=ERRORS)
    async def recall(session_id: str, body: RecallRequest) -> RecallResult:
        session = await session_of(session_id)
        return await session.call(session.recall, body.query, body.budget_tokens)

    @app.post("/api/sessions/{session_id}/facts", response_model=FactAdded, responses=ERRORS)
    async def add_fact(session_id: str, body: NewFact) -> FactAdded:
        session = await session_of(session_id)
        return await session.call(session.add_fact, body.subject, body.relation, body.object)

    @app.patch(
        "/api/sessions/{session_id}/facts/{fact_id}",
        response_model=GraphResponse,
        responses=ERRORS,
    )
    async def patch_fact(session_id: str, fact_id: int, body: StrengthChange) -> GraphResponse:
        session = await session_of(session_id)
        return GraphResponse(graph=await session.call(session.set_strength, fact_id, body.strength))

    @app.delete(
        "/api/sessions/{session_id}/facts/{fact_id}",
        response_model=GraphResponse,
        responses=ERRORS,
    )
    async def delete_fact(session_id: str, fact_id: int) -> GraphResponse:
        session = await session_of(session_id)
        return GraphResponse(graph=await session.call(session.delete_fact, fact_id))


async def _read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInputError(
            f"{upload.filename} is larger than {MAX_UPLOAD_BYTES // 2**20} MiB; TextWorld games "
            "are far smaller: is it the right file?"
        )
    return data


async def _events(session: Session, keepalive_s: float) -> AsyncIterator[str]:
    """The session's server-sent events: its state at once, then steps and states as they
    happen, and a keep-alive comment when nothing happened for ``keepalive_s`` seconds."""
    queue = session.subscribe()
    try:
        yield "retry: 2000\n\n"
        yield f"event: state\ndata: {session.status().model_dump_json()}\n\n"
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), keepalive_s)
            except TimeoutError:
                session.touch()  # an open stream keeps its session alive
                message = f": keep-alive {time.time():.0f}\n\n"
            if message is None:
                return
            yield message
    finally:
        session.unsubscribe(queue)
