"""`mags.llm.local` without a model: the catalogue, the command line, announcements, errors."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from mags.cli import main
from mags.llm.local import (
    LOCAL_MODELS,
    LocalModelError,
    LocalServer,
    check_installed,
    local_model,
    running_servers,
    server_argv,
)
from mags.llm.testserver import ChatServer


def test_an_unknown_model_names_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(LocalModelError, match="smollm2-135m or gemma3-270m"):
        local_model("llama-70b")
    assert main(["local-llm", "--model", "llama-70b"]) == 2
    assert "--model smollm2-135m or gemma3-270m" in capsys.readouterr().err


def test_gemma_is_served_with_its_chat_format_and_smollm2_with_its_own() -> None:
    gemma = server_argv(LOCAL_MODELS["gemma3-270m"], Path("/g.gguf"), "127.0.0.1", 1)
    smol = server_argv(LOCAL_MODELS["smollm2-135m"], Path("/s.gguf"), "127.0.0.1", 1)
    assert gemma[gemma.index("--chat_format") + 1] == "gemma"
    assert "--chat_format" not in smol
    assert smol[smol.index("--n_ctx") + 1] == "8192"  # not the server's default 2048


def test_only_announced_servers_that_answer_are_running(tmp_path: Path) -> None:
    folder = tmp_path / "local-llm"
    folder.mkdir()
    gone = {"base_url": "http://127.0.0.1:9/v1", "model": "smollm2-135m", "pid": 2**22 + 7}
    (folder / "9.json").write_text(json.dumps(gone))
    (folder / "broken.json").write_text("{not json")
    assert running_servers(folder) == []
    assert not (folder / "9.json").exists()  # a dead process's announcement is cleared
    with ChatServer() as server:  # a live process whose server lists another model
        alive = {"base_url": server.url, "model": "smollm2-135m", "pid": os.getpid()}
        (folder / "1.json").write_text(json.dumps(alive))
        assert running_servers(folder) == []
    assert (folder / "1.json").exists()  # kept: its process lives (tests/local_llm: found)


def test_a_busy_port_is_refused_before_anything_starts() -> None:
    try:
        check_installed()
    except LocalModelError as error:
        pytest.skip(str(error))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = LocalServer("smollm2-135m", port=port)
        with pytest.raises(LocalModelError, match=f"port {port} on 127.0.0.1 is in use"):
            server.start()
        assert server.pid is None
