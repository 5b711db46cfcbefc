"""Property tests of the core's invariants over random operation sequences (Hypothesis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from mags import Fact, Memory, MemoryConfig
from mags.core.dynamics import strength_at
from mags.core.schema import LOCATION_RELATIONS
from tests.helpers import dump

THINGS = ["apple", "key", "coin", "red apple", "apples"]
PLACES = ["fridge", "box", "table", "kitchen", "hall", "player"]
STATES = ["open", "closed", "locked", "sliced", "fried"]
ROOMS = ["kitchen", "hall", "cellar"]

facts = st.one_of(
    st.builds(
        Fact,
        st.sampled_from(THINGS),
        st.sampled_from(LOCATION_RELATIONS),
        st.sampled_from(PLACES),
        confidence=st.floats(0.05, 1.0),
    ),
    st.builds(
        Fact, st.sampled_from(THINGS + PLACES), st.just("is"), st.sampled_from(STATES),
        confidence=st.floats(0.05, 1.0),
    ),
    st.builds(Fact, st.sampled_from(ROOMS), st.sampled_from(["north_of", "east_of"]),
              st.sampled_from(ROOMS)),
    st.builds(Fact, st.sampled_from(THINGS), st.just("likes"), st.sampled_from(THINGS + PLACES),
              qualifiers=st.sampled_from([None, {"how": "much"}])),
)  # fmt: skip
batches = st.lists(facts, min_size=1, max_size=5)
configs = st.builds(
    MemoryConfig,
    eta=st.floats(0.05, 1.0),
    tau0=st.floats(1.0, 100.0),
    rho=st.floats(0.0, 1.0),
    theta_prune=st.floats(0.0, 0.3),
    capacity=st.sampled_from([None, 10, 25]),
    merge_threshold=st.sampled_from([0.8, 0.9, 1.0]),
)


def check_invariants(memory: Memory, t: float) -> None:
    """Every structural invariant of DESIGN §1 at time ``t``."""
    graph = memory._core.graph
    active = {f.id for f in graph.facts.values() if f.active}
    assert graph.active == active, "the active index matches the facts"
    for fact in graph.facts.values():
        assert 0.0 <= strength_at(fact, max(t, fact.t0)) <= 1.0
        assert 0.0 <= fact.strength <= 1.0
    located: dict[int, int] = {}
    for fid in active:
        fact = graph.facts[fid]
        assert fid in graph.adjacency[fact.subject] and fid in graph.adjacency[fact.object]
        if fact.relation in LOCATION_RELATIONS:
            located[fact.subject] = located.get(fact.subject, 0) + 1
    assert all(n == 1 for n in located.values()), "an object has at most one current location"
    capacity = memory.config.capacity
    assert capacity is None or len(active) <= capacity
    for eid in graph.adjacency:
        assert graph.entities[eid].archived_t is None and graph.entities[eid].merged_into is None


class MemoryMachine(RuleBasedStateMachine):
    """Random adds, negations, uses, merges and time steps on one memory."""

    @initialize(config=configs)
    def start(self, config: MemoryConfig) -> None:
        self.memory = Memory.open(config=config)
        self.t = 0.0

    @rule(batch=batches)
    def add(self, batch: list[Fact]) -> None:
        self.memory.add(batch, t=self.t)

    @rule(batch=batches)
    def evidence_never_lowers_strength(self, batch: list[Fact]) -> None:
        graph = self.memory._core.graph
        fresh = [f for f in batch if f.relation in ("likes", "north_of", "east_of")]
        before = {fid: strength_at(graph.facts[fid], self.t) for fid in graph.active}
        ids = self.memory.add(fresh, t=self.t)
        for fid in ids:
            if fid in before and fid in graph.active:
                assert strength_at(graph.facts[fid], self.t) >= before[fid] - 1e-12

    @rule(dt=st.floats(0.0, 40.0))
    def time_passes_and_strength_never_rises(self, dt: float) -> None:
        graph = self.memory._core.graph
        before = {fid: strength_at(graph.facts[fid], self.t) for fid in graph.active}
        self.t += dt
        for fid, s in before.items():
            assert strength_at(graph.facts[fid], self.t) <= s + 1e-12

    @rule(place=st.sampled_from(PLACES), relation=st.sampled_from(LOCATION_RELATIONS))
    def negate(self, place: str, relation: str) -> None:
        self.memory.negate(relation, object=place, t=self.t)
        graph = self.memory._core.graph
        eid = graph.find_entity(place)
        if eid is not None:
            assert not any(
                graph.facts[f].relation == relation and graph.facts[f].object == eid
                for f in graph.adjacency.get(eid, ())
            )

    @rule(query=st.sampled_from(THINGS + PLACES), budget=st.integers(10, 300))
    def recall_and_use(self, query: str, budget: int) -> None:
        result = self.memory.recall(query, t=self.t, budget_tokens=budget)
        assert result.tokens <= budget
        self.memory.use(result, t=self.t)

    @precondition(lambda self: len(self.memory._core.graph.adjacency) >= 2)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        graph = self.memory._core.graph
        alive = sorted(e for e in graph.adjacency if graph.entities[e].kind != "state")
        if len(alive) < 2:
            return
        keep, other = data.draw(st.permutations(alive))[:2]
        before = _triples(self.memory, rename={other: keep})
        self.memory.merge(graph.entities[keep].name, graph.entities[other].name, t=self.t)
        assert _triples(self.memory) == before, "merging keeps every distinct fact"

    @invariant()
    def invariants_hold(self) -> None:
        if hasattr(self, "memory"):
            check_invariants(self.memory, self.t)


def _triples(memory: Memory, rename: dict[int, int] | None = None) -> set[tuple[Any, ...]]:
    """Distinct facts ever held (history included, from the store), with each entity as
    the one it was merged into and then renamed."""
    rename = rename or {}
    graph = memory._core.graph

    def name(eid: int) -> int:
        eid = graph.survivor(eid)
        return rename.get(eid, eid)

    return {
        (name(f.subject), f.relation, name(f.object), f.qualifiers) for f in memory._store.facts()
    }


MemoryMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
TestMemoryMachine = MemoryMachine.TestCase


operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), batches),
        st.tuples(st.just("wait"), st.floats(0.0, 30.0)),
        st.tuples(st.just("negate"), st.sampled_from(PLACES)),
        st.tuples(st.just("recall"), st.sampled_from(THINGS)),
    ),
    max_size=25,
)


def _replay(memory: Memory, ops: list[tuple[str, Any]]) -> None:
    t = 0.0
    for op, arg in ops:
        if op == "add":
            memory.add(arg, t=t)
        elif op == "wait":
            t += arg
        elif op == "negate":
            memory.negate("in", object=arg, t=t)
        else:
            memory.use(memory.recall(arg, t=t), t=t)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(config=configs, ops=operations)
def test_save_then_reopen_is_identity(tmp_path: Path, config: MemoryConfig, ops: list[Any]) -> None:
    path = tmp_path / f"m{abs(hash((repr(config), repr(ops))))}.db"
    persisted = Memory.open(path, config=config)
    in_memory = Memory.open(config=config)
    _replay(persisted, ops)
    _replay(in_memory, ops)
    state = dump(persisted)
    persisted.close()
    reopened = Memory.open(path, config=config)
    assert dump(reopened) == state
    assert dump(in_memory) == state  # the store changes nothing about behaviour
    reopened.close()
