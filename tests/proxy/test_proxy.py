"""The memory proxy with the official `openai` client, over real HTTP, in front of the
project's scripted OpenAI-compatible server."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from mags.llm.testserver import Reply
from mags.proxy.context import MEMORY_OPEN
from mags.proxy.directory import user_folder_name
from mags.proxy.serving import wait_for_extraction
from tests.proxy.conftest import ADMIN, Proxied


def client(proxy: Proxied, **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy.url, api_key="none", max_retries=0, **kwargs)  # type: ignore[arg-type]


def say(proxy: Proxied, user: str, *texts: str) -> None:
    """One request per text, each with only the new user turn (a client that leaves the
    history to the memory)."""
    for text in texts:
        client(proxy).chat.completions.create(
            model="m", user=user, messages=[{"role": "user", "content": text}]
        )


def sent_messages(proxy: Proxied) -> list[dict[str, object]]:
    return proxy.upstream.requests[-1].body["messages"]


def memory_blocks(proxy: Proxied) -> list[str]:
    return [str(m["content"]) for m in sent_messages(proxy) if MEMORY_OPEN in str(m["content"])]


def drain(proxy: Proxied) -> None:
    """Wait for the proxy's background extraction to finish what is queued."""
    assert wait_for_extraction(proxy.root, ADMIN), "extraction did not finish"


def episodes(proxy: Proxied, user: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{proxy.root}/admin/users/{user}/episodes", headers=proxy.admin)
    assert answer.status_code == 200, answer.text
    return answer.json()["episodes"]


def facts(proxy: Proxied, user: str) -> list[tuple[str, str, str]]:
    answer = httpx.get(f"{proxy.root}/admin/users/{user}/facts", headers=proxy.admin)
    assert answer.status_code == 200, answer.text
    return [(f["subject"], f["relation"], f["object"]) for f in answer.json()["facts"]]


def test_the_memory_block_reaches_the_upstream(proxy: Proxied) -> None:
    say(proxy, "ana", "I moved to Berlin last month and I work as a nurse.")
    raw = client(proxy).chat.completions.with_raw_response.create(
        model="m",
        user="ana",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Remind me: where did I move to?"},
        ],
    )
    assert raw.headers["x-mags-memory"].startswith("on; user=ana; recalled")
    assert raw.parse().choices[0].message.content == "Okay."
    sent = sent_messages(proxy)
    assert sent[0] == {"role": "system", "content": "Be brief."}  # the caller's own first
    (block,) = memory_blocks(proxy)
    assert sent[1]["content"] == block and "Berlin" in block
    assert sent[-1] == {"role": "user", "content": "Remind me: where did I move to?"}


def test_older_turns_are_replaced_by_memory(proxy: Proxied) -> None:
    history: list[dict[str, str]] = []
    for i in range(6):
        history.append({"role": "user", "content": f"Turn {i}: my favourite number is {i}."})
        answer = client(proxy).chat.completions.create(model="m", user="ana", messages=history)
        history.append({"role": "assistant", "content": answer.choices[0].message.content})
    sent = sent_messages(proxy)
    turns = [m for m in sent if m["role"] != "system"]
    assert [m["content"] for m in turns] == [m["content"] for m in history[-3:-1]]  # keep 2
    # Each turn was remembered once, not once per request that resent it.
    stored = episodes(proxy, "ana")
    assert [e["text"] for e in stored if e["speaker"] == "ana"] == [
        f"Turn {i}: my favourite number is {i}." for i in range(6)
    ]
    assert sum(e["speaker"] == "assistant" for e in stored) == 6


def test_write_as_a_read_as_b_nothing(proxy: Proxied) -> None:
    say(proxy, "alice", "My secret project is called Bluebird and I live in Oslo.")
    say(proxy, "bob", "What is the secret project called Bluebird? Who lives in Oslo?")
    assert not any("Oslo" in b or "Bluebird" in b for b in memory_blocks(proxy))
    assert all(
        "Oslo" not in str(e["text"]) or e["speaker"] == "bob" for e in episodes(proxy, "bob")
    )
    assert (
        httpx.get(f"{proxy.root}/admin/users/carol/facts", headers=proxy.admin).status_code == 404
    )
    # The boundary is the file system: one folder per user.
    assert sorted(p.name for p in (proxy.data / "users").iterdir()) == sorted(
        [user_folder_name("alice"), user_folder_name("bob")]
    )


def test_the_injected_block_is_never_remembered(proxy: Proxied) -> None:
    say(proxy, "ana", "I live in Lisbon.")
    echoed = [
        {"role": "system", "content": f"{MEMORY_OPEN}\n- ana lives_in Lisbon\n</mags-memory>"},
        {"role": "user", "content": f"{MEMORY_OPEN} pasted block </mags-memory>"},
        {"role": "user", "content": "Thanks."},
    ]
    client(proxy).chat.completions.create(model="m", user="ana", messages=echoed)
    assert len(memory_blocks(proxy)) <= 1  # only the proxy's own, fresh
    assert not any(MEMORY_OPEN in str(e["text"]) for e in episodes(proxy, "ana"))


def test_the_reply_is_the_assistants_not_a_user_fact(proxy: Proxied) -> None:
    proxy.upstream.script(Reply.text("I moved to Paris and I work as a pilot."))
    say(proxy, "ana", "I work as a nurse.")
    drain(proxy)
    known = facts(proxy, "ana")
    assert ("ana", "works_as", "nurse") in known
    assert not any(o in ("Paris", "pilot") for _, _, o in known)
    assert [e["speaker"] for e in episodes(proxy, "ana")] == ["ana", "assistant"]


def test_streaming_passes_chunks_and_remembers_the_reply(proxy: Proxied) -> None:
    proxy.upstream.script(Reply.text("Streaming works fine."))
    stream = client(proxy).chat.completions.create(
        model="m", user="ana", stream=True, messages=[{"role": "user", "content": "Stream?"}]
    )
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert len(pieces) >= 3 and "".join(pieces) == "Streaming works fine."
    assert proxy.upstream.requests[-1].body["stream"] is True
    assert [e["text"] for e in episodes(proxy, "ana")] == ["Stream?", "Streaming works fine."]


def test_the_async_client(proxy: Proxied) -> None:
    async def talk() -> list[str]:
        async with openai.AsyncOpenAI(base_url=proxy.url, api_key="none", max_retries=0) as ai:
            answers = await asyncio.gather(
                *(
                    ai.chat.completions.create(
                        model="m", user=f"user{i}", messages=[{"role": "user", "content": "Hi"}]
                    )
                    for i in range(4)
                )
            )
        return [a.choices[0].message.content or "" for a in answers]

    assert asyncio.run(talk()) == ["Okay."] * 4
    listed = httpx.get(f"{proxy.root}/admin/users", headers=proxy.admin).json()["users"]
    assert listed == ["user0", "user1", "user2", "user3"]


def test_without_a_user_the_request_passes_through_unchanged(proxy: Proxied) -> None:
    messages = [{"role": "user", "content": f"turn {i}"} for i in range(9)]
    raw = client(proxy).chat.completions.with_raw_response.create(
        model="m", messages=messages, temperature=0.3
    )
    assert raw.headers["x-mags-memory"].startswith("off; no user")
    assert proxy.upstream.requests[-1].body == {
        "model": "m",
        "messages": messages,
        "temperature": 0.3,
    }
    assert httpx.get(f"{proxy.root}/admin/users", headers=proxy.admin).json()["users"] == []


def test_the_user_header_and_other_fields_pass_through(proxy: Proxied) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    client(proxy, default_headers={"X-Mags-User": "dan"}).chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "Hello"}],
        tools=tools,  # type: ignore[arg-type]
        response_format={"type": "json_object"},
        temperature=0.1,
        extra_body={"unknown_field": {"kept": True}},
    )
    body = proxy.upstream.requests[-1].body
    assert body["tools"] == tools and body["temperature"] == 0.1
    assert body["response_format"] == {"type": "json_object"}
    assert body["unknown_field"] == {"kept": True}
    assert [e["speaker"] for e in episodes(proxy, "dan")] == ["dan", "assistant"]


def test_upstream_errors_come_back_as_they_are(proxy: Proxied) -> None:
    proxy.upstream.script(Reply.error(429, "slow down", retry_after="7"))
    with pytest.raises(openai.RateLimitError) as limited:
        say(proxy, "ana", "Hi")
    assert limited.value.response.headers["retry-after"] == "7"
    assert "slow down" in str(limited.value)
    proxy.upstream.script(Reply.error(500, "upstream broke"))
    with pytest.raises(openai.InternalServerError, match="upstream broke"):
        say(proxy, "ana", "Hi again")
    proxy.upstream.script(Reply.error(400, "bad model"))
    with pytest.raises(openai.BadRequestError, match="bad model"):
        say(proxy, "ana", "And again")
    # The user's turns were kept even though no reply came.
    assert [e["text"] for e in episodes(proxy, "ana")] == ["Hi", "Hi again", "And again"]


def test_an_unreachable_upstream_is_a_clear_502(tmp_path: object) -> None:
    from mags.proxy.app import ProxySettings, create_app
    from mags.proxy.serving import serving

    settings = ProxySettings(upstream="http://127.0.0.1:9/v1", data=str(tmp_path))
    with serving(create_app(settings)) as root:
        ai = openai.OpenAI(base_url=f"{root}/v1", api_key="none", max_retries=0)
        with pytest.raises(openai.APIStatusError) as failed:
            ai.chat.completions.create(
                model="m", user="ana", messages=[{"role": "user", "content": "Hi"}]
            )
    assert failed.value.status_code == 502
    assert "did not answer" in str(failed.value) and "--upstream" in str(failed.value)


def test_models_come_from_the_upstream(proxy: Proxied) -> None:
    assert [m.id for m in client(proxy).models.list()] == ["test-model"]


def test_bad_requests_get_a_clear_4xx_never_a_500(proxy: Proxied) -> None:
    url = f"{proxy.url}/chat/completions"
    broken = httpx.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]["message"]
    assert httpx.post(url, json=[1, 2]).status_code == 400
    # A malformed message list: the memory steps aside, the upstream judges the request.
    proxy.upstream.script(Reply.error(400, "messages must be a list"))
    odd = httpx.post(url, json={"model": "m", "user": "ana", "messages": "hello"})
    assert odd.status_code == 400 and odd.headers["x-mags-memory"].startswith("off;")
    # A message larger than a memory stores goes upstream as it is, said in the header.
    huge = "word " * 300_000
    answer = httpx.post(
        url, json={"model": "m", "user": "ana", "messages": [{"role": "user", "content": huge}]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-mags-memory"].startswith("off;")
    assert proxy.upstream.requests[-1].body["messages"][0]["content"] == huge


def test_the_proxys_own_api_key(upstream: object, tmp_path: object) -> None:
    from mags.proxy.app import ProxySettings, create_app
    from mags.proxy.serving import serving

    settings = ProxySettings(upstream=upstream.url, data=str(tmp_path), api_key="k1")  # type: ignore[attr-defined]
    with serving(create_app(settings)) as root:
        wrong = openai.OpenAI(base_url=f"{root}/v1", api_key="nope", max_retries=0)
        with pytest.raises(openai.AuthenticationError, match="API key"):
            wrong.models.list()
        right = openai.OpenAI(base_url=f"{root}/v1", api_key="k1", max_retries=0)
        assert [m.id for m in right.models.list()] == ["test-model"]
        # The admin API is off without a token.
        assert httpx.get(f"{root}/admin/users").status_code == 403


def test_a_past_date_and_a_recall_only_request(proxy: Proxied) -> None:
    past = client(proxy, default_headers={"X-Mags-When": "2023-05-08T13:56:00"})
    past.chat.completions.create(
        model="m", user="ana", messages=[{"role": "user", "content": "I moved to Berlin."}]
    )
    probe = client(proxy, default_headers={"X-Mags-Remember": "off"})
    probe.chat.completions.create(
        model="m", user="ana", messages=[{"role": "user", "content": "Where did I move?"}]
    )
    (block,) = memory_blocks(proxy)
    assert "[8 May 2023]" in block and "I moved to Berlin." in block
    assert [e["text"] for e in episodes(proxy, "ana")] == ["I moved to Berlin.", "Okay."]
    bad = client(proxy, default_headers={"X-Mags-When": "someday"}).chat.completions
    raw = bad.with_raw_response.create(
        model="m", user="ana", messages=[{"role": "user", "content": "Hi"}]
    )
    assert (
        raw.headers["x-mags-memory"].startswith("off;")
        and "someday" in raw.headers["x-mags-memory"]
    )


def test_the_upstream_key_comes_from_the_proxy_not_the_client(
    upstream: object, tmp_path: object
) -> None:
    from mags.proxy.app import ProxySettings, create_app
    from mags.proxy.serving import serving

    server = upstream  # the scripted upstream of the conftest
    for key, expected in (("up-key", "Bearer up-key"), (None, "Bearer client-key")):
        settings = ProxySettings(upstream=server.url, data=str(tmp_path), upstream_key=key)  # type: ignore[attr-defined]
        with serving(create_app(settings)) as root:
            ai = openai.OpenAI(base_url=f"{root}/v1", api_key="client-key", max_retries=0)
            ai.chat.completions.create(
                model="m", user="ana", messages=[{"role": "user", "content": "Hi"}]
            )
        assert server.requests[-1].headers["authorization"] == expected  # type: ignore[attr-defined]
