"""``results.jsonl``: the append-only log of `mags bench` rows, read, repaired and written.

The file holds one JSON object per line, one per played cell (see `mags.bench.grid` for its
fields); a row's `CellKey` (game, seed, policy, memory, config_hash, max_steps) says which cell
it answers, and `ResultsLog.done` gives the keys with a row without error, which a resumed run
does not play again. Reading never fails on content: a line that is not a JSON object is left
out with a warning, and a last line cut short by a killed process is dropped (`read_results`)
or cut off before appending (`repair_results`). `ResultsWriter` appends each row as one whole
line in a single write, so a file written by one process stays valid if that process stops.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS_FILE = "results.jsonl"

CellKey = tuple[str, int | None, str, str, str, int | None]
"""(game, seed, policy, memory, config_hash, max_steps): what makes a result reusable."""

Row = dict[str, Any]


def row_key(row: Mapping[str, Any]) -> CellKey | None:
    """The `CellKey` of a row; None for a row that lacks one.

    Example
    -------
    >>> row_key({"game": "tiny", "seed": 1, "policy": "planner", "memory": "none",
    ...          "config_hash": "abc", "max_steps": None})
    ('tiny', 1, 'planner', 'none', 'abc', None)
    >>> row_key({"policy": "planner"}) is None
    True
    """
    try:
        game = row["game"] if "game" in row else row["track"]
        seed, max_steps = row.get("seed"), row.get("max_steps")
        key = (game, seed, row["policy"], row["memory"], row["config_hash"], max_steps)
    except (KeyError, TypeError):
        return None
    if not all(isinstance(k, str) for k in (game, *key[2:5])):
        return None
    if not (_optional_int(seed) and _optional_int(max_steps)):
        return None
    return key


def _optional_int(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


@dataclass
class ResultsLog:
    """The rows of a ``results.jsonl`` and what was wrong with its lines."""

    rows: list[Row] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def done(self) -> set[CellKey]:
        """Keys of the cells that have a row without error."""
        keys = (row_key(r) for r in self.rows if not r.get("error"))
        return {k for k in keys if k is not None}


def read_results(path: str | os.PathLike[str]) -> ResultsLog:
    """Read a ``results.jsonl``; never fails on its content.

    A missing file has no rows. A line that is not a JSON object is left out with a warning
    (the last one, without its newline, is a write cut short by a killed process).

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> _ = p.write_text('{"a": 1}\\n{"a": 2, "b"')
    >>> log = read_results(p)
    >>> log.rows, log.warnings
    ([{'a': 1}], ['results.jsonl: ignored a truncated last line (line 2)'])
    """
    path = Path(path)
    log = ResultsLog()
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return log
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if isinstance(row, dict):
            log.rows.append(row)
        elif number == len(lines):
            log.warnings.append(f"{path.name}: ignored a truncated last line (line {number})")
        else:
            log.warnings.append(f"{path.name}: ignored line {number}, not a JSON object")
    return log


def repair_results(path: str | os.PathLike[str]) -> str | None:
    """Make `path` end with a whole line before appending to it; say what was done.

    A last line without its newline is cut off when it is not a JSON object (a write cut
    short), or given its newline when it is one.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> _ = p.write_text('{"a": 1}\\n{"a": 2, "b"')
    >>> repair_results(p)
    'results.jsonl: removed a truncated last line; its cell runs again'
    >>> p.read_text()
    '{"a": 1}\\n'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not data or data.endswith(b"\n"):
        return None
    start = data.rfind(b"\n") + 1
    try:
        whole = isinstance(json.loads(data[start:].decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        whole = False
    with path.open("r+b") as f:
        if whole:
            f.seek(0, os.SEEK_END)
            f.write(b"\n")
            return None
        f.truncate(start)
    return f"{path.name}: removed a truncated last line; its cell runs again"


class ResultsWriter:
    """Appends rows to a ``results.jsonl``, one whole line per write, at once on disk.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> with ResultsWriter(p) as w:
    ...     w.append({"a": 1})
    >>> read_results(p).rows
    [{'a': 1}]
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one row as one line (a single append)."""
        data = (json.dumps(row) + "\n").encode("utf-8")
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def close(self) -> None:
        """Close the file."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
