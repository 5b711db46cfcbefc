"""Tracks and seed lists."""

from __future__ import annotations

import pytest

from mags.worlds import TRACKS, WorldError, custom_track, get_track, parse_seeds
from mags.worlds.tracks import _challenge


def test_builtin_tracks_are_design_s_four_and_tiny() -> None:
    assert set(TRACKS) == {
        "maze-difficult",
        "maze-hard",
        "kitchen-difficult",
        "kitchen-hard",
        "tiny",
    }
    budgets = {name: t.step_budget for name, t in TRACKS.items()}
    assert budgets == {
        "maze-difficult": 250,
        "maze-hard": 150,
        "kitchen-difficult": 100,
        "kitchen-hard": 150,
        "tiny": 60,
    }
    assert TRACKS["maze-difficult"].challenge == "tw-coin_collector"
    assert TRACKS["maze-hard"].challenge == "tw-treasure_hunter"
    assert TRACKS["maze-difficult"].only_last_action and TRACKS["maze-hard"].only_last_action
    assert not TRACKS["kitchen-hard"].only_last_action
    assert TRACKS["maze-hard"].time_bound_s == 240


def test_settings_come_from_the_challenge_parser() -> None:
    assert TRACKS["maze-difficult"].settings() == {"level": 150}
    assert TRACKS["maze-hard"].settings() == {"level": 30}
    hard = TRACKS["kitchen-hard"].settings()
    assert (hard["recipe"], hard["take"], hard["go"]) == (5, 5, 12)
    assert hard["open"] and hard["cook"] and hard["cut"] and hard["drop"]
    difficult = TRACKS["kitchen-difficult"].settings()
    assert not difficult["open"] and not difficult["drop"]
    tiny = TRACKS["tiny"].settings()
    assert (tiny["recipe"], tiny["take"], tiny["go"], tiny["open"]) == (1, 1, 6, True)
    # Exactly the keys `tw-make` passes to the challenge (its own arguments).
    _, _, add_arguments = _challenge("tw-cooking")
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert set(hard) == set(vars(parser.parse_args([])))


def test_custom_track_names_and_errors() -> None:
    track = custom_track("tw-simple", ["--rewards", "dense", "--goal", "detailed"])
    assert track.name == "tw-simple-rewards-dense-goal-detailed"
    assert track.settings()["rewards"] == "dense"
    same = custom_track("tw-simple", ("--rewards", "dense", "--goal", "detailed"))
    assert same == track
    with pytest.raises(WorldError, match=r"unknown TextWorld challenge 'tw-nope'.*tw-cooking"):
        custom_track("tw-nope", [])
    with pytest.raises(WorldError, match="invalid choice"):
        custom_track("tw-cooking", ["--go", "7"])
    with pytest.raises(WorldError, match="unrecognized arguments"):
        custom_track("tw-cooking", ["--flying"])
    with pytest.raises(WorldError, match="folder name"):
        custom_track("tw-cooking", [], name="../escape")
    with pytest.raises(WorldError, match="step_budget"):
        custom_track("tw-cooking", [], step_budget=0)
    long = custom_track("tw-cooking", ["--recipe-seed", "1" * 120])
    assert len(long.name) <= 120 and long.name.startswith("tw-cooking-")


def test_get_track() -> None:
    assert get_track("tiny") is TRACKS["tiny"]
    with pytest.raises(WorldError, match="known tracks: kitchen-difficult"):
        get_track("kitchen")


@pytest.mark.parametrize(
    ("text", "seeds"),
    [
        ("1001-1020", list(range(1001, 1021))),
        ("5", [5]),
        ("1,3,7-9", [1, 3, 7, 8, 9]),
        (" 2 , 2-3 ", [2, 3]),
        ("0", [0]),
    ],
)
def test_parse_seeds(text: str, seeds: list[int]) -> None:
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no seeds"),
        ("1,,2", "empty item"),
        ("a", "bad seed item 'a'"),
        ("-3", "bad seed item"),
        ("1-", "bad seed item"),
        ("1.5", "bad seed item"),
        ("9-7", "runs backwards; write it as '7-9'"),
        ("99999999999", "too large"),
        ("1-1000000", "more than"),
    ],
)
def test_parse_seeds_errors(text: str, message: str) -> None:
    with pytest.raises(WorldError, match=message):
        parse_seeds(text)
