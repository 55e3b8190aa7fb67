"""The JSON Schemas: self-contained, checked offline by check-jsonschema, and as strict as lifeos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from lifeos_core.cli import app
from lifeos_core.harness.schema import expectations_schema, load_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "lifeos_core" / "harness" / "schemas"
EXAMPLE_PLANS = ["smoke.lifeos.yaml", "daily-plan.lifeos.yaml", "failing-plan.toml", "split/suite.json"]


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    """The check-jsonschema command, as a user runs it (no network: nothing may need fetching)."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMAS / schema),
                           *map(str, files)], capture_output=True, text=True)


def references(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


@pytest.mark.parametrize("name", ["plan", "expectations"])
def test_each_schema_is_valid_and_refers_only_to_itself(name):
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "$id" not in schema
    assert all(ref.startswith("#/") for ref in references(schema))


def test_the_shipped_expectations_schema_is_made_from_the_plan_schema():
    assert load_schema("expectations") == expectations_schema()


def test_every_example_passes_check_jsonschema_offline():
    plans = check_jsonschema("plan.schema.json", *(ROOT / "examples" / name for name in EXAMPLE_PLANS))
    assert plans.returncode == 0, plans.stdout + plans.stderr
    expectations = check_jsonschema("expectations.schema.json", ROOT / "examples" / "split" / "expectations.json")
    assert expectations.returncode == 0, expectations.stdout + expectations.stderr


def good_plan():
    return {
        "suite_name": "s",
        "scenarios": [{
            "scenario_name": "one",
            "clock": "2026-11-23T08:00:00+01:00",
            "initial_state": {"n": 1},
            "missions": [{"name": "echo", "params": {"message": "hi"}}],
            "expectations": [{"mission_name": "echo", "path": "executed_steps", "op": "len_eq", "expected": 1}],
        }],
    }


BROKEN = {
    "a misspelt top-level field": lambda p: p.update(expectatons=[]),
    "a misspelt scenario field": lambda p: p["scenarios"][0].update(missons=[]),
    "a misspelt mission field": lambda p: p["scenarios"][0]["missions"][0].update(param={}),
    "a misspelt expectation field": lambda p: p["scenarios"][0]["expectations"][0].update(expect=1),
    "a clock without a zone": lambda p: p["scenarios"][0].update(clock="2026-11-23T08:00:00"),
    "a clock that is not a time": lambda p: p["scenarios"][0].update(clock="noon"),
    "len_eq with text": lambda p: p["scenarios"][0]["expectations"][0].update(expected="one"),
    "len_eq without a number": lambda p: p["scenarios"][0]["expectations"][0].pop("expected"),
    "an integer JSON cannot carry": lambda p: p["scenarios"][0]["initial_state"].update(n=2**53),
    "a nested integer JSON cannot carry": lambda p: p["scenarios"][0]["missions"][0]["params"].update(
        deep={"list": [-(2**60)]}),
    "an unknown operator": lambda p: p["scenarios"][0]["expectations"][0].update(op="about"),
    "a decision that is not true or false": lambda p: p["scenarios"][0]["missions"][0].update(
        approvals={"step": "yes"}),
    "params that are not an object": lambda p: p["scenarios"][0]["missions"][0].update(params=[1]),
}


@pytest.mark.parametrize("problem", sorted(BROKEN))
def test_what_lifeos_refuses_the_schema_refuses(problem, tmp_path):
    plan = good_plan()
    BROKEN[problem](plan)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert check_jsonschema("plan.schema.json", path).returncode == 1
    assert CliRunner().invoke(app, ["validate", str(path)]).exit_code == 2


def test_a_good_plan_passes_both(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(good_plan()))
    assert check_jsonschema("plan.schema.json", path).returncode == 0
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_the_schema_lists_exactly_the_fields_the_reader_knows():
    from lifeos_core.harness import plans as config

    schema = load_schema("plan")
    defs = schema["$defs"]
    assert set(schema["properties"]) == {*config.PLAN_FIELDS, *config.EDITOR_FIELDS}
    assert set(defs["scenario"]["properties"]) == set(config.SCENARIO_FIELDS)
    assert set(defs["mission"]["properties"]) == set(config.CALL_FIELDS)
    assert set(defs["expectation"]["properties"]) == set(config.EXPECTATION_FIELDS)
    assert set(defs["inline_expectation"]["properties"]) == set(config.EXPECTATION_FIELDS)
