"""`mags web-bench`: the web demo's latency targets, measured over real HTTP.

The server runs as its own process (``mags web`` on a free local port), so the client's
threads do not share its interpreter. Three measurements:

- **first graph**: ``POST /api/sessions`` for a cached game until its answer (which holds
  the first graph) has arrived; target < 1 s.
- **step round trip**: ``POST .../step`` with ``n=1`` until the answer (with the new
  graph) has arrived, over ``steps`` steps of one session; target p95 < 150 ms.
- **concurrent sessions**: ``sessions`` sessions stepping as fast as they can for
  ``seconds`` seconds; target no errors and step p95 < 500 ms.

Example
-------
>>> percentile([1.0, 2.0, 3.0, 4.0], 0.5), percentile([], 0.95)
(2.5, nan)
"""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from mags.worlds.cache import WorldCache
from mags.worlds.generate import ensure_game
from mags.worlds.tracks import get_track

FIRST_GRAPH_TARGET_MS = 1000.0
STEP_P95_TARGET_MS = 150.0
CONCURRENT_P95_TARGET_MS = 500.0
FIRST_GRAPH_TRIES = 5
SERVER_START_S = 60.0


@dataclass(frozen=True)
class BenchSettings:
    """What to measure, on which game."""

    track: str = "kitchen-hard"
    seed: int = 1001
    steps: int = 100
    sessions: int = 8
    seconds: float = 30.0


@dataclass
class BenchReport:
    """Raw timings (milliseconds) and the error count."""

    settings: BenchSettings
    first_graph_ms: list[float] = field(default_factory=list)
    step_ms: list[float] = field(default_factory=list)
    concurrent_ms: list[float] = field(default_factory=list)
    concurrent_errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, str, str, bool]]:
        """(measure, value, target, met) for the table."""
        first = max(self.first_graph_ms, default=math.nan)
        step95 = percentile(self.step_ms, 0.95)
        conc95 = percentile(self.concurrent_ms, 0.95)
        s = self.settings
        return [
            (
                f"first graph after POST /api/sessions ({s.track} {s.seed}, "
                f"worst of {len(self.first_graph_ms)})",
                f"{first:.0f} ms (p50 {percentile(self.first_graph_ms, 0.5):.0f} ms)",
                f"< {FIRST_GRAPH_TARGET_MS:.0f} ms",
                first < FIRST_GRAPH_TARGET_MS,
            ),
            (
                f"step round trip, {len(self.step_ms)} steps",
                f"p50 {percentile(self.step_ms, 0.5):.1f} ms, p95 {step95:.1f} ms",
                f"p95 < {STEP_P95_TARGET_MS:.0f} ms",
                step95 < STEP_P95_TARGET_MS,
            ),
            (
                f"{s.sessions} sessions stepping for {s.seconds:.0f} s "
                f"({len(self.concurrent_ms)} steps)",
                f"p50 {percentile(self.concurrent_ms, 0.5):.1f} ms, p95 {conc95:.1f} ms, "
                f"{len(self.concurrent_errors)} errors",
                f"0 errors, p95 < {CONCURRENT_P95_TARGET_MS:.0f} ms",
                not self.concurrent_errors and conc95 < CONCURRENT_P95_TARGET_MS,
            ),
        ]

    @property
    def all_met(self) -> bool:
        """Whether every target was met."""
        return all(met for *_, met in self.rows)

    def to_json(self) -> dict[str, Any]:
        """Figures and verdicts as a JSON-able dict."""
        return {
            "settings": vars(self.settings),
            "first_graph_ms": self.first_graph_ms,
            "step_ms": {
                "p50": percentile(self.step_ms, 0.5),
                "p95": percentile(self.step_ms, 0.95),
                "n": len(self.step_ms),
            },
            "concurrent_ms": {
                "p50": percentile(self.concurrent_ms, 0.5),
                "p95": percentile(self.concurrent_ms, 0.95),
                "n": len(self.concurrent_ms),
            },
            "concurrent_errors": self.concurrent_errors[:20],
            "rows": [
                {"measure": m, "value": v, "target": t, "met": ok} for m, v, t, ok in self.rows
            ],
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (linear interpolation); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def render_table(report: BenchReport) -> str:
    """The report as a Markdown table.

    Example
    -------
    >>> report = BenchReport(BenchSettings(), [400.0], [20.0, 30.0], [50.0], [])
    >>> print(render_table(report).splitlines()[2][-41:])
    | 400 ms (p50 400 ms) | < 1000 ms | yes |
    """
    lines = ["| measure | value | target | met |", "|---|---|---|---|"]
    for measure, value, target, met in report.rows:
        lines.append(f"| {measure} | {value} | {target} | {'yes' if met else 'NO'} |")
    return "\n".join(lines)


def free_port() -> int:
    """A TCP port free on localhost now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server_process(cache: WorldCache) -> Iterator[str]:
    """``mags web`` in a child process on a free port; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "mags.cli", "web", "--port", str(port)]
    command += ["--cache", str(cache.root), "--max-sessions", "64"]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if child.poll() is not None:
                error = child.stderr.read().decode() if child.stderr else ""
                raise RuntimeError(f"mags web exited at start: {error[-2000:]}")
            try:
                if httpx.get(f"{url}/api/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"mags web did not answer within {SERVER_START_S:.0f} s")
            time.sleep(0.1)
        yield url
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run_bench(settings: BenchSettings, cache: WorldCache) -> BenchReport:
    """Generate the game if needed, start a server, and measure (see the module docstring)."""
    ensure_game(get_track(settings.track), settings.seed, cache=cache)
    report = BenchReport(settings)
    game = {"track": settings.track, "seed": settings.seed}
    with server_process(cache) as url, httpx.Client(base_url=url, timeout=60.0) as client:
        for _ in range(FIRST_GRAPH_TRIES):
            started = time.perf_counter()
            answer = client.post("/api/sessions", json=game)
            answer.raise_for_status()
            if not answer.json()["graph"]["nodes"]:
                raise RuntimeError("the first graph came back empty")
            report.first_graph_ms.append(1000.0 * (time.perf_counter() - started))
            client.delete(f"/api/sessions/{answer.json()['id']}")
        session = client.post("/api/sessions", json=game).json()["id"]
        report.step_ms = _step_times(client, session, settings.steps, errors=None)
        client.delete(f"/api/sessions/{session}")
        _concurrent(url, game, settings, report)
    return report


def _step_times(
    client: httpx.Client,
    session: str,
    steps: int,
    *,
    errors: list[str] | None,
    until: float | None = None,
) -> list[float]:
    """Round trips of single steps (resetting the game when it ends, untimed)."""
    times: list[float] = []
    while len(times) < steps and (until is None or time.monotonic() < until):
        started = time.perf_counter()
        answer = client.post(f"/api/sessions/{session}/step", json={"n": 1})
        elapsed = 1000.0 * (time.perf_counter() - started)
        if answer.status_code != 200:
            message = f"{answer.status_code}: {answer.text[:200]}"
            if errors is None:
                raise RuntimeError(message)
            errors.append(message)
            continue
        times.append(elapsed)
        if answer.json()["steps"][-1]["done"]:
            client.post(f"/api/sessions/{session}/reset").raise_for_status()
    return times


def _concurrent(
    url: str, game: dict[str, Any], settings: BenchSettings, report: BenchReport
) -> None:
    lock = threading.Lock()
    ready = threading.Barrier(settings.sessions)  # every session is open before timing

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=60.0) as client:
            try:
                created = client.post("/api/sessions", json=game)
                created.raise_for_status()
                session = created.json()["id"]
                ready.wait(timeout=120)
                until = time.monotonic() + settings.seconds
                errors: list[str] = []
                times = _step_times(client, session, 10**9, errors=errors, until=until)
                client.delete(f"/api/sessions/{session}")
            except Exception as error:  # counted, not raised: the table shows it
                times, errors = [], [f"{type(error).__name__}: {error}"]
        with lock:
            report.concurrent_ms.extend(times)
            report.concurrent_errors.extend(errors)

    threads = [threading.Thread(target=worker) for _ in range(settings.sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
