"""Errors raised by MAGS. Every message says what was wrong and how to fix it."""

from __future__ import annotations


class MagsError(Exception):
    """Base class of every error MAGS raises on purpose."""


class InvalidInputError(MagsError, ValueError):
    """A call received input it cannot use; the memory is unchanged."""


class UnknownRelationError(InvalidInputError):
    """A fact named a relation the schema does not declare."""


class TimeOrderError(InvalidInputError):
    """A call's logical time is earlier than the memory's latest change."""


class NotFoundError(MagsError, KeyError):
    """A named entity or fact does not exist in the memory."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class ExtractionError(MagsError):
    """An extractor failed or returned something unusable; the episode is kept."""


class StoreError(MagsError):
    """The persistent store could not be opened, read or written."""


class SchemaVersionError(StoreError):
    """The store file was written by a newer MAGS than this one."""
