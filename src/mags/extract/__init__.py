"""Turning text into facts: the extractor protocol (the TextWorld and LLM extractors plug in)."""

from mags.extract.base import Extraction, ExtractionContext, Extractor

__all__ = ["Extraction", "ExtractionContext", "Extractor"]
