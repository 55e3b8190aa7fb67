"""The run_tests pack: check a declared suite and record what it runs."""

from __future__ import annotations

import re

import pytest

import lifeos_mission_run_tests
from lifeos_core import MissionParamsError, MissionSpec, build_workflow, load_registry, run_mission, use_registry

SUITE = {
    "suite_name": "smoke",
    "scenarios": [
        {"scenario_name": "morning", "missions": [{"name": "daily_loop"}, {"name": "echo", "params": {"m": 1}}]},
        {"scenario_name": "quiet", "missions": []},
    ],
}


@pytest.fixture(autouse=True)
def only_this_pack():
    with use_registry(load_registry({"run_tests": lifeos_mission_run_tests}, discover=False)):
        yield


def test_the_plan_has_discover_execute_report():
    workflow = build_workflow(MissionSpec("run_tests", {"target": "runtime"}))
    assert workflow.id == "wf-run-tests"
    assert [step.id for step in workflow.steps] == ["tests-discover", "tests-execute", "tests-report"]
    assert workflow.metadata["mission_type"] == "run_tests"


def test_a_suite_is_recorded_with_its_calls_and_counts():
    result = run_mission("run_tests", {"target": "nightly", "suite": SUITE})
    assert result.success is True
    assert result.final_state["run_tests"] == {
        "target": "nightly",
        "suite_name": "smoke",
        "planned": [{"scenario": "morning", "missions": ["daily_loop", "echo"]}, {"scenario": "quiet", "missions": []}],
        "calls": ["morning/daily_loop", "morning/echo"],
        "counts": {"scenarios": 2, "mission_calls": 2},
        "verdict": "planned",
    }


def test_without_a_suite_the_plan_is_empty():
    record = run_mission("run_tests").final_state["run_tests"]
    assert record["target"] == "default"
    assert record["counts"] == {"scenarios": 0, "mission_calls": 0}


@pytest.mark.parametrize(
    ("suite", "message"),
    [
        ({"scenarios": "all"}, "suite.scenarios must be a list"),
        ({"scenarios": [{"missions": []}]}, r"suite.scenarios\[0\] must be an object with a 'scenario_name' string"),
        ({"scenarios": [{"scenario_name": "s", "missions": [{"params": {}}]}]},
         r"suite.scenarios\[0\].missions\[0\] must be an object with a 'name' string"),
    ],
)
def test_a_malformed_suite_fails_discovery_naming_the_place(suite, message):
    result = run_mission("run_tests", {"suite": suite})
    assert result.success is False
    assert result.failed_step_id == "tests-discover"
    assert result.error_message.startswith("step 'tests-discover' failed: ")
    assert re.search(message, result.error_message)


def test_the_suite_param_must_be_an_object():
    with pytest.raises(MissionParamsError, match="param 'suite' must be an object"):
        run_mission("run_tests", {"suite": ["not", "an", "object"]})
