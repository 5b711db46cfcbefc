"""Belief scoring: mapping memory facts to TextWorld atoms, scope, precision/recall/stale."""

from __future__ import annotations

from mags.probes.beliefs import Scope, atom, beliefs_from_facts, score, truth_atoms


def test_doors_become_links_both_ways_and_burned_food_is_not_cooked() -> None:
    beliefs = beliefs_from_facts(
        [
            ("patio door", "connects", "kitchen"),
            ("patio door", "connects", "Backyard"),
            ("tuna", "is", "roasted"),
            ("tuna", "is", "burned"),
        ]
    )
    assert atom("link", "kitchen", "patio door", "backyard") in beliefs
    assert atom("link", "backyard", "patio door", "kitchen") in beliefs
    assert atom("cooked", "tuna") not in beliefs and atom("burned", "tuna") in beliefs


def test_static_properties_are_not_compared() -> None:
    truth = truth_atoms([("edible", ["apple"]), ("uncut", ["apple"]), ("at", ["P", "kitchen"])])
    assert truth == {atom("at", "P", "kitchen")}


def test_scope_needs_things_seen_together_and_rooms_walked_between() -> None:
    scope = Scope()
    scope.observe("kitchen", ["knife", "table"], None)
    scope.observe("garden", ["shovel"], "kitchen")
    assert scope.covers(atom("on", "knife", "table"))
    assert not scope.covers(atom("on", "shovel", "table"))  # never seen together
    assert scope.covers(atom("east_of", "garden", "kitchen"))
    assert not scope.covers(atom("east_of", "garden", "cellar"))


def test_a_moved_thing_believed_in_its_old_place_is_stale() -> None:
    scope = Scope()
    scope.observe("kitchen", ["knife", "table"], None)
    truth = {atom("at", "P", "kitchen"), atom("in", "knife", "I")}
    fresh = score({atom("at", "P", "kitchen"), atom("in", "knife", "I")}, truth, scope)
    stale = score({atom("at", "P", "kitchen"), atom("on", "knife", "table")}, truth, scope)
    assert (fresh.f1, fresh.stale_rate) == (1.0, 0.0)
    assert stale.stale_rate == 0.5 and stale.precision == 0.5 and stale.recall == 0.5
