"""Token counting with a real tokenizer: OpenAI's ``cl100k_base`` (or ``o200k_base``).

``bpe-openai`` ships both tables inside its wheel (``tiktoken`` downloads them at first use,
which fails offline) and gives the same counts as tiktoken. Recall's budget is counted with
it, so "300 tokens" means 300 tokens of a GPT-4-class tokenizer.

Example
-------
>>> counter = TokenCounter()
>>> counter.count("Caroline moved to Berlin last month.")
8
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from mags.core.errors import InvalidInputError

ENCODINGS = ("cl100k_base", "o200k_base")
DEFAULT_ENCODING = "cl100k_base"
#: Lines remembered with their counts, and the longest line worth remembering.
COUNT_CACHE = 1 << 16
CACHED_CHARS = 2000


@cache
def _encoding(name: str) -> Any:
    import bpe_openai  # loading a table takes ~0.4 s: only when first needed

    return bpe_openai.get_encoding(name)


class TokenCounter:
    """Counts tokens of a text; callable, so it can be handed to recall as ``count``."""

    def __init__(self, encoding: str = DEFAULT_ENCODING) -> None:
        if encoding not in ENCODINGS:
            raise InvalidInputError(f"unknown tokenizer {encoding!r}; use one of {ENCODINGS}")
        self.encoding = encoding
        # Recall counts the same fact and turn lines again and again: remember their counts.
        self._count = lru_cache(maxsize=COUNT_CACHE)(self._encode_count)

    def _encode_count(self, text: str) -> int:
        return len(_encoding(self.encoding).encode_ordinary(text))

    def count(self, text: str) -> int:
        """Tokens in ``text``."""
        if not text:
            return 0
        return self._count(text) if len(text) <= CACHED_CHARS else self._encode_count(text)

    def __call__(self, text: str) -> int:
        return self.count(text)
