"""The world cache: generated games, one folder per track, outside the repository.

Layout (``ROOT`` is ``~/.cache/mags/worlds``; ``$MAGS_CACHE/worlds`` when ``MAGS_CACHE`` is
set, ``$XDG_CACHE_HOME/mags/worlds`` when only that is)::

    ROOT/<track>/track.json        the track's challenge and settings (guards the folder)
    ROOT/<track>/<seed>.z8         the compiled game
    ROOT/<track>/<seed>.json       TextWorld's game data (facts, quests, walkthrough)
    ROOT/<track>/<seed>.meta.json  generation time, walkthrough, TextWorld version
    ROOT/<track>/skipped.json      seeds whose generation failed or ran past the time bound

A game is complete when its ``.z8`` exists: it is renamed into place last, after its
``.json``, so a run killed at any moment never leaves a half game that looks whole. Work in
progress lives in ``ROOT/<track>/.tmp-*`` folders, removed when their run ends or dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mags.worlds.errors import WorldError
from mags.worlds.tracks import Track

CACHE_ENV = "MAGS_CACHE"
"""Environment variable naming the MAGS cache folder; worlds go in its ``worlds/``."""

SKIPPED_FILE = "skipped.json"
TRACK_FILE = "track.json"
_TMP_PREFIX = ".tmp-"


def default_cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """Where worlds are cached: ``$MAGS_CACHE/worlds``, else ``~/.cache/mags/worlds``.

    This is the one place that reads the environment for the world cache.

    Example
    -------
    >>> default_cache_root({"MAGS_CACHE": "/data/mags"}).as_posix()
    '/data/mags/worlds'
    >>> default_cache_root({"XDG_CACHE_HOME": "/xdg"}).as_posix()
    '/xdg/mags/worlds'
    """
    environ = os.environ if environ is None else environ
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV]).expanduser() / "worlds"
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "mags" / "worlds"


@dataclass(frozen=True)
class SkipRecord:
    """Why a seed is skipped: ``kind`` is ``"timeout"`` or ``"error"``."""

    seed: int
    kind: str
    reason: str
    bound_s: float
    textworld: str = ""


@dataclass(frozen=True)
class TrackSummary:
    """What the cache holds for one track (`WorldCache.summaries`)."""

    name: str
    games: int
    skipped: int
    first_seed: int | None
    last_seed: int | None
    size_bytes: int
    command_line: str


class WorldCache:
    """Generated games on disk, one folder per track.

    Example
    -------
    >>> import tempfile
    >>> cache = WorldCache(tempfile.mkdtemp())
    >>> cache.game_path("tiny", 7).name
    '7.z8'
    >>> cache.has_game("tiny", 7), cache.skipped("tiny")
    (False, {})
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    @classmethod
    def default(cls) -> WorldCache:
        """The cache at `default_cache_root()` (reads ``MAGS_CACHE``)."""
        return cls(default_cache_root())

    def __repr__(self) -> str:
        return f"WorldCache({str(self.root)!r})"

    # -- paths ---------------------------------------------------------------------------------
    def track_dir(self, track: str) -> Path:
        """The folder of a track's games."""
        return self.root / track

    def game_path(self, track: str, seed: int) -> Path:
        """The ``.z8`` file of a track's seed (whether or not it exists)."""
        return self.track_dir(track) / f"{seed}.z8"

    def has_game(self, track: str, seed: int) -> bool:
        """Whether the seed's game is complete (``.z8`` and ``.json`` both present)."""
        path = self.game_path(track, seed)
        return path.is_file() and path.with_suffix(".json").is_file()

    def seeds(self, track: str) -> list[int]:
        """The seeds of the track's complete games, sorted."""
        folder = self.track_dir(track)
        if not folder.is_dir():
            return []
        seeds = []
        for path in folder.glob("*.z8"):
            if path.stem.isdigit() and path.with_suffix(".json").is_file():
                seeds.append(int(path.stem))
        return sorted(seeds)

    def read_meta(self, track: str, seed: int) -> dict[str, Any] | None:
        """The generation record of a game (walkthrough, seconds...), or None."""
        path = self.track_dir(track) / f"{seed}.meta.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    # -- the track's identity --------------------------------------------------------------------
    def bind(self, track: Track) -> None:
        """Create the track's folder, or check that it holds games of the same settings.

        A folder made for other settings (a renamed custom track, an edited built-in one)
        raises `WorldError` instead of silently mixing two distributions.
        """
        folder = self.track_dir(track.name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorldError(
                f"cannot create the world cache folder {folder}: {exc}. "
                f"Set {CACHE_ENV} to a writable folder."
            ) from None
        spec_path = folder / TRACK_FILE
        spec = track.spec()
        try:
            found = json.loads(spec_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            _write_json(spec_path, spec)
            return
        except (OSError, ValueError):
            found = None
        if not isinstance(found, dict) or any(found.get(k) != v for k, v in spec.items()):
            raise WorldError(
                f"the cache folder {folder} holds games of other settings ({found}) than track "
                f"{track.name} ({spec}); delete the folder or give the track another name"
            )

    # -- skipped seeds -------------------------------------------------------------------------
    def skipped(self, track: str) -> dict[int, SkipRecord]:
        """The track's skipped seeds and why (``skipped.json``)."""
        path = self.track_dir(track) / SKIPPED_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise WorldError(
                f"cannot read {path}: {exc}; delete it to forget the skipped seeds"
            ) from None
        records = {}
        try:
            for key, value in data.items():
                seed = int(key)
                records[seed] = SkipRecord(
                    seed=seed,
                    kind=str(value.get("kind", "error")),
                    reason=str(value.get("reason", "")),
                    bound_s=float(value.get("bound_s", 0.0)),
                    textworld=str(value.get("textworld", "")),
                )
        except (AttributeError, TypeError, ValueError):
            raise WorldError(
                f"{path} is not a skipped-seed manifest; delete it to forget the skipped seeds"
            ) from None
        return records

    def record_skip(self, track: str, record: SkipRecord) -> None:
        """Add a seed to the track's skipped manifest."""
        with self._locked(track):
            records = self.skipped(track)
            records[record.seed] = record
            self._write_skipped(track, records)

    def forget_skip(self, track: str, seed: int) -> bool:
        """Remove a seed from the skipped manifest; True if it was there."""
        with self._locked(track):
            records = self.skipped(track)
            if records.pop(seed, None) is None:
                return False
            self._write_skipped(track, records)
            return True

    def _write_skipped(self, track: str, records: dict[int, SkipRecord]) -> None:
        data = {
            str(seed): {k: v for k, v in asdict(r).items() if k != "seed"}
            for seed, r in sorted(records.items())
        }
        _write_json(self.track_dir(track) / SKIPPED_FILE, data)

    @contextlib.contextmanager
    def _locked(self, track: str) -> Iterator[None]:
        """An advisory lock on the track's manifest (two `make` runs at once stay consistent)."""
        folder = self.track_dir(track)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a+b") as handle:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - not POSIX: no lock, replace is still atomic
                yield
                return
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # -- work folders and installation ---------------------------------------------------------
    def new_workdir(self, track: str, seed: int) -> Path:
        """A fresh folder, beside the games, where one generation writes its files."""
        folder = self.track_dir(track)
        folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-{seed}-", dir=folder))

    def install(self, track: str, seed: int, workdir: Path) -> Path:
        """Move a finished game from `workdir` into place (``.z8`` last) and drop `workdir`."""
        folder = self.track_dir(track)
        source = workdir / f"{seed}.z8"
        if not source.is_file() or not source.with_suffix(".json").is_file():
            raise WorldError(f"generation of {track} seed {seed} produced no game in {workdir}")
        for suffix in (".json", ".meta.json"):
            part = workdir / f"{seed}{suffix}"
            if part.is_file():
                os.replace(part, folder / part.name)
        os.replace(source, folder / source.name)
        self.discard(workdir)
        return folder / source.name

    @staticmethod
    def discard(workdir: Path) -> None:
        """Remove a work folder and whatever a failed or killed generation left in it."""
        shutil.rmtree(workdir, ignore_errors=True)

    def clean_stale_workdirs(self, track: str) -> int:
        """Remove work folders whose process is gone (a run that was killed); returns a count."""
        folder = self.track_dir(track)
        removed = 0
        if not folder.is_dir():
            return 0
        for path in folder.glob(f"{_TMP_PREFIX}*"):
            pid_text = path.name[len(_TMP_PREFIX) :].split("-", 1)[0]
            if path.is_dir() and pid_text.isdigit() and not pid_alive(int(pid_text)):
                self.discard(path)
                removed += 1
        return removed

    # -- listing -------------------------------------------------------------------------------
    def summaries(self) -> list[TrackSummary]:
        """One summary per track folder in the cache, sorted by name.

        Example
        -------
        >>> import tempfile
        >>> WorldCache(tempfile.mkdtemp()).summaries()
        []
        """
        if not self.root.is_dir():
            return []
        result = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if folder.name.startswith("."):
                continue
            seeds = self.seeds(folder.name)
            try:
                skipped = len(self.skipped(folder.name))
            except WorldError:
                skipped = -1
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            result.append(
                TrackSummary(
                    name=folder.name,
                    games=len(seeds),
                    skipped=skipped,
                    first_seed=seeds[0] if seeds else None,
                    last_seed=seeds[-1] if seeds else None,
                    size_bytes=size,
                    command_line=_command_line(folder / TRACK_FILE),
                )
            )
        return result


def _command_line(spec_path: Path) -> str:
    try:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        track = Track(
            spec["name"],
            spec["challenge"],
            tuple(spec["argv"]),
            only_last_action=bool(spec["only_last_action"]),
        )
    except (OSError, ValueError, KeyError, TypeError, WorldError):
        return "?"
    return track.command_line()


def _write_json(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and an atomic rename."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a lock's or an announcement's owner)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
