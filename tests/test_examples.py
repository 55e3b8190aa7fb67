"""Every file in examples/ does what its comment promises, with the installed standard packs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from lifeos_core import load_test_plan
from lifeos_core.cli import app
from lifeos_core.values.reading import read_data_file
from lifeos_core.harness.schema import load_schema

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

PLANS = {
    "smoke.lifeos.yaml": (None, True, []),
    "daily-plan.lifeos.yaml": (None, True, []),
    "failing-plan.toml": (None, False, [
        "message-mismatch", "path-that-does-not-exist", "numbers-and-text-do-not-compare",
        "daily-loop-succeeds",
    ]),
    "split/suite.json": ("split/expectations.json", True, []),
    "human-steps.lifeos.yaml": (None, True, []),
}
STATES = {"tasks.yaml": "daily_loop"}
TASK_FILES = {"tasks.md": ["Pay rent", "Draft the quarterly report", "Book the dentist"],
              "todo.txt": ["Renew the passport +admin @town", "Prepare the team retro +work", "Water the plants @home"]}
PYTEST_PROJECT = {"conftest.py", "pytest-project/pytest.ini", "pytest-project/test_arithmetic.py"}


def test_every_example_is_covered_here():
    files = {str(path.relative_to(EXAMPLES)) for path in EXAMPLES.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts}
    covered = (set(PLANS) | {pair[0] for pair in PLANS.values() if pair[0]} | set(STATES) | set(TASK_FILES)
               | PYTEST_PROJECT)
    assert files == covered


@pytest.mark.parametrize("name", sorted(PLANS))
def test_plan_examples_give_their_verdict(name):
    expectations, passed, failing = PLANS[name]
    plan = load_test_plan(EXAMPLES / name, EXAMPLES / expectations if expectations else None)
    first, second = plan.run(), plan.run()
    assert first.passed is passed
    assert first.expectations_result.failed_ids == failing
    assert first.metadata["test_run_hash"] == second.metadata["test_run_hash"]


@pytest.mark.parametrize("name", sorted(PLANS))
def test_plan_examples_match_the_schema(name):
    jsonschema.validate(read_data_file(EXAMPLES / name), load_schema("plan"))


@pytest.mark.parametrize("name", sorted(STATES))
def test_state_examples_run(name):
    result = CliRunner().invoke(app, ["run", STATES[name], "--state", str(EXAMPLES / name),
                                      "--clock", "2026-11-23T08:00:00Z", "--approve", "confirm-plan"])
    assert result.exit_code == 0, result.output
    assert "daily_loop succeeded" in result.stdout


def test_hashes_are_the_same_in_another_process():
    script = ("import sys, lifeos_core; "
              "print(lifeos_core.load_test_plan(sys.argv[1]).run().metadata['test_run_hash'])")
    other = subprocess.run([sys.executable, "-c", script, str(EXAMPLES / "daily-plan.lifeos.yaml")],
                           check=True, capture_output=True, text=True, env={"PYTHONHASHSEED": "12345", "PATH": ""})
    here = load_test_plan(EXAMPLES / "daily-plan.lifeos.yaml").run().metadata["test_run_hash"]
    assert other.stdout.strip() == here


@pytest.mark.parametrize("name", sorted(TASK_FILES))
def test_task_file_examples_plan_a_day(name, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = CliRunner().invoke(app, ["run", "daily_loop", "-p", f"tasks={EXAMPLES / name}", "--allow",
                                      f"read:{EXAMPLES / name}", "--clock", "2026-12-02T08:00:00Z", "--yes",
                                      "--json", "--no-record"])
    assert result.exit_code == 0, result.output
    chosen = [task["title"] for task in json.loads(result.stdout)["final_state"]["daily"]["priorities"]]
    assert chosen == TASK_FILES[name]


def test_the_pytest_project_has_one_passing_and_one_failing_test(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = CliRunner().invoke(app, ["run", "run_tests", "-p", f"target={EXAMPLES / 'pytest-project'}",
                                      "--allow", f"run:{sys.executable}", "--json", "--no-record"])
    assert result.exit_code == 1, result.output
    counts = json.loads(result.stdout)["final_state"]["run_tests"]["counts"]
    assert (counts["passed"], counts["failed"]) == (1, 1)
