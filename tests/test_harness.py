"""Scenarios, suites and test runs: deterministic, frozen, and honest about every result."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from lifeos_core import (
    AntiFailurePlanningError,
    DefinitionError,
    Mission,
    MissionCall,
    MissionExpectation,
    MissionParamsError,
    Param,
    ScenarioDefinition,
    ScenarioSuiteDefinition,
    StepSpec,
    SuiteExpectationsDefinition,
    UnknownMissionError,
    aggregate_test_run,
    evaluate_expectations,
    run_scenario,
    run_suite,
    run_test_run,
    stable_hash,
)


def add(state, payload, context):
    state["total"] = state.get("total", 0) + payload["amount"]
    state["day"] = context.now().date().isoformat()
    return state


ADD = Mission(
    "add",
    "Add an amount to the total.",
    lambda params: [
        StepSpec("add", "runtime", {"operation": "add", "amount": params["amount"]}),
        StepSpec("ok", "human", {"description": "Check the total"}),
    ],
    params=(Param("amount", int, default=1, maximum=100),),
)
BROKEN = Mission("broken", "Always fails.", lambda params: [StepSpec("boom", "runtime", {"operation": "fail", "reason": "on purpose"})])


@pytest.fixture(autouse=True)
def missions(registry_with, pack):
    registry_with(arith=pack([ADD, BROKEN], {"add": add}))


def scenario(name="s", state=None, *calls, clock=None):
    return ScenarioDefinition(name, state or {}, list(calls), clock=clock)


# --- scenarios ---------------------------------------------------------------------------


def test_every_mission_starts_from_the_scenario_state():
    result = run_scenario(scenario("s", {"total": 10}, MissionCall("add", {"amount": 5}),
                                   MissionCall("add", {"amount": 7}, alias="again")))
    assert list(result.mission_results) == ["add", "again"]
    assert result.mission_results["add"].final_state["total"] == 15
    assert result.mission_results["again"].final_state["total"] == 17


def test_a_repeated_mission_needs_an_alias():
    with pytest.raises(DefinitionError, match="scenario 's' runs 'add' twice; give each call its own alias"):
        scenario("s", {}, MissionCall("add"), MissionCall("add"))
    with pytest.raises(DefinitionError, match="runs 'x' twice"):
        scenario("s", {}, MissionCall("add", alias="x"), MissionCall("broken", alias="x"))


def test_the_scenario_clock_and_call_approvals_reach_the_run():
    result = run_scenario(scenario("s", {}, MissionCall("add", approvals={"ok": True}), clock="2026-03-01T10:00:00+02:00"))
    run = result.mission_results["add"]
    assert run.final_state["day"] == "2026-03-01"
    assert run.receipt["start_time"] == "2026-03-01T08:00:00Z"
    assert run.receipt["human_steps"] == [{"id": "ok", "status": "approved"}]


def test_a_failing_mission_is_a_result_not_an_error():
    result = run_scenario(scenario("s", {}, MissionCall("broken")))
    assert result.mission_results["broken"].success is False


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (MissionCall("subtract"), UnknownMissionError),
        (MissionCall("add", {"amount": "lots"}), MissionParamsError),
        (MissionCall("add", {"amount": 1000}), MissionParamsError),
    ],
)
def test_plan_errors_propagate(call, error):
    with pytest.raises(error):
        run_scenario(scenario("s", {}, MissionCall("add", alias="first"), call))
    with pytest.raises(error):
        run_suite(ScenarioSuiteDefinition("suite", [scenario("ok"), scenario("bad", {}, call)]))


def test_plans_over_the_limits_propagate_too(registry_with, pack):
    sized = Mission("sized", "As many steps as asked.",
                    lambda params: [StepSpec(f"s{i}", "runtime") for i in range(params["n"])],
                    params=(Param("n", int, default=1),))
    registry_with(big=pack([sized]))
    with pytest.raises(AntiFailurePlanningError):
        run_scenario(scenario("s", {}, MissionCall("sized", {"n": 6})))


def test_scenario_metadata_and_hash():
    result = run_scenario(scenario("morning", {"total": 1}, MissionCall("add")))
    assert dict(result.metadata) == {"scenario_name": "morning", "scenario_hash": result.metadata["scenario_hash"]}
    assert len(result.metadata["scenario_hash"]) == 64
    other = run_scenario(scenario("morning", {"total": 2}, MissionCall("add")))
    assert other.metadata["scenario_hash"] != result.metadata["scenario_hash"]


def test_definitions_are_frozen_and_independent_of_their_inputs():
    state = {"total": 1, "tags": ["a"]}
    params = {"amount": 2}
    calls = [MissionCall("add", params)]
    definition = ScenarioDefinition("s", state, calls)
    state["tags"].append("b")
    params["amount"] = 99
    calls.append(MissionCall("broken"))
    assert definition.initial_state == {"total": 1, "tags": ("a",)}
    assert definition.missions == (MissionCall("add", {"amount": 2}),)
    with pytest.raises(AttributeError):
        definition.scenario_name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        definition.initial_state["total"] = 5  # type: ignore[index]


def test_results_are_read_only_and_serialise_to_json():
    result = run_scenario(scenario("s", {}, MissionCall("add")))
    with pytest.raises(TypeError):
        result.mission_results["other"] = result.mission_results["add"]  # type: ignore[index]
    with pytest.raises(TypeError):
        result.metadata["scenario_hash"] = "forged"  # type: ignore[index]
    with pytest.raises(AttributeError):
        result.scenario_name = "x"  # type: ignore[misc]
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert pickle.loads(pickle.dumps(result)) == result


def test_bad_definitions_are_refused():
    with pytest.raises(DefinitionError, match="Field 'scenario_name' must be a non-empty string"):
        ScenarioDefinition("", {})
    with pytest.raises(DefinitionError, match="must be MissionCall objects, got dict"):
        ScenarioDefinition("s", {}, [{"name": "add"}])  # type: ignore[list-item]
    with pytest.raises(DefinitionError, match="Field 'name' must be a non-empty string"):
        MissionCall("")
    with pytest.raises(DefinitionError, match="Field 'suite_name' must be a non-empty string"):
        ScenarioSuiteDefinition("", [])
    with pytest.raises(DefinitionError, match="run_scenario needs a ScenarioDefinition"):
        run_scenario({"scenario_name": "s"})  # type: ignore[arg-type]


# --- suites ---------------------------------------------------------------------------------


def test_a_suite_keys_results_by_scenario_and_the_last_duplicate_wins():
    suite = ScenarioSuiteDefinition("suite", [
        scenario("same", {"total": 1}, MissionCall("add")),
        scenario("other", {}, MissionCall("broken")),
        scenario("same", {"total": 100}, MissionCall("add")),
    ])
    result = run_suite(suite)
    assert list(result.scenario_results) == ["same", "other"]
    assert result.scenario_results["same"].mission_results["add"].final_state["total"] == 101
    assert result.metadata["suite_name"] == "suite"


def test_the_suite_hash_covers_every_scenario():
    def suite_with(amount):
        return ScenarioSuiteDefinition("suite", [scenario("a", {}, MissionCall("add")),
                                                 scenario("b", {}, MissionCall("add", {"amount": amount}))])

    assert run_suite(suite_with(1)).metadata["suite_hash"] == run_suite(suite_with(1)).metadata["suite_hash"]
    assert run_suite(suite_with(1)).metadata["suite_hash"] != run_suite(suite_with(2)).metadata["suite_hash"]


# --- test runs ------------------------------------------------------------------------------------


SUITE = ScenarioSuiteDefinition("suite", [scenario("a", {"total": 1}, MissionCall("add", {"amount": 2}))])
PASSING = SuiteExpectationsDefinition([MissionExpectation("total", "a", "add", "final_state.total", "eq", 3)])
FAILING = SuiteExpectationsDefinition([MissionExpectation("total", "a", "add", "final_state.total", "eq", 4)])


def test_run_test_run_and_aggregate_agree():
    direct = run_test_run(SUITE, PASSING)
    suite_result = run_suite(SUITE)
    combined = aggregate_test_run(suite_result, evaluate_expectations(suite_result, PASSING))
    assert direct.passed is combined.passed is True
    assert direct.to_dict() == combined.to_dict()
    assert direct == combined


def test_the_verdict_is_the_expectations_verdict_and_changes_the_hash():
    passing, failing = run_test_run(SUITE, PASSING), run_test_run(SUITE, FAILING)
    assert failing.passed is False
    assert set(passing.metadata) == {"suite_name", "suite_hash", "expectations_hash", "test_run_hash"}
    assert passing.metadata["suite_hash"] == failing.metadata["suite_hash"]
    assert passing.metadata["test_run_hash"] != failing.metadata["test_run_hash"]


def test_a_test_run_is_reproducible_and_leaves_its_definitions_alone():
    before = copy.deepcopy((SUITE, PASSING))
    first, second = run_test_run(SUITE, PASSING), run_test_run(SUITE, PASSING)
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())
    assert (SUITE, PASSING) == before
    assert pickle.loads(pickle.dumps(first)).to_dict() == first.to_dict()
