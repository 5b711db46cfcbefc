"""A person's news through `mags proxy` (issue 35 item 7): the block sent upstream holds
the new value and the turn that said it, never the old value as a fact."""

from __future__ import annotations

from openai import OpenAI

from mags.eval.updates import wait_until_extracted
from mags.proxy.users import UserMemories
from tests.proxy.conftest import Proxied
from tests.test_knowledge_updates import PORTO


def test_news_through_the_proxy(proxy: Proxied) -> None:
    client = OpenAI(base_url=proxy.url, api_key="none", max_retries=0)
    users = UserMemories(proxy.data)  # a reader beside the proxy
    history: list[dict[str, str]] = []
    for said in [*PORTO, "Where do I live now?"]:
        history.append({"role": "user", "content": said})
        client.chat.completions.create(model="m", messages=history, user="ana")  # type: ignore[arg-type]
        history.append({"role": "assistant", "content": "Okay."})
        wait_until_extracted(users, "ana")  # the turn is extracted off the request path
    block = proxy.upstream.requests[-1].body["messages"][0]["content"]
    assert "- ana lives_in Lisbon" in block and "lives_in Porto" not in block
    assert "I just moved to Lisbon!" in block
    users.close()
