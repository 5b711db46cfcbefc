"""Answer containment: is the question's gold answer inside the packed context? (issue 26)

Evidence recall credits a context for holding the turns a question was written from; it
cannot credit a fact line ("ana lives_in Lisbon") that answers it in fewer tokens. Answer
containment is the second LLM-free metric: a question counts as answered by a context when
its normalized gold answer lies inside the normalized context. Normalization is SQuAD's
(lower case, punctuation and the articles a/an/the dropped, whitespace collapsed) with
underscores as spaces, so a fact's relation reads as words. A date answer also matches
in the other order the conversation may use ("7 May 2023" and "May 7, 2023"), and a list
answer ("pottery, camping and painting") counts when every item is there. Adversarial
questions, whose answer is absent by design, are left out by the caller.

Example
-------
>>> normalize("The Lisbon-based café, 2023!")
'lisbon based café 2023'
>>> contains_answer("- Ana: I live in Lisbon now.", "lisbon")
True
>>> contains_answer("[7 May 2023]\\n- Ana: I went hiking.", "May 7, 2023")
True
>>> contains_answer("pottery and camping", "pottery, camping, painting")
False
"""

from __future__ import annotations

import re
import string

from mags.core.episodes import MONTHS as EPISODE_MONTHS

ARTICLES = frozenset({"a", "an", "the"})
MONTHS = tuple(month.lower() for month in EPISODE_MONTHS)
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}‘’“”–—…]")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2}) ([a-z]+) (\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+) (\d{1,2}) (\d{4})$")
_LIST_SPLIT = re.compile(r"\s*(?:,|;|\band\b)\s*")


def normalize(text: str) -> str:
    """Lower case, punctuation and underscores as spaces, no articles, one space apart."""
    words = _PUNCTUATION.sub(" ", text.lower().replace("_", " ")).split()
    return " ".join(w for w in words if w not in ARTICLES)


def date_forms(answer: str) -> list[str]:
    """A normalized date answer in both orders (day month year, month day year); else
    the answer alone."""
    text = normalize(answer)
    for pattern, day_first in ((_DAY_MONTH_YEAR, True), (_MONTH_DAY_YEAR, False)):
        match = pattern.match(text)
        if match is None:
            continue
        day, month, year = match.groups() if day_first else (match[2], match[1], match[3])
        if month in MONTHS:
            day = str(int(day))
            return [f"{day} {month} {year}", f"{month} {day} {year}"]
    return [text]


def answer_parts(answer: str) -> list[str]:
    """The items of a list answer (split on commas, semicolons and "and"), normalized;
    one item when it is not a list."""
    if ("," not in answer and ";" not in answer) or len(date_forms(answer)) > 1:
        return [answer]  # "May 7, 2023" is one date, not a list
    return [part for part in _LIST_SPLIT.split(answer) if normalize(part)]


def contains_answer(context: str, answer: str) -> bool:
    """Whether every item of ``answer``, in one of its forms, lies inside ``context``
    (whole words: "art" is not inside "party")."""
    haystack = f" {normalize(context)} "
    parts = answer_parts(answer)
    if not any(normalize(p) for p in parts):
        return False
    return all(any(f" {form} " in haystack for form in date_forms(part)) for part in parts)
