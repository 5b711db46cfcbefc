"""Statements of change in chat turns: news, endings, corrections and forget requests.

A person telling us their news is not a misread view. These rules find, in one sentence:

- **news**: a slot fact stated with a marker of change ("I moved to Lisbon", "I live in
  Lisbon now", "I just started working at Acme", "since May I work as a nurse") becomes
  *change* evidence (`Fact.change`): it supersedes the old value at once however often the
  old one was said;
- **endings**: "I no longer live in Porto", "I don't eat meat anymore", "I quit my job",
  "we broke up" become negative evidence said outright (certain);
- **corrections**: "sorry, I meant Lisbon", "I meant Lisbon, not Porto";
- **forget requests**: "please forget that", "forget what I told you about Mark", "delete
  my job from your memory".

Example
-------
>>> changes = ChatChanges(lambda sentence: [Fact("ana", "lives_in", "Porto")])
>>> changes.negations("I no longer live in Porto.", "ana")
[Negation(relation='lives_in', subject='ana', object='Porto', confidence=1.0)]
>>> changes.corrections("Sorry, I meant Lisbon, not Porto.", "ana")
[Correction(speaker='ana', new='Lisbon', old='Porto')]
>>> changes.forget("Please forget what I told you about my ex Mark.", "ana")
[ForgetRequest(speaker='ana', topic='ex Mark')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from mags.core.model import Correction, Fact, ForgetRequest, Negation

SLOT_RELATIONS = frozenset({"lives_in", "works_at", "works_as", "married_to"})
"""The chat relations with one value at a time, where news replaces the old value."""

_NEWS = re.compile(
    r"\b(?:moved|relocated|now|nowadays|these days|since|just|recently|finally|new|started"
    r"|starting|switched|changed|anymore|any more|no longer)\b",
    re.IGNORECASE,
)
_ENDED = re.compile(r"\bno longer\b|\b(?:anymore|any more)\b", re.IGNORECASE)
_UNSAY = re.compile(
    r"\bno longer\b|\b(?:anymore|any more)\b|\b(?:do|does|did)(?: not|n't)\b|\bnot\b|n't\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;]|\s[–—-]\s|\b(?:but|so|and now|now)\b", re.IGNORECASE)
_QUIT = re.compile(
    r"\bI(?: just| finally| recently)? (?:quit|left|lost) my (?:job|position|work)"
    r"(?: (?:at|with) (?P<o>(?-i:[A-Z][\w&]*(?: [A-Z][\w&]*)*)))?"
    r"|\bI (?:was|got) (?:fired|laid off)(?: from (?P<o2>(?-i:[A-Z][\w&]*(?: [A-Z][\w&]*)*)))?"
    r"|\bI (?:quit|left|resigned from) (?P<o3>(?-i:[A-Z][\w&]*(?: [A-Z][\w&]*)*))",
    re.IGNORECASE,
)
_BROKE_UP = re.compile(
    r"\b(?:I|we) (?:(?:just|finally|recently) )?(?:broke up|split up|separated|got divorced"
    r"|divorced)(?: with| from)?(?: (?P<o>(?-i:[A-Z][a-z]+)))?",
    re.IGNORECASE,
)
_PHRASE = r"(?P<{}>[\w'&-]+(?: [\w'&-]+){{0,3}}?)"
_MEANT = re.compile(
    r"\bI meant (?:to say )?"
    + _PHRASE.format("new")
    + r"(?:,? (?:not|instead of) "
    + _PHRASE.format("old")
    + r")?\s*(?:[.!,;]|$)",
    re.IGNORECASE,
)
_FORGET = re.compile(
    # Asked of the memory ("please forget", "can you delete"), not "I'll never forget that".
    r"(?:^|\bplease,?\s+|\b(?:can|could|would|will) you (?:please )?"
    r"|\bI (?:want|need|'d like) you to )"
    r"(?:forget|delete|erase|remove|drop|stop remembering)"
    r"(?: (?:everything |all |what |anything )?(?:I (?:told|said to|shared with) you|I said|I told)"
    r")?(?: (?:about|regarding|on) (?P<topic>[^.!?,;]+?)| (?P<that>that|this))?"
    r"(?: from (?:your|the) memory)?(?: please)?\s*(?:[.!?]|$)",
    re.IGNORECASE,
)
_FORGET_FROM = re.compile(
    r"\b(?:forget|delete|erase|remove|drop) (?P<topic>[^.!?,;]+?) from (?:your|the) memory",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"^(?:my|the|a|an|our|that|this)\s+", re.IGNORECASE)


class ChatChanges:
    """The change rules of one extractor; ``facts_in(sentence)`` is its fact rules, which
    the endings read with the negation taken out ("I no longer live in Porto" ends what
    "I live in Porto" states)."""

    def __init__(self, facts_in: Callable[[str], Sequence[Fact]]) -> None:
        self.facts_in = facts_in

    def news(self, facts: Sequence[Fact], sentence: str) -> list[Fact]:
        """``facts`` of ``sentence``, the slot facts marked as change where it says so."""
        if not _NEWS.search(sentence):
            return list(facts)
        return [replace(f, change=True) if f.relation in SLOT_RELATIONS else f for f in facts]

    def negations(self, sentence: str, speaker: str) -> list[Negation]:
        """What the sentence says has ended for the speaker."""
        out: list[Negation] = []
        for clause in _CLAUSE.split(sentence):
            if _ENDED.search(clause):
                positive = " ".join(_UNSAY.sub(" ", clause).split())
                positive = re.sub(r"\bI (?:'m|am) (?=a |an )", "I am ", positive)
                for fact in self.facts_in(positive):
                    if fact.subject == speaker:
                        out.append(Negation(fact.relation, speaker, fact.object))
        for m in _QUIT.finditer(sentence):
            employer = m["o"] or m["o2"] or m["o3"]
            out.append(Negation("works_at", speaker, employer))
            if employer is None:
                out.append(Negation("works_as", speaker))
        for m in _BROKE_UP.finditer(sentence):
            if m["o"]:
                out += [Negation("has", speaker, m["o"]), Negation("married_to", speaker, m["o"])]
            else:
                out.append(Negation("married_to", speaker))
        return out

    def corrections(self, sentence: str, speaker: str) -> list[Correction]:
        """ "I meant Lisbon, not Porto" (``old`` named) or "sorry, I meant Lisbon"."""
        out = []
        for m in _MEANT.finditer(sentence):
            new = _DETERMINER.sub("", m["new"].strip())
            old = _DETERMINER.sub("", m["old"].strip()) if m["old"] else None
            if new and new.lower() not in ("it", "that", "this"):
                out.append(Correction(speaker, new, old))
        return out

    def forget(self, sentence: str, speaker: str) -> list[ForgetRequest]:
        """A request to forget what the speaker said about a topic, or their last turn."""
        m = _FORGET_FROM.search(sentence) or _FORGET.search(sentence)
        if m is None:
            return []
        if "that" in m.re.groupindex and not (m["topic"] or m["that"] or "memory" in m[0]):
            return []  # "please forget" alone names nothing
        topic = _DETERMINER.sub("", m["topic"].strip()) if m["topic"] else None
        if topic and topic.lower() in ("that", "this", "it", "everything"):
            topic = None
        return [ForgetRequest(speaker, topic or None)]
