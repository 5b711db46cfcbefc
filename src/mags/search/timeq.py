"""Time expressions: relative phrases resolved against a date (`resolve_when`, which also
dates what a chat speaker says), and the time a query names as a window of dates.

Recall boosts episodes and dated facts inside the window. Relative expressions resolve
against a reference time: the caller's ``now`` or, by default, the date of the memory's
latest dated episode (a conversation's "last week" is the week before its latest turn).
Absolute dates are parsed by ``dateparser`` (it knows "8 May, 2023", "May 8th 2023",
"2023-05-08", ...); the window's size follows what the expression names (a day, a week,
a month, a year). An expression relative to an event ("before the trip") is not resolved.

Example
-------
>>> from datetime import datetime
>>> time_window("What did Caroline do in May 2023?", datetime(2023, 7, 1))
TimeWindow(start='2023-05-01', end='2023-05-31', phrase='May 2023')
>>> time_window("Where did Mel go last week?", datetime(2023, 7, 12)).start
'2023-07-03'
>>> time_window("Where is the apple?", datetime(2023, 7, 12)) is None
True
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_COUNTS = ("a", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_COUNT_WORDS = {w: n for n, w in enumerate(_COUNTS, 1)} | {"an": 1, "one": 1, "couple of": 2}
_COUNT_WORDS["a couple of"] = 2
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Regular expressions of a unit of time and of a count of them ("two weeks", "a couple of days").
UNIT = r"(day|week|month|year)s?"
NUMBER = r"(\d+|a couple of|couple of|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH = rf"(?:{_MONTHS}|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"

_PATTERNS = [
    # 8 May 2023, May 8th, 2023, 2023-05-08
    ("day", rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH},? \d{{4}}\b"),
    ("day", rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b"),
    ("day", r"\b\d{4}-\d{2}-\d{2}\b"),
    ("month", rf"\b{_MONTH},? \d{{4}}\b"),
    ("year", r"\b(?:in|during|of|since|before|after|by) (?:19|20)\d{2}\b"),
    ("relative", r"\b(?:yesterday|today|the day before yesterday)\b"),
    ("relative", r"\b(?:last|this|past|previous) (?:week|month|year|weekend)\b"),
    ("relative", rf"\b(?:last|this|on) (?:{'|'.join(WEEKDAYS)})\b"),
    ("relative", rf"\b{NUMBER} {UNIT} ago\b"),
]
_PREFIX = re.compile(r"\b(before|after|since|until|by)\s+$")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Inclusive ISO dates; an open end is ``None``. ``phrase`` is what the query said."""

    start: str | None
    end: str | None
    phrase: str

    def contains(self, when: str | None) -> bool:
        """Whether an ISO date or date-time (or a ``YYYY-MM``/``YYYY`` prefix) falls inside.

        Example
        -------
        >>> may = TimeWindow("2023-05-01", "2023-05-31", "May 2023")
        >>> may.contains("2023-05-08T13:56:00"), may.contains("2023-W18"), may.contains("2023-06")
        (True, True, False)
        """
        if not when:
            return False
        span = coarse_span(when)
        if span is None:
            return False
        first, last = span[0].isoformat(), span[1].isoformat()
        return (self.start is None or last >= self.start) and (
            self.end is None or first <= self.end
        )


def coarse_span(value: str) -> tuple[date, date] | None:
    """The first and last day an ISO date, date-time, week (``2023-W18``), month or year
    covers; None if it is none of these.

    Example
    -------
    >>> coarse_span("2023-W18")
    (datetime.date(2023, 5, 1), datetime.date(2023, 5, 7))
    """
    text = value[:10]
    try:
        if week := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            monday = date.fromisocalendar(int(week[1]), int(week[2]), 1)
            return monday, monday + timedelta(days=6)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = int(text[:4]), int(text[5:])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 1, 1), date(int(text), 12, 31)
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day, day


def _shift_month(day: date, months: int) -> str:
    index = day.year * 12 + day.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def resolve_when(phrase: str, now: date) -> str | None:
    """An ISO date (or week, month, year) for a relative time phrase said on ``now``.

    Example
    -------
    >>> d = date(2023, 5, 8)  # a Monday
    >>> [resolve_when(p, d) for p in ("yesterday", "last Saturday", "last month",
    ...  "two weeks ago", "next year", "last week")]
    ['2023-05-07', '2023-05-06', '2023-04', '2023-04-24', '2024', '2023-W18']
    """
    p = " ".join(phrase.lower().split())
    days = dict.fromkeys(("today", "tonight", "this morning", "earlier today"), 0)
    days |= {"yesterday": -1, "last night": -1, "the day before yesterday": -2, "tomorrow": 1}
    if p in days:
        return (now + timedelta(days=days[p])).isoformat()
    head, _, unit = p.partition(" ")
    if head in ("last", "this", "next") and unit in WEEKDAYS:
        gap = (now.weekday() - WEEKDAYS.index(unit)) % 7
        if head == "last":
            return (now - timedelta(days=gap or 7)).isoformat()
        return (now + timedelta(days=(-gap) % 7 or 7)).isoformat()
    step = {"last": -1, "this": 0, "next": 1}.get(head)
    if step is not None:
        if unit == "week":
            return _week(now + timedelta(weeks=step))
        if unit == "month":
            return _shift_month(now, step)
        if unit == "year":
            return f"{now.year + step:04d}"
        if unit == "weekend":
            saturday = now + timedelta(days=(5 - now.weekday()) % 7)
            return (saturday + timedelta(weeks=min(step, 0))).isoformat()
    match = re.fullmatch(rf"(in )?{NUMBER} {UNIT}( ago)?", p)
    if match is None:
        return None
    count = int(match[2]) if match[2].isdigit() else _COUNT_WORDS[match[2]]
    sign = 1 if match[1] else -1
    if match[3] == "day":
        return (now + timedelta(days=sign * count)).isoformat()
    if match[3] == "week":
        return (now + timedelta(weeks=sign * count)).isoformat()
    if match[3] == "month":
        return _shift_month(now, sign * count)
    return f"{now.year + sign * count:04d}"


def _span(kind: str, text: str, reference: datetime) -> tuple[date, date] | None:
    phrase = text.lower()
    today = reference.date()
    if kind == "relative":
        return _relative(phrase, today)
    if kind == "year":
        year = int(phrase[-4:])
        return date(year, 1, 1), date(year, 12, 31)
    import dateparser  # imported on first use: it takes ~0.3 s

    parsed = dateparser.parse(
        phrase, settings={"PREFER_DAY_OF_MONTH": "first", "RELATIVE_BASE": reference}
    )
    if parsed is None:
        return None
    if kind == "month":
        last = calendar.monthrange(parsed.year, parsed.month)[1]
        return date(parsed.year, parsed.month, 1), date(parsed.year, parsed.month, last)
    return parsed.date(), parsed.date()


def _relative(phrase: str, today: date) -> tuple[date, date] | None:
    # The same resolver dates what a speaker says (`resolve_when`); a query's window is the
    # span of its answer, and "N weeks ago" gets a quarter of its distance on either side.
    words = phrase.split()
    if words[0] in ("past", "previous", "on"):
        phrase = " ".join(["last", *words[1:]])
    value = resolve_when(phrase, today)
    span = None if value is None else coarse_span(value)
    if span is not None and words[-1] == "ago":
        slack = timedelta(days=max(1, abs((today - span[0]).days) // 4))
        span = (span[0] - slack, span[1] + slack)
    return span


def time_window(query: str, reference: datetime | None) -> TimeWindow | None:
    """The first time expression of ``query`` as a window, or None if it has none.

    Relative expressions need ``reference``; without one only absolute dates resolve.
    "before"/"after"/"since"/"until"/"by" in front of a date open the window on one side.
    """
    lowered = query.lower()
    for kind, pattern in _PATTERNS:
        match = re.search(pattern, lowered)
        if match is None or (kind == "relative" and reference is None):
            continue
        span = _span(kind, match.group(0), reference or datetime(2000, 1, 1))
        if span is None:
            continue
        start, end = span[0].isoformat(), span[1].isoformat()
        phrase = query[match.start() : match.end()]
        prefix = _PREFIX.search(lowered[: match.start()])
        # "in 2022" / "before 2022" patterns carry their preposition inside the match.
        head = phrase.split()[0].lower()
        side = (
            prefix.group(1)
            if prefix
            else head
            if head in ("before", "after", "since", "by")
            else None
        )
        if side == "before":
            return TimeWindow(None, (span[0] - timedelta(days=1)).isoformat(), phrase)
        if side in ("until", "by"):
            return TimeWindow(None, end, phrase)
        if side in ("after", "since"):
            return TimeWindow(start, None, phrase)
        return TimeWindow(start, end, phrase)
    return None
