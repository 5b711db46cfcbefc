"""TextWorld 1.7 worlds: tracks, generation into a cache, and the game environment.

Example
-------
>>> from mags.worlds import TRACKS, parse_seeds
>>> TRACKS["maze-difficult"].step_budget, parse_seeds("1001-1003")
(250, [1001, 1002, 1003])

Playing (generates ``tiny`` seed 1 into the cache on first use)::

    env, evaluator = open_game("tiny", seed=1)
    with env, evaluator:
        obs = env.reset()
        obs = env.step(obs.admissible_commands[0])
        truth = evaluator.facts()      # the evaluator's side only
"""

from mags.worlds.cache import SkipRecord, TrackSummary, WorldCache, default_cache_root
from mags.worlds.env import Evaluator, GameEnv, Observation, open_game
from mags.worlds.errors import WorldError
from mags.worlds.generate import GenerationResult, ensure_game, generate_into, make_games
from mags.worlds.seeds import parse_seeds
from mags.worlds.tracks import TRACKS, Track, custom_track, get_track
from mags.worlds.truth import TrueFact

__all__ = [
    "TRACKS",
    "Evaluator",
    "GameEnv",
    "GenerationResult",
    "Observation",
    "SkipRecord",
    "Track",
    "TrackSummary",
    "TrueFact",
    "WorldCache",
    "WorldError",
    "custom_track",
    "default_cache_root",
    "ensure_game",
    "generate_into",
    "get_track",
    "make_games",
    "open_game",
    "parse_seeds",
]
