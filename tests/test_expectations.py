"""Expectations judge results; they never raise for what they find."""

from __future__ import annotations

import json

import pytest

from lifeos_core import (
    DefinitionError,
    ExpectationResult,
    Mission,
    MissionCall,
    MissionExpectation,
    ScenarioDefinition,
    ScenarioSuiteDefinition,
    StepSpec,
    SuiteExpectationsDefinition,
    evaluate_expectations,
    run_suite,
)

VALUES = {
    "count": 3,
    "ratio": 0.5,
    "flag": True,
    "name": "morning run",
    "tags": ["home", "daily"],
    "nested": {"items": [{"id": "a"}, {"id": "b"}]},
    "nothing": None,
}

STORE = Mission("store", "Store the params in the state.",
                lambda params: [StepSpec("store", "runtime", {"operation": "set", "values": params})])
BREAK = Mission("break", "Fail.", lambda params: [StepSpec("boom", "runtime", {"operation": "fail", "reason": "bad input"})])


@pytest.fixture(autouse=True)
def missions(registry_with, pack):
    registry_with(p=pack([STORE, BREAK]))


@pytest.fixture
def suite_result():
    return run_suite(ScenarioSuiteDefinition("suite", [
        ScenarioDefinition("s", {}, [MissionCall("store", VALUES), MissionCall("break")]),
    ]))


def verdict(suite_result, path, op, expected=None, mission="store", scenario="s"):
    definition = SuiteExpectationsDefinition([MissionExpectation("x", scenario, mission, path, op, expected)])
    return evaluate_expectations(suite_result, definition).expectation_results["x"]


@pytest.mark.parametrize(
    ("path", "op", "expected"),
    [
        ("final_state.count", "eq", 3),
        ("final_state.count", "eq", 3.0),  # JSON numbers: 3 and 3.0 are the same number
        ("final_state.nested", "eq", {"items": [{"id": "a"}, {"id": "b"}]}),
        ("final_state.flag", "ne", 1),  # true is not the number 1
        ("final_state.count", "gt", 2),
        ("final_state.count", "ge", 3),
        ("final_state.ratio", "lt", 1),
        ("final_state.ratio", "le", 0.5),
        ("final_state.name", "gt", "afternoon"),
        ("final_state.nothing", "exists", None),
        ("final_state.name", "contains", "run"),
        ("final_state.tags", "contains", "daily"),
        ("final_state.nested.items", "contains", {"id": "b"}),
        ("final_state.nested", "contains", "items"),
        ("final_state.tags", "len_eq", 2),
        ("final_state.name", "len_eq", 11),
        ("final_state.nested", "len_eq", 1),
        ("final_state.name", "matches", "^morning"),
        ("final_state.nested.items.1.id", "eq", "b"),
        ("executed_steps.0.kind", "eq", "runtime"),
        ("", "contains", "receipt"),
    ],
)
def test_operators_that_hold(suite_result, path, op, expected):
    result = verdict(suite_result, path, op, expected)
    assert result.passed is True, result.details
    assert result.details == {}


@pytest.mark.parametrize(
    ("path", "op", "expected", "message"),
    [
        ("final_state.count", "eq", 4, "expected final_state.count == 4, got 3"),
        ("final_state.flag", "eq", 1, "expected final_state.flag == 1, got true"),
        ("final_state.count", "ne", 3, "expected final_state.count != 3, got 3"),
        ("final_state.count", "gt", 3, "expected final_state.count > 3, got 3"),
        ("final_state.count", "lt", 3, "expected final_state.count < 3, got 3"),
        ("final_state.ratio", "ge", 0.75, "expected final_state.ratio >= 0.75, got 0.5"),
        ("final_state.ratio", "le", 0.25, "expected final_state.ratio <= 0.25, got 0.5"),
        ("final_state.tags", "contains", "work", 'expected final_state.tags contains "work", got ["home", "daily"]'),
        ("final_state.tags", "len_eq", 3, "expected final_state.tags has length 3, got length 2"),
        ("final_state.name", "matches", "^evening", 'expected final_state.name matches "^evening", got "morning run"'),
    ],
)
def test_operators_that_do_not_hold_say_what_they_saw(suite_result, path, op, expected, message):
    result = verdict(suite_result, path, op, expected)
    assert result.passed is False
    assert result.details == {"reason": f"{op}_mismatch", "path": path, "message": message}


@pytest.mark.parametrize(
    ("path", "op", "expected"),
    [
        ("final_state.count", "gt", "2"),
        ("final_state.flag", "lt", 2),
        ("final_state.nothing", "ge", 0),
        ("final_state.count", "contains", 3),
        ("final_state.count", "len_eq", 1),
        ("final_state.tags", "matches", "home"),
        ("final_state.nested", "contains", 1),
    ],
)
def test_incomparable_values_fail_with_a_type_error_never_an_exception(suite_result, path, op, expected):
    result = verdict(suite_result, path, op, expected)
    assert result.passed is False
    assert result.details["reason"] == "type_error"
    assert "cannot compare a" in result.details["message"]


@pytest.mark.parametrize(
    ("path", "op"),
    [("final_state.missing", "exists"), ("final_state.tags.2", "eq"), ("final_state.tags.first", "eq"),
     ("final_state.count.deeper", "exists"), ("final_state.tags.-1", "eq")],
)
def test_missing_paths(suite_result, path, op):
    result = verdict(suite_result, path, op, "x")
    assert result.passed is False
    assert result.actual is None
    assert result.details["reason"] == "path_missing"
    assert result.details["path"] == path
    assert f"path '{path}' does not exist" in result.details["message"]


def test_missing_scenarios_and_missions_are_named(suite_result):
    no_scenario = verdict(suite_result, "success", "eq", True, scenario="evening")
    assert no_scenario.details == {
        "reason": "scenario_missing", "scenario": "evening",
        "message": "no scenario named 'evening' in the suite (scenarios: s)",
    }
    no_mission = verdict(suite_result, "success", "eq", True, mission="echo")
    assert no_mission.details == {
        "reason": "mission_missing", "mission": "echo",
        "message": "scenario 's' has no result for mission 'echo' (it has: store, break)",
    }


def test_a_failed_mission_explains_itself_in_the_details(suite_result):
    result = verdict(suite_result, "success", "eq", True, mission="break")
    assert result.details["mission_error"] == "step 'boom' failed: bad input"
    assert verdict(suite_result, "failed_step_id", "eq", "boom", mission="break").passed is True


def test_the_overall_verdict_and_metadata(suite_result):
    definition = SuiteExpectationsDefinition([
        MissionExpectation("good", "s", "store", "success", "eq", True),
        MissionExpectation("bad", "s", "break", "success", "eq", True),
    ])
    first = evaluate_expectations(suite_result, definition)
    second = evaluate_expectations(suite_result, definition)
    assert first.passed is False
    assert first.failed_ids == ["bad"]
    assert list(first.expectation_results) == ["good", "bad"]
    assert len(first.metadata["expectations_hash"]) == 64
    assert first == second
    assert json.loads(json.dumps(first.to_dict())) == first.to_dict()


def test_an_empty_definition_passes(suite_result):
    assert evaluate_expectations(suite_result, SuiteExpectationsDefinition([])).passed is True


def test_results_hand_out_plain_copies(suite_result):
    result = verdict(suite_result, "final_state.nested", "eq", {"items": [{"id": "a"}, {"id": "b"}]})
    assert isinstance(result.expected, dict) and isinstance(result.actual["items"], list)
    json.dumps([result.actual, result.expected, result.details])
    result.actual["items"].clear()
    assert len(result.actual["items"]) == 2
    with pytest.raises(AttributeError):
        result.passed = False  # type: ignore[misc]
    assert isinstance(result, ExpectationResult)


def test_definitions_check_themselves():
    one = MissionExpectation("dup", "s", "m", "p", "exists")
    with pytest.raises(ValueError, match="Duplicate expectation IDs are not allowed: 'dup' is used twice"):
        SuiteExpectationsDefinition([one, one])
    with pytest.raises(DefinitionError, match="Invalid value for 'op': 'approx'"):
        MissionExpectation("e", "s", "m", "p", "approx")
    with pytest.raises(DefinitionError, match="invalid regular expression"):
        MissionExpectation("e", "s", "m", "p", "matches", "(")
    with pytest.raises(DefinitionError, match="'len_eq' needs a whole number"):
        MissionExpectation("e", "s", "m", "p", "len_eq", "2")
    with pytest.raises(DefinitionError, match="Field 'mission_name' must be a non-empty string"):
        MissionExpectation("e", "s", "", "p", "eq")
    expectations = [one]
    definition = SuiteExpectationsDefinition(expectations)
    expectations.append(MissionExpectation("other", "s", "m", "p", "exists"))
    assert definition.expectations == (one,)
