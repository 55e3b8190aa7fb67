"""The run_tests pack in plan mode: a lifeos test plan run inside a mission, with its verdict in the state."""

from __future__ import annotations

import re

import lifeos_mission_run_tests
import pytest

from lifeos_core import (
    Mission,
    MissionParamsError,
    MissionSpec,
    Param,
    StepSpec,
    build_workflow,
    hookimpl,
    load_registry,
    parse_test_plan,
    run_mission,
    stable_hash,
    state_hash,
    use_registry,
)


class Greeter:
    """A stand-in mission pack for the plans below."""

    @hookimpl
    def lifeos_register_missions(self, register):
        register(Mission(
            "greet", "Greet someone.",
            lambda params: [StepSpec("greet", "runtime", {"operation": "set", "values": {"greeting": f"hi {params['who']}"}})],
            params=(Param("who", str, default="you"),),
        ))


SUITE = {
    "suite_name": "greetings",
    "scenarios": [
        {
            "scenario_name": "ada",
            "missions": [{"name": "greet", "params": {"who": "Ada"}}],
            "expectations": [{"id": "says-hi", "mission_name": "greet", "path": "final_state.greeting", "op": "eq",
                              "expected": "hi Ada"}],
        },
        {"scenario_name": "default", "missions": [{"name": "greet"}]},
    ],
}
MORE = {"expectations": [{"id": "default-who", "scenario_name": "default", "mission_name": "greet",
                          "path": "final_state.greeting", "op": "eq", "expected": "hi you"}]}


@pytest.fixture(autouse=True)
def installed():
    plugins = {"run_tests": lifeos_mission_run_tests, "greeter": Greeter()}
    with use_registry(load_registry(plugins, discover=False)):
        yield


def test_the_plan_has_discover_execute_report():
    workflow = build_workflow(MissionSpec("run_tests", {"target": "runtime", "suite": SUITE}))
    assert workflow.id == "wf-run-tests"
    assert [step.id for step in workflow.steps] == ["tests-discover", "tests-execute", "tests-report"]


def test_plan_is_another_name_for_suite():
    as_suite = run_mission("run_tests", {"target": "nightly", "suite": SUITE, "expectations": MORE})
    as_plan = run_mission("run_tests", {"target": "nightly", "plan": SUITE, "expectations": MORE})
    assert as_plan.success is True
    assert as_plan.final_state == as_suite.final_state


def test_without_a_target_a_plan_records_the_default_name():
    result = run_mission("run_tests", {"suite": SUITE})
    assert result.final_state["run_tests"]["target"] == "default"


def test_pytest_params_with_a_plan_are_refused():
    with pytest.raises(MissionParamsError, match="param 'signoff' is for pytest mode"):
        build_workflow(MissionSpec("run_tests", {"suite": SUITE, "signoff": True}))


def test_a_passing_plan_records_its_verdict_and_the_same_hash_as_the_harness():
    result = run_mission("run_tests", {"target": "nightly", "suite": SUITE, "expectations": MORE})
    assert result.success is True
    record = result.final_state["run_tests"]
    assert record["passed"] is True
    assert record["counts"] == {"expectations": 2, "passed": 2, "failed": 0}
    assert (record["target"], record["suite_name"], record["scenarios"]) == ("nightly", "greetings", ["ada", "default"])
    assert record["mission_calls"] == 2 and record["missions_failed"] == []
    assert "results" not in record
    direct = parse_test_plan(SUITE, MORE).run()
    assert record["test_run_hash"] == direct.metadata["test_run_hash"]
    assert record["suite_hash"] == direct.metadata["suite_hash"]


def test_a_failing_plan_fails_at_the_report_listing_the_failures():
    wrong = {"expectations": [
        {"id": "wrong-name", "scenario_name": "ada", "mission_name": "greet", "path": "final_state.greeting", "op": "eq", "expected": "hi Bob"},
        {"id": "wrong-length", "scenario_name": "ada", "mission_name": "greet", "path": "executed_steps", "op": "len_eq",
         "expected": 2},
    ]}
    result = run_mission("run_tests", {"suite": SUITE, "expectations": wrong})
    assert result.success is False
    assert result.failed_step_id == "tests-report"
    assert result.error_message == "step 'tests-report' failed: 2 of 3 expectations failed: wrong-name, wrong-length"
    record = result.final_state["run_tests"]
    assert record["passed"] is False
    assert record["failures"][0] == {"id": "wrong-name", "message": 'expected final_state.greeting == "hi Bob", got "hi Ada"'}
    assert result.lineage[-1]["output_hash"] == state_hash(result.final_state)


@pytest.mark.parametrize(
    ("suite", "message"),
    [
        ({"scenarios": []}, "the test plan is invalid: Missing required field 'suite_name'"),
        ({"suite_name": "s", "scenarios": [{"scenario_name": "x", "missions": [{"params": {}}]}]},
         r"the test plan is invalid: scenarios\[0\].missions\[0\]: Missing required field 'name'"),
        ({"suite_name": "s", "scenarios": [{"scenario_name": "x", "missions": [{"name": "run_tests"}]}]},
         r"scenarios\[0\].missions\[0\]: a test plan may not run run_tests itself"),
        ({"suite_name": "s", "scenarios": [{"scenario_name": "x", "missions": [{"name": "gret"}]}]},
         r"scenarios\[0\].missions\[0\]: unknown mission 'gret' \(did you mean 'greet'\?\)"),
        ({"suite_name": "s", "scenarios": [{"scenario_name": "x", "missions": [{"name": "greet"}]}],
          "expectations": [{"id": "e", "scenario_name": "zed", "mission_name": "greet", "path": "success",
                            "op": "exists"}]},
         r"expectation 'e' names scenario 'zed', which the plan does not have"),
        ({"suite_name": "s", "scenarios": [{"scenario_name": "x", "missions": [{"name": "greet", "params": {"who": 1}}]}]},
         r"mission 'greet': param 'who' must be a string, got 1"),
    ],
)
def test_a_bad_plan_is_refused_before_anything_runs(suite, message):
    result = run_mission("run_tests", {"suite": suite})
    assert result.success is False
    assert result.failed_step_id == "tests-discover"
    assert re.search(message, result.error_message), result.error_message
    assert [step.id for step in result.executed_steps] == ["tests-discover"]


def test_with_an_empty_plan_the_mission_fails_saying_there_is_nothing_to_test():
    # (Without a plan at all, run_tests runs pytest: see test_pytest_mode.py.)
    empty = run_mission("run_tests", {"suite": {"suite_name": "e", "scenarios": [
        {"scenario_name": "s", "missions": [{"name": "greet", "params": {"who": "x"}}]}]}})
    assert empty.success is False and "has no expectations: nothing to test" in empty.error_message


def test_the_suite_param_must_be_an_object():
    with pytest.raises(MissionParamsError, match="param 'suite' must be an object"):
        run_mission("run_tests", {"suite": ["not", "an", "object"]})


def test_runs_are_deterministic():
    first = run_mission("run_tests", {"suite": SUITE})
    second = run_mission("run_tests", {"suite": SUITE})
    assert stable_hash(first.to_dict()) == stable_hash(second.to_dict())
