"""A small OpenAI-compatible chat server: scripted replies over real HTTP, or a replay.

It listens on 127.0.0.1 on a random port and answers ``POST /v1/chat/completions``.

* **Scripted** (tests): from a queue of `Reply` objects, in order, one per request, so a
  test can script what a real endpoint does wrong: malformed JSON, ``<think>`` blocks, code
  fences, 429 with ``Retry-After``, 500, a hang past the client's timeout, no ``usage``, and
  a 400 for a ``response_format`` it does not support.
* **Replay** (`ChatServer.replaying`): every request is answered with the next command of a
  fixed list as ``{"action": ...}``, with usage counted the way the client estimates it.
  `mags bench --policies llm --llm-replay` uses it to measure what each memory puts into
  the LLM policy's prompt on real games, with the same actions for every memory and no
  model at all.

It records every request it got.

Example
-------
>>> import json, urllib.request
>>> with ChatServer() as server:
...     server.script(Reply.json({"ok": True}))
...     body = json.dumps({"model": "m", "messages": []}).encode()
...     with urllib.request.urlopen(f"{server.url}/chat/completions", body) as response:
...         json.loads(response.read())["choices"][0]["message"]["content"]
'{"ok": true}'
>>> len(server.requests)
1
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mags.core.retrieve import estimate_tokens

#: What a replay answers once its list is used up: a command every game accepts.
REPLAY_DONE_ACTION = "look"


@dataclass(frozen=True)
class Reply:
    """One scripted answer: an HTTP status, an assistant text or an error body, a delay."""

    status: int = 200
    content: str = ""
    usage: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    estimated_usage: bool = False
    """Report usage as the client would estimate it (replay) instead of test-distinct counts."""

    @classmethod
    def text(cls, content: str, *, usage: bool = True, delay_s: float = 0.0) -> Reply:
        """A 200 whose assistant message is ``content``, verbatim."""
        return cls(content=content, usage=usage, delay_s=delay_s)

    @classmethod
    def json(cls, value: Any, *, usage: bool = True, delay_s: float = 0.0) -> Reply:
        """A 200 whose assistant message is ``value`` as JSON."""
        return cls(content=json.dumps(value), usage=usage, delay_s=delay_s)

    @classmethod
    def error(cls, status: int, message: str = "", retry_after: str | None = None) -> Reply:
        """An HTTP error in OpenAI's error shape, with a ``Retry-After`` header if given."""
        headers = {} if retry_after is None else {"Retry-After": retry_after}
        return cls(status=status, content=message or f"scripted HTTP {status}", headers=headers)

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """Answer nothing for ``seconds`` (past the client's timeout), then a 200."""
        return cls(content='{"late": true}', delay_s=seconds)


@dataclass(frozen=True)
class Request:
    """What the server received: the path, the headers and the JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def response_format(self) -> str | None:
        """The structured-output mode asked for, as `mags.llm.client.MODES` names it
        (None: no ``response_format`` sent)."""
        fmt = self.body.get("response_format")
        if not isinstance(fmt, dict):
            return None
        kind = fmt.get("type")
        return "json_object_schema" if kind == "json_object" and "schema" in fmt else kind


class ChatServer:
    """A threaded OpenAI-compatible test server; `url` is its ``/v1`` base URL.

    A request with ``"stream": true`` is answered as server-sent events (the reply's text
    in three chunks, then ``[DONE]``); ``GET /v1/models`` lists one model, ``test-model``.
    ``default`` answers every request once the script is used up (an upstream that always
    answers); ``respond`` answers every request from the request itself (benchmarks that
    script the replies inside the requests; such requests are not recorded).

    ``reject_modes`` lists ``response_format`` types answered with a 400, as servers that
    lack structured output do; such a request does not use up a scripted reply. With the
    script empty, the server answers 418 (a refusal the client does not retry) so that a
    test that scripted too little fails loudly instead of hanging.
    """

    def __init__(
        self,
        reject_modes: tuple[str, ...] = (),
        replay: Sequence[str] | None = None,
        *,
        default: Reply | None = None,
        respond: Callable[[Request], Reply] | None = None,
    ) -> None:
        self.reject_modes = set(reject_modes)
        self.default = default
        self.respond = respond
        self.replay = None if replay is None else list(replay)
        self._replayed = 0  # replay answers given so far (not recounted per request)
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # A hanging handler must not hold up shutdown: don't join handler threads.
        self._httpd.block_on_close = False
        self._httpd.daemon_threads = True
        # A short poll interval makes stop() quick (the default waits up to half a second).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @classmethod
    def replaying(cls, actions: Sequence[str]) -> ChatServer:
        """A server that answers the i-th request with ``{"action": actions[i]}``.

        Example
        -------
        >>> from mags.llm import LLMClient, LLMConfig
        >>> from mags.llm.agents import LLMChatModel
        >>> with ChatServer.replaying(["go east"]) as server:
        ...     model = LLMChatModel(LLMClient(LLMConfig(server.url, "none", "replay")))
        ...     model.complete_action("Where now?", ["go east", "look"])[0]
        ...     model.complete_action("And now?", ["go east", "look"])[0]
        'go east'
        'look'
        """
        return cls(replay=actions)

    @property
    def url(self) -> str:
        """The base URL to give the client: ``http://127.0.0.1:PORT/v1``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue ``replies``, answered in order."""
        with self._lock:
            self._replies.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._replies)

    def start(self) -> ChatServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging handlers wake up and give up."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- called by the handler --------------------------------------------------------

    def _next(self, request: Request) -> Reply:
        if self.respond is not None:
            return self.respond(request)
        with self._lock:
            self.requests.append(request)
            if request.response_format in self.reject_modes:
                return Reply.error(
                    400, f"response_format {request.response_format!r} is not supported"
                )
            if self.replay is not None:
                turn, self._replayed = self._replayed, self._replayed + 1
                action = self.replay[turn] if turn < len(self.replay) else REPLAY_DONE_ACTION
                return Reply(content=json.dumps({"action": action}), estimated_usage=True)
            if not self._replies:
                if self.default is not None:
                    return self.default
                return Reply.error(418, "the test script has no reply left")
            return self._replies.popleft()

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


def _handler_for(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw else {}
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, _error_body(f"no route {self.path}"), {})
                return
            server._enter()
            try:
                reply = server._next(request)
                if reply.delay_s and server._stopping.wait(reply.delay_s):
                    return  # the server is stopping: drop the hanging request
                if reply.status != 200:
                    self._send(reply.status, _error_body(reply.content), reply.headers)
                elif body.get("stream"):
                    self._stream(_completion(body, reply), reply.headers)
                else:
                    self._send(200, _completion(body, reply), reply.headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left: nothing to answer
            finally:
                server._leave()

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                model = {"id": "test-model", "object": "model", "created": 0, "owned_by": "mags"}
                self._send(200, {"object": "list", "data": [model]}, {})
            else:
                self._send(404, _error_body(f"no route {self.path}"), {})

        def _stream(self, completion: dict[str, Any], headers: dict[str, str]) -> None:
            """The completion as ``chat.completion.chunk`` events; the connection closes
            at the end (HTTP/1.0), as a simple server's stream does."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            text = completion["choices"][0]["message"]["content"]
            third = max(1, len(text) // 3)
            parts = [text[i : i + third] for i in range(0, len(text), third)] or [""]
            for i, part in enumerate(parts):
                delta = {"role": "assistant", "content": part} if i == 0 else {"content": part}
                chunk = {
                    "id": completion["id"],
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": completion["model"],
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            end = {
                "id": completion["id"],
                "object": "chat.completion.chunk",
                "created": 0,
                "model": completion["model"],
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
            self.wfile.flush()

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


def _completion(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A ``chat.completion`` object carrying ``reply.content``, as OpenAI returns it."""
    out: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "test-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": "stop",
            }
        ],
    }
    if reply.usage and reply.estimated_usage:
        messages = request.get("messages", [])
        prompt_tokens = sum(estimate_tokens(str(m.get("content", ""))) for m in messages)
        completion_tokens = estimate_tokens(reply.content)
        out["usage"] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
    elif reply.usage:
        prompt = sum(len(str(m.get("content", ""))) for m in request.get("messages", []))
        # Distinctive counts (not estimates) so tests can tell reported usage from estimated.
        out["usage"] = {
            "prompt_tokens": 100 + prompt,
            "completion_tokens": 7,
            "total_tokens": 107 + prompt,
        }
    return out


def _error_body(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": None}}
