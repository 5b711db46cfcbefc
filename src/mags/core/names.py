"""Entity names: normalization into lookup keys, tokens for lexical seeding, similarity.

Two surface forms with the same key are the same entity ("The Red Apples" and "red apple").
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

ARTICLES = frozenset({"the", "a", "an", "some", "this", "that", "these", "those"})
STOPWORDS = ARTICLES | frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "be",
        "of",
        "in",
        "on",
        "at",
        "to",
        "from",
        "with",
        "and",
        "or",
        "where",
        "what",
        "which",
        "who",
        "how",
        "do",
        "does",
        "did",
        "i",
        "you",
        "it",
        "my",
        "your",
        "me",
        "there",
        "here",
        "can",
        "could",
        "should",
        "for",
        "about",
        "any",
        "now",
        "find",
        "get",
        "go",
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NO_PLURAL_AFTER = ("ss", "us", "is", "ous")
_IRREGULAR_PLURALS = {
    "knives": "knife",
    "leaves": "leaf",
    "loaves": "loaf",
    "halves": "half",
    "shelves": "shelf",
    "wolves": "wolf",
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
    "teeth": "tooth",
    "feet": "foot",
    "mice": "mouse",
    "potatoes": "potato",
    "tomatoes": "tomato",
    "mangoes": "mango",
}


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """A conservative singular of a lower-case word; unknown forms are left alone.

    Example
    -------
    >>> singular("cherries"), singular("boxes"), singular("glass"), singular("knives")
    ('cherry', 'box', 'glass', 'knife')
    """
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if len(word) < 4 or not word.endswith("s") or word.endswith(_NO_PLURAL_AFTER):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zzes")):
        return word[:-2]
    return word[:-1]


def clean_name(name: str) -> str:
    """The display form: whitespace collapsed, leading articles dropped, case kept.

    Example
    -------
    >>> clean_name("  the   Red Apple ")
    'Red Apple'
    """
    words = name.split()
    while len(words) > 1 and words[0].lower() in ARTICLES:
        words = words[1:]
    return " ".join(words)


@lru_cache(maxsize=262144)
def name_key(name: str) -> str:
    """The lookup key of a name: lower case, no articles, last word singular.

    Example
    -------
    >>> name_key("The Red Apples") == name_key("red apple")
    True
    """
    words = clean_name(name).lower().split()
    if words:
        words[-1] = singular(words[-1])
    return " ".join(words)


def tokens(text: str) -> list[str]:
    """Content words of a text, lower case and singular, stopwords removed.

    Example
    -------
    >>> tokens("Where is the red apple?")
    ['red', 'apple']
    """
    return [singular(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


HEAD_SIMILARITY = 0.75
"""How alike two names' last words must be for the names to be one thing (a typo keeps
most of a word: "cupbaord" is 0.875 of "cupboard")."""


SHORT_WORD = 4
"""Words this short are never typos of each other: one letter turns *old* into *gold*, *red*
into *reed*."""


def similarity(a: str, b: str) -> float:
    """Name similarity in [0, 1] between two keys; names that differ in a number, or whose
    last words (the head nouns: a *key* is never a *gate*) are not alike, never match.

    Example
    -------
    >>> round(similarity("kitchen cupboard", "kitchen cupbaord"), 2)
    0.94
    >>> similarity("locker 12", "locker 13")
    0.0
    >>> similarity("fresh laundry scented key", "fresh laundry scented gate")
    0.0
    >>> similarity("gold coin", "old coin")  # one letter makes a short word another word
    0.0
    """
    if a == b:
        return 1.0
    if [w for w in a.split() if w.isdigit()] != [w for w in b.split() if w.isdigit()]:
        return 0.0
    if a.replace(" ", "") == b.replace(" ", ""):
        return 1.0
    words_a, words_b = a.split(), b.split()
    if len(words_a) == len(words_b) and any(
        x != y and min(len(x), len(y)) <= SHORT_WORD for x, y in zip(words_a, words_b, strict=True)
    ):
        return 0.0
    head_a, head_b = words_a[-1], words_b[-1]
    if SequenceMatcher(None, head_a, head_b, autojunk=False).ratio() < HEAD_SIMILARITY:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()
