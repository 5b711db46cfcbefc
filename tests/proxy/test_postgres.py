"""Two `mags proxy` processes ("two machines": separate process groups) sharing one
PostgreSQL database: a user's memory written through one is recalled through the other,
and another user's memory stays out of it."""

from __future__ import annotations

import httpx
import openai

from mags.llm.testserver import ChatServer, Reply
from mags.proxy.context import MEMORY_OPEN
from mags.proxy.serving import wait_for_extraction
from mags.store.pg_cluster import TemporaryCluster
from tests.proxy.test_crash import TOKEN, proxy_process


def ask(root: str, user: str, text: str) -> None:
    client = openai.OpenAI(base_url=f"{root}/v1", api_key="none", max_retries=0)
    client.chat.completions.create(
        model="m", user=user, messages=[{"role": "user", "content": text}]
    )


def block(upstream: ChatServer) -> str:
    messages = upstream.requests[-1].body["messages"]
    return "\n".join(str(m["content"]) for m in messages if MEMORY_OPEN in str(m["content"]))


def test_two_proxies_share_one_database(postgres: TemporaryCluster) -> None:
    database = postgres.url()
    with (
        ChatServer(default=Reply.text("Okay.")) as upstream,
        proxy_process(upstream.url, database) as (first, _),
        proxy_process(upstream.url, database) as (second, _),
    ):
        ask(first, "alice", "I moved to Berlin last month and I work as a nurse.")
        assert wait_for_extraction(first, TOKEN)
        ask(second, "alice", "Remind me: where did I move to?")
        assert "Berlin" in block(upstream)  # written through the first, recalled by the second
        ask(second, "bob", "Where did I move to? Berlin?")
        assert "nurse" not in block(upstream)  # write as alice, read as bob: nothing
        headers = {"Authorization": f"Bearer {TOKEN}"}
        users = httpx.get(f"{first}/admin/users", headers=headers).json()["users"]
        assert users == ["alice", "bob"]
        facts = httpx.get(f"{first}/admin/users/bob/facts", headers=headers).json()["facts"]
        assert not any("Berlin" in str(f) for f in facts)
        erased = httpx.delete(f"{second}/admin/users/bob", headers=headers)
        assert erased.status_code in (200, 204), erased.text
        users = httpx.get(f"{first}/admin/users", headers=headers).json()["users"]
        assert users == ["alice"]  # erased for both proxies: the database is the one record
