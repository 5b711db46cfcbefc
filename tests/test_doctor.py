"""`mags doctor`: local checks on this machine, a broken cache, and LLM endpoints over real HTTP."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from mags.cli import main
from mags.doctor import Check, check_cache, check_endpoint, run_checks
from mags.llm import LLMConfig
from mags.llm.testserver import ChatServer, Reply

LLM_ENV = ("MAGS_LLM_BASE_URL", "MAGS_LLM_MODEL", "MAGS_LLM_API_KEY", "OPENAI_BASE_URL")


@pytest.fixture(autouse=True)
def no_endpoint_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No endpoint from the environment of whoever runs the tests."""
    for name in (*LLM_ENV, "OPENAI_API_KEY", "INFORM_HOME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat:
        yield chat


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def _closed_port_url() -> str:
    with socket.socket() as probe:  # a port nothing listens on once the socket closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_every_local_check_passes_here(tmp_path: Path):
    checks = run_checks(tmp_path / "worlds")
    failed = [check for check in checks if not check.ok]
    assert not failed, failed
    names = [check.name for check in checks]
    for expected in ("Python", "mags", "textworld", "openai", "pydantic", "rich", "matplotlib"):
        assert expected in names
    for expected in ("TextWorld + Inform 7", "world cache writable", "SQLite", "SQLite WAL"):
        assert expected in names
    assert "SQLite JSON1" in names
    assert not any(name.startswith("LLM") for name in names)  # no endpoint, no LLM checks
    assert list((tmp_path / "worlds").iterdir()) == []  # the probe file is gone


def test_cli_exits_0_and_prints_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["doctor", "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "✓" in out and "SQLite WAL" in out and "All checks passed" in out


def test_a_cache_under_a_file_is_a_red_check_with_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MAGS_CACHE", str(blocker / "cache"))
    assert main(["doctor", "--json"]) == 1
    checks = _by_name([Check(**c) for c in json.loads(capsys.readouterr().out)])
    cache = checks["world cache writable"]
    assert not cache.ok
    assert str(blocker / "cache") in cache.detail
    assert "MAGS_CACHE" in cache.advice
    assert all(check.ok for name, check in checks.items() if name != "world cache writable")


def test_a_read_only_cache_is_a_red_check(tmp_path: Path):
    readonly = tmp_path / "ro"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        probe = readonly / "x"
        try:
            probe.touch()
        except PermissionError:
            pass
        else:  # running as root: permissions do not stop us, nothing to test
            probe.unlink()
            pytest.skip("permissions are not enforced for this user")
        check = check_cache(readonly / "worlds")
        assert not check.ok and check.advice
    finally:
        readonly.chmod(0o755)


def test_endpoint_answers_and_its_modes_are_reported(server: ChatServer):
    server.script(
        Reply.text("OK"),  # the "answers" ping
        Reply.error(400, "response_format json_schema is not supported"),
        Reply.json({"ok": True}),  # json_object_schema
        Reply.json({"ok": True}),  # json_object
        Reply.text("OK"),  # text
    )
    config = LLMConfig(server.url, "test-key", "test-model")
    answers, modes = check_endpoint(config)
    assert answers.ok and "'OK'" in answers.detail and " ms" in answers.detail
    assert "test-model" in answers.detail
    assert modes.ok
    assert "json_schema: unsupported (refused: HTTP 400" in modes.detail
    assert "json_object_schema: supported" in modes.detail
    assert "json_object: supported" in modes.detail
    assert "text: supported" in modes.detail
    assert "MAGS will use json_object_schema" in modes.detail
    sent = [request.response_format for request in server.requests]
    assert sent == [None, "json_schema", "json_object_schema", "json_object", None]
    assert server.pending == 0


def test_a_json_mode_that_replies_prose_is_not_supported(server: ChatServer):
    server.script(
        Reply.text("OK"),
        Reply.text("Sure!"),
        Reply.text("no"),
        Reply.text("no JSON"),
        Reply.text(""),
    )
    _, modes = check_endpoint(LLMConfig(server.url, "k", "m"))
    assert "json_schema: unsupported (accepted, but the reply is not JSON" in modes.detail
    assert "text: unsupported (empty reply)" in modes.detail
    assert not modes.ok and modes.advice


def test_endpoint_flags_through_the_cli(
    server: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    server.script(Reply.text("OK"), Reply.json({"ok": True}), Reply.json({"ok": True}))
    server.script(Reply.text("OK"))
    argv = ["doctor", "--json", "--cache", str(tmp_path), "--llm-base-url", server.url]
    assert main([*argv, "--llm-model", "test-model"]) == 0
    checks = json.loads(capsys.readouterr().out)
    assert isinstance(checks, list)
    assert all(set(c) == {"name", "ok", "detail", "advice"} for c in checks)
    llm = _by_name([Check(**c) for c in checks])
    assert llm["LLM endpoint answers"].ok
    assert "json_schema: supported" in llm["LLM structured output"].detail


def test_an_unreachable_endpoint_is_a_red_check_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("MAGS_LLM_BASE_URL", _closed_port_url())
    monkeypatch.setenv("MAGS_LLM_MODEL", "m")
    monkeypatch.setenv("COLUMNS", "240")  # rich wraps the table at the width it sees
    assert main(["doctor", "--cache", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "✗" in captured.out and "LLM endpoint answers" in captured.out
    assert "start the server" in captured.out
    assert "1 failed" in captured.out


def test_a_half_configured_endpoint_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["doctor", "--cache", str(tmp_path), "--llm-base-url", "http://h/v1"]) == 2
    assert "MAGS_LLM_MODEL" in capsys.readouterr().err


def test_a_500_refusing_the_mode_is_what_the_client_falls_back_from(server: ChatServer):
    server.script(
        Reply.text("OK"),
        Reply.error(500, "response_format.type: Input should be 'text' or 'json_object'"),
        Reply.json({"ok": True}),
        Reply.json({"ok": True}),
        Reply.text("OK"),
    )
    _, modes = check_endpoint(LLMConfig(server.url, "k", "m"))
    assert "json_schema: unsupported (refused: HTTP 500" in modes.detail
    assert modes.ok and "MAGS will use json_object_schema" in modes.detail
    assert len(server.requests) == 5  # the refusal was not retried


def test_a_429_is_waited_out_as_retry_after_says(server: ChatServer):
    server.script(
        Reply.error(429, "rate limited", retry_after="0"),
        Reply.text("OK"),
        *[Reply.json({"ok": True})] * 3,
        Reply.text("OK"),
    )
    answers, modes = check_endpoint(LLMConfig(server.url, "k", "m"))
    assert answers.ok and modes.ok
    assert server.pending == 0


def test_a_429_that_persists_gets_rate_limit_advice(server: ChatServer):
    server.script(*[Reply.error(429, "quota exceeded", retry_after="0")] * 3)
    (answers,) = check_endpoint(LLMConfig(server.url, "k", "m"))
    assert not answers.ok
    assert "HTTP 429" in answers.detail and "on all 3 attempts" in answers.detail
    assert "rate limiting" in answers.advice and "quota" in answers.advice
    assert "base URL" not in answers.advice
