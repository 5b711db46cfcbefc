"""Playing a TextWorld game: what the agent sees (`GameEnv`) and what only the evaluator sees.

`open_game` returns two objects over one running game. The agent gets `GameEnv`, whose
`Observation` holds only what a human player could read (DESIGN §3): the game's text, the
room description, the inventory, the score, the admissible commands and the objective.
The `Evaluator` holds the ground truth — the true facts of the current state, the
walkthrough, the game file — and must never be handed to agent code.

Cost: TextWorld's state tracking (admissible commands, facts) dominates a step. Facts are
converted to `TrueFact`s only when `Evaluator.facts` is called, and the walkthrough is
planned once, on first use, from the start state, rather than by asking TextWorld for
``policy_commands`` (which re-plans at every step).
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from mags.worlds.cache import WorldCache
from mags.worlds.errors import WorldError
from mags.worlds.gamefile import check_game_file
from mags.worlds.text import clean_feedback
from mags.worlds.tracks import TRACKS, Track
from mags.worlds.truth import TrueFact

EMULATOR_SEED = 1234
"""Seed of the Z-machine's random numbers (Jericho's default changes with the clock)."""


@dataclass(frozen=True)
class Observation:
    """What the agent may see after a reset or a step — and nothing more.

    ``text`` is the game's answer to the command (at reset: the introduction, objective
    and first room, without the ASCII-art banner); ``description`` is what ``look`` would
    print now and ``inventory`` what ``inventory`` would; ``command`` is the command that
    produced this observation (None at reset).

    Example
    -------
    >>> obs = Observation(text="You take the knife.", description="-= Kitchen =-",
    ...                   inventory="You are carrying: a knife", score=1, max_score=5,
    ...                   moves=3, admissible_commands=("drop knife", "look"), done=False,
    ...                   won=False, lost=False, objective="Cook a meal.", command="take knife")
    >>> obs.score, obs.admissible_commands[0]
    (1, 'drop knife')
    """

    text: str
    description: str
    inventory: str
    score: int
    max_score: int
    moves: int
    admissible_commands: tuple[str, ...]
    done: bool
    won: bool
    lost: bool
    objective: str
    command: str | None = None


class _Session:
    """One running TextWorld environment, shared by a `GameEnv` and its `Evaluator`."""

    def __init__(self, path: Path) -> None:
        import textworld

        # Facts are read from the tracker's raw state on demand (see `Evaluator.facts`):
        # asking for them here would convert every fact at every step.
        infos = textworld.EnvInfos(
            feedback=True,
            description=True,
            inventory=True,
            admissible_commands=True,
            score=True,
            max_score=True,
            won=True,
            lost=True,
            objective=True,
        )
        try:
            with warnings.catch_warnings():
                # Jericho warns that it does not know TextWorld games; TextWorld's own
                # wrappers supply the score, moves and state tracking instead.
                warnings.filterwarnings("ignore", message=".*is not fully supported")
                self.env = textworld.start(str(path), request_infos=infos)
        except Exception as exc:
            raise WorldError(
                f"TextWorld cannot load {path} ({type(exc).__name__}: {exc}); the game or its "
                ".json is corrupt or was made by another TextWorld: regenerate it"
            ) from None
        self.tracker = _find_wrapper(self.env, "StateTracking")
        self.game = self.tracker._game
        self.inform7 = self.tracker._inform7
        _speed_up_action_detection(self.inform7)
        self.names = {key: info.name or info.id for key, info in self.game.infos.items()}
        self.env.seed(EMULATOR_SEED)
        self.state: Any = None
        self.facts_cache: list[TrueFact] | None = None
        self.step_seconds = 0.0
        self.steps = 0
        self.closed = False

    def reset(self) -> Any:
        self._check_open()
        try:
            self.state = self.env.reset()
        except Exception as exc:
            raise WorldError(
                f"the game could not start ({type(exc).__name__}: {exc}); regenerate it"
            ) from None
        self.facts_cache = None
        return self.state

    def step(self, command: str) -> Any:
        self._check_open()
        start = time.perf_counter()
        self.state, _, _ = self.env.step(command)
        self.step_seconds += time.perf_counter() - start
        self.steps += 1
        self.facts_cache = None
        return self.state

    def facts(self) -> list[TrueFact]:
        if self.state is None:
            raise WorldError("the game has not started: call reset() on its GameEnv first")
        if self.facts_cache is None:
            names = self.names
            self.facts_cache = sorted(
                TrueFact(
                    p.name,
                    tuple(names.get(v.name, v.name) for v in p.arguments),
                    tuple(v.type for v in p.arguments),
                )
                for p in self.state["_facts"]
            )
        return list(self.facts_cache)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.env.close()

    def _check_open(self) -> None:
        if self.closed:
            raise WorldError("the game is closed; open it again with open_game()")


class _SessionSide:
    """What both sides of a game share: closing one stops the game for both."""

    _session: _Session

    def close(self) -> None:
        """Stop the game (for the `GameEnv` and the `Evaluator` alike)."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class GameEnv(_SessionSide):
    """The agent's side of a game: `reset` and `step`, returning `Observation`s.

    Use it as a context manager (or call `close`) to stop the interpreter. Stepping after
    the game is over, or before `reset`, raises `WorldError`.
    """

    def __init__(self, session: _Session) -> None:
        self._session = session
        self._done: bool | None = None

    def reset(self) -> Observation:
        """Start (or restart) the game; the observation holds the introduction."""
        state = self._session.reset()
        obs = _observation(state, None, first=True)
        self._done = obs.done
        return obs

    def step(self, command: str) -> Observation:
        """Play one command (e.g. ``"take red potato from counter"``)."""
        if not isinstance(command, str):
            raise WorldError(f"a command is a string, got {type(command).__name__}")
        if self._done is None:
            raise WorldError("the game has not started: call reset() first")
        if self._done:
            raise WorldError("the game is over (won or lost): call reset() to play again")
        command = " ".join(command.split())  # one line: a newline would be a second command
        state = self._session.step(command)
        obs = _observation(state, command, first=False)
        self._done = obs.done
        return obs


class Evaluator(_SessionSide):
    """The evaluator's side of a game: ground truth. Never give it to agent code.

    Attributes
    ----------
    track, seed : the track and seed, when known (None for a game given by path alone).
    path : the game file.
    max_score : the game's maximum score.
    step_budget : the track's step budget (None when the track is unknown).
    """

    def __init__(
        self,
        session: _Session,
        *,
        track: str | None,
        seed: int | None,
        path: Path,
        step_budget: int | None,
    ) -> None:
        self._session = session
        self.track = track
        self.seed = seed
        self.path = path
        self.step_budget = step_budget
        self.max_score = int(session.game.max_score)
        self._walkthrough: tuple[tuple[str, ...], str] | None = None

    def facts(self) -> list[TrueFact]:
        """The true state after the latest reset or step, sorted.

        Names are the game's (``red potato``, ``garden``); the player is ``P`` and the
        inventory ``I``. Static facts (``cuttable(...)``, map links) are included.
        """
        return self._session.facts()

    @property
    def walkthrough(self) -> tuple[str, ...]:
        """Commands that win from the start (the optimal-steps reference)."""
        return self._plan()[0]

    @property
    def walkthrough_source(self) -> str:
        """``"policy"`` (planned from the start state) or ``"metadata"`` (the game's own)."""
        return self._plan()[1]

    @property
    def env_ms_per_step(self) -> float:
        """Mean milliseconds TextWorld's own `step` took (0.0 before the first step)."""
        session = self._session
        return 1000.0 * session.step_seconds / session.steps if session.steps else 0.0

    @property
    def steps(self) -> int:
        """Steps played since the game was opened (over every reset)."""
        return self._session.steps

    def _plan(self) -> tuple[tuple[str, ...], str]:
        if self._walkthrough is None:
            from mags.worlds.truth import walkthrough_of

            commands, source = walkthrough_of(self._session.game)
            self._walkthrough = (tuple(commands), source)
        return self._walkthrough


def open_game(
    track_or_path: str | Path | Track,
    seed: int | None = None,
    cache: WorldCache | None = None,
) -> tuple[GameEnv, Evaluator]:
    """Open a game: a track and seed (generated into the cache if missing), or a game file.

    `track_or_path` is a built-in track name (``"tiny"``, ``"kitchen-hard"``...), a `Track`
    (e.g. from `custom_track`), or the path of a TextWorld ``.z8`` game (its ``.json``
    beside it). `cache` defaults to `WorldCache.default()` (``$MAGS_CACHE/worlds`` or
    ``~/.cache/mags/worlds``). Every failure is a `WorldError` that says what to do.

    Example
    -------
    >>> env, evaluator = open_game("tiny", seed=1)          # doctest: +SKIP
    >>> obs = env.reset(); obs = env.step("go north")         # doctest: +SKIP
    >>> evaluator.facts()[:1], len(evaluator.walkthrough)     # doctest: +SKIP
    >>> open_game("no/such/game.z8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mags.worlds.errors.WorldError: game file .../no/such/game.z8 does not exist...
    """
    track = _as_track(track_or_path)
    if track is not None:
        if seed is None:
            raise WorldError(
                f"track {track.name} needs a seed (1-999 for development, 1001-1020 for "
                "the reported evaluation), e.g. open_game('tiny', seed=1)"
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise WorldError(f"a seed is a non-negative integer, got {seed!r}")
        from mags.worlds.generate import ensure_game

        path = check_game_file(
            ensure_game(track, seed, cache=cache if cache is not None else WorldCache.default())
        )
        track_name: str | None = track.name
        budget: int | None = track.step_budget
    else:
        assert not isinstance(track_or_path, Track)
        path = check_game_file(Path(track_or_path))
        track_name, seed, budget = _identify(path, seed)
    session = _Session(path)
    evaluator = Evaluator(session, track=track_name, seed=seed, path=path, step_budget=budget)
    return GameEnv(session), evaluator


def _as_track(value: str | Path | Track) -> Track | None:
    if isinstance(value, Track):
        return value
    if isinstance(value, Path):
        return None
    if not isinstance(value, str):
        raise WorldError(
            f"expected a track name or a game path, got {type(value).__name__}: {value!r}"
        )
    if value in TRACKS:
        return TRACKS[value]
    if "/" in value or "\\" in value or Path(value).suffix:
        return None
    raise WorldError(
        f"unknown track {value!r}; known tracks: {', '.join(sorted(TRACKS))} "
        "(or pass the path of a .z8 game file)"
    )


def _identify(path: Path, seed: int | None) -> tuple[str | None, int | None, int | None]:
    """Track, seed and budget of a game file that `mags worlds make` wrote, if it did."""
    try:
        meta = json.loads(path.with_name(f"{path.stem}.meta.json").read_text(encoding="utf-8"))
        name = str(meta["track"]["name"])
        found_seed = int(meta["seed"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, seed, None
    track = TRACKS.get(name)
    budget = track.step_budget if track is not None else None
    return name, seed if seed is not None else found_seed, budget


def _observation(state: Any, command: str | None, *, first: bool) -> Observation:
    won = bool(state["won"])
    lost = bool(state["lost"])
    return Observation(
        text=clean_feedback(str(state["feedback"] or ""), first=first),
        description=str(state.get("description") or "").strip(),
        inventory=str(state.get("inventory") or "").strip(),
        score=int(state.get("score") or 0),
        max_score=int(state.get("max_score") or 0),
        moves=int(state.get("moves") or 0),
        admissible_commands=tuple(state.get("admissible_commands") or ()),
        done=won or lost,
        won=won,
        lost=lost,
        objective=str(state.get("objective") or ""),
        command=command,
    )


def _find_wrapper(env: Any, class_name: str) -> Any:
    layer = env
    while layer is not None:
        if type(layer).__name__ == class_name:
            return layer
        layer = getattr(layer, "_wrapped_env", None)
    raise WorldError(
        f"this TextWorld has no {class_name} layer; MAGS needs textworld 1.7 (pip install "
        "'textworld==1.7.0')"
    )


def _speed_up_action_detection(inform7: Any) -> None:
    """Memoize the text of each action's Inform 7 event on this game's `Inform7Game`.

    TextWorld 1.7 matches every event the game prints against every valid action by
    re-deriving the action's placeholder mapping each time (`Rule.match`), the largest cost
    of a step on big games. The event text of an action never changes, so it is computed
    once per action; the matching order and result are TextWorld's own.
    """
    kb = inform7.kb
    texts: dict[Any, str] = {}

    def detect_action(i7_event: str, actions: Any) -> Any:
        target = i7_event.lower()
        for action in sorted(actions, key=lambda a: len(a.preconditions), reverse=True):
            text = texts.get(action)
            if text is None:
                event = kb.inform7_events[action.name]
                text = event.format(**inform7._get_name_mapping(action)).lower()
                texts[action] = text
            if text == target:
                return action
        return None

    inform7.detect_action = detect_action
