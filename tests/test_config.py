"""Test plans from mappings and files: every problem is a ConfigError that says where."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeos_core import (
    ConfigError,
    Mission,
    MissionCall,
    StepSpec,
    load_test_plan,
    parse_expectations_definition,
    parse_suite_definition,
    parse_test_plan,
    run_test_run_from_config,
)
from lifeos_core.harness.schema import load_schema, schema_text

NOTE = Mission("note", "Write a note into the state.",
               lambda params: [StepSpec("note", "runtime", {"operation": "set", "values": {"note": params.get("text", "")}})])


@pytest.fixture(autouse=True)
def missions(registry_with, pack):
    registry_with(p=pack([NOTE]))


def plan_config():
    return {
        "suite_name": "notes",
        "scenarios": [
            {
                "scenario_name": "first",
                "initial_state": {"n": 1},
                "missions": [{"name": "note", "params": {"text": "hi"}}, {"name": "note", "alias": "blank", "params": None}],
                "expectations": [
                    {"mission_name": "note", "path": "final_state.note", "op": "eq", "expected": "hi"},
                    {"id": "blank-note", "mission_name": "blank", "path": "final_state.note", "op": "eq", "expected": ""},
                ],
            },
            {"scenario_name": "second", "missions": [{"name": "note", "approvals": {}}], "clock": "2026-01-02T03:04:05Z"},
        ],
        "expectations": [
            {"id": "second-ran", "scenario_name": "second", "mission_name": "note", "path": "success", "op": "eq", "expected": True},
        ],
    }


def test_a_suite_config_becomes_definitions():
    suite = parse_suite_definition(plan_config())
    assert suite.suite_name == "notes"
    first, second = suite.scenarios
    assert first.initial_state == {"n": 1}
    assert first.missions == (MissionCall("note", {"text": "hi"}), MissionCall("note", None, alias="blank"))
    assert second.initial_state == {} and second.clock == "2026-01-02T03:04:05Z"


def test_inline_expectations_get_their_scenario_and_a_default_id():
    plan = parse_test_plan(plan_config())
    ids = [(e.id, e.scenario_name, e.mission_name) for e in plan.expectations.expectations]
    assert ids == [("first-1", "first", "note"), ("blank-note", "first", "blank"), ("second-ran", "second", "note")]
    assert plan.run().passed is True


def test_a_separate_expectations_config_is_added():
    config = plan_config()
    more = {"expectations": [{"id": "n-kept", "scenario_name": "first", "mission_name": "note",
                              "path": "final_state.n", "op": "eq", "expected": 1}]}
    plan = parse_test_plan(config, more)
    assert [e.id for e in plan.expectations.expectations][-1] == "n-kept"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.pop("suite_name"), r"^Missing required field 'suite_name'$"),
        (lambda c: c.pop("scenarios"), r"^Missing required field 'scenarios'$"),
        (lambda c: c.update(scenarios="all"), r"^scenarios: Field 'scenarios' must be a list, got str$"),
        (lambda c: c.update(suite_name=""), r"^suite_name: Field 'suite_name' must be a non-empty string"),
        (lambda c: c["scenarios"][1].pop("scenario_name"), r"^scenarios\[1\]: Missing required field 'scenario_name'$"),
        (lambda c: c["scenarios"][1].pop("missions"), r"^scenarios\[1\]: Missing required field 'missions'$"),
        (lambda c: c["scenarios"].append(7), r"^scenarios\[2\]: a scenario must be a mapping"),
        (lambda c: c["scenarios"][0].update(initial_state=[1]), r"^scenarios\[0\].initial_state: Field 'initial_state' must be a dict or None"),
        (lambda c: c["scenarios"][0]["missions"][0].update(params="loud"),
         r"^scenarios\[0\].missions\[0\].params: Field 'params' must be a dict or None, got str$"),
        (lambda c: c["scenarios"][0]["missions"][1].pop("name"), r"^scenarios\[0\].missions\[1\]: Missing required field 'name'$"),
        (lambda c: c["scenarios"][0]["missions"][1].pop("alias"),
         r"^scenarios\[0\]: scenario 'first' runs 'note' twice; give each call its own alias"),
        (lambda c: c["scenarios"][1]["missions"][0].update(approvals={"ok": "yes"}),
         r"^scenarios\[1\].missions\[0\].approvals.ok: a decision must be true \(approve\) or false \(reject\)"),
        (lambda c: c["scenarios"][1].update(clock="noon"), r"^scenarios\[1\].clock: clock time 'noon' is not an ISO 8601 instant"),
        (lambda c: c["scenarios"][0].update(initial_state={"when": {1, 2}}),
         r"^scenarios\[0\].initial_state: initial_state of 'first'\['when'\] is a builtins.set"),
    ],
)
def test_suite_problems_name_their_location(change, message):
    config = plan_config()
    change(config)
    with pytest.raises(ConfigError, match=message):
        parse_suite_definition(config)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e[0].pop("id"), r"^expectations\[0\]: Missing required field 'id'$"),
        (lambda e: e[0].update(op="about"), r"^expectations\[0\].op: Invalid value for 'op': 'about' in expectation '[^']+'; use one of eq, ne"),
        (lambda e: e[0].update(path=3), r"^expectations\[0\].path: expectation '[^']+': Field 'path' must be a string"),
        (lambda e: e[1].update(id="e1"), r"^expectations\[1\]: Duplicate expectation IDs are not allowed: 'e1' is also used at expectations\[0\]"),
        (lambda e: e[1].update(op="matches", expected="["), r"^expectations\[1\].expected: expectation 'e2': invalid regular expression"),
        (lambda e: e.append("e3"), r"^expectations\[2\]: an expectation must be a mapping"),
    ],
)
def test_expectation_problems_name_their_location(change, message):
    items = [
        {"id": "e1", "scenario_name": "s", "mission_name": "note", "path": "success", "op": "eq", "expected": True},
        {"id": "e2", "scenario_name": "s", "mission_name": "note", "path": "final_state", "op": "exists"},
    ]
    change(items)
    with pytest.raises(ConfigError, match=message):
        parse_expectations_definition({"expectations": items})


def test_inline_expectation_problems_name_their_location():
    config = plan_config()
    config["scenarios"][0]["expectations"][1]["scenario_name"] = "second"
    with pytest.raises(ConfigError, match=r"^scenarios\[0\].expectations\[1\].scenario_name: an inline expectation belongs to its scenario 'first'"):
        parse_test_plan(config)
    config = plan_config()
    config["expectations"][0]["id"] = "first-1"
    with pytest.raises(ConfigError, match=r"^expectations\[0\]: Duplicate expectation IDs .* also used at scenarios\[0\].expectations\[0\]"):
        parse_test_plan(config)


def test_a_plan_with_unknown_fields_is_refused_naming_each_with_a_suggestion():
    config = plan_config()
    config["expectatons"] = config.pop("expectations")
    config["scenarios"][0]["missons"] = config["scenarios"][0].pop("missions")
    config["scenarios"][1]["missions"][0]["param"] = {}
    config["scenarios"][0]["expectations"][0]["expect"] = "hi"
    with pytest.raises(ConfigError) as caught:
        parse_test_plan(config)
    problems = caught.value.problems
    assert "expectatons: unknown field 'expectatons' in the suite config (did you mean 'expectations'?)" in problems[0]
    assert any(p.startswith("scenarios[0].missons: unknown field 'missons' in a scenario (did you mean 'missions'?)")
               for p in problems)
    assert any(p.startswith("scenarios[1].missions[0].param: unknown field 'param' in a mission "
                            "(did you mean 'params'?)") for p in problems)
    assert any(p.startswith("scenarios[0].expectations[0].expect: unknown field 'expect' in an expectation "
                            "(did you mean 'expected'?)") for p in problems)
    assert "more problems" in str(caught.value)


def test_the_seed_entry_points_ignore_extra_fields_and_inputs_are_left_alone():
    config = plan_config()
    original = copy.deepcopy(config)
    noisy = copy.deepcopy(config)
    noisy["owner"] = "ops"
    noisy["scenarios"][0]["comment"] = "the first"
    noisy["scenarios"][0]["missions"][0]["retries"] = 3
    assert parse_suite_definition(noisy) == parse_suite_definition(config)
    expectations = {"expectations": config["expectations"], "owner": "ops"}
    assert parse_expectations_definition(expectations) == parse_expectations_definition(
        {"expectations": config["expectations"]})
    assert parse_test_plan({**config, "$schema": "./plan.schema.json"}) == parse_test_plan(config)
    assert config == original


def test_run_test_run_from_config():
    config = plan_config()
    expectations = {"expectations": config.pop("expectations")}
    result = run_test_run_from_config(config, expectations)
    assert result.passed is True
    assert result.metadata["suite_name"] == "notes"


# --- files ---------------------------------------------------------------------------------------


def test_plans_load_from_yaml_toml_and_json_alike(tmp_path):
    import yaml

    config = plan_config()
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "plan.json").write_text(json.dumps(config))
    (tmp_path / "plan.toml").write_text(
        'suite_name = "notes"\n[[scenarios]]\nscenario_name = "only"\n'
        '[[scenarios.missions]]\nname = "note"\nparams = {text = "hi"}\n'
        '[[scenarios.expectations]]\nmission_name = "note"\npath = "final_state.note"\nop = "eq"\nexpected = "hi"\n'
    )
    from_yaml, from_json = load_test_plan(tmp_path / "plan.yaml"), load_test_plan(tmp_path / "plan.json")
    assert (from_yaml.suite, from_yaml.expectations) == (from_json.suite, from_json.expectations)
    assert from_yaml.source == str(tmp_path / "plan.yaml")
    assert load_test_plan(tmp_path / "plan.toml").run().passed is True


def test_a_plan_and_an_expectations_file(tmp_path):
    config = plan_config()
    expectations = {"expectations": config.pop("expectations")}
    (tmp_path / "suite.json").write_text(json.dumps(config))
    (tmp_path / "expect.json").write_text(json.dumps(expectations))
    plan = load_test_plan(tmp_path / "suite.json", tmp_path / "expect.json")
    assert [e.id for e in plan.expectations.expectations] == ["first-1", "blank-note", "second-ran"]


def test_file_errors_name_the_file_and_place(tmp_path):
    bad_yaml = tmp_path / "plan.yaml"
    bad_yaml.write_text("suite_name: x\nscenarios:\n  - scenario_name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"test plan .*plan.yaml: invalid YAML at line 4"):
        load_test_plan(bad_yaml)
    wrong_shape = tmp_path / "shape.json"
    wrong_shape.write_text(json.dumps({"suite_name": "x", "scenarios": [{"scenario_name": "s", "missions": [{}]}]}))
    with pytest.raises(ConfigError, match=r"shape.json: scenarios\[0\].missions\[0\]: Missing required field 'name'"):
        load_test_plan(wrong_shape)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"suite_name": "x", "scenarios": []}))
    bad_expectations = tmp_path / "exp.json"
    bad_expectations.write_text(json.dumps({"expectations": [{"id": "e"}]}))
    with pytest.raises(ConfigError, match=r"exp.json: expectations\[0\]: Missing required field 'scenario_name'"):
        load_test_plan(good, bad_expectations)
    with pytest.raises(ConfigError, match="does not exist"):
        load_test_plan(tmp_path / "absent.yaml")
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="the suite config must be a mapping"):
        load_test_plan(listed)


# --- the JSON Schema -----------------------------------------------------------------------------


def test_the_schema_is_valid_and_accepts_what_the_parser_accepts():
    schema = load_schema("plan")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(plan_config(), schema)
    assert json.loads(schema_text("plan")) == schema


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.pop("suite_name"),
        lambda c: c["scenarios"][0].pop("missions"),
        lambda c: c["scenarios"][0]["missions"][0].update(params="loud"),
        lambda c: c["scenarios"][0]["expectations"][0].update(op="about"),
        lambda c: c["expectations"][0].pop("id"),
        lambda c: c["scenarios"][1]["missions"][0].update(approvals={"ok": "yes"}),
    ],
)
def test_the_schema_rejects_what_the_parser_rejects(change):
    config = plan_config()
    change(config)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, load_schema("plan"))
    with pytest.raises(ConfigError):
        parse_test_plan(config)


# --- anything else is a ConfigError, never another exception ---------------------------------------

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)
paths = st.lists(st.sampled_from(["scenarios", 0, 1, "missions", "expectations", "params", "name", "op",
                                  "scenario_name", "initial_state", "suite_name", "path", "clock", "alias"]),
                 min_size=1, max_size=5)


def _replace_at(config, path, value):
    target = config
    for key in path[:-1]:
        try:
            target = target[key]
        except (KeyError, IndexError, TypeError):
            return config
    try:
        target[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass
    return config


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths, json_like | st.sets(st.integers(), max_size=2) | st.just(object()))
def test_malformed_configs_raise_config_error_only(path, value):
    config = _replace_at(plan_config(), path, value)
    try:
        parse_test_plan(config)
    except ConfigError:
        pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_like)
def test_arbitrary_documents_raise_config_error_only(document):
    for parse in (parse_suite_definition, parse_expectations_definition, parse_test_plan):
        try:
            parse(document)
        except ConfigError:
            pass
