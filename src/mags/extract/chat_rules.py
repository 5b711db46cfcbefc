"""An LLM-free rule extractor for chat turns: first-person statements become facts about
the speaker, in the chat schema (`mags.core.schema.chat_schema`).

It reads what a speaker says about themselves ("I moved to Berlin", "my dog Max", "I went
to a support group yesterday") and nothing else: not questions, not negated or
hypothetical statements ("I don't like", "I would love to", "if I"), not what one person
says about another, and never an assistant's turn. Relative dates ("last Saturday", "two
weeks ago", "next month") resolve against the turn's ``when`` into a ``when`` qualifier:
``YYYY-MM-DD`` for a day, ``YYYY-Www`` (ISO week) for a week, ``YYYY-MM`` for a month and
``YYYY`` for a year. The rules trade recall for precision: a pattern fires only where it is
right most of the time. Statements of change (news, endings, corrections, forget requests)
are read by `mags.extract.chat_changes`.

Example
-------
>>> ctx = ExtractionContext(t=0, source="D1:1", speaker="Caroline", when="2023-05-08T13:56")
>>> facts = ChatRuleExtractor().extract(
...     "I went to a support group yesterday. My dog Max loves it!", ctx).facts
>>> for f in facts:
...     print(f.subject, f.relation, f.object, f.qualifiers)
Caroline attended support group {'when': '2023-05-07'}
Caroline has Max None
Max is_a dog None
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime

from mags.core.model import Fact, Scalar
from mags.core.schema import WHEN
from mags.extract.base import Extraction, ExtractionContext
from mags.extract.chat_changes import ChatChanges
from mags.search.timeq import NUMBER as _NUMBER
from mags.search.timeq import UNIT as _UNIT
from mags.search.timeq import WEEKDAYS as _WEEKDAYS
from mags.search.timeq import resolve_when


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EXPLICIT = 0.9
"""Confidence of a pattern that leaves little doubt ("I work as", "my husband John")."""
LIKELY = 0.8
"""Confidence of the other patterns."""
MAX_WORDS = 5

_TIME = re.compile(
    r"\b(the day before yesterday|yesterday|last night|this morning|earlier today|today|tonight"
    r"|tomorrow|(?:last|this|next) (?:week(?:end)?|month|year|" + "|".join(_WEEKDAYS) + ")"
    rf"|{_NUMBER} {_UNIT} ago|in {_NUMBER} {_UNIT})\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(r"^(tomorrow|tonight|next |in |this weekend)", re.IGNORECASE)

_JOBS = _words(
    "teacher nurse doctor engineer developer programmer designer writer author artist painter "
    "musician singer dancer actor actress chef cook baker lawyer accountant scientist "
    "researcher professor lecturer counselor counsellor therapist psychologist photographer "
    "journalist librarian pharmacist dentist veterinarian vet mechanic electrician plumber "
    "carpenter architect firefighter paramedic pilot farmer barista bartender waiter waitress "
    "cashier manager entrepreneur consultant analyst instructor coach trainer athlete player "
    "streamer youtuber blogger poet novelist filmmaker sculptor potter tutor volunteer "
    "officer soldier veteran worker caregiver guard nanny"
)
_IDENTITIES = (
    r"(?:a |an )?(?:transgender|trans|nonbinary|non-binary|gay|lesbian|bisexual|queer"
    r"|pansexual|asexual|genderqueer|genderfluid)(?: (?:woman|man|person|girl|guy))?"
)
_EVENTS = _words(
    "group meeting conference convention concert show festival party class workshop event "
    "parade game match wedding session fair race ceremony camp retreat seminar lecture "
    "meetup rally exhibition exhibit fundraiser gala tournament competition contest "
    "marathon recital performance play talk course program thing"
)
_PETS = "dog|cat|puppy|kitten|pup|turtle|hamster|rabbit|bunny|parrot|bird|horse|snake|fish"
_KIN = {
    word: relation
    for relation, words in (
        ("married_to", "husband wife spouse"),
        ("parent_of", "son daughter kid child"),
        ("child_of", "mom mother dad father"),
        ("sibling_of", "brother sister"),
        ("friend_of", "friend"),
        ("has", "partner boyfriend girlfriend fiance fiancé fiancée"),
    )
    for word in words.split()
} | {"best friend": "friend_of"}
_OWN_ALONE = _words("husband wife spouse son daughter kids children partner boyfriend girlfriend")
_KIN_WORDS = "best friend|" + "|".join(k for k in _KIN if k != "best friend")
_KIN_PLURAL = "kids|children|sons|daughters"
_NAME = r"(?P<n>(?-i:[A-Z][a-z]+(?: [A-Z][a-z]+)?))"

_HYPOTHETICAL = re.compile(
    r"\b(if|would|wish|hope|hoping|maybe|might|could|should|unless|imagine|suppose|wonder"
    r"|whether|I'd|wanna|want|wanted)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(not|never|no|nobody|nothing|no longer)\b|n't\b", re.IGNORECASE)
_DET = re.compile(
    r"^(?:(?:a|an|the|my|our|this|these|those|some|his|her|their|its|new|own)\s+)+",
    re.IGNORECASE,
)
_STOP = _words(
    "and but or so because since as while when whenever which who whom whose that where if "
    "than though although until unless like yesterday today tonight tomorrow last next ago "
    "too very really now again lately anymore here there right ever just already also even "
    "with without to in at on for from by about during after before into near through "
    "over under around is was are were am be been it this together not"
)
_PRONOUNS = _words("it them that this you me him her us myself yourself")
_VAGUE = frozenset(
    ["place", "thing", "things", "event", "stuff", "time", "one", "playing", "spending time"]
)
_PARTICLES = _words("up out around back off down over")
_CONTRACTION = re.compile(r"^(it|that|there|he|she|what|who)'s$|'(re|ve|m|ll|d)$", re.IGNORECASE)
_PREPS = _words("with to in at on for from by about during into near through of")
_JUNK = _words(
    "it that this these those them him her you us me myself yourself everything anything "
    "something nothing everyone anyone all how what when where why who whatever one ones "
    "being seeing hearing knowing having getting feeling making doing thinking saying "
    "the your his their our my so such too lot bed sleep work home back out up there here "
    "each every any both more most way kind sort few bit lot couple"
)
_WEAK_VERBS = _words(
    "keep try be have make do say tell let give get see check need take think miss stay "
    "start continue go come help use put look find"
)
_LEAD = (
    r"(?:^|[,;:–—-]\s*|\b(?:and|but|so|because|since|as|after|before|plus|also|then|why"
    r"|now|recently|finally|actually|honestly)\s+)(?:(?:" + _TIME.pattern[3:-3] + r"),?\s+)?"
)
_ADV = r"(?:\s+(?:really|also|just|totally|absolutely|actually|recently|finally|still|always"
_ADV += r"|definitely|truly|especially|do|even|so|originally|currently|now|officially))*"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(_LEAD + r"I" + pattern, re.IGNORECASE)


def sentences(text: str) -> Iterator[str]:
    """The sentences of a turn, without photo captions (``[shares a photo of ...]``) and
    quoted speech, each with its closing punctuation."""
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"\[[^\]]*\]|\"[^\"]*\"|“[^”]*”", " ", text)
    for part in re.split(r"(?<=[.!?])\s+|\n+", text):
        if part.strip():
            yield part.strip()


def _phrase(text: str, *, verb_phrase: bool = False) -> str | None:
    """The short noun phrase (or, for a plan, verb phrase) at the start of ``text``, without
    leading determiners; None if there is none or it is too long or vague to be an object."""
    if not verb_phrase:
        text = _DET.sub("", text.strip())
    words: list[str] = []
    cut_at_preposition = False
    for raw in text.split():
        word = raw.rstrip(".,;:!?)(\"'")
        low = word.lower()
        if not word or word in ("-", "–", "—"):
            break
        after_head = len(words) == 1 and low in _PREPS
        if low in _STOP and not (after_head and (verb_phrase or words[0].endswith("ing"))):
            cut_at_preposition = low in _PREPS
            break
        words.append(word)
        if word != raw:
            break
    cut_at_preposition |= bool(words) and words[-1].lower() in _PREPS
    while words and words[-1].lower() in _PREPS | {"the", "a", "an", "my", "and"}:
        words.pop()
    # "I love curling up (with a good book)": a gerund cut short says too little.
    short = len(words) == 1 or (len(words) == 2 and words[1].lower() in _PARTICLES)
    if cut_at_preposition and words and words[0].endswith("ing") and short:
        return None
    if " ".join(words).lower() in _VAGUE or (words and _CONTRACTION.search(words[0])):
        return None
    if not words or len(words) > MAX_WORDS or words[0].lower() in _JUNK:
        return None
    if any(w.lower() in _PRONOUNS for w in words):
        return None
    return " ".join(words)


class ChatRuleExtractor:
    """First-person facts about ``context.speaker`` from one chat turn (see the module)."""

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        """Facts the speaker asserts about themselves in ``text``."""
        speaker = (context.speaker or "").strip()
        if not speaker or (context.role or "").lower() == "assistant":
            return Extraction()
        now = _parse_when(context.when)
        changes = ChatChanges(lambda sentence: _sentence_facts(sentence, speaker, now))
        facts: dict[tuple[str, str, str], Fact] = {}
        negations, corrections, forget = [], [], []
        for sentence in sentences(text):
            forget += changes.forget(sentence, speaker)  # "can you forget that?" asks too
            if sentence.endswith("?") or _HYPOTHETICAL.search(sentence):
                continue
            corrections += changes.corrections(sentence, speaker)
            negations += changes.negations(sentence, speaker)
            stated = changes.news(_sentence_facts(sentence, speaker, now), sentence)
            for fact in stated:
                facts.setdefault((fact.subject, fact.relation, fact.object.lower()), fact)
        if forget:  # a request to forget is not a statement to remember
            return Extraction(forget=tuple(forget))
        return Extraction(
            facts=tuple(facts.values()),
            negations=tuple(negations),
            corrections=tuple(corrections),
        )


def _parse_when(when: str | None) -> date | None:
    if not when:
        return None
    try:
        return datetime.fromisoformat(when).date()
    except ValueError:
        return None


def _when(sentence: str, start: int, now: date | None, future: bool) -> dict[str, Scalar] | None:
    """The ``when`` qualifier of the time phrase that goes with the statement at ``start``:
    the first after it of the right tense (past or future), else the first before it."""
    if now is None:
        return None
    found = [
        m
        for m in _TIME.finditer(sentence)
        if bool(_FUTURE.match(m[0])) == future or m[0].lower().startswith("this ")
    ]
    found.sort(key=lambda m: (m.start() < start, m.start() if m.start() >= start else -m.start()))
    for match in found:
        resolved = resolve_when(match[0], now)
        if resolved is not None:
            return {WHEN: resolved}
    return None


Rule = Callable[[re.Match[str], str, str, "date | None"], list[Fact]]
_RULES: list[tuple[re.Pattern[str], Rule]] = []


def _rule(pattern: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        _RULES.append((_rx(pattern), fn))
        return fn

    return register


def _object_start(match: re.Match[str]) -> int:
    starts = [match.start(g) for g in ("o", "o2", "g", "k") if g in match.re.groupindex]
    return min((s for s in starts if s >= 0), default=match.end())


def _sentence_facts(sentence: str, speaker: str, now: date | None) -> list[Fact]:
    # Time phrases become clause breaks of the same length, so objects stop before them
    # and positions still match the sentence the dates are read from.
    masked = _TIME.sub(lambda m: "; " + " " * (len(m[0]) - 2), sentence)
    out: list[Fact] = []
    for pattern, rule in _RULES:
        for match in pattern.finditer(masked):
            start = _object_start(match)
            head = masked[match.start() : start] + " ".join(masked[start:].split()[:4])
            head = re.sub(r"can(?:'t|not) stand", "", head, flags=re.IGNORECASE)
            if _NEGATION.search(head) and " not a" not in match[0].lower():
                continue
            out.extend(rule(match, sentence, speaker, now))
    out.extend(_family(masked, speaker))
    return out


def _fact(
    s: str, r: str, o: str | None, conf: float = LIKELY, q: dict[str, Scalar] | None = None
) -> list[Fact]:
    return [] if o is None else [Fact(s, r, o, q, conf)]


def _proper(phrase: str | None) -> str | None:
    return phrase if phrase and phrase[0].isupper() else None


_BE = r"(?:'m| am)"
_FAN = r"an? (?:big |huge |total |massive |true )?fan"


@_rule(r"(?:'ve)?" + _ADV + r"\s+(?:moved|relocated) to (?P<o>.+)")
def _moved(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    place = _proper(_phrase(m["o"]))
    when = _when(sentence, m.start(), now, future=False)
    event = _fact(s, "did", f"moved to {place}", LIKELY, when) if place and when else []
    return _fact(s, "lives_in", place, EXPLICIT) + event


# "We moved to Valencia": a household's move is the speaker's too.
_RULES.append(
    (
        re.compile(
            _LEAD + r"we(?:'ve)?" + _ADV + r"\s+(?:moved|relocated) to (?P<o>.+)", re.IGNORECASE
        ),
        _moved,
    )
)


@_rule(_BE + _ADV + r"\s+an? (?P<o>[\w-]+(?: [\w-]+){0,3})")
def _am_a(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    words = m["o"].lower().split()
    for i, word in enumerate(words[:3]):
        pair = " ".join(words[i : i + 2])
        end = i + 2 if pair in _JOBS else i + 1
        if pair in _JOBS or word in _JOBS:
            tail = words[end] if end < len(words) else ""
            if tail in ("fan", "of", "and", "or") or words[0] in ("big", "huge", "total"):
                return []
            return _fact(s, "works_as", " ".join(words[:end]))
    return []


@_rule(
    _ADV
    + r"\s+(?:love|like|enjoy|adore) (?P<o>.+)|"
    + _LEAD
    + r"I"
    + _BE
    + _ADV
    + r"\s+(?:into|passionate about|obsessed with|"
    + _FAN
    + r" of) (?P<o2>.+)"
)
def _likes(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    rest = m["o"] or m["o2"]
    if re.match(
        r"(the|to|a|an|my|our|your|his|her|their|every|all|th[ia]s|th[eo]se)\b", rest, re.IGNORECASE
    ):
        return []
    return [f for o in _coordinated(rest) for f in _fact(s, "likes", o)]


def _coordinated(text: str) -> list[str]:
    """The phrases of a list ("reading, watching movies, and exploring nature"); a head
    shared by two ("action and sci-fi movies") is given to both."""
    segment = re.split(r"[.!?;:()–—]| - ", text)[0]
    last = re.search(r" (?:and|or) [^,]*", segment)
    segment = segment[: last.end()] if last else segment.split(",")[0]
    items = re.split(r",? (?:and|or) |, ", segment)
    out: list[str] = []
    for item in items:
        found = _phrase(item)
        if found is None:
            break
        out.append(found)
        if len(found.split()) < len(_DET.sub("", item.strip()).split()):
            break
    pair = len(out) == 2 and len(items) == 2 and " " not in out[0] and " " in out[1]
    if pair and not re.search(r"(ing|s)$", out[0]):
        out[0] += " " + out[1].split()[-1]
    return out


def _simple(relation: str, conf: float = LIKELY, proper: bool = False, bare: bool = False) -> Rule:
    """A rule whose object is the phrase after the verb; ``bare``: not one that starts with
    a determiner ("I hate the way ..." is about something the rule cannot name)."""

    def rule(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
        rest = m["o"] or m["o2"]
        if bare and re.match(r"(the|to|a|an|my|our|your|when)\b", rest, re.IGNORECASE):
            return []
        found = _phrase(rest)
        return _fact(s, relation, _proper(found) if proper else found, conf)

    return rule


_OR_I = "|" + _LEAD + "I" + _ADV
_STARTED = r"\s+(?:(?:started|start|began|begun) )?"
_SIMPLE: list[tuple[str, Rule]] = [
    (
        r"(?:'m| am|'ve been)?" + _ADV + r"\s+(?:live|living) in (?P<o>.+)(?P<o2>)",
        _simple("lives_in", EXPLICIT, proper=True),
    ),
    (
        _BE + _ADV + r"\s+from (?P<o>.+)" + _OR_I + r"\s+(?:come from|grew up in) (?P<o2>.+)",
        _simple("is_from", proper=True),
    ),
    (
        r"(?:'m| am)?" + _ADV + _STARTED + r"(?:work|working) as (?P<o>.+)(?P<o2>)",
        _simple("works_as", EXPLICIT),
    ),
    (
        r"(?:'m| am)?"
        + _ADV
        + _STARTED
        + r"(?:work|working) (?:at|for) (?P<o>.+)"
        + _OR_I
        + r"\s+(?:got|took|accepted|landed) a (?:new )?(?:job|position) (?:at|with) "
        r"(?P<o2>.+)",
        _simple("works_at"),
    ),
    (
        r"(?:'m| am)?" + _ADV + r"\s+(?:study|studying|majoring in|major in) (?P<o>.+)(?P<o2>)",
        _simple("studies"),
    ),
    (_BE + _ADV + r"\s+" + _FAN[:-4] + r"(?P<o>\w+) fan\b(?P<o2>)", _simple("likes")),
    (
        _ADV + r"\s+(?:hate|dislike|detest|can't stand|cannot stand) (?P<o>.+)(?P<o2>)",
        _simple("dislikes", bare=True),
    ),
    (_BE + r" not " + _FAN + r" of (?P<o>.+)(?P<o2>)", _simple("dislikes", bare=True)),
    (
        _BE
        + _ADV
        + r"\s+(?P<o>"
        + _IDENTITIES
        + r")\b(?! (?:ally|friend|community|rights))"
        + _OR_I
        + r"\s+(?:identify|came out|come out) as (?P<o2>[\w -]+)",
        _simple("identifies_as", EXPLICIT),
    ),
]
for _pattern, _fn in _SIMPLE:
    _rule(_pattern)(_fn)


@_rule(
    _BE + _ADV + r"\s+(?P<v>going|planning|about|gonna)\s+(?P<c>to |on )?(?P<o>.+)"
    r"|" + _LEAD + r"I" + _ADV + r"\s+plan (?:to|on) (?P<o2>.+)"
)
def _plans(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    rest = m["o"] or m["o2"]
    if m["v"] and m["v"].lower() == "going":
        if m["c"] is None:
            rest = "go " + rest if re.match(r"\w+ing\b", rest) else ""
        elif m["c"] == "to " and re.match(r"(a|an|the|this|[A-Z])", rest):
            rest = "go to " + rest
    elif m["v"] and m["c"] is None:
        return []
    found = _phrase(rest, verb_phrase=True)
    if found is None or found.split()[0].lower() in _WEAK_VERBS - {"go"} or found == "go":
        return []
    return _fact(s, "plans", found, LIKELY, _when(sentence, m.start(), now, future=True))


@_rule(_ADV + r"\s+(?P<v>went to|attended|visited|participated in|took part in) (?P<o>.+)")
def _went(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    found = _phrase(m["o"])
    if found is None or found.split()[0].lower() in _WEAK_VERBS | {"visit", "watch"}:
        return []
    verb = m["v"].lower()
    event = found.split()[-1].lower().rstrip("s") in _EVENTS
    relation = "attended" if verb != "visited" and (event or verb != "went to") else "visited"
    return _fact(s, relation, found, LIKELY, _when(sentence, m.start(), now, future=False))


@_rule(_ADV + r"\s+took (?:my|our|the) (?:\w+ )?\w+ to (?P<o>.+)")
def _took(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    found = _phrase(m["o"])
    if found is None or (not re.match(r"[a-z]", m["o"]) and not found[0].isupper()):
        return []
    relation = "attended" if found.split()[-1].lower().rstrip("s") in _EVENTS else "visited"
    return _fact(s, relation, found, LIKELY, _when(sentence, m.start(), now, future=False))


_PAST = r"made|took|bought|saw|read|wrote|began|started|joined|tried|found|met|built|drew"


@_rule(_ADV + r"\s+(?P<v>(?-i:[a-z]+ed)|" + _PAST + r") (?P<d>a|an|my|our|some) (?P<o>.+)")
def _past(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    """A dated past deed: "I painted a sunset last week" (only with a time phrase)."""
    when = _when(sentence, m.start(), now, future=False)
    found = _phrase(m["o"])
    verb = m["v"].lower()
    if verb == "took" and m["d"].lower() in ("my", "our"):
        return []  # "I took my kids to the park": the _took rule
    if when is None or found is None or verb in _VAGUE_PAST or found.split()[0] in _JUNK:
        return []
    return _fact(s, "did", f"{verb} {found}", LIKELY, when)


_VAGUE_PAST = _words(
    "wanted needed realized decided used tried felt seemed liked loved attended visited "
    "participated moved lived worked"
)


@_rule(
    _ADV + r"\s+(?:went (?P<g>\w+ing)\b|(?P<v>ran|won|hosted|organized|completed|finished)"
    r" (?:a|an|my|the|our) (?P<o>.+))"
)
def _did(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    found = m["g"] if m["g"] else _phrase(m["o"])
    if found is None or found.lower() in _JUNK:
        return []
    what = found if m["g"] else f"{m['v'].lower()} {found}"
    return _fact(s, "did", what, LIKELY, _when(sentence, m.start(), now, future=False))


@_rule(
    r"(?:'ve)?" + _ADV + r"\s+(?:have|got|adopted|own)\s+(?:a |an |two |three |four |my )?"
    r"(?:new |little |baby )?(?P<k>" + _PETS + r"|" + _KIN_PLURAL + r"|son|daughter)"
    r"s?\b(?: (?:named|called) " + _NAME + ")?"
)
def _have(m: re.Match[str], sentence: str, s: str, now: date | None) -> list[Fact]:
    kind, name = m["k"].lower(), m["n"]
    if name:
        return _fact(s, "has", name, EXPLICIT) + _fact(name, "is_a", kind, EXPLICIT)
    return _fact(s, "has", kind)


_MY = re.compile(
    r"\bmy (?:(?:little|big|older|younger|new|eldest|oldest|youngest|two|three) )?"
    r"(?P<k>" + _KIN_WORDS + "|" + _PETS + "|" + _KIN_PLURAL + r")\b(?:,? " + _NAME + r"\b)?"
    r"(?! ?-| \w+ing\b| (?:picture|photo|pic|painting|drawing|toy|food|bed|shelter|park|walk"
    r"|sitter|treats?|costume|figurine|mug|lovers?|show|friendly|hair)\b)",
    re.IGNORECASE,
)
_AS_IDENTITY = re.compile(
    r"(?:\bmy(?: \w+){1,3} |^)as an? (?P<o>" + _IDENTITIES + r")\b", re.IGNORECASE
)
_NOT_NAMES = _words("I And But So The My We You He She They It This That When Thanks Oh Yeah Hey")


def _family(sentence: str, speaker: str) -> list[Fact]:
    """``my husband John`` (a named relative), ``my dog Max`` (a named pet), ``my kids``."""
    out = [
        f
        for m in _AS_IDENTITY.finditer(sentence)
        for f in _fact(speaker, "identifies_as", _phrase(m["o"]), EXPLICIT)
    ]
    for m in _MY.finditer(sentence):
        kind, name = m["k"].lower(), m["n"]
        if name and name.split()[0] in _NOT_NAMES:
            name = None
        relation = _KIN.get(kind)
        if name and relation and relation != "has":
            out += _fact(speaker, relation, name, EXPLICIT)
        elif name:
            out += _fact(speaker, "has", name, EXPLICIT) + _fact(name, "is_a", kind, EXPLICIT)
        elif kind in _OWN_ALONE or re.fullmatch(_PETS, kind):
            out += _fact(speaker, "has", kind)
    return out
