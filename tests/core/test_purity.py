"""The core does no I/O: it imports no module that touches files, clocks, randomness or nets."""

from __future__ import annotations

import ast
from pathlib import Path

import mags.core

FORBIDDEN = {
    "sqlite3", "os", "sys", "io", "time", "datetime", "random", "secrets", "socket", "http",
    "urllib", "requests", "httpx", "aiohttp", "subprocess", "shutil", "pathlib", "tempfile",
    "threading", "multiprocessing", "asyncio", "openai", "logging", "glob", "pickle", "uuid",
}  # fmt: skip


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_modules_import_no_io() -> None:
    core_dir = Path(mags.core.__file__).parent
    modules = sorted(core_dir.glob("*.py"))
    assert len(modules) >= 8
    offenders = {p.name: sorted(_imports(p) & FORBIDDEN) for p in modules}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_check_itself_catches_an_io_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom sqlite3 import connect\nfrom . import sibling\n")
    assert _imports(bad) & FORBIDDEN == {"os", "sqlite3"}
