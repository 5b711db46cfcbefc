"""Dense episode search behind an `Embedder` seam; `WordLlamaEmbedder` runs offline.

WordLlama ships its weights inside its wheel (``pip install 'mags[dense]'``), but its loader
looks for them in a cache folder and tries to download them; pointing ``cache_dir`` at the
package's own folder with downloads disabled loads them offline in ~0.2 s. It embeds 300
sentences in a few milliseconds on a CPU. Any object with ``embed(texts) -> array`` of
unit-norm rows can replace it.

Example
-------
>>> embedder = load_default_embedder()
>>> index = DenseIndex(embedder)
>>> index.add([(1, "I adopted a puppy"), (2, "The stock market fell")])
>>> index.search("my new dog", limit=1)[0][0]
1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mags.core.errors import InvalidInputError


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors: one unit-norm row per text (cosine = dot product)."""

    def embed(self, texts: Sequence[str]) -> Any:
        """A ``(len(texts), dim)`` float array."""
        ...


class WordLlamaEmbedder:
    """WordLlama's packaged 256-dimension model, loaded without network."""

    def __init__(self, dim: int = 256) -> None:
        try:
            import wordllama
        except ImportError:
            raise InvalidInputError(
                "dense search needs WordLlama: pip install 'mags[dense]'"
            ) from None
        from pathlib import Path

        folder = Path(wordllama.__file__).parent
        self._model = wordllama.WordLlama.load(dim=dim, cache_dir=folder, disable_download=True)

    def embed(self, texts: Sequence[str]) -> Any:
        return self._model.embed(list(texts), norm=True)


def load_default_embedder() -> Embedder | None:
    """WordLlama if it is installed, else None (dense search is optional)."""
    try:
        return WordLlamaEmbedder()
    except InvalidInputError:
        return None


class DenseIndex:
    """Episodes' vectors in one growing matrix; search is one product."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._ids: list[int] = []
        self._rows: list[Any] = []
        self._matrix: Any = None

    @property
    def size(self) -> int:
        """Episodes indexed."""
        return len(self._ids)

    def add(self, items: Sequence[tuple[int, str]]) -> None:
        """Embed and index ``(episode_id, text)`` pairs (one batch)."""
        if not items:
            return
        vectors = np.asarray(self.embedder.embed([text for _, text in items]), dtype=np.float32)
        self._ids += [episode for episode, _ in items]
        self._rows.append(vectors)
        self._matrix = None

    def search(self, query: str, limit: int = 100) -> list[tuple[int, float]]:
        """The ``limit`` most similar episodes as ``(episode_id, cosine)``, best first."""
        if not self._ids:
            return []
        if self._matrix is None:
            self._matrix = np.vstack(self._rows)
            self._rows = [self._matrix]
        query_vector = np.asarray(self.embedder.embed([query]), dtype=np.float32)[0]
        scores = self._matrix @ query_vector
        k = min(limit, len(self._ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self._ids[i], float(scores[i])) for i in top]
