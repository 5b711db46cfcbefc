"""Real TextWorld games for tests: cheap settings of every generator, a few seeds each."""

from __future__ import annotations

from mags.worlds import TRACKS, Track, custom_track

GAME_TRACKS: dict[str, Track] = {
    "tiny": TRACKS["tiny"],
    "coin": custom_track("tw-coin_collector", ["--level", "5"], only_last_action=True),
    "treasure": custom_track("tw-treasure_hunter", ["--level", "5"], only_last_action=True),
    "simple": custom_track("tw-simple", ["--rewards", "dense", "--goal", "detailed"]),
    # The kitchen-hard skills (closed doors and containers, a carrying limit) on a small map.
    "kitchen": custom_track(
        "tw-cooking",
        ["--recipe", "2", "--take", "2", "--go", "6", "--open", "--cook", "--cut", "--drop"],
    ),
}
SEED = 1
"""The seed the world tests use."""
SEEDS = (1, 2)
"""Seeds generated for every track (the probe tests read them all)."""
