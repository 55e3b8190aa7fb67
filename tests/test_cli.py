"""The command line: list and run missions, with stable exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lifeos_core import Mission, Param, StepSpec, __version__, hookimpl, stable_hash
from lifeos_core.cli import app

runner = CliRunner()


def bump(state, payload, context):
    state["count"] = state.get("count", 0) + payload["by"]
    state["at"] = context.now().isoformat()
    return state


def counter_plan(params):
    return [
        StepSpec("bump", "runtime", {"operation": "bump", "by": params["by"]}),
        StepSpec("check", "human", {"description": "Is the count right?"}),
        StepSpec("fail-if-asked", "runtime", {"operation": "fail" if params["explode"] else "noop", "reason": "asked to"}),
    ]


COUNTER = Mission(
    "counter",
    "Count up.",
    counter_plan,
    params=(Param("by", int, default=1), Param("explode", bool, default=False)),
)


@pytest.fixture(autouse=True)
def installed(registry_with, pack):
    registry_with(counting=pack([COUNTER], {"bump": bump}))


def invoke(*args):
    return runner.invoke(app, list(args))


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"lifeos {__version__}\n"


def test_missions_list_shows_name_description_and_origin():
    result = invoke("missions", "list")
    assert result.exit_code == 0
    assert result.stdout.split() == ["counter", "Count", "up.", "[counting", "local]"]


def test_missions_list_json():
    result = invoke("missions", "list", "--json")
    assert json.loads(result.stdout) == {
        "missions": [{"name": "counter", "description": "Count up.", "distribution": "counting", "version": "local"}],
        "problems": [],
    }


def test_run_prints_a_summary_and_exits_zero():
    result = invoke("run", "counter", "--param", "by=2", "--clock", "2026-02-03T04:05:06Z")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "counter succeeded (wf-counter, clock 2026-02-03T04:05:06Z)"
    assert lines[1].split() == ["bump", "runtime", "completed"]
    assert lines[2].split() == ["check", "human", "awaiting_attestation"]
    assert "state changed: at, count" in lines
    assert "awaiting attestation: check (decide with --approve STEP or --reject STEP)" in lines
    assert lines[-1].startswith("receipt ") and len(lines[-1].split()[1]) == 64


def test_run_json_is_the_full_result_and_is_reproducible_with_a_clock():
    args = ("run", "counter", "-p", "by=5", "--clock", "2026-02-03T04:05:06+00:00", "--json")
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0
    data = json.loads(first.stdout)
    assert data["final_state"] == {"count": 5, "at": "2026-02-03T04:05:06+00:00"}
    assert stable_hash(data) == stable_hash(json.loads(second.stdout))


def test_without_a_clock_the_run_uses_the_current_time():
    data = json.loads(invoke("run", "counter", "--json").stdout)
    assert data["receipt"]["start_time"] > "2025-"


def test_a_failed_mission_exits_one_and_says_why():
    result = invoke("run", "counter", "--param", "explode=true")
    assert result.exit_code == 1
    assert "counter FAILED" in result.stdout
    assert "error: step 'fail-if-asked' failed: asked to" in result.stdout


def test_approve_and_reject_human_steps():
    approved = json.loads(invoke("run", "counter", "--approve", "check", "--json").stdout)
    assert approved["receipt"]["human_steps"] == [{"id": "check", "status": "approved"}]
    rejected = invoke("run", "counter", "--reject", "check")
    assert rejected.exit_code == 1
    assert "step 'check' was rejected at human attestation" in rejected.stdout


def test_state_and_params_files(tmp_path):
    (tmp_path / "state.yaml").write_text("count: 10\nnote: kept\n")
    (tmp_path / "params.toml").write_text("by = 3\n")
    result = invoke("run", "counter", "--state", str(tmp_path / "state.yaml"),
                    "--params", str(tmp_path / "params.toml"), "--param", "by=4", "--json")
    assert json.loads(result.stdout)["final_state"]["count"] == 14


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "countr"), "error: unknown mission 'countr' (did you mean 'counter'?); installed: counter"),
        (("run", "counter", "--param", "by"), "error: --param 'by' must look like key=value"),
        (("run", "counter", "--param", "=3"), "error: --param '=3' must look like key=value"),
        (("run", "counter", "--param", "by=two"), "error: mission 'counter': param 'by' must be an integer, got 'two'"),
        (("run", "counter", "--state", "missing.json"), "error: state file missing.json does not exist"),
        (("run", "counter", "--approve", "bump"), "error: a decision was given for step 'bump', which is not a human step"),
        (("run", "counter", "--approve", "check", "--reject", "check"), "error: step 'check' is both approved and rejected"),
        (("run", "counter", "--clock", "yesterday"), "error: clock time 'yesterday' is not an ISO 8601 instant"),
        (("run", "counter", "--clock", "2026-01-01T00:00:00"), "error: clock time 2026-01-01T00:00:00 has no timezone"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_two(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_invalid_yaml_state_names_the_line(tmp_path):
    path = tmp_path / "state.yaml"
    path.write_text("count: [1,\n")
    result = invoke("run", "counter", "--state", str(path))
    assert result.exit_code == 2
    assert "invalid YAML at line 2" in result.stderr


def test_a_state_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "state.yaml"
    path.write_text("tags: !!set {a: null}\n")
    result = invoke("run", "counter", "--state", str(path))
    assert result.exit_code == 2
    assert "initial state['tags'] is a builtins.set" in result.stderr


def test_a_broken_plugin_is_reported_but_listing_still_works(registry_with, pack):
    class Broken:
        @hookimpl
        def lifeos_register_missions(self, register):
            raise ImportError("needs a missing library")

    registry_with(counting=pack([COUNTER], {"bump": bump}), broken=Broken())
    result = invoke("missions", "list")
    assert result.exit_code == 0
    assert result.stdout.startswith("counter")
    assert "warning: plugin broken (broken local): lifeos_register_missions failed: ImportError" in result.stderr
