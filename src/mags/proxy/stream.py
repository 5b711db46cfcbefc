"""Reading an upstream's server-sent events as they pass through, to remember the reply.

The proxy forwards each chunk as it arrives; `StreamReply` watches the same bytes and
gathers the assistant's text from the first choice's deltas, and notices ``[DONE]``.

Example
-------
>>> reply = StreamReply()
>>> reply.feed(b'data: {"choices": [{"index": 0, "delta": {"content": "Hel"}}]}\\n\\nda')
>>> reply.feed(b'ta: {"choices": [{"index": 0, "delta": {"content": "lo"}}]}\\n\\n')
>>> reply.feed(b"data: [DONE]\\n\\n")
>>> reply.text, reply.done
('Hello', True)
"""

from __future__ import annotations

import json


class StreamReply:
    """The assistant text of a streamed chat completion, gathered chunk by chunk."""

    def __init__(self) -> None:
        self._buffer = b""
        self._parts: list[str] = []
        self.done = False

    def feed(self, chunk: bytes) -> None:
        """Read ``chunk``; complete events are parsed, a partial one waits for the rest."""
        self._buffer += chunk.replace(b"\r\n", b"\n")
        while b"\n\n" in self._buffer:
            event, self._buffer = self._buffer.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    self._data(line[5:].strip())

    def _data(self, data: bytes) -> None:
        if data == b"[DONE]":
            self.done = True
            return
        try:
            event = json.loads(data)
        except ValueError:
            return  # not JSON: nothing of the reply's text in it
        choices = event.get("choices") if isinstance(event, dict) else None
        for choice in choices if isinstance(choices, list) else ():
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                delta = choice.get("delta")
                content = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(content, str):
                    self._parts.append(content)

    @property
    def text(self) -> str:
        """The reply's text so far."""
        return "".join(self._parts)
