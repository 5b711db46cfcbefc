"""`mags doctor`: is this machine (and the configured LLM endpoint) ready to run MAGS?

Each check is a `Check(name, ok, detail, advice)`; `run_checks` returns them all, in order,
and never raises (a check that breaks is itself reported as a failed check), so the command
line and the web self-check can show the whole picture at once. Nothing here reads the
environment: the caller passes the cache folder, ``INFORM_HOME`` and the endpoint.

Example
-------
>>> check_python((3, 11, 4))
Check(name='Python', ok=True, detail='3.11.4', advice='')
>>> check_python((3, 10, 12)).advice
'MAGS needs Python 3.11 or newer: install it and recreate the virtual environment (make test)'
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mags.llm import LLMConfig, LLMError

MIN_PYTHON = (3, 11)
#: Oldest SQLite MAGS is tested on (UPSERT, window functions); Python bundles newer ones.
MIN_SQLITE = (3, 25, 0)
#: The distributions whose versions the doctor reports, with what each is for.
PACKAGES: tuple[tuple[str, str], ...] = (
    ("mags", "MAGS itself"),
    ("textworld", "the text games"),
    ("openai", "the LLM adapter"),
    ("pydantic", "structured LLM replies"),
    ("rich", "terminal output"),
    ("matplotlib", "benchmark plots"),
)
#: Seconds one doctor request to the endpoint may take (a hang is reported, not retried).
ENDPOINT_TIMEOUT_S = 20.0
#: Retries of a rate-limited (429) doctor request, each after the wait ``Retry-After`` asks.
RATE_LIMIT_RETRIES = 2


@dataclass(frozen=True, slots=True)
class Check:
    """One finding: what was checked, whether it passed, what was seen, and what to do if not.

    Example
    -------
    >>> check = Check("SQLite WAL", False, "journal_mode = delete", "use a local disk")
    >>> check.to_dict()["ok"], check.to_dict()["advice"]
    (False, 'use a local disk')
    """

    name: str
    ok: bool
    detail: str
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The check as a JSON-able dict."""
        return dataclasses.asdict(self)


# -- local checks ---------------------------------------------------------------------------


def check_python(version: Sequence[int] = tuple(sys.version_info[:3])) -> Check:
    """The interpreter is Python 3.11 or newer."""
    text = ".".join(str(v) for v in version[:3])
    if tuple(version[:2]) >= MIN_PYTHON:
        return Check("Python", True, text)
    return Check(
        "Python",
        False,
        text,
        "MAGS needs Python 3.11 or newer: install it and recreate the virtual environment "
        "(make test)",
    )


def check_packages(
    version: Callable[[str], str] = importlib.metadata.version,
) -> list[Check]:
    """One check per package in `PACKAGES`: installed, and which version.

    Example
    -------
    >>> def fake(name):
    ...     if name == "rich":
    ...         raise importlib.metadata.PackageNotFoundError(name)
    ...     return "1.0"
    >>> [(c.name, c.ok) for c in check_packages(fake)][3:5]
    [('pydantic', True), ('rich', False)]
    """
    checks = []
    for name, purpose in PACKAGES:
        try:
            checks.append(Check(name, True, version(name)))
        except importlib.metadata.PackageNotFoundError:
            checks.append(
                Check(
                    name,
                    False,
                    f"not installed (needed for {purpose})",
                    "reinstall MAGS into its environment: .venv/bin/pip install -e .",
                )
            )
    return checks


def check_textworld(inform_home: str | None = None) -> Check:
    """TextWorld's generator imports and its Inform 7 compilers are present and executable.

    TextWorld compiles games with ``$INFORM_HOME/share/inform7/Compilers/{ni,inform6}``,
    ``INFORM_HOME`` defaulting to the copy bundled in its wheel; ``inform_home`` is that
    variable's value (None: unset).
    """
    name = "TextWorld + Inform 7"
    try:
        import textworld.generator  # noqa: F401
        from textworld.generator.inform7 import world2inform7
    except Exception as error:
        return Check(
            name,
            False,
            f"textworld.generator does not import: {type(error).__name__}: {error}",
            "install TextWorld 1.7 (Linux or macOS only): .venv/bin/pip install 'textworld==1.7.*'",
        )
    home = Path(inform_home or str(world2inform7.I7_DEFAULT_PATH))
    compilers = home / "share" / "inform7" / "Compilers"
    internal = home / "share" / "inform7" / "Internal"
    missing = [
        str(path)
        for path in (compilers / "ni", compilers / "inform6")
        if not (path.is_file() and os.access(path, os.X_OK))
    ]
    if not internal.is_dir():
        missing.append(str(internal))
    if missing:
        where = "INFORM_HOME" if inform_home else "TextWorld's bundled copy"
        return Check(
            name,
            False,
            f"missing or not executable ({where}): {', '.join(missing)}",
            "unset INFORM_HOME to use TextWorld's bundled Inform 7"
            if inform_home
            else "reinstall TextWorld (its wheel bundles Inform 7): "
            ".venv/bin/pip install --force-reinstall 'textworld==1.7.*'",
        )
    return Check(name, True, f"Inform 7 compilers in {home}")


def check_cache(root: Path) -> Check:
    """The world cache folder can be created and written (a temporary file, then deleted)."""
    name = "world cache writable"
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as error:
        return Check(
            name,
            False,
            f"{root}: {error.strerror or error}",
            "make that folder writable, or point MAGS_CACHE (or --cache) at a writable folder",
        )
    return Check(name, True, str(root))


def check_sqlite(workdir: Path) -> list[Check]:
    """SQLite's version, WAL journaling on a file in ``workdir``, and the JSON1 functions."""
    checks = []
    version = sqlite3.sqlite_version
    old = sqlite3.sqlite_version_info < MIN_SQLITE
    checks.append(
        Check(
            "SQLite",
            not old,
            version,
            f"SQLite {'.'.join(map(str, MIN_SQLITE))} or newer is needed: use a Python built "
            "against a newer SQLite (python.org and uv builds bundle one)"
            if old
            else "",
        )
    )
    try:
        path = workdir / "doctor-wal.db"
        db = sqlite3.connect(path)
        try:
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            db.execute("CREATE TABLE t (x)")
            db.execute("INSERT INTO t VALUES (1)")
            db.commit()
        finally:
            db.close()
        wal = Check("SQLite WAL", mode == "wal", f"journal_mode = {mode}")
    except sqlite3.Error as error:
        wal = Check("SQLite WAL", False, f"{type(error).__name__}: {error}")
    if not wal.ok:
        wal = dataclasses.replace(
            wal,
            advice="keep memory files on a local disk (network and some container file "
            "systems do not support WAL's shared memory)",
        )
    checks.append(wal)
    try:
        db = sqlite3.connect(":memory:")
        try:
            value = db.execute("SELECT json_extract('{\"a\": [1, 2]}', '$.a[1]')").fetchone()[0]
        finally:
            db.close()
        checks.append(Check("SQLite JSON1", value == 2, "json_extract works"))
    except sqlite3.Error as error:
        checks.append(
            Check(
                "SQLite JSON1",
                False,
                f"{type(error).__name__}: {error}",
                "use a Python whose SQLite has the JSON1 functions (built in since 3.38)",
            )
        )
    return checks


# -- the LLM endpoint -----------------------------------------------------------------------


def check_endpoint(config: LLMConfig) -> list[Check]:
    """The endpoint ``config`` (an `mags.llm.LLMConfig`) names: does it answer, how fast,
    and which structured-output modes it accepts.

    One short request answers the first question; each mode is then tried with
    `LLMClient.supports`, which judges a refusal exactly as the client's own fallback does.
    A 429 is waited out as ``Retry-After`` says (`RATE_LIMIT_RETRIES` times); a timeout or
    a refused connection is reported at once. An endpoint that does not answer gets no mode
    probes.
    """
    from mags.llm import LLMClient, LLMError
    from mags.llm.client import MODES, TEXT_PING

    config = dataclasses.replace(
        config,
        max_retries=RATE_LIMIT_RETRIES,
        timeout_s=min(config.timeout_s, ENDPOINT_TIMEOUT_S),
        cache_path=None,  # the endpoint itself is checked, never a cached reply
    )
    where = f"model {config.model} at {config.base_url}"
    name = "LLM endpoint answers"
    with LLMClient(config, retry_on=frozenset({"rate_limited"})) as client:
        start = time.perf_counter()
        try:
            text, _ = client.complete_text(TEXT_PING)
        except LLMError as error:
            return [Check(name, False, str(error), endpoint_advice(error))]
        latency_ms = (time.perf_counter() - start) * 1000
        answered = Check(
            name, True, f"{where} replied {text.strip()[:40]!r} in {latency_ms:.0f} ms"
        )
        support = {mode: client.supports(mode) for mode in MODES}
    usable = [mode for mode in MODES if support[mode] is None]
    detail = "; ".join(
        f"{mode}: supported" if support[mode] is None else f"{mode}: unsupported ({support[mode]})"
        for mode in MODES
    )
    modes = Check(
        "LLM structured output",
        bool(usable),
        detail + (f"; MAGS will use {usable[0]}" if usable else ""),
        ""
        if usable
        else "the endpoint answers no kind of request: check the model name and the server's logs",
    )
    return [answered, modes]


def endpoint_advice(error: LLMError) -> str:
    """What to do about an endpoint that did not answer, fitted to how it failed."""
    from mags.llm import LLMTimeoutError
    from mags.llm.refusals import classify

    if error.status is not None:
        return classify(error.status, str(error)).advice
    if isinstance(error, LLMTimeoutError):
        return "the server is up but slow or stuck: check its logs, or try a smaller model"
    if "could not reach" in str(error):
        return (
            "start the server (for a local model: mags local-llm), or fix --llm-base-url / "
            "MAGS_LLM_BASE_URL (the API root, usually ending in /v1)"
        )
    return "check the endpoint's base URL, model name and API key, and the server's logs"


# -- all of them ----------------------------------------------------------------------------


def run_checks(
    cache_root: Path, *, inform_home: str | None = None, llm: LLMConfig | None = None
) -> list[Check]:
    """Every check, in order: Python, packages, TextWorld, cache, SQLite, and the endpoint
    ``llm`` (an `mags.llm.LLMConfig`; None: not configured, not checked). Never raises."""
    checks: list[Check] = []
    with tempfile.TemporaryDirectory(prefix="mags-doctor-") as workdir:
        steps: list[tuple[str, Callable[[], Check | list[Check]]]] = [
            ("Python", check_python),
            ("packages", check_packages),
            ("TextWorld + Inform 7", lambda: check_textworld(inform_home)),
            ("world cache writable", lambda: check_cache(cache_root)),
            ("SQLite", lambda: check_sqlite(Path(workdir))),
        ]
        if llm is not None:
            steps.append(("LLM endpoint answers", lambda: check_endpoint(llm)))
        for name, step in steps:
            try:
                found = step()
            except Exception as error:  # a doctor reports what broke instead of crashing
                found = Check(
                    name,
                    False,
                    f"the check itself failed: {type(error).__name__}: {error}",
                    "report this as a bug in mags doctor",
                )
            checks.extend(found if isinstance(found, list) else [found])
    return checks


def doctor_command(
    cache_root: Path, *, inform_home: str | None, llm: LLMConfig | None, as_json: bool
) -> int:
    """Run every check and print them (a table, or ``--json`` a list); 0 when all pass."""
    checks = run_checks(cache_root, inform_home=inform_home, llm=llm)
    if as_json:
        print(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        _render(checks, configured=llm is not None)
    return 0 if all(c.ok for c in checks) else 1


def _render(checks: Sequence[Check], *, configured: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="mags doctor", show_lines=False)
    table.add_column("", width=1)
    table.add_column("check")
    table.add_column("detail", overflow="fold")
    for check in checks:
        mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
        detail = escape(check.detail)
        if not check.ok and check.advice:
            detail += f"\n[yellow]→ {escape(check.advice)}[/yellow]"
        table.add_row(mark, escape(check.name), detail)
    console = Console()
    console.print(table)
    failed = sum(not c.ok for c in checks)
    if not configured:
        console.print(
            "No LLM endpoint configured (--llm-base-url/--llm-model or MAGS_LLM_*): not checked."
        )
    console.print(
        "[green]All checks passed.[/green]" if not failed else f"[red]{failed} failed.[/red]"
    )
