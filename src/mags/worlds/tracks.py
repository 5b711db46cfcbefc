"""Tracks: named TextWorld 1.7 game distributions (DESIGN §3).

A track is one TextWorld challenge with fixed settings. Its `argv` is parsed by the
challenge's own argument parser (the one `tw-make` uses), so a track's games are the games
`tw-make CHALLENGE ARGV --seed S` would make, except that `only_last_action` (which
`tw-make` cannot set for challenges) is applied to the grammar options.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from mags.worlds.errors import WorldError

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,119}$")


@dataclass(frozen=True)
class Track:
    """One game distribution: a TextWorld challenge, its settings and its step budget.

    Parameters
    ----------
    name : the track's name; also its folder in the world cache.
    challenge : a key of `textworld.challenges.CHALLENGES` (``tw-cooking``, ...).
    argv : the challenge's command-line settings, exactly as given to ``tw-make``.
    only_last_action : the objective names only the quest's last action
        (``GameOptions.grammar.only_last_action``); without it the maze generators spell out
        the whole walkthrough in the objective.
    step_budget : the number of steps an agent gets on this track.
    time_bound_s : a game whose generation takes longer is killed and its seed skipped.
    description : one line for listings.

    Example
    -------
    >>> track = Track("mine", "tw-coin_collector", ("--level", "5"), only_last_action=True)
    >>> track.argv, track.step_budget
    (('--level', '5'), 100)
    >>> track.command_line()
    'tw-make tw-coin_collector --level 5  [grammar.only_last_action=True]'
    """

    name: str
    challenge: str
    argv: tuple[str, ...] = ()
    only_last_action: bool = False
    step_budget: int = 100
    time_bound_s: float = 120.0
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "argv", tuple(str(a) for a in self.argv))
        if not _NAME_RE.match(self.name) or self.name in {".", ".."}:
            raise WorldError(
                f"track name {self.name!r} is not usable as a folder name: use letters, digits "
                "and . _ + - (at most 120 characters, not starting with a symbol)"
            )
        if isinstance(self.step_budget, bool) or not isinstance(self.step_budget, int):
            raise WorldError(f"track {self.name}: step_budget must be an integer")
        if self.step_budget < 1:
            raise WorldError(f"track {self.name}: step_budget must be at least 1")
        if not self.time_bound_s > 0:
            raise WorldError(f"track {self.name}: time_bound_s must be a positive number")

    def settings(self) -> dict[str, Any]:
        """The challenge's settings, parsed from `argv` by the challenge's own parser.

        Raises `WorldError` for an unknown challenge or arguments its parser rejects.

        Example
        -------
        >>> settings = TRACKS["kitchen-hard"].settings()
        >>> settings["recipe"], settings["go"], settings["drop"], settings["split"]
        (5, 12, True, None)
        """
        _, _, add_arguments = _challenge(self.challenge)
        parser = _RaisingParser(prog=f"tw-make {self.challenge}", add_help=False)
        add_arguments(parser)
        try:
            namespace = parser.parse_args(list(self.argv))
        except _ArgvError as exc:
            raise WorldError(
                f"track {self.name}: {self.challenge} rejects {' '.join(self.argv)!r}: {exc}. "
                f"See `tw-make {self.challenge} --help` for its settings."
            ) from None
        return dict(vars(namespace))

    def spec(self) -> dict[str, Any]:
        """What identifies the track's games (written beside them in the cache).

        Example
        -------
        >>> Track("t", "tw-simple", ["--rewards", "dense"]).spec()["argv"]
        ['--rewards', 'dense']
        """
        return {
            "name": self.name,
            "challenge": self.challenge,
            "argv": list(self.argv),
            "only_last_action": self.only_last_action,
        }

    def command_line(self) -> str:
        """The equivalent ``tw-make`` call (for listings and reports).

        Example
        -------
        >>> TRACKS["kitchen-difficult"].command_line()
        'tw-make tw-cooking --recipe 4 --take 4 --go 12 --cook --cut'
        """
        line = " ".join(["tw-make", self.challenge, *self.argv])
        if self.only_last_action:
            line += "  [grammar.only_last_action=True]"
        return line


TRACKS: dict[str, Track] = {
    track.name: track
    for track in (
        Track(
            "maze-difficult",
            "tw-coin_collector",
            ("--level", "150"),
            only_last_action=True,
            step_budget=250,
            time_bound_s=120.0,
            description="coin collector: 100 rooms, a 50-step path with dead ends",
        ),
        Track(
            "maze-hard",
            "tw-treasure_hunter",
            ("--level", "30"),
            only_last_action=True,
            step_budget=150,
            time_bound_s=240.0,
            description="treasure hunter: 20 rooms, locked doors, keys; a wrong pick loses",
        ),
        Track(
            "kitchen-difficult",
            "tw-cooking",
            ("--recipe", "4", "--take", "4", "--go", "12", "--cook", "--cut"),
            step_budget=100,
            time_bound_s=120.0,
            description="cooking: 12 rooms, 4 ingredients to find, cook and cut",
        ),
        Track(
            "kitchen-hard",
            "tw-cooking",
            ("--recipe", "5", "--take", "5", "--go", "12", "--open", "--cook", "--cut", "--drop"),
            step_budget=150,
            time_bound_s=120.0,
            description="cooking: 12 rooms, 5 ingredients, closed doors, limited inventory",
        ),
        Track(
            "tiny",
            "tw-cooking",
            ("--recipe", "1", "--take", "1", "--go", "6", "--open", "--cook", "--cut"),
            step_budget=60,
            time_bound_s=120.0,
            description="cooking: 6 rooms, one ingredient (small and fast: tests and demos)",
        ),
    )
}
"""The built-in tracks: DESIGN §3's four, plus `tiny` for tests and demos."""


def get_track(name: str) -> Track:
    """The built-in track called `name`; `WorldError` lists the known ones otherwise.

    Example
    -------
    >>> get_track("maze-hard").step_budget
    150
    >>> get_track("maze")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.worlds.errors.WorldError: unknown track 'maze'; known tracks: kitchen-difficult, ...
    """
    try:
        return TRACKS[name]
    except KeyError:
        raise WorldError(
            f"unknown track {name!r}; known tracks: {', '.join(sorted(TRACKS))} "
            "(or pass a path to a .z8 game file)"
        ) from None


def custom_track(
    challenge: str,
    argv: list[str] | tuple[str, ...] = (),
    *,
    only_last_action: bool = False,
    step_budget: int = 100,
    time_bound_s: float = 120.0,
    name: str | None = None,
    description: str = "",
) -> Track:
    """A track for any TextWorld challenge and settings; its arguments are checked at once.

    Without `name`, the name is derived from the settings (``tw-simple-rewards-dense-...``),
    so the same settings always share one cache folder.

    Example
    -------
    >>> track = custom_track("tw-treasure_hunter", ["--level", "5"], only_last_action=True)
    >>> track.name
    'tw-treasure_hunter-level-5-ola'
    >>> custom_track("tw-cooking", ["--go", "7"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.worlds.errors.WorldError: track tw-cooking-go-7: tw-cooking rejects '--go 7': ...
    """
    argv = tuple(str(a) for a in argv)
    if name is None:
        name = _derived_name(challenge, argv, only_last_action)
    track = Track(
        name,
        challenge,
        argv,
        only_last_action=only_last_action,
        step_budget=step_budget,
        time_bound_s=time_bound_s,
        description=description or f"custom: {' '.join((challenge, *argv))}",
    )
    track.settings()  # fail now, not in a worker process
    return track


def _derived_name(challenge: str, argv: tuple[str, ...], only_last_action: bool) -> str:
    slug = re.sub(r"[^A-Za-z0-9._+]+", "-", " ".join(argv)).strip("-")
    name = f"{challenge}-{slug}" if slug else challenge
    if only_last_action:
        name += "-ola"
    if len(name) > 100 or not _NAME_RE.match(name):
        digest = hashlib.sha1(
            json.dumps([challenge, list(argv), only_last_action]).encode()
        ).hexdigest()[:10]
        name = f"{re.sub(r'[^A-Za-z0-9_-]+', '-', challenge)[:60].strip('-') or 'custom'}-{digest}"
    return name


def _challenge(name: str) -> tuple[str, Any, Any]:
    import textworld.challenges

    challenges: dict[str, tuple[str, Any, Any]] = textworld.challenges.CHALLENGES
    try:
        return challenges[name]
    except KeyError:
        raise WorldError(
            f"unknown TextWorld challenge {name!r}; available: {', '.join(sorted(challenges))}"
        ) from None


class _ArgvError(Exception):
    pass


class _RaisingParser(argparse.ArgumentParser):
    """An argument parser that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise _ArgvError(message)
