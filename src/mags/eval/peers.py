"""Peer memories in `mags eval locomo`'s run: other libraries, through their own public APIs
(issue 26 item 2; ``pip install 'mags[peers]'``).

Every peer ingests the conversation's turns in order, one item per turn (the turn's id kept
where the API keeps metadata, its text otherwise), and for a question returns its items
best first; the turns behind them are packed as every system's are (`pack_turns`: same
rendering, same tokenizer, same budget, same metric). Peers need no LLM and run offline:

- ``mem0``: Mem0 (``mem0ai``) with ``infer=False`` (store each message as it is, no LLM
  call), its Hugging Face embedder on the packaged all-MiniLM-L6-v2, its default vector
  store (Qdrant, local, in a temporary folder) and history database there too; ``search``
  with ``filters`` on the conversation.
- ``engram``: engram-search's `RetrievalPipeline` (dense + BM25 + entity and time boosts
  fused by reciprocal rank), with its ``minilm`` model from the packaged weights (its
  default, bge-large, would download at first use) and no reranker (its default).
- ``dory``: dory-memory's `DoryMemory` with manual ``observe`` per turn (no extraction
  model, its default) and ``query``; its answer is text, so turns are matched by their text.

A peer that is not installed, or fails, is reported with its error and the run goes on.

Example
-------
>>> sorted(PEERS)
['dory', 'engram', 'mem0']
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mags.core.errors import MagsError
from mags.core.model import Episode
from mags.eval.locomo import Conversation
from mags.eval.turns import pack_turns, turn_episode
from mags.search.episodes import indexed_text

PEERS = ("mem0", "engram", "dory")
INSTALL = "pip install 'mags[peers]'"


class PeerError(MagsError):
    """A peer memory could not be set up or failed."""


class _Peer:
    """What every peer shares: the turns as episodes, a ranking cache, packing."""

    def __init__(self, conversation: Conversation, count: Callable[[str], int]) -> None:
        self.episodes = [turn_episode(turn, i) for i, turn in enumerate(conversation.turns)]
        self.count = count
        self.folder = Path(tempfile.mkdtemp(prefix="mags-peer-"))
        self._question: str | None = None
        self._ranked: list[Episode] = []

    def rank(self, question: str) -> list[int]:
        """Turn indexes the peer returns for ``question``, best first."""
        raise NotImplementedError

    def context(self, question: str, budget: int) -> str:
        """The peer's turns for ``question``, packed into ``budget`` tokens."""
        if question != self._question:
            self._question = question
            order = list(dict.fromkeys(self.rank(question)))
            self._ranked = [self.episodes[i] for i in order if 0 <= i < len(self.episodes)]
        return pack_turns(self._ranked, budget, self.count)

    def close(self) -> None:
        """Remove what the peer wrote."""
        shutil.rmtree(self.folder, ignore_errors=True)


class Mem0Peer(_Peer):
    """Mem0 with ``infer=False`` (see the module)."""

    def __init__(self, conversation: Conversation, count: Callable[[str], int]) -> None:
        super().__init__(conversation, count)
        from mags.search.dense import minilm_folder

        os.environ.setdefault("MEM0_TELEMETRY", "False")  # no network
        os.environ.setdefault("OPENAI_API_KEY", "unused")  # its LLM is never called
        try:
            from mem0 import Memory as Mem0Memory
        except ImportError as exc:
            raise PeerError(f"mem0 is not installed ({exc}): {INSTALL}") from None
        self.user = f"mags-{conversation.sample_id}"
        self.memory = Mem0Memory.from_config(
            {
                "embedder": {
                    "provider": "huggingface",
                    "config": {"model": str(minilm_folder()), "embedding_dims": 384},
                },
                "vector_store": {
                    "provider": "qdrant",
                    "config": {
                        "path": str(self.folder / "qdrant"),
                        "embedding_model_dims": 384,
                        "collection_name": "mags_peer",
                        "on_disk": True,
                    },
                },
                "history_db_path": str(self.folder / "history.db"),
            }
        )
        for i, episode in enumerate(self.episodes):
            self.memory.add(
                [{"role": "user", "content": indexed_text(episode)}],
                user_id=self.user,
                infer=False,
                metadata={"turn": i},
            )

    def rank(self, question: str) -> list[int]:
        found = self.memory.search(
            question, filters={"user_id": self.user}, top_k=len(self.episodes)
        )
        results = found.get("results", found) if isinstance(found, dict) else found
        return [int(r["metadata"]["turn"]) for r in results if "turn" in (r.get("metadata") or {})]


class EngramPeer(_Peer):
    """engram-search's retrieval pipeline over one document per turn (see the module)."""

    def __init__(self, conversation: Conversation, count: Callable[[str], int]) -> None:
        super().__init__(conversation, count)
        from mags.search.dense import minilm_folder

        try:
            from engram.backends.base import Document
            from engram.retrieval.embedder import Embedder as EngramEmbedder
            from engram.retrieval.pipeline import RetrievalPipeline
        except ImportError as exc:
            raise PeerError(f"engram-search is not installed ({exc}): {INSTALL}") from None
        embedder = EngramEmbedder(str(minilm_folder()))
        texts = [indexed_text(e) for e in self.episodes]
        vectors = embedder.encode_documents(texts)
        self.documents = [
            Document(id=str(i), text=text, embedding=list(map(float, vector)))
            for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))
        ]
        self.pipeline = RetrievalPipeline(embedder=embedder, use_reranker=False)

    def rank(self, question: str) -> list[int]:
        found = self.pipeline.search(question, self.documents, top_k=len(self.documents))
        return [int(d.id) for d in found]


class DoryPeer(_Peer):
    """dory-memory with manual observations (see the module)."""

    def __init__(self, conversation: Conversation, count: Callable[[str], int]) -> None:
        super().__init__(conversation, count)
        try:
            from dory import DoryMemory
        except ImportError as exc:
            raise PeerError(f"dory-memory is not installed ({exc}): {INSTALL}") from None
        self.memory = DoryMemory(db_path=self.folder / "dory.db")
        self.texts = [indexed_text(e) for e in self.episodes]
        self.by_text: dict[str, int] = {}
        for i, text in enumerate(self.texts):
            self.by_text.setdefault(text, i)
            self.memory.observe(text, node_type="EVENT")

    def rank(self, question: str) -> list[int]:
        answer = self.memory.query(question)
        found: list[tuple[int, int]] = []
        for line in answer.splitlines():  # its lines hold the observed texts, best first
            for text, i in self.by_text.items():
                if text in line:
                    found.append((len(found), i))
        return [i for _, i in found]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.memory.close()
        super().close()


FACTORIES: dict[str, Callable[[Conversation, Callable[[str], int]], _Peer]] = {
    "mem0": Mem0Peer,
    "engram": EngramPeer,
    "dory": DoryPeer,
}


def make_peer(name: str, conversation: Conversation, count: Callable[[str], int]) -> Any:
    """The peer ``name`` holding ``conversation``; `PeerError` when it cannot run."""
    try:
        return FACTORIES[name](conversation, count)
    except PeerError:
        raise
    except Exception as exc:  # a third party's failure, said in one line
        raise PeerError(f"{name} failed to ingest: {type(exc).__name__}: {exc}") from exc
