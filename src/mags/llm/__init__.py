"""LLMs through the OpenAI schema: one adapter for OpenAI and OpenAI-compatible servers.

>>> from mags.llm import LLMConfig, LLMClient, Usage, LLMError
"""

from __future__ import annotations

from mags.llm.cache import LLMCacheError, ResponseCache
from mags.llm.client import LLMClient, Usage
from mags.llm.config import LLMConfig
from mags.llm.errors import LLMError, LLMParseError, LLMTimeoutError
from mags.llm.parse import extract_json

__all__ = [
    "LLMCacheError",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "LLMParseError",
    "LLMTimeoutError",
    "ResponseCache",
    "Usage",
    "extract_json",
]
