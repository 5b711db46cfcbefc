"""The game environment: what the agent sees, the evaluator's ground truth, clear errors."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from mags.worlds import (
    Evaluator,
    GameEnv,
    Observation,
    TrueFact,
    WorldCache,
    WorldError,
    open_game,
)
from mags.worlds.truth import facts_from_propositions
from tests.games import GAME_TRACKS, SEED

AGENT_FIELDS = {
    "text",
    "description",
    "inventory",
    "score",
    "max_score",
    "moves",
    "admissible_commands",
    "done",
    "won",
    "lost",
    "objective",
    "command",
}


def _open(path: Path) -> tuple[GameEnv, Evaluator]:
    return open_game(path)


def test_observation_holds_only_what_a_player_sees(game_paths: dict[str, Path]) -> None:
    assert {f.name for f in dataclasses.fields(Observation)} == AGENT_FIELDS
    env, evaluator = _open(game_paths["tiny"])
    with env, evaluator:
        obs = env.reset()
        assert dataclasses.is_dataclass(obs)
        with pytest.raises(dataclasses.FrozenInstanceError):
            obs.score = 3  # type: ignore[misc]
        # Nothing else hides on the instance: no facts, walkthrough, path or game object.
        assert set(vars(obs)) == AGENT_FIELDS
        for value in vars(obs).values():
            assert isinstance(value, str | int | bool | tuple | type(None))
            if isinstance(value, tuple):
                assert all(isinstance(v, str) for v in value)
        # The environment's public surface is reset/step/close.
        public = {n for n in dir(env) if not n.startswith("_")}
        assert public == {"reset", "step", "close"}
        assert str(evaluator.path) not in repr(obs)


def test_reset_text_is_clean(game_paths: dict[str, Path]) -> None:
    env, evaluator = _open(game_paths["tiny"])
    with env:
        obs = env.reset()
    assert obs.command is None and obs.moves == 0 and obs.score == 0 and not obs.done
    assert "$$" not in obs.text and "___" not in obs.text  # the ASCII-art banner is gone
    assert obs.text.startswith(obs.objective)
    assert obs.description.startswith("-= ") and obs.description in obs.text
    assert obs.inventory == "You are carrying nothing."
    assert obs.max_score == evaluator.max_score > 0
    assert list(obs.admissible_commands) == sorted(obs.admissible_commands)
    assert "look" in obs.admissible_commands
    assert "\n>" not in obs.text and "=-0/" not in obs.text  # no prompt or status line
    assert "\n\n\n" not in obs.text


def test_step_observation(game_paths: dict[str, Path]) -> None:
    env, evaluator = _open(game_paths["tiny"])
    with env:
        env.reset()
        obs = env.step("inventory")
        assert obs.command == "inventory" and obs.text == "You are carrying nothing."
        obs = env.step("xyzzy")
        assert obs.text == "That's not a verb I recognise." and not obs.done
        obs = env.step("  look \n")  # whitespace and newlines are normalised
        assert obs.command == "look" and obs.text == obs.description
        assert evaluator.env_ms_per_step > 0 and evaluator.steps == 3


def test_facts_parse_and_change_after_taking(game_paths: dict[str, Path]) -> None:
    env, evaluator = _open(game_paths["tiny"])
    with env, evaluator:
        env.reset()
        facts = evaluator.facts()
        assert facts == sorted(facts) and all(isinstance(f, TrueFact) for f in facts)
        player = [f for f in facts if f.predicate == "at" and f.args[0] == "P"]
        assert len(player) == 1 and player[0].types == ("P", "r")
        room = player[0].args[1]
        assert room.lower() in env.reset().description.lower()
        assert all(len(f.args) == len(f.types) for f in facts)
        assert not any("_" in a for f in facts if f.types[0] in {"f", "o"} for a in f.args[:1])

        take = next(c for c in evaluator.walkthrough if c.startswith("take "))
        item = take.removeprefix("take ").split(" from ")[0]
        assert not any(f.predicate == "in" and f.args == (item, "I") for f in facts)
        for command in evaluator.walkthrough:
            env.step(command)
            if command == take:
                break
        after = evaluator.facts()
        assert TrueFact("in", (item, "I"), (after_type(after, item), "I")) in after
        assert after != facts


def after_type(facts: list[TrueFact], name: str) -> str:
    return next(t for f in facts for a, t in zip(f.args, f.types, strict=True) if a == name)


@pytest.mark.parametrize("key", list(GAME_TRACKS))
def test_walkthrough_wins(game_paths: dict[str, Path], key: str) -> None:
    env, evaluator = _open(game_paths[key])
    with env, evaluator:
        obs = env.reset()
        assert evaluator.walkthrough, key
        for command in evaluator.walkthrough:
            assert not obs.done
            obs = env.step(command)
        assert obs.won and obs.done and not obs.lost
        assert obs.score == obs.max_score == evaluator.max_score
        with pytest.raises(WorldError, match="game is over"):
            env.step("look")
        # reset starts again
        obs = env.reset()
        assert not obs.done and obs.score == 0


def test_evaluator_knows_track_and_seed(game_paths: dict[str, Path]) -> None:
    _env, evaluator = _open(game_paths["tiny"])
    with evaluator:
        assert (evaluator.track, evaluator.seed, evaluator.step_budget) == ("tiny", SEED, 60)
        assert evaluator.path == game_paths["tiny"]
        assert evaluator.walkthrough_source == "policy"
    _env2, evaluator2 = _open(game_paths["coin"])
    with evaluator2:
        assert evaluator2.track == GAME_TRACKS["coin"].name and evaluator2.step_budget is None


def test_open_by_track_name_uses_the_cache(world_cache: WorldCache) -> None:
    env, evaluator = open_game("tiny", seed=SEED, cache=world_cache)
    with env, evaluator:
        assert evaluator.path == world_cache.game_path("tiny", SEED)
        assert env.reset().max_score == evaluator.max_score
    env, evaluator = open_game(GAME_TRACKS["coin"], seed=SEED, cache=world_cache)
    with env:
        assert "coin" in env.reset().objective
    with pytest.raises(WorldError, match="needs a seed"):
        open_game("tiny", cache=world_cache)
    with pytest.raises(WorldError, match="unknown track 'kitchen'"):
        open_game("kitchen", seed=1, cache=world_cache)
    with pytest.raises(WorldError, match="non-negative integer"):
        open_game("tiny", seed=-1, cache=world_cache)


@pytest.mark.filterwarnings("ignore:.*is not fully supported")
def test_facts_match_textworld_s_own(game_paths: dict[str, Path]) -> None:
    """Lazy facts and the faster action detection change nothing TextWorld reports."""
    import textworld

    for key in ("tiny", "simple"):
        path = game_paths[key]
        reference = textworld.start(
            str(path),
            request_infos=textworld.EnvInfos(facts=True, admissible_commands=True, feedback=True),
        )
        env, evaluator = _open(path)
        with env, evaluator:
            obs = env.reset()
            state = reference.reset()
            commands = ["look", "inventory", *evaluator.walkthrough]
            for command in commands:
                assert evaluator.facts() == facts_from_propositions(state["facts"])
                assert obs.admissible_commands == tuple(state["admissible_commands"])
                if obs.done:
                    break
                obs = env.step(command)
                state, _, _ = reference.step(command)
        reference.close()


def test_closed_game_refuses_to_play(game_paths: dict[str, Path]) -> None:
    env, evaluator = _open(game_paths["tiny"])
    env.reset()
    evaluator.close()
    env.close()  # closing twice is fine
    with pytest.raises(WorldError, match="closed"):
        env.step("look")
    with pytest.raises(WorldError, match="closed"):
        env.reset()


def test_step_before_reset(game_paths: dict[str, Path]) -> None:
    env, evaluator = _open(game_paths["tiny"])
    with env:
        with pytest.raises(WorldError, match="call reset"):
            env.step("look")
        with pytest.raises(WorldError, match="call reset"):
            evaluator.facts()
        with pytest.raises(WorldError, match="a command is a string"):
            env.step(3)  # type: ignore[arg-type]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match=r"game file .*nowhere\.z8 does not exist"):
        open_game(tmp_path / "nowhere.z8")
    with pytest.raises(WorldError, match="does not exist"):
        open_game(str(tmp_path / "nowhere.z8"))


def test_bad_extension(tmp_path: Path, game_paths: dict[str, Path]) -> None:
    text = tmp_path / "game.txt"
    text.write_text("hello")
    with pytest.raises(WorldError, match=r"not a \.z8 game file \(extension '\.txt'\)"):
        open_game(text)
    with pytest.raises(WorldError, match="Glulx"):
        open_game(tmp_path / "old.ulx")
    with pytest.raises(WorldError, match="pass the game itself"):
        open_game(game_paths["tiny"].with_suffix(".json"))


def test_corrupt_game_is_a_clear_error(tmp_path: Path, game_paths: dict[str, Path]) -> None:
    """Random bytes named .z8 would make Jericho end the process; they must raise instead."""
    rng = __import__("random").Random(0)
    for i, size in enumerate([10, 64, 5000, 400_000]):
        bad = tmp_path / f"bad{i}.z8"
        bad.write_bytes(bytes(rng.randrange(256) for _ in range(size)))
        shutil.copy(game_paths["tiny"].with_suffix(".json"), bad.with_suffix(".json"))
        with pytest.raises(WorldError, match=r"not a valid Z-machine game.*regenerate"):
            open_game(bad)
    # A real game with its first byte changed.
    patched = tmp_path / "patched.z8"
    data = bytearray(game_paths["tiny"].read_bytes())
    data[0] = 5
    patched.write_bytes(bytes(data))
    shutil.copy(game_paths["tiny"].with_suffix(".json"), patched.with_suffix(".json"))
    with pytest.raises(WorldError, match="version 5"):
        open_game(patched)
    # A truncated game.
    truncated = tmp_path / "truncated.z8"
    truncated.write_bytes(game_paths["tiny"].read_bytes()[:20_000])
    shutil.copy(game_paths["tiny"].with_suffix(".json"), truncated.with_suffix(".json"))
    with pytest.raises(WorldError, match="not a valid Z-machine game"):
        open_game(truncated)


def test_missing_or_corrupt_json(tmp_path: Path, game_paths: dict[str, Path]) -> None:
    alone = tmp_path / "alone.z8"
    shutil.copy(game_paths["tiny"], alone)
    with pytest.raises(WorldError, match=r"no alone\.json beside it"):
        open_game(alone)
    alone.with_suffix(".json").write_text("not json")
    with pytest.raises(WorldError, match=r"TextWorld cannot load.*regenerate"):
        open_game(alone)
