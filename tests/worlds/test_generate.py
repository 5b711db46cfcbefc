"""Generation into the cache: files, reuse, time bounds, skipped seeds, killed runs."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from mags.worlds import (
    TRACKS,
    GenerationResult,
    SkipRecord,
    WorldCache,
    WorldError,
    custom_track,
    ensure_game,
    make_games,
)
from mags.worlds.cache import default_cache_root
from tests.games import GAME_TRACKS, SEED, SEEDS


def _leftovers(folder: Path) -> list[str]:
    """Anything in a track folder that is not a complete game or a bookkeeping file."""
    names = sorted(p.name for p in folder.iterdir())
    keep = {"track.json", "skipped.json", ".lock"}
    seeds = {p.stem for p in folder.glob("*.z8")}
    allowed = {f"{s}{x}" for s in seeds for x in (".z8", ".json", ".meta.json")}
    return [n for n in names if n not in keep and n not in allowed]


def test_generation_writes_a_game_and_reuses_it(world_cache: WorldCache) -> None:
    track = GAME_TRACKS["tiny"]
    folder = world_cache.track_dir(track.name)
    z8 = folder / f"{SEED}.z8"
    assert z8.is_file() and z8.with_suffix(".json").is_file()
    meta = world_cache.read_meta(track.name, SEED)
    assert meta is not None and meta["seed"] == SEED and meta["track"] == track.spec()
    assert meta["walkthrough"] and meta["walkthrough_source"] == "policy"
    assert meta["textworld"] == "1.7.0"
    assert _leftovers(folder) == []  # no .ni, no work folder
    assert json.loads((folder / "track.json").read_text())["argv"] == list(track.argv)

    before = z8.stat().st_mtime_ns
    (result,) = make_games(track, [SEED], cache=world_cache)
    assert result.status == "cached" and result.path == z8
    assert result.walkthrough_length == len(meta["walkthrough"])
    assert z8.stat().st_mtime_ns == before
    assert ensure_game(track, SEED, cache=world_cache) == z8


def test_every_generator_made_its_game(world_cache: WorldCache) -> None:
    for track in GAME_TRACKS.values():
        assert world_cache.seeds(track.name) == list(SEEDS)
        assert world_cache.skipped(track.name) == {}


def test_timeout_is_recorded_and_skipped_again(tmp_path: Path) -> None:
    cache = WorldCache(tmp_path)
    track = TRACKS["tiny"]
    (first,) = make_games(track, [5], cache=cache, time_bound_s=0.01)
    assert first.status == "skipped" and first.reason is not None
    assert "timeout" in first.reason and first.path is None
    record = cache.skipped("tiny")[5]
    assert (record.kind, record.bound_s, record.textworld) == ("timeout", 0.01, "1.7.0")
    assert json.loads((cache.track_dir("tiny") / "skipped.json").read_text())["5"]["kind"] == (
        "timeout"
    )
    assert _leftovers(cache.track_dir("tiny")) == []

    # Later runs skip it without trying, even with a generous bound...
    (again,) = make_games(track, [5], cache=cache)
    assert again.status == "skipped" and again.seconds == 0.0 and again.reason == first.reason
    with pytest.raises(WorldError, match=r"seed 5 of track tiny is skipped.*--retry-skipped"):
        ensure_game(track, 5, cache=cache)
    # ...unless asked to retry (here it times out again, so it stays skipped).
    (retried,) = make_games(track, [5], cache=cache, time_bound_s=0.02, retry_skipped=True)
    assert retried.status == "skipped" and retried.seconds is not None and retried.seconds > 0
    assert cache.skipped("tiny")[5].bound_s == 0.02


def test_a_failing_generator_is_recorded_with_its_error(tmp_path: Path) -> None:
    cache = WorldCache(tmp_path)
    track = custom_track("tw-treasure_hunter", ["--level", "31"])  # the parser allows it...
    (result,) = make_games(track, [1], cache=cache)  # ...the generator does not
    assert result.status == "skipped"
    assert result.reason == "error: ValueError: Expected level to be within [1-30]."
    assert cache.skipped(track.name)[1].kind == "error"
    assert _leftovers(cache.track_dir(track.name)) == []


def _child_pids(workdir_prefix: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "mags.worlds._child" in cmdline and workdir_prefix in cmdline:
                pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_a_generation_killed_while_compiling_leaves_no_partial_game(tmp_path: Path) -> None:
    cache = WorldCache(tmp_path)
    folder = cache.track_dir("tiny")
    results: list[GenerationResult] = []
    worker = threading.Thread(
        target=lambda: results.extend(make_games(TRACKS["tiny"], [7], cache=cache))
    )
    worker.start()
    # Wait until TextWorld has written the game's .json and runs the Inform 7 compiler...
    deadline = time.monotonic() + 60
    while not list(folder.glob(".tmp-*/7.json")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(folder.glob(".tmp-*/7.json")), "generation never reached compilation"
    # ...then kill the generator from outside, as an OOM killer or a user would.
    for pid in _child_pids(str(folder / ".tmp-")):
        os.kill(pid, signal.SIGKILL)
    worker.join(timeout=60)
    assert [r.status for r in results] == ["skipped"]
    assert results[0].reason is not None and "died" in results[0].reason
    assert not list(folder.glob("7.*")) and _leftovers(folder) == []
    assert not cache.has_game("tiny", 7)


def test_stale_work_folders_and_half_games_are_not_games(tmp_path: Path) -> None:
    cache = WorldCache(tmp_path)
    cache.bind(TRACKS["tiny"])
    folder = cache.track_dir("tiny")
    dead = folder / ".tmp-999999999-3-abc"  # a run killed from outside
    dead.mkdir()
    (dead / "3.z8").write_bytes(b"half")
    (folder / "4.json").write_text("{}")  # killed between the two renames: no .z8
    assert not cache.has_game("tiny", 4) and cache.seeds("tiny") == []
    mine = cache.new_workdir("tiny", 8)  # this process is alive: kept
    assert cache.clean_stale_workdirs("tiny") == 1
    assert not dead.exists() and mine.exists()
    cache.discard(mine)


def test_a_folder_of_other_settings_is_refused(tmp_path: Path) -> None:
    cache = WorldCache(tmp_path)
    cache.bind(custom_track("tw-cooking", ["--go", "6"], name="mine"))
    with pytest.raises(WorldError, match="holds games of other settings"):
        make_games(custom_track("tw-cooking", ["--go", "9"], name="mine"), [1], cache=cache)


def test_bad_arguments(tmp_path: Path) -> None:
    cache = WorldCache(tmp_path)
    with pytest.raises(WorldError, match="workers"):
        make_games(TRACKS["tiny"], [1], cache=cache, workers=0)
    with pytest.raises(WorldError, match="time bound"):
        make_games(TRACKS["tiny"], [1], cache=cache, time_bound_s=0)


def test_skip_manifest_round_trip(tmp_path: Path) -> None:
    cache = WorldCache(tmp_path)
    cache.record_skip("t", SkipRecord(3, "error", "boom", 9.0, "1.7.0"))
    cache.record_skip("t", SkipRecord(1, "timeout", "slow", 9.0, "1.7.0"))
    assert list(cache.skipped("t")) == [1, 3]
    assert cache.forget_skip("t", 3) and not cache.forget_skip("t", 3)
    assert set(cache.skipped("t")) == {1}
    (cache.track_dir("t") / "skipped.json").write_text("[1, 2]")
    with pytest.raises(WorldError, match="not a skipped-seed manifest"):
        cache.skipped("t")
    (cache.track_dir("t") / "skipped.json").write_text("{oops")
    with pytest.raises(WorldError, match="delete it"):
        cache.skipped("t")


def test_cache_root_comes_from_mags_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGS_CACHE", "/somewhere")
    assert default_cache_root() == Path("/somewhere/worlds")
    assert WorldCache.default().root == Path("/somewhere/worlds")
    monkeypatch.delenv("MAGS_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert default_cache_root() == Path.home() / ".cache" / "mags" / "worlds"
    assert os.environ.get("MAGS_CACHE") is None
