"""`LLMExtractor`: an observation's facts from a model, in the memory's relation schema.

One JSON call per observation (the client's single repair attempt aside). The prompt
(`mags.llm.prompts.extraction_messages`, version ``extract-v1``) lists the schema's relations
with their descriptions, its exclusive state values and the names of entities already in
the graph, which the model is asked to reuse.

A fact or negation whose relation the schema does not know (after synonyms) is dropped and
counted in ``dropped``; the rest of the observation is kept. With ``open_relations=True`` such
a *fact* is kept instead, as ``related_to`` with the qualifier ``label`` holding the relation
as the model wrote it (counted in ``kept_open``), so nothing a speaker said is lost to a
closed list; a negation with an unknown relation is still dropped, since a ``related_to``
negation would close every labelled link between its ends. An `LLMError` (the endpoint
failed for good, or the reply did not fit even after the repair attempt) propagates, so
`Memory.observe` keeps the episode, leaves the graph unchanged and raises `ExtractionError`.

With ``chat=True`` the prompt is the chat one (`mags.llm.prompts.chat_extraction_messages`,
version ``extract-chat-v2``): it names the turn's ``context.speaker`` and date
(``context.when``), asks for speaker-attributed assertions only and for relative dates
resolved into a ``when`` qualifier. A turn whose ``context.role`` is ``"assistant"`` makes
no call at all and yields no facts: an assistant's text is never evidence about the user.

Example
-------
>>> from mags import Memory
>>> from mags.core.schema import chat_schema
>>> from mags.llm import LLMClient, LLMConfig
>>> client = LLMClient(LLMConfig("http://localhost:8000/v1", "none", "qwen2.5-7b"))
>>> memory = Memory.open(extractor=LLMExtractor(client))
>>> # memory.observe("The apple is in the fridge.", t=1)
>>> chat = LLMExtractor(client, chat_schema(), chat=True, open_relations=True)
>>> chat.prompt_version
'extract-chat-v2'
>>> chat.extract("Sure, happy to help!", ExtractionContext(0, None, role="assistant"))
Extraction(facts=(), negations=(), corrections=(), forget=())
>>> client.close()
"""

from __future__ import annotations

import pydantic

from mags.core.errors import UnknownRelationError
from mags.core.model import Fact, Negation, Scalar
from mags.core.schema import RelationSchema, default_schema
from mags.extract.base import Extraction, ExtractionContext
from mags.llm.agents import UsageTotals
from mags.llm.client import LLMClient
from mags.llm.prompts import (
    CHAT_EXTRACT_PROMPT_VERSION,
    EXTRACT_PROMPT_VERSION,
    chat_extraction_messages,
    extraction_messages,
)

#: The relation an unknown one becomes in open mode, and the qualifier naming it.
OPEN_RELATION = "related_to"
OPEN_LABEL = "label"

#: The chat role whose turns are never extracted.
ASSISTANT_ROLE = "assistant"


class FactReply(pydantic.BaseModel):
    """One fact as the model gives it."""

    subject: str
    relation: str
    object: str
    qualifiers: dict[str, str | int | float | bool | None] | None = None
    confidence: float | None = None
    change: bool | None = None
    """The speaker told of a change (chat prompt v2): the fact supersedes at once."""


class NegationReply(pydantic.BaseModel):
    """Negative evidence as the model gives it; a missing part is a wildcard."""

    relation: str | None = None
    subject: str | None = None
    object: str | None = None


class ExtractionReply(pydantic.BaseModel):
    """What the extraction prompt asks the model for."""

    facts: list[FactReply] = pydantic.Field(default_factory=list)
    negations: list[NegationReply] = pydantic.Field(default_factory=list)


class LLMExtractor:
    """`mags.extract.Extractor` over an `LLMClient`: at most one call per observation.

    Attributes
    ----------
    usage: calls, prompt and completion tokens of the answered calls (`UsageTotals`).
    dropped: facts and negations left out because their relation is unknown to the schema
        (or, for a fact, its subject or object is empty or its confidence not above 0; for a
        negation, it names neither subject nor object).
    kept_open: facts with an unknown relation kept as ``related_to`` (``open_relations``).
    skipped: assistant turns passed over without a call (``chat``).
    prompt_version: the version of the prompt this extractor sends.

    Options
    -------
    chat: send the chat prompt (speaker, date, assertions only); skip assistant turns.
    open_relations: keep a fact whose relation is unknown as ``related_to`` with a
        ``label`` qualifier instead of dropping it; the chat prompt then lets the model use
        relations of its own. The schema must declare ``related_to``.
    """

    prompt_version = EXTRACT_PROMPT_VERSION

    def __init__(
        self,
        client: LLMClient,
        schema: RelationSchema | None = None,
        *,
        chat: bool = False,
        open_relations: bool = False,
    ) -> None:
        self.client = client
        self.schema = schema if schema is not None else default_schema()
        self.chat = chat
        self.open_relations = open_relations
        if chat:
            self.prompt_version = CHAT_EXTRACT_PROMPT_VERSION
        # Resolved now so that a schema without related_to fails here, not mid-conversation.
        self._open = self.schema.resolve(OPEN_RELATION).name if open_relations else None
        self.usage = UsageTotals()
        self.dropped = 0
        self.kept_open = 0
        self.skipped = 0
        self._relations = {name: spec.description for name, spec in self.schema.relations.items()}

    def extract(self, text: str, context: ExtractionContext) -> Extraction:
        """The facts and negations the model finds in ``text``; raises `LLMError` on failure.

        A chat extractor returns an empty `Extraction`, with no call, for an assistant turn.
        """
        if self.chat and context.role == ASSISTANT_ROLE:
            self.skipped += 1
            return Extraction()
        if self.chat:
            messages = chat_extraction_messages(
                text,
                self._relations,
                context.speaker,
                context.when,
                context.known_entities,
                open_relations=self.open_relations,
            )
        else:
            messages = extraction_messages(
                text, self._relations, self.schema.exclusive_states, context.known_entities
            )
        reply, usage = self.client.complete_json(messages, ExtractionReply)
        self.usage.add(usage)
        facts = [fact for item in reply.facts if (fact := self._fact(item)) is not None]
        negations = [neg for item in reply.negations if (neg := self._negation(item)) is not None]
        return Extraction(facts=facts, negations=negations)

    def _relation(self, name: str) -> str | None:
        try:
            return self.schema.resolve(name).name
        except UnknownRelationError:
            return None

    def _fact(self, item: FactReply) -> Fact | None:
        relation = self._relation(item.relation)
        label = item.relation.strip()
        opened = relation is None and self._open is not None and bool(label)
        if opened:
            relation = self._open
        subject, obj = item.subject.strip(), item.object.strip()
        confidence = 1.0 if item.confidence is None else min(1.0, item.confidence)
        # ``not confidence > 0`` also catches NaN; memory takes confidences in (0, 1].
        if relation is None or not subject or not obj or not confidence > 0:
            self.dropped += 1
            return None
        qualifiers: dict[str, Scalar] | None = None
        if item.qualifiers:
            qualifiers = {k: v for k, v in item.qualifiers.items() if v is not None} or None
        if opened:
            self.kept_open += 1
            qualifiers = {**(qualifiers or {}), OPEN_LABEL: label}
        change = bool(item.change) and self.chat
        return Fact(subject, relation, obj, qualifiers, confidence, change=change)

    def _negation(self, item: NegationReply) -> Negation | None:
        relation = None if item.relation is None else self._relation(item.relation)
        subject = (item.subject or "").strip() or None
        obj = (item.object or "").strip() or None
        # A negation naming neither end would close every fact of a relation: never wanted.
        if (item.relation is not None and relation is None) or (subject is None and obj is None):
            self.dropped += 1
            return None
        return Negation(relation, subject=subject, object=obj)
