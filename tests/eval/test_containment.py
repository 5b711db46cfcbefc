"""Answer containment (`mags.eval.containment`): normalized, whole words, lists, dates."""

from __future__ import annotations

import pytest

from mags.eval.containment import answer_parts, contains_answer, date_forms, normalize


@pytest.mark.parametrize(
    ("context", "answer", "expected"),
    [
        ("- Ana: I adopted THE dog, a beagle!", "A Beagle", True),  # case, articles, punctuation
        ("- ana lives_in Lisbon", "Lisbon", True),  # a fact line's words count
        ("- Ana: I love parties.", "art", False),  # whole words only
        ("[7 May 2023]\n- Ana: hiking", "May 7, 2023", True),  # the other date order
        ("- Ana: on 7 May, 2023 I hiked", "7 May 2023", True),
        ("- Ana: pottery, camping and painting", "Pottery, painting, camping", True),  # any order
        ("- Ana: pottery and painting", "pottery, camping", False),  # every item
        ("anything", "", False),  # no answer is never contained
        ("anything", "the", False),  # nor one made only of articles
    ],
)
def test_contains_answer(context: str, answer: str, expected: bool) -> None:
    assert contains_answer(context, answer) is expected


def test_the_parts_of_normalization() -> None:
    assert normalize("  The  café—Lisbon ") == "café lisbon"
    assert date_forms("07 June 2023") == ["7 june 2023", "june 7 2023"]
    assert date_forms("Smarch 7 2023") == ["smarch 7 2023"]  # not a month: as it is
    assert answer_parts("May 7, 2023") == ["May 7, 2023"]  # a date is not a list
