"""The scripted tour (`mags demo`, what `make tour` runs)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from mags import InvalidInputError, Memory
from mags.demo import run_demo


def test_the_tour_runs_and_a_second_run_on_its_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "tour.db"
    out = io.StringIO()
    assert run_demo(str(path), Console(file=out, width=100)) == 0
    assert "superseded" in out.getvalue()
    assert Memory.open(path, read_only=True).history("apple")
    with pytest.raises(InvalidInputError, match=r"already holds a memory.*another --db"):
        run_demo(str(path), Console(file=io.StringIO()))
