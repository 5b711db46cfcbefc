"""Abstraction, episodic -> semantic: a pattern shared by many instances of a category
becomes a general fact about the category, with its own strength.

If ``knife 1``, ``knife 2`` and ``knife 3`` are each ``is_a knife`` and each ``has blade``,
the memory learns ``knife has blade (general=True)``. Its confidence is the share of known
instances that show the pattern; seeing the pattern again later is evidence as usual.
Only non-exclusive relations generalize: "every apple is in the fridge" is a fact about
those apples, not a location of the category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mags.core.reconcile import assert_fact
from mags.core.validate import ValidFact

if TYPE_CHECKING:
    from mags.core.graph import LiquidGraph

GENERAL = (("general", True),)


def abstract(graph: LiquidGraph, t: float, min_support: int) -> list[int]:
    """Add or reinforce general facts for patterns seen in ``min_support`` instances or more.

    Returns the ids of the general facts. The cost is the size of the categories'
    neighbourhoods, so it runs when asked, not on every call.
    """
    facts, schema = graph.facts, graph.schema
    instances: dict[int, list[int]] = {}
    for fid in graph.active:
        fact = facts[fid]
        if fact.relation == "is_a" and not fact.qualifiers:
            instances.setdefault(fact.object, []).append(fact.subject)
    patterns: list[tuple[int, str, int, int, int]] = []
    for category, members in sorted(instances.items()):
        if len(members) < min_support:
            continue
        support: dict[tuple[str, int], int] = {}
        for member in set(members):
            seen = set()
            for fid in graph.adjacency.get(member, ()):
                fact = facts[fid]
                spec = schema.relations[fact.relation]
                exclusive = spec.group or spec.functional or spec.state_values
                if fact.subject == member and fact.relation != "is_a" and not exclusive:
                    seen.add((fact.relation, fact.object))
            for key in seen:
                support[key] = support.get(key, 0) + 1
        for (relation, obj), count in sorted(support.items()):
            if count >= min_support and obj != category:
                patterns.append((category, relation, obj, count, len(set(members))))
    if not patterns:
        return []
    batch = graph.next_batch
    graph.next_batch += 1
    created: list[int] = []
    reinforced: list[int] = []
    for category, relation, obj, count, total in patterns:
        general = ValidFact(
            graph.entities[category].name, schema.relations[relation],
            graph.entities[obj].name, GENERAL, count / total,
        )  # fmt: skip
        asserted, is_new = assert_fact(graph, general, t, batch, episode=None)
        if asserted is not None:  # None: a current general fact outweighs this one (pending)
            (created if is_new else reinforced).append(asserted)
    if created:
        graph.emit("add", t, created, data={"cause": "abstraction"})
    if reinforced:
        graph.emit("reinforce", t, reinforced, data={"cause": "abstraction"})
    return created + reinforced
