"""Input validation: every check runs before any change, so bad input changes nothing."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mags.core.errors import InvalidInputError, TimeOrderError
from mags.core.model import Correction, Fact, ForgetRequest, Negation, Qualifiers, Scalar
from mags.core.schema import RelationSchema, RelationSpec

MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 200_000
MAX_QUALIFIERS = 16
MAX_QUALIFIER_CHARS = 500
MAX_FACTS_PER_CALL = 1_000_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class ValidFact:
    """A fact whose every part has been checked and canonicalized."""

    subject: str
    spec: RelationSpec
    object: str
    qualifiers: Qualifiers
    confidence: float
    change: bool = False
    """The statement asserts a change: it supersedes at once (see `mags.core.model.Fact`)."""


def check_text(value: Any, what: str, max_chars: int) -> str:
    """A non-empty, valid UTF-8 string without control characters (bytes are decoded)."""
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                f"{what} is not valid UTF-8 ({exc.reason} at byte {exc.start}); "
                "decode it with the right encoding first"
            ) from None
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(
            f"{what} contains characters that are not valid UTF-8 (lone surrogates); "
            "it was probably decoded with errors='surrogateescape'"
        ) from None
    if not value.strip():
        raise InvalidInputError(f"{what} is empty")
    if len(value) > max_chars:
        raise InvalidInputError(f"{what} is {len(value)} characters long; the limit is {max_chars}")
    return value


def check_name(value: Any, what: str) -> str:
    """An entity name: `check_text` plus no control characters and at most 200 characters."""
    if (
        type(value) is str
        and 0 < len(value) <= MAX_NAME_CHARS
        and value.isprintable()
        and value.isascii()
        and not value.isspace()
    ):
        return value  # the common case, decided without the full checks below
    name = check_text(value, what, MAX_NAME_CHARS)
    if _CONTROL.search(name):
        raise InvalidInputError(f"{what} {name!r} contains control characters (newline, tab, ...)")
    return name


def check_confidence(value: Any) -> float:
    """A confidence in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"confidence must be a number in (0, 1], got {value!r}")
    if not math.isfinite(value) or not 0.0 < value <= 1.0:
        raise InvalidInputError(f"confidence must be a number in (0, 1], got {value!r}")
    return float(value)


def check_time(t: Any, now: float) -> float:
    """A finite logical time no earlier than the memory's latest change."""
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        raise InvalidInputError(f"t must be a finite number (the step or turn), got {t!r}")
    if t < now:
        raise TimeOrderError(
            f"t={t} is earlier than the memory's latest change at t={now}; "
            "logical time must not go backwards"
        )
    return float(t)


_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


def check_when(value: Any) -> str | None:
    """A wall-clock time as ISO 8601 text, ``2023-05-08`` or ``2023-05-08T13:56:00``
    (None stays None). The core never reads a clock: callers turn datetimes into text.

    Example
    -------
    >>> check_when("2023-05-08T13:56:00"), check_when("2023-05-08")
    ('2023-05-08T13:56:00', '2023-05-08')
    """
    if value is None:
        return None
    if isinstance(value, str) and _ISO.match(value.strip()):
        return value.strip()
    raise InvalidInputError(
        f"when must be a datetime or an ISO 8601 string such as '2023-05-08T13:56:00', "
        f"got {value!r:.100}"
    )


def check_qualifiers(value: Any) -> Qualifiers:
    """Qualifiers as a sorted tuple of (key, scalar) pairs."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"qualifiers must be a dict, got {type(value).__name__}")
    if len(value) > MAX_QUALIFIERS:
        raise InvalidInputError(f"{len(value)} qualifiers; the limit is {MAX_QUALIFIERS}")
    out: list[tuple[str, Scalar]] = []
    for key, item in value.items():
        key = check_name(key, "qualifier key")
        if isinstance(item, str):
            item = check_text(item, f"qualifier {key!r}", MAX_QUALIFIER_CHARS)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidInputError(f"qualifier {key!r} is {item}; use a finite number")
        elif not isinstance(item, bool | int | float):
            raise InvalidInputError(
                f"qualifier {key!r} must be a string, number or bool, got {type(item).__name__}"
            )
        out.append((key, item))
    return tuple(sorted(out))


def check_fact(value: Any, schema: RelationSchema) -> ValidFact:
    """A `Fact` or a ``(subject, relation, object[, qualifiers])`` tuple, checked."""
    if isinstance(value, Fact):
        subject, relation, obj = value.subject, value.relation, value.object
        qualifiers, confidence, change = value.qualifiers, value.confidence, value.change
        if not isinstance(change, bool):
            raise InvalidInputError(f"change must be True or False, got {change!r}")
    elif isinstance(value, tuple | list) and len(value) in (3, 4):
        subject, relation, obj = value[0], value[1], value[2]
        qualifiers = value[3] if len(value) == 4 else None
        confidence, change = 1.0, False
    else:
        raise InvalidInputError(
            f"a fact must be a mags.Fact or a (subject, relation, object[, qualifiers]) "
            f"tuple, got {value!r:.200}"
        )
    subject = check_name(subject, "subject")
    obj = check_name(obj, "object")
    relation = check_name(relation, "relation")
    return ValidFact(
        subject,
        schema.resolve(relation),
        obj,
        check_qualifiers(qualifiers),
        check_confidence(confidence),
        change,
    )


def check_facts(values: Any, schema: RelationSchema) -> list[ValidFact]:
    """Every fact of a call, checked before any of them is applied."""
    if isinstance(values, Fact | str | bytes) or (
        isinstance(values, tuple) and len(values) in (3, 4) and isinstance(values[0], str)
    ):
        raise InvalidInputError("pass a list of facts, e.g. add([('apple', 'in', 'fridge')], t=0)")
    try:
        items = list(values)
    except TypeError:
        raise InvalidInputError(f"facts must be a list, got {type(values).__name__}") from None
    if len(items) > MAX_FACTS_PER_CALL:
        raise InvalidInputError(
            f"{len(items)} facts in one call; the limit is {MAX_FACTS_PER_CALL}"
        )
    out = []
    for i, item in enumerate(items):
        try:
            out.append(check_fact(item, schema))
        except InvalidInputError as exc:
            raise type(exc)(f"fact #{i}: {exc}") from None
    return out


def check_negation(
    value: Any, schema: RelationSchema
) -> tuple[str | None, str | None, str | None, float]:
    """A `Negation` as (relation or None, subject or None, object or None, confidence),
    checked."""
    if not isinstance(value, Negation):
        raise InvalidInputError(f"expected a mags.Negation, got {type(value).__name__}")
    if value.subject is None and value.object is None:
        raise InvalidInputError(
            "a negation needs a subject or an object, e.g. Negation('in', object='fridge')"
        )
    relation = (
        None
        if value.relation is None
        else schema.resolve(check_name(value.relation, "relation")).name
    )
    subject = None if value.subject is None else check_name(value.subject, "subject")
    obj = None if value.object is None else check_name(value.object, "object")
    return relation, subject, obj, check_confidence(value.confidence)


def check_requests(corrections: Any, forget: Any) -> tuple[list[Correction], list[ForgetRequest]]:
    """Corrections and forget requests from an extractor, checked (see `mags.core.requests`)."""
    checked: list[Correction] = []
    for item in corrections:
        if not isinstance(item, Correction):
            raise InvalidInputError(f"expected a mags Correction, got {type(item).__name__}")
        old = None if item.old is None else check_name(item.old, "corrected object")
        speaker = check_name(item.speaker, "speaker")
        checked.append(Correction(speaker, check_name(item.new, "corrected object"), old))
    requests: list[ForgetRequest] = []
    for item in forget:
        if not isinstance(item, ForgetRequest):
            raise InvalidInputError(f"expected a mags ForgetRequest, got {type(item).__name__}")
        topic = None if item.topic is None else check_name(item.topic, "topic to forget")
        requests.append(ForgetRequest(check_name(item.speaker, "speaker"), topic))
    return checked, requests
