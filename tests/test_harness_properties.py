"""Properties of the harness over generated suites: same inputs, same hashes; inputs untouched."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from lifeos_core import (
    Mission,
    MissionCall,
    MissionExpectation,
    ScenarioDefinition,
    ScenarioSuiteDefinition,
    StepSpec,
    SuiteExpectationsDefinition,
    hookimpl,
    load_registry,
    run_test_run,
    stable_hash,
    use_registry,
)


def merge(state, payload, context):
    state.update(payload["values"])
    state["at"] = context.now().isoformat()
    return state


class Plugin:
    @hookimpl
    def lifeos_register_missions(self, register):
        register(Mission("merge", "Merge the params into the state.",
                         lambda params: [StepSpec("merge", "runtime", {"operation": "merge", "values": params}),
                                         StepSpec("check", "human")]))
        register(Mission("halt", "Fail.", lambda params: [StepSpec("halt", "runtime", {"operation": "fail"})]))

    @hookimpl
    def lifeos_register_operations(self, register):
        register("merge", merge)


REGISTRY = load_registry({"plugin": Plugin()}, discover=False)

SAFE = 2**53 - 1
values = st.recursive(
    st.none() | st.booleans() | st.integers(-SAFE, SAFE) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)
objects = st.dictionaries(st.text(max_size=6), values, max_size=4)
calls = st.builds(
    lambda name, params, decision: {"name": name, "params": params, "decision": decision},
    st.sampled_from(["merge", "halt"]), objects, st.sampled_from([None, True, False]),
)
scenarios = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), objects, st.lists(calls, max_size=3),
              st.sampled_from([None, "2026-01-01T00:00:00Z", "2030-06-15T12:30:00+02:00"])),
    max_size=4,
)


def build(raw):
    defs = []
    for name, state, items, clock in raw:
        missions = []
        for index, item in enumerate(items):
            approvals = {"check": item["decision"]} if item["decision"] is not None and item["name"] == "merge" else None
            missions.append(MissionCall(item["name"], item["params"], alias=f"m{index}", approvals=approvals))
        defs.append(ScenarioDefinition(name, state, missions, clock=clock))
    suite = ScenarioSuiteDefinition("generated", defs)
    expectations = SuiteExpectationsDefinition([
        MissionExpectation(f"e{index}", name, "m0", "success", "eq", True) for index, (name, *_rest) in enumerate(raw)
    ])
    return suite, expectations


@settings(max_examples=60, deadline=None)
@given(scenarios)
def test_generated_suites_hash_the_same_twice_and_leave_their_inputs_alone(raw):
    pristine = copy.deepcopy(raw)
    with use_registry(REGISTRY):
        suite, expectations = build(raw)
        first = run_test_run(suite, expectations)
        second = run_test_run(*build(copy.deepcopy(raw)))
    assert first.metadata["test_run_hash"] == second.metadata["test_run_hash"]
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())
    assert raw == pristine
    assert suite == build(pristine)[0]
