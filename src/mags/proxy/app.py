"""`mags proxy`'s HTTP server: an OpenAI-compatible chat endpoint whose history is the
user's memory, and an admin API over the users' memories.

``POST /v1/chat/completions`` (plain and ``stream: true``) and ``GET /v1/models`` forward
to the upstream. With a user (the request's ``user`` field, else the ``X-Mags-User``
header) the request's new turns are stored first, then the messages are rewritten as
`mags.proxy.context` says; without one the request passes through untouched. The
``X-Mags-Memory`` response header says which happened. ``X-Mags-When`` gives a turn's
own time (importing past chats), ``X-Mags-Remember: off`` recalls without storing. The
upstream's answers, errors included, come back as they are; a memory failure never fails
the chat.

Example
-------
>>> import tempfile
>>> app = create_app(ProxySettings(upstream="http://127.0.0.1:9/v1", data=tempfile.mkdtemp()))
>>> sorted(r.path for r in app.routes if r.path.startswith("/v1"))
['/v1/chat/completions', '/v1/models']
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from mags.core.errors import InvalidInputError, MagsError, NotFoundError
from mags.extract.base import Extractor
from mags.extract.chat_rules import ChatRuleExtractor
from mags.proxy.context import reply_text
from mags.proxy.extraction import ExtractionQueue
from mags.proxy.keys import BoundKey, KeyStore, OutOfScopeError, acting_user
from mags.proxy.limits import RateLimiter
from mags.proxy.service import (
    DEFAULT_BUDGET,
    DEFAULT_KEEP_TURNS,
    ChatMemoryService,
    PreparedTurn,
)
from mags.proxy.stream import StreamReply
from mags.proxy.users import UserMemories

log = logging.getLogger(__name__)

USER_HEADER = "X-Mags-User"
MEMORY_HEADER = "X-Mags-Memory"
#: The turn's wall-clock time, ISO 8601 (default: now), for importing past chats.
WHEN_HEADER = "X-Mags-When"
#: ``off``: recall for this request but store neither its turns nor the reply.
REMEMBER_HEADER = "X-Mags-Remember"
#: A request body larger than this is refused with 413 before it is read whole.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: A request with more messages than this is refused with 413.
MAX_MESSAGES = 2000
#: Requests per minute one user (or one key, or one address without a user) may make.
RATE_PER_MINUTE = 600
#: Upstream response headers worth passing back (rate limits, ids); the rest are the
#: transport's own.
PASSED_HEADERS = ("content-type", "retry-after", "x-request-id", "openai-processing-ms")
PASSED_PREFIXES = ("x-ratelimit-",)


@dataclass(frozen=True)
class ProxySettings:
    """How a proxy runs (`mags proxy`'s flags)."""

    upstream: str
    data: str | Path
    budget: int = DEFAULT_BUDGET
    keep_turns: int = DEFAULT_KEEP_TURNS
    api_key: str | None = None
    """What the proxy's own clients must send as their bearer token (None: anyone on the
    address it binds)."""
    admin_token: str | None = None
    """The bearer token of the admin API (None: the admin API answers 403)."""
    upstream_key: str | None = None
    """The upstream's API key (None: the client's ``Authorization`` is passed on)."""
    timeout_s: float = 600.0
    extractor: Callable[[], Extractor] = ChatRuleExtractor
    keys: str | Path | None = None
    """The file of API keys bound to users (`mags.proxy.keys`; default DATA/keys.json)."""
    max_body_bytes: int = MAX_BODY_BYTES
    max_messages: int = MAX_MESSAGES
    rate_per_minute: int = RATE_PER_MINUTE

    @property
    def key_file(self) -> Path:
        """Where the bound keys live: ``keys``, else ``keys.json`` in the data folder (for a
        database URL, in the user's config folder: give ``keys`` to share one file)."""
        if self.keys:
            return Path(self.keys)
        if "://" in str(self.data):
            return Path.home() / ".config" / "mags" / "proxy-keys.json"
        return Path(self.data) / "keys.json"


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str | None = None


class KeyRequest(BaseModel):
    """A new key: the users it may act for."""

    model_config = ConfigDict(extra="forbid")
    users: list[str] = Field(min_length=1, max_length=1000)
    expires_in_s: float | None = Field(default=None, gt=0)
    """Seconds until the key is refused (default: until revoked)."""


class ErrorBody(BaseModel):
    """OpenAI's error shape, which every route uses."""

    error: ErrorDetail


#: What an admin route may answer besides 200, documented in the OpenAPI schema.
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no or a wrong admin token"},
    403: {"model": ErrorBody, "description": "the admin API is off (no --admin-token)"},
    404: {"model": ErrorBody, "description": "no such user or fact"},
    422: {"model": ErrorBody, "description": "a malformed user name or parameter"},
}


#: The admin API's bearer token, as the OpenAPI schema documents it.
AdminCredentials = Annotated[
    HTTPAuthorizationCredentials | None,
    Depends(HTTPBearer(auto_error=False, description="the proxy's --admin-token")),
]


def upstream_key_from_env(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The upstream key in ``MAGS_UPSTREAM_API_KEY``, else ``OPENAI_API_KEY``."""
    return environ.get("MAGS_UPSTREAM_API_KEY") or environ.get("OPENAI_API_KEY") or None


def openai_error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    """An error in OpenAI's shape, which every OpenAI client knows how to read."""
    return JSONResponse({"error": {"message": message, "type": kind, "code": None}}, status)


def create_app(settings: ProxySettings) -> FastAPI:
    """The proxy's FastAPI app (see the module); its lifespan opens and closes the users'
    memories, the extraction worker and the upstream client."""
    users = UserMemories(settings.data, extractor=settings.extractor)
    queue = ExtractionQueue(users)
    service = ChatMemoryService(
        users, budget=settings.budget, keep_turns=settings.keep_turns, queue=queue
    )
    upstream = settings.upstream.rstrip("/")
    holder: dict[str, httpx.AsyncClient] = {}
    keys = KeyStore(settings.key_file)
    limiter = RateLimiter(settings.rate_per_minute)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        queue.start()
        resumed = queue.resume()
        if resumed:
            log.info("extraction resumes for %d users", resumed)
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=settings.timeout_s, limits=limits) as client:
            holder["client"] = client
            yield
        queue.stop()
        users.close()

    app = FastAPI(
        title="MAGS memory proxy",
        description="An OpenAI-compatible chat endpoint whose history is the user's memory, "
        "and an admin API over the users' memories.",
        lifespan=lifespan,
    )

    def open_mode() -> bool:
        """No credential at all: anyone who reaches the address (loopback by default)."""
        return settings.api_key is None and not keys

    def upstream_headers(request: Request) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if settings.upstream_key:
            headers["Authorization"] = f"Bearer {settings.upstream_key}"
        elif open_mode() and "authorization" in request.headers:
            headers["Authorization"] = request.headers["authorization"]  # the upstream's key
        return headers

    def check_client(request: Request) -> BoundKey | None:
        """The bound key the request acts with; None for the shared key or open mode.
        Never says the key it was given."""
        if open_mode():
            return None
        given = request.headers.get("authorization", "")
        if settings.api_key is not None and secrets.compare_digest(
            given.encode(), f"Bearer {settings.api_key}".encode()
        ):
            return None
        token = given[7:].strip() if given[:7].lower() == "bearer " else ""
        bound = keys.find(token) if token else None
        if bound is None:
            raise HTTPException(
                401,
                "this proxy needs an API key: send your key (or the proxy's --api-key) as the "
                "bearer token (api_key=...); a revoked or unknown key is refused",
            )
        return bound

    def request_user(named: Any, bound: BoundKey | None) -> str | None:
        """The user a request acts for: the one it names, checked against its key."""
        user = str(named) if named else None
        if bound is None:
            return user
        try:
            return acting_user(user, bound.users, "'user'")
        except OutOfScopeError as exc:
            raise HTTPException(403, str(exc)) from None

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return openai_error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return openai_error(422, f"invalid request: {where}")

    @app.get("/v1/models", tags=["openai"])
    async def models(request: Request) -> Response:
        """The upstream's models, as it lists them."""
        check_client(request)
        return await forward("GET", "/models", request, None, None)

    @app.post("/v1/chat/completions", tags=["openai"])
    async def chat_completions(request: Request) -> Response:
        """A chat completion; with a user, the history is replaced by the user's memory."""
        bound = check_client(request)
        limit = settings.max_body_bytes
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > limit:
            return openai_error(413, f"the request is larger than {limit} bytes (--max-body)")
        raw = await request.body()
        if len(raw) > limit:
            return openai_error(413, f"the request is larger than {limit} bytes (--max-body)")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            return openai_error(400, f"the request body is not valid JSON: {exc}")
        if not isinstance(body, dict):
            return openai_error(400, "the request body must be a JSON object")
        messages = body.get("messages")
        if isinstance(messages, list) and len(messages) > settings.max_messages:
            return openai_error(
                413, f"the request has {len(messages)} messages; at most "
                f"{settings.max_messages} (--max-messages)",
            )  # fmt: skip
        user = request_user(body.get("user") or request.headers.get(USER_HEADER), bound)
        who = user or (bound.id if bound else (request.client.host if request.client else "?"))
        wait = limiter.wait(who)
        if wait > 0:
            whom = "this user" if user else "this client"
            message = (
                f"too many requests for {whom}: at most {settings.rate_per_minute} a minute "
                "(--rate-limit); try again after Retry-After seconds"
            )
            response = openai_error(429, message, "rate_limit_error")
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
        if not user:
            note = "off; no user (set the request's 'user' field or the X-Mags-User header)"
            return await forward("POST", "/chat/completions", request, raw, None, note)
        turn: PreparedTurn | None = None
        try:
            turn = await run_in_threadpool(
                functools.partial(
                    service.prepare,
                    str(user),
                    body,
                    when=request.headers.get(WHEN_HEADER),
                    remember=request.headers.get(REMEMBER_HEADER, "on").lower() != "off",
                )
            )
        except InvalidInputError as exc:
            note = f"off; {exc}"
        except Exception as exc:  # the memory's trouble must never fail the chat
            log.exception("memory failed for user %r; the request goes through without it", user)
            note = f"error; {type(exc).__name__}: {exc}"
        else:
            note = turn.header
        sent = json.dumps(turn.body).encode() if turn is not None else raw
        return await forward("POST", "/chat/completions", request, sent, turn, note)

    async def forward(
        method: str,
        path: str,
        request: Request,
        content: bytes | None,
        turn: PreparedTurn | None,
        note: str | None = None,
    ) -> Response:
        client = holder["client"]
        extra = {MEMORY_HEADER: _header_safe(note)} if note else {}
        outgoing = client.build_request(
            method,
            upstream + path,
            headers=upstream_headers(request),
            content=content,
        )
        try:
            response = await client.send(outgoing, stream=True)
        except httpx.HTTPError as exc:
            return openai_error(
                502,
                f"the upstream at {upstream} did not answer ({type(exc).__name__}: {exc}); "
                "check that it runs and that --upstream is its /v1 URL",
                "upstream_error",
            )
        headers = {**_passed(response.headers), **extra}
        streaming = "text/event-stream" in response.headers.get("content-type", "")
        if response.status_code == 200 and streaming:
            return StreamingResponse(
                relay(response, turn),
                status_code=200,
                headers=headers,
                media_type="text/event-stream",
                background=BackgroundTask(response.aclose),
            )
        answer = await response.aread()
        await response.aclose()
        if turn is not None and response.status_code == 200:
            await remember(turn, answer)
        return Response(answer, response.status_code, headers=headers)

    async def remember(turn: PreparedTurn, content: bytes) -> None:
        try:
            reply = json.loads(content)
        except ValueError:
            log.warning("the upstream's reply to user %r is not JSON; not remembered", turn.user)
            return
        await remember_text(turn, reply_text(reply) if isinstance(reply, dict) else "")

    async def relay(response: httpx.Response, turn: PreparedTurn | None) -> AsyncIterator[bytes]:
        """Pass the upstream's events on as they come; the reply is stored before the
        chunk that carries ``[DONE]`` goes out (an acknowledged turn is never lost)."""
        reply = StreamReply()
        stored = False
        async for chunk in response.aiter_bytes():  # decoded: no content-encoding is passed on
            reply.feed(chunk)
            if turn is not None and reply.done and not stored:
                await remember_text(turn, reply.text)
                stored = True
            yield chunk
        if turn is not None and not stored:
            await remember_text(turn, reply.text)

    async def remember_text(turn: PreparedTurn, text: str) -> None:
        try:
            await run_in_threadpool(service.remember_reply, turn, text)
        except Exception:
            log.exception("the reply to user %r could not be remembered", turn.user)

    add_admin_routes(app, service, settings.admin_token, keys)
    add_page_routes(app)
    return app


PAGE = Path(__file__).parent / "static"
#: Cytoscape.js, vendored once for the web demo; the page uses the same file.
VENDOR = Path(__file__).parents[1] / "web" / "static" / "vendor"


def add_page_routes(app: FastAPI) -> None:
    """The conversations page (``/conversations``): a user's graph, history and last
    recall, live, read through the admin API with the token typed on the page."""
    from fastapi.staticfiles import StaticFiles

    @app.get("/conversations", include_in_schema=False)
    def conversations() -> Response:
        return Response((PAGE / "conversations.html").read_bytes(), media_type="text/html")

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return Response(status_code=307, headers={"Location": "/conversations"})

    app.mount("/vendor", StaticFiles(directory=VENDOR), name="vendor")
    app.mount("/static", StaticFiles(directory=PAGE), name="page")


def _passed(headers: httpx.Headers) -> dict[str, str]:
    return {
        k: v
        for k, v in headers.items()
        if k.lower() in PASSED_HEADERS or k.lower().startswith(PASSED_PREFIXES)
    }


def _header_safe(text: str | None) -> str:
    """Header values are latin-1 on one line."""
    clean = " ".join((text or "").split())[:300]
    return clean.encode("latin-1", "replace").decode("latin-1")


def add_admin_routes(
    app: FastAPI, service: ChatMemoryService, token: str | None, keys: KeyStore
) -> None:
    """The admin API (``/admin/...``): every route needs the admin bearer token."""
    users = service.users

    def admin(
        credentials: AdminCredentials,
    ) -> None:
        if token is None:
            raise HTTPException(
                403, "the admin API is off: start the proxy with --admin-token TOKEN"
            )
        if credentials is None or not secrets.compare_digest(credentials.credentials, token):
            raise HTTPException(401, "send the proxy's admin token as the bearer token")

    def memory_of(user: str) -> Any:
        try:
            memory = users.open(user)
        except InvalidInputError as exc:
            raise HTTPException(422, str(exc)) from exc
        if memory is None:
            raise HTTPException(404, f"no memory for user {user!r}")
        return memory

    guarded = [Depends(admin)]

    @app.post("/admin/keys", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS)
    def create_key(body: KeyRequest) -> dict[str, Any]:
        """A new API key bound to ``users``: its text is shown this once, never stored."""
        try:
            made = keys.create(body.users, body.expires_in_s)
        except InvalidInputError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"id": made.id, "key": made.key, "users": list(made.users)}

    @app.get("/admin/keys", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS)
    def list_keys() -> dict[str, list[dict[str, Any]]]:
        """Every key's id, users and times (never a key or its hash)."""
        return {"keys": [k.public() for k in keys.list()]}

    @app.delete(
        "/admin/keys/{key_id}", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS
    )
    def revoke_key(key_id: str) -> dict[str, str]:
        """Revoke a key: refused from the next request on."""
        try:
            keys.revoke(key_id)
        except NotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        return {"revoked": key_id}

    @app.get("/admin/status", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS)
    def status() -> dict[str, Any]:
        """Users served and the background extraction: users queued, turns read, failures."""
        queue = service.queue
        return {
            "users": len(users.names()),
            "extraction": {
                "queued": queue.pending() if queue else 0,
                "extracted": queue.extracted if queue else 0,
                "failed": queue.failed if queue else 0,
            },
        }

    @app.get("/admin/users", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS)
    def list_users() -> dict[str, list[str]]:
        """Every user with a memory."""
        return {"users": users.names()}

    @app.get(
        "/admin/users/{user}/facts", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS
    )
    def user_facts(user: str) -> dict[str, Any]:
        """The user's current facts (the active graph), strongest first per entity."""
        memory = memory_of(user)
        t = max(memory.now, 0.0)
        return {"user": user, "t": t, **memory.snapshot(t)}

    @app.get(
        "/admin/users/{user}/history", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS
    )
    def user_history(user: str, name: str | None = None) -> dict[str, Any]:
        """Every fact ever stored (of entity ``name`` if given), closed ones with when and
        why they closed."""
        memory = memory_of(user)
        try:
            facts = memory.history(name) if name else memory.all_facts()
        except MagsError as exc:
            raise HTTPException(404, str(exc)) from exc
        return {"user": user, "facts": [f.to_dict() for f in facts]}

    @app.get(
        "/admin/users/{user}/episodes", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS
    )
    def user_episodes(user: str, since: int = 0, limit: int = 100) -> dict[str, Any]:
        """The user's turns (episodes) after id ``since``, oldest first, at most ``limit``."""
        if limit < 1 or since < 0:
            raise HTTPException(422, "since must be >= 0 and limit >= 1")
        episodes = memory_of(user).episodes(since=since)[:limit]
        return {"user": user, "episodes": [e.to_dict() for e in episodes]}

    @app.get(
        "/admin/users/{user}/last-request",
        tags=["admin"],
        dependencies=guarded,
        responses=ADMIN_ERRORS,
    )
    def user_last_request(user: str) -> dict[str, Any]:
        """The recall that went into the user's latest request, and its tokens."""
        memory_of(user)
        return {"user": user, "last": service.last_request(user)}

    @app.delete(
        "/admin/users/{user}/facts/{fact_id}",
        tags=["admin"],
        dependencies=guarded,
        responses=ADMIN_ERRORS,
    )
    def forget_fact(user: str, fact_id: int) -> dict[str, Any]:
        """Forget one current fact: it leaves the active graph and every later recall."""
        memory = memory_of(user)
        with users.lock(user):
            try:
                memory.forget(fact_id, max(memory.now, 0.0))
            except MagsError as exc:
                raise HTTPException(404, str(exc)) from exc
        return {"user": user, "forgotten": fact_id}

    @app.get(
        "/admin/users/{user}/export", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS
    )
    def export_user(user: str) -> dict[str, Any]:
        """Everything stored for the user: facts with their history, turns, events."""
        memory_of(user)
        exported = users.export(user)
        if exported is None:
            raise HTTPException(404, f"no memory for user {user!r}")
        return exported

    @app.delete("/admin/users/{user}", tags=["admin"], dependencies=guarded, responses=ADMIN_ERRORS)
    def delete_user(user: str) -> dict[str, Any]:
        """Erase the user's memory from disk."""
        memory_of(user)
        return {"user": user, "deleted": users.delete(user)}
