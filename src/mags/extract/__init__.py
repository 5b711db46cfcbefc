"""Turning text into facts: the extractor protocol (the TextWorld and LLM extractors plug in)."""

from mags.extract.base import ConflictJudge, Extraction, ExtractionContext, Extractor

__all__ = ["ConflictJudge", "Extraction", "ExtractionContext", "Extractor"]
