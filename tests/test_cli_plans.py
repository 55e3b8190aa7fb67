"""The command line for test plans: test, validate, schema, and the JUnit report."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
import yaml
from typer.testing import CliRunner

from lifeos_core import Mission, Param, StepSpec
from lifeos_core.cli import app

runner = CliRunner()

NOTE = Mission(
    "note", "Write a note.",
    lambda params: [StepSpec("note", "runtime", {"operation": "set", "values": {"note": params["text"]}})],
    params=(Param("text", str, default=""),),
)
BREAK = Mission("break", "Fail.", lambda params: [StepSpec("boom", "runtime", {"operation": "fail", "reason": "on purpose"})])


@pytest.fixture(autouse=True)
def installed(registry_with, pack):
    registry_with(notes=pack([NOTE, BREAK]))


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if name.endswith((".yaml", ".yml")) else json.dumps(data))
    return path


def scenario(name, text="hi", expected="hi", mission="note"):
    return {"scenario_name": name, "missions": [{"name": mission, "params": {"text": text} if mission == "note" else None}],
            "expectations": [{"id": f"{name}-note", "mission_name": mission, "path": "final_state.note", "op": "eq",
                              "expected": expected}]}


def plan(*scenarios):
    return {"suite_name": "notes", "scenarios": list(scenarios)}


# --- lifeos test -----------------------------------------------------------------------------------


def test_a_passing_plan_exits_zero_with_a_summary(tmp_path):
    result = invoke("test", write(tmp_path, "plan.yaml", plan(scenario("a"), scenario("b", "yo", "yo"))))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["scenario a", "  mission note: succeeded", "  PASS a-note"]
    assert lines[-2] == "passed: 2 expectations: 2 passed, 0 failed; 2 scenarios, 2 missions"
    assert lines[-1].startswith("test_run_hash ") and len(lines[-1].split()[1]) == 64


def test_a_failing_plan_exits_one_showing_actual_against_expected(tmp_path):
    result = invoke("test", write(tmp_path, "plan.json", plan(scenario("a", "hi", "bye"), scenario("b", mission="break"))))
    assert result.exit_code == 1
    out = result.stdout
    assert '  FAIL a-note: expected final_state.note == "bye", got "hi" (eq_mismatch)' in out
    assert "  mission break: FAILED at boom: step 'boom' failed: on purpose" in out
    assert "       mission error: step 'boom' failed: on purpose" in out
    assert "failed: 2 expectations: 0 passed, 2 failed; 2 scenarios, 2 missions (1 failed)" in out


def test_a_separate_expectations_file(tmp_path):
    suite = write(tmp_path, "suite.json", plan({"scenario_name": "a", "missions": [{"name": "note"}]}))
    expectations = write(tmp_path, "exp.json", {"expectations": [
        {"id": "blank", "scenario_name": "a", "mission_name": "note", "path": "final_state.note", "op": "eq", "expected": ""}]})
    result = invoke("test", suite, expectations)
    assert result.exit_code == 0
    assert "PASS blank" in result.stdout


def test_json_output_is_the_test_run(tmp_path):
    path = write(tmp_path, "plan.yaml", plan(scenario("a")))
    data = json.loads(invoke("test", path, "--json").stdout)
    assert data["passed"] is True
    assert data["skipped"] == []
    assert set(data) == {"suite_result", "expectations_result", "passed", "metadata", "skipped"}
    again = json.loads(invoke("test", path, "--json").stdout)
    assert again["metadata"]["test_run_hash"] == data["metadata"]["test_run_hash"]


def test_fail_fast_stops_after_the_first_failing_scenario(tmp_path):
    path = write(tmp_path, "plan.yaml", plan(scenario("a"), scenario("b", "hi", "bye"), scenario("c")))
    result = invoke("test", path, "--fail-fast")
    assert result.exit_code == 1
    assert "scenario c" not in result.stdout
    assert "  SKIP c-note" in result.stdout
    assert "1 skipped (--fail-fast stopped after 'b')" in result.stdout
    data = json.loads(invoke("test", path, "-x", "--json").stdout)
    assert data["skipped"] == ["c-note"]
    assert list(data["suite_result"]["scenario_results"]) == ["a", "b"]


def test_junit_xml_has_one_testcase_per_expectation(tmp_path):
    path = write(tmp_path, "plan.yaml", plan(scenario("a"), scenario("b", "hi", "bye"), scenario("c", mission="break")))
    report = tmp_path / "junit.xml"
    result = invoke("test", path, "--junit-xml", report)
    assert result.exit_code == 1
    root = ElementTree.parse(report).getroot()
    suite = root.find("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("notes", "3", "2", "0")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["a-note", "b-note", "c-note"]
    assert cases["a-note"].get("classname") == "notes.a" and cases["a-note"].find("failure") is None
    failure = cases["b-note"].find("failure")
    assert failure.get("type") == "eq_mismatch"
    assert failure.get("message") == 'expected final_state.note == "bye", got "hi"'
    assert json.loads(failure.text)["actual"] == "hi"
    assert "mission failed: step 'boom' failed: on purpose" in cases["c-note"].find("failure").get("message")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert len(properties["test_run_hash"]) == 64


def test_junit_xml_marks_skipped_expectations(tmp_path):
    path = write(tmp_path, "plan.yaml", plan(scenario("a", "hi", "bye"), scenario("b")))
    report = tmp_path / "junit.xml"
    invoke("test", path, "--fail-fast", "--junit-xml", report)
    suite = ElementTree.parse(report).getroot().find("testsuite")
    assert suite.get("skipped") == "1"
    assert [case.find("skipped") is not None for case in suite.iter("testcase")] == [False, True]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("suite_name: x\nscenarios: [\n", "invalid YAML at line 3"),
        ("suite_name: x\nscenarios:\n  - scenario_name: s\n    missions: [{name: nope}]\n",
         "unknown mission 'nope' (did you mean 'note'?)"),
        ("suite_name: x\nscenarios:\n  - scenario_name: s\n    missions: [{name: note, params: 3}]\n",
         "scenarios[0].missions[0].params: Field 'params' must be a dict or None"),
        ("suite_name: x\nscenarios:\n  - scenario_name: s\n    missions: [{name: note, params: {text: 3}}]\n",
         "mission 'note': param 'text' must be a string"),
    ],
)
def test_a_broken_plan_exits_two_with_one_line(tmp_path, content, message):
    path = tmp_path / "plan.yaml"
    path.write_text(content)
    result = invoke("test", path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_missing_plan_file(tmp_path):
    result = invoke("test", tmp_path / "absent.yaml")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_a_progress_bar_only_on_a_terminal_for_large_plans(tmp_path, monkeypatch):
    import lifeos_core.cli.plans as plans_module

    path = write(tmp_path, "plan.yaml", plan(*(scenario(f"s{i}") for i in range(plans_module.PROGRESS_FROM))))
    calls = []
    original = plans_module._with_progress
    monkeypatch.setattr(plans_module, "_with_progress", lambda total, run: calls.append(total) or original(total, run))
    assert invoke("test", path).exit_code == 0
    assert calls == []  # piped: no bar
    monkeypatch.setattr(plans_module, "is_terminal", lambda stream=None: True)
    assert invoke("test", path).exit_code == 0
    assert calls == [plans_module.PROGRESS_FROM]
    assert invoke("test", path, "--json").exit_code == 0
    assert calls == [plans_module.PROGRESS_FROM]  # not with --json


# --- lifeos validate ----------------------------------------------------------------------------------


def test_validate_a_good_plan(tmp_path):
    result = invoke("validate", write(tmp_path, "plan.yaml", plan(scenario("a"), scenario("b"))))
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("valid (2 scenarios, 2 mission calls, 2 expectations)")


def test_validate_lists_every_problem(tmp_path):
    bad = plan(
        {"scenario_name": "a", "missions": [{"name": "nope"}, {"name": "note", "params": {"text": 1}}, {"params": {}}]},
        {"scenario_name": "b", "missions": [{"name": "note"}], "clock": "noon",
         "expectations": [{"mission_name": "note", "path": "x", "op": "about"}]},
        {"missions": []},
    )
    bad["expectations"] = [
        {"id": "e1", "scenario_name": "zzz", "mission_name": "note", "path": "success", "op": "eq", "expected": True},
        {"id": "e2", "scenario_name": "b", "mission_name": "break", "path": "success", "op": "eq", "expected": True},
    ]
    result = invoke("validate", write(tmp_path, "plan.json", bad))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    joined = "\n".join(errors)
    assert "scenarios[0].missions[0]: unknown mission 'nope'" in joined
    assert "scenarios[0].missions[1]: mission 'note': param 'text' must be a string" in joined
    assert "scenarios[0].missions[2]: Missing required field 'name'" in joined
    assert "scenarios[1].clock: clock time 'noon' is not an ISO 8601 instant" in joined
    assert "scenarios[1].expectations[0].op: Invalid value for 'op': 'about'" in joined
    assert "scenarios[2]: Missing required field 'scenario_name'" in joined
    assert "expectation 'e1' names scenario 'zzz', which the plan does not have" in joined
    assert "expectation 'e2' names mission 'break', which scenario 'b' does not run (it runs: note)" in joined
    assert len(errors) == 8
    assert result.stderr.splitlines()[-1].endswith("8 problems")


def test_validate_json_and_warnings(tmp_path):
    path = write(tmp_path, "plan.yaml", plan({"scenario_name": "a", "missions": [{"name": "note"}]},
                                             {"scenario_name": "a", "missions": []}))
    data = json.loads(invoke("validate", path, "--json").stdout)
    assert data["valid"] is True
    assert data["warnings"] == [f"{path}: scenarios[1]: scenario name 'a' is used again; "
                                "the later scenario's result replaces the earlier"]


def test_validate_an_unreadable_file(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text("suite_name = \n")
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert "invalid TOML" in result.stderr


# --- lifeos schema ---------------------------------------------------------------------------------------


def test_schema_prints_the_plan_schema():
    from lifeos_core.harness.schema import load_schema

    assert json.loads(invoke("schema").stdout) == load_schema("plan")
    assert json.loads(invoke("schema", "--expectations").stdout) == load_schema("expectations")
