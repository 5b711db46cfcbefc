"""Time in queries: "last week", "in May 2023", "before June 2023" as a window of dates.

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

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH = rf"(?:{_MONTHS}|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

_PATTERNS = [
    # 8 May 2023, May 8th, 2023, 2023-05-08
    ("day", rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH},? \d{{4}}\b"),
    ("day", rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b"),
    ("day", r"\b\d{4}-\d{2}-\d{2}\b"),
    ("month", rf"\b{_MONTH},? \d{{4}}\b"),
    ("year", r"\b(?:in|during|of|since|before|after|by) (?:19|20)\d{2}\b"),
    ("relative", r"\b(?:yesterday|today|the day before yesterday)\b"),
    ("relative", r"\b(?:last|this|past|previous) (?:week|month|year|weekend)\b"),
    ("relative", rf"\b(?:last|this|on) (?:{'|'.join(_WEEKDAYS)})\b"),
    ("relative", r"\b(?:\d+|a|an|one|two|three|four|five|six) (?:day|week|month|year)s? ago\b"),
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
        day = when[:10]
        # A coarser date (a week, a month, a year) is inside if it overlaps the window.
        first, last = day, day
        week = re.fullmatch(r"(\d{4})-W(\d{2})", day)
        if week:
            monday = date.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
            first, last = monday.isoformat(), (monday + timedelta(days=6)).isoformat()
        elif len(day) == 7:
            first, last = day + "-01", day + "-31"
        elif len(day) == 4:
            first, last = day + "-01-01", day + "-12-31"
        return (self.start is None or last >= self.start) and (
            self.end is None or first <= self.end
        )


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
    if phrase == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if phrase == "the day before yesterday":
        return today - timedelta(days=2), today - timedelta(days=2)
    if phrase == "today":
        return today, today
    words = phrase.split()
    if words[-1] == "ago":
        count = int(words[0]) if words[0].isdigit() else _NUMBERS.get(words[0], 1)
        days = count * _UNITS[words[1].rstrip("s")]
        centre = today - timedelta(days=days)
        slack = timedelta(days=max(1, days // 4))
        return centre - slack, centre + slack
    which, unit = words[0], words[1]
    if unit in _WEEKDAYS:
        back = (today.weekday() - _WEEKDAYS.index(unit)) % 7 or 7
        day = today - timedelta(days=back)
        return day, day
    this = which == "this"
    if unit in ("week", "weekend"):
        monday = today - timedelta(days=today.weekday())
        start = monday if this else monday - timedelta(days=7)
        return start, start + timedelta(days=6)
    if unit == "month":
        if this:
            return today.replace(day=1), today
        last_day = today.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day
    year = today.year if this else today.year - 1
    return date(year, 1, 1), date(year, 12, 31)


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
