"""`mags worlds make` and `mags worlds list` through `mags.cli.main`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mags.cli import main
from mags.worlds import WorldCache


def test_make_and_list(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    world_cache: WorldCache,
) -> None:
    monkeypatch.setenv("MAGS_CACHE", str(tmp_path))
    assert main(["worlds", "list"]) == 0
    assert "No worlds in" in capsys.readouterr().out

    # Seed 1 is already made (copied from the session cache); seed 2 is generated.
    folder = tmp_path / "worlds" / "tiny"
    folder.mkdir(parents=True)
    for name in ("1.z8", "1.json", "1.meta.json", "track.json"):
        shutil.copy(world_cache.track_dir("tiny") / name, folder / name)
    assert main(["worlds", "make", "tiny", "--seeds", "1-2", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "cached" in out and "generated" in out
    assert "1 generated, 1 cached, 0 skipped" in out
    assert (folder / "2.z8").is_file() and (folder / "2.json").is_file()

    assert main(["worlds", "make", "tiny", "--seeds", "3", "--timeout", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "0 generated, 0 cached, 1 skipped" in out and "--retry-skipped" in out
    assert json.loads((folder / "skipped.json").read_text())["3"]["kind"] == "timeout"

    assert main(["worlds", "list"]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "1-2" in out and "tw-cooking" in out
    row = next(line for line in out.splitlines() if "tiny" in line)
    assert "│     2 │" in row and "│       1 │" in row  # two games, one skipped


def test_make_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAGS_CACHE", str(tmp_path))
    assert main(["worlds", "make", "tiny", "--seeds", "9-7"]) == 2
    assert "runs backwards" in capsys.readouterr().err
    assert main(["worlds", "make", "nope", "--seeds", "1"]) == 2
    assert "unknown track 'nope'" in capsys.readouterr().err
    assert main(["worlds", "make", "tiny", "--seeds", "1", "--workers", "0"]) == 2
    assert not (tmp_path / "worlds" / "tiny").exists() or not list(
        (tmp_path / "worlds" / "tiny").glob("*.z8")
    )
